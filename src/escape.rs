//! escape: text from outside mcpform (live values, proxy error bodies, file names, YAML
//! content) made safe for the place it is printed. One function per destination; every
//! renderer calls these at its edge, never its own `replace` chain.
//!
//! A terminal interprets control characters (ESC starts a colour, a title change or a
//! cursor move; U+009B is a one-byte CSI on some terminals) and bidirectional overrides
//! reorder what a reader sees. Both are shown as visible escapes instead.

use std::borrow::Cow;

pub mod markdown;

/// Whether a character must not reach a terminal raw: C0 and C1 controls, DEL, and the
/// Unicode bidirectional controls ("Trojan Source").
pub fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text for one line of terminal output: every unsafe character, line breaks included,
/// becomes a visible escape (`\n`, `\t`, `\x1b`, `\u{202e}`).
pub fn terminal_line(s: &str) -> Cow<'_, str> {
    escape_if(s, is_unsafe_for_terminal)
}

/// Text that may span lines (a proxy's multi-line message): line breaks and tabs stay,
/// every other unsafe character becomes a visible escape.
pub fn terminal_text(s: &str) -> Cow<'_, str> {
    escape_if(s, |c| c != '\n' && c != '\t' && is_unsafe_for_terminal(c))
}

fn escape_if(s: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            terminal_line("github_tools é☕"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn controls_and_bidi_overrides_become_visible() {
        assert_eq!(terminal_line("a\x1b[31mb\n"), "a\\x1b[31mb\\n");
        assert_eq!(terminal_line("x\u{9b}2Jy"), "x\\u{9b}2Jy");
        assert_eq!(terminal_line("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(terminal_line("\x7f"), "\\x7f");
    }

    #[test]
    fn multi_line_text_keeps_its_line_breaks() {
        assert_eq!(
            terminal_text("one\ntwo\x1b]0;t\x07"),
            "one\ntwo\\x1b]0;t\\x07"
        );
    }
}
