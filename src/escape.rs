//! escape: text from outside mcpform (live values, proxy error bodies, file names, YAML
//! content) made safe for the place it is printed. One function per destination; every
//! renderer calls these at its edge, never its own `replace` chain.
//!
//! A terminal interprets control characters (ESC starts a colour, a title change or a
//! cursor move; U+009B is a one-byte CSI on some terminals) and bidirectional overrides
//! reorder what a reader sees. Both are shown as visible escapes instead.
//!
//! Destinations: a terminal line (`terminal_line`, `terminal_text`), a source
//! snippet, where each character keeps its column (`snippet_text`), a GitHub
//! workflow command (`github_data`, `github_property`), a JSON document printed or
//! saved (`json_text`) and a URI (`uri_path`).
//!
//! Every one of them also keeps outside text from giving the GitHub Actions runner a
//! workflow command: a line that starts (after blanks) with `::` (`::stop-commands::`,
//! `::add-mask::`), and the legacy form `##[name]…`, which the runner obeys anywhere
//! in a line (`##[stop-commands]` would make it ignore mcpform's own annotations,
//! `##[add-mask]` blank words from the rest of the job's log).

use std::borrow::Cow;
use std::fmt::Write as _;

pub mod markdown;

/// Whether a character must not reach a terminal raw: C0 and C1 controls, DEL, the
/// Unicode bidirectional controls ("Trojan Source"), and the line and paragraph
/// separators (U+2028, U+2029), which some log viewers break lines at.
pub(crate) fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Whether a character is one of Unicode's bidirectional controls (embeddings,
/// overrides, isolates and marks), which reorder the text around them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// The character a source snippet shows for `c`: itself when it is safe (tabs too, which
/// the renderer expands), else one visible placeholder, so that underlines stay under
/// the right columns. A C0 control becomes its Control Pictures symbol (U+2400–U+241F:
/// ESC is `␛`), DEL is `␡`, and every other unsafe character (C1 controls, bidirectional
/// controls, line separators) is `\u{FFFD}`.
fn snippet_char(c: char) -> char {
    match c {
        '\t' => c,
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
        '\x7f' => '\u{2421}',
        c if is_unsafe_for_terminal(c) => '\u{FFFD}',
        c => c,
    }
}

/// One line of a source snippet: each character as [`snippet_char`] shows it, the `[`
/// of every `##[` as `\u{FFFD}`, and the first `:` of a line that starts (after
/// blanks) with `::` too, so no workflow command survives and every character still
/// takes one column. (miette draws a gutter before each line; this holds without it.)
pub(crate) fn snippet_text(s: &str) -> String {
    let mut shown: String = s.chars().map(snippet_char).collect();
    if shown.contains(LEGACY) {
        shown = shown.replace(LEGACY, "##\u{FFFD}");
    }
    if shown.trim_start().starts_with("::") {
        let blanks = shown.len() - shown.trim_start().len();
        shown.replace_range(blanks..blanks + 1, "\u{FFFD}");
    }
    shown
}

/// Text for one line of terminal output: every unsafe character, line breaks included,
/// becomes a visible escape (`\n`, `\t`, `\x1b`, `\u{202e}`).
pub(crate) fn terminal_line(s: &str) -> Cow<'_, str> {
    no_workflow_command(no_legacy_command(escape_if(s, is_unsafe_for_terminal)))
}

/// Text that may span lines (a proxy's multi-line message): line breaks and tabs stay,
/// every other unsafe character becomes a visible escape.
pub(crate) fn terminal_text(s: &str) -> Cow<'_, str> {
    no_workflow_command(no_legacy_command(escape_if(s, |c| {
        c != '\n' && c != '\t' && is_unsafe_for_terminal(c)
    })))
}

/// The runner's legacy workflow command prefix, obeyed anywhere in a line.
const LEGACY: &str = "##[";

/// `text` with the second `#` of every `##[` shown as `\x23`: the runner reads
/// `##[name]message` anywhere in a line of a step's output as a workflow command.
fn no_legacy_command(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.contains(LEGACY) {
        Cow::Owned(text.replace(LEGACY, "#\\x23["))
    } else {
        text
    }
}

/// A JSON document (a plan, a report, lint findings) as printed or saved: `##[`, which
/// can only stand inside a string, becomes `#\u0023[`, the same string to any JSON
/// reader, and no workflow command to the runner. A line of pretty-printed JSON never
/// starts with `::` (strings are quoted and cannot hold a raw line break).
pub(crate) fn json_text(json: String) -> String {
    if json.contains(LEGACY) {
        json.replace(LEGACY, "#\\u0023[")
    } else {
        json
    }
}

/// `text` with the first `:` of every line that starts (after blanks) with `::` shown
/// as `\x3a`: the GitHub Actions runner reads such a line of a step's stdout or stderr
/// as a workflow command (`::stop-commands::`, `::add-mask::`, `::error file=…::`), and
/// outside text must never give one. mcpform's own commands are printed raw.
fn no_workflow_command(text: Cow<'_, str>) -> Cow<'_, str> {
    let starts_one = |line: &str| line.trim_start().starts_with("::");
    if !text.split('\n').any(starts_one) {
        return text;
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            if starts_one(line) {
                let blanks = line.len() - line.trim_start().len();
                format!("{}\\x3a{}", &line[..blanks], &line[blanks + 1..])
            } else {
                line.to_owned()
            }
        })
        .collect();
    Cow::Owned(lines.join("\n"))
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

/// The message of a GitHub workflow command (after `::`), escaped as GitHub's toolkit
/// does (`%`, CR and LF percent-encoded, so a line break shows as one in the annotation
/// and can never start a command of its own), with every other unsafe character a
/// visible escape.
pub(crate) fn github_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_github(&mut out, c);
    }
    no_legacy_command(Cow::Owned(out)).into_owned()
}

/// A property value of a GitHub workflow command (`file=`, `title=`): as
/// [`github_data`], and `:` and `,`, which end a property, percent-encoded too.
pub(crate) fn github_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => push_github(&mut out, c),
        }
    }
    no_legacy_command(Cow::Owned(out)).into_owned()
}

fn push_github(out: &mut String, c: char) {
    match c {
        '%' => out.push_str("%25"),
        '\r' => out.push_str("%0D"),
        '\n' => out.push_str("%0A"),
        c if is_unsafe_for_terminal(c) => push_escape(out, c),
        c => out.push(c),
    }
}

/// A relative path as a URI reference (RFC 3986), for SARIF's `artifactLocation.uri`:
/// every byte but the unreserved characters, the sub-delimiters, `@` and `/` is
/// percent-encoded (UTF-8), so controls, bidirectional controls, spaces, `%`, `?`, `#`
/// and `:` (which would make the first segment a scheme) are all plain ASCII.
pub(crate) fn uri_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
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
    fn separators_are_unsafe_and_bidi_marks_are_bidi_controls() {
        assert_eq!(terminal_line("a\u{2028}b\u{2029}"), "a\\u{2028}b\\u{2029}");
        assert!(is_bidi_control('\u{2067}'));
        assert!(!is_bidi_control('a'));
    }

    #[test]
    fn snippet_characters_keep_one_column_each() {
        let shown: String = "a\x1b[\x00\x7f\u{9b}\u{202e}\t\u{2028}é"
            .chars()
            .map(snippet_char)
            .collect();
        assert_eq!(
            shown,
            "a\u{241b}[\u{2400}\u{2421}\u{fffd}\u{fffd}\t\u{fffd}é"
        );
    }

    #[test]
    fn github_workflow_command_escaping() {
        assert_eq!(github_data("a%b\nc\r"), "a%25b%0Ac%0D");
        assert_eq!(github_data("x\x1b[1m::y\u{202e}"), "x\\x1b[1m::y\\u{202e}");
        assert_eq!(github_property("dir/a,b:c.yaml"), "dir/a%2Cb%3Ac.yaml");
        assert_eq!(github_property("a\nb\x1b"), "a%0Ab\\x1b");
    }

    #[test]
    fn uri_paths_are_ascii() {
        assert_eq!(uri_path("servers/a-b_c.yaml"), "servers/a-b_c.yaml");
        assert_eq!(
            uri_path("s/a b%\x1b\u{202e}:#?.yaml"),
            "s/a%20b%25%1B%E2%80%AE%3A%23%3F.yaml"
        );
    }

    /// The Actions runner reads every line of a step's stdout and stderr whose first
    /// non-blank characters are `::` as a workflow command (`::stop-commands::`,
    /// `::add-mask::`, `::error file=…::`): outside text must never start one.
    #[test]
    fn outside_text_never_starts_a_workflow_command() {
        let hostile =
            "upstream says\n::stop-commands::pwned\n \t::error file=x::fake\n\u{a0}::add-mask::y";
        let text = terminal_text(hostile);
        assert_eq!(text.lines().count(), 4, "{text}");
        for line in text.lines() {
            assert!(!line.trim_start().starts_with("::"), "{text}");
        }
        assert_eq!(
            terminal_text("a\n::b"),
            "a\n\\x3a:b",
            "visible, and only the first colon"
        );
        assert_eq!(terminal_line("::warning::x"), "\\x3a:warning::x");
        assert_eq!(terminal_line("  ::x"), "  \\x3a:x");
        assert!(matches!(terminal_line("a ::b"), Cow::Borrowed(_)));
        assert!(matches!(terminal_text("a\nb ::c"), Cow::Borrowed(_)));
    }

    /// Outside text through every escaping function: no line starts (after blanks)
    /// with `::`, and no `##[` anywhere, the runner's two forms of workflow command.
    #[test]
    fn no_escaped_text_is_a_workflow_command_of_either_form() {
        use proptest::prelude::*;
        let pieces = prop::sample::select(vec![
            "::",
            "##[",
            "#",
            "[",
            "]",
            ":",
            "\n",
            "\r",
            " ",
            "\t",
            "\u{a0}",
            "\u{2028}",
            "stop-commands",
            "add-mask",
            "x",
            "%",
            ",",
            "`",
            "@",
            "\x1b",
        ]);
        let hostile = prop::collection::vec(pieces, 0..24).prop_map(|p| p.concat());
        proptest!(|(s in hostile)| {
            let json = serde_json::to_string_pretty(&serde_json::json!({"v": s})).unwrap();
            let outputs = [
                ("terminal_line", terminal_line(&s).into_owned()),
                ("terminal_text", terminal_text(&s).into_owned()),
                ("snippet_text", s.split('\n').map(snippet_text).collect::<Vec<_>>().join("\n")),
                ("json_text", json_text(json)),
                ("uri_path", uri_path(&s)),
                ("markdown::text", markdown::text(&s)),
                ("markdown::code", markdown::code(&s)),
                ("markdown::html", markdown::html(&s)),
            ];
            for (what, out) in &outputs {
                prop_assert!(!out.contains("##["), "{}: {:?}", what, out);
                for line in out.split(['\n', '\r']) {
                    prop_assert!(!line.trim_start().starts_with("::"), "{}: {:?}", what, out);
                }
            }
            // A command's data and properties follow mcpform's own `::name …::` on the
            // same line: they must hold no line break at all.
            for (what, out) in [("github_data", github_data(&s)), ("github_property", github_property(&s))] {
                prop_assert!(!out.contains("##[") && !out.contains(['\n', '\r']), "{}: {:?}", what, out);
            }
        });
        assert_eq!(terminal_line("a ##[add-mask]b"), "a #\\x23[add-mask]b");
        assert_eq!(terminal_text("###[x]\n##["), "##\\x23[x]\n#\\x23[");
        assert_eq!(
            github_data("m ##[stop-commands]t"),
            "m #\\x23[stop-commands]t"
        );
        assert_eq!(snippet_text("k: ##[x]"), "k: ##\u{FFFD}x]");
        assert_eq!(
            json_text("{\"v\": \"##[x]\"}".to_owned()),
            "{\"v\": \"#\\u0023[x]\"}"
        );
        let back: serde_json::Value =
            serde_json::from_str(&json_text(r###"{"v":"##[x]"}"###.to_owned())).unwrap();
        assert_eq!(back["v"], "##[x]", "the same string to a JSON reader");
    }

    #[test]
    fn multi_line_text_keeps_its_line_breaks() {
        assert_eq!(
            terminal_text("one\ntwo\x1b]0;t\x07"),
            "one\ntwo\\x1b]0;t\\x07"
        );
    }
}
