//! Markdown for GitHub comments and job summaries. Text from outside mcpform (live
//! ids, names, proxy messages, file names) must not end a `<summary>`, open a fence that
//! swallows the rest of a comment, or inject headings, links, images or @mentions.
//! Renderers put outside text through exactly one of these, by context:
//!
//! * [`text`] for prose (list items, quotes, paragraphs): every ASCII punctuation
//!   character is backslash-escaped, and @mentions, `#` references and autolinks are
//!   broken with an invisible word joiner;
//! * [`code`] for a value shown as inline code (table cells, names);
//! * `html` for text inside HTML elements (`<summary>`).
//!
//! All three turn line breaks and control characters into visible escapes first, so a
//! value always stays on its line.

use super::terminal_line;

/// U+2060 WORD JOINER: invisible, and ends GitHub's mention, reference and autolink
/// patterns.
const JOINER: char = '\u{2060}';

/// Prose: no markup, no mentions, no links survive.
pub fn text(s: &str) -> String {
    let line = terminal_line(s);
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
        if breaks_a_pattern(&chars, i) {
            out.push(JOINER);
        }
    }
    out
}

/// Whether a joiner after `chars[i]` is needed to stop a mention (`@user`), a
/// reference (`#123`) or an autolink (`https://`, `www.`).
fn breaks_a_pattern(chars: &[char], i: usize) -> bool {
    match chars[i] {
        '@' | '#' => true,
        ':' => chars.get(i + 1) == Some(&'/'),
        '.' => {
            i >= 3
                && chars[i - 3..i]
                    .iter()
                    .collect::<String>()
                    .eq_ignore_ascii_case("www")
        }
        _ => false,
    }
}

/// Inline code: a backtick fence longer than any run of backticks inside, padded when
/// the value starts or ends with one; `|` escaped so a table cell cannot be split.
pub fn code(s: &str) -> String {
    if s.is_empty() {
        return "` `".to_owned();
    }
    let line = terminal_line(s).replace('|', "\\|");
    let longest = line.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if line.starts_with('`') || line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{line}{pad}{fence}")
}

/// Text inside an HTML element: entities for the HTML specials, and mentions and
/// references broken as in [`text`].
pub(crate) fn html(s: &str) -> String {
    let line = terminal_line(s);
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '`' => out.push_str("&#96;"),
            // Markdown is not processed inside an HTML block, but a renderer that did
            // would still see no image or link.
            '!' => out.push_str("&#33;"),
            '[' => out.push_str("&#91;"),
            ']' => out.push_str("&#93;"),
            '(' => out.push_str("&#40;"),
            ')' => out.push_str("&#41;"),
            c => out.push(c),
        }
        if breaks_a_pattern(&chars, i) {
            out.push(JOINER);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_cannot_open_markup_mention_or_link() {
        let hostile = "x</summary>\n\n# Owned\n```\n![i](https://e.invalid/p.png) @admin [l](https://e.invalid) *b*";
        let t = text(hostile);
        assert!(!t.contains('\n') && !t.contains("</summary>") && !t.contains("```"));
        for needle in ["# Owned", "![", "](", "@admin", "https://", "*b*"] {
            assert!(!t.contains(needle), "{needle} survived in {t}");
        }
        assert!(t.contains("\\@\u{2060}admin"));
        assert_eq!(
            text("503: busy"),
            "503\\: busy",
            "no joiner where nothing links"
        );
    }

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a\nb"), "`a\\nb`");
        assert_eq!(code(""), "` `");
    }

    #[test]
    fn html_text_cannot_close_its_element() {
        let h = html("</summary><img src=x> @team #1");
        assert!(!h.contains('<') && !h.contains("@team") && !h.contains("#1"));
    }
}
