//! Markdown helpers for the generated pages.

/// `text` (which may hold `code spans`) made safe as Markdown prose: outside code spans,
/// the characters Markdown would take for emphasis, HTML or a table's cell border are
/// escaped; inside, only `|` (a table would end the cell there, even in a code span).
pub(crate) fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '|' => out.push_str("\\|"),
            '*' | '_' | '[' | ']' | '\\' if !in_code => {
                out.push('\\');
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// A fenced block of `lang` around `body` (a longer fence when the body holds one).
pub(crate) fn fence(lang: &str, body: &str) -> String {
    let mut ticks = "```".to_owned();
    while body.contains(&ticks) {
        ticks.push('`');
    }
    let body = body.strip_suffix('\n').unwrap_or(body);
    format!("{ticks}{lang}\n{body}\n{ticks}\n")
}

/// A Markdown table: a header row and rows of cells already escaped.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = format!("| {} |\n", header.join(" | "));
    s.push_str(&format!(
        "|{}|\n",
        header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    ));
    for row in rows {
        assert_eq!(row.len(), header.len(), "{row:?}");
        s.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    s
}

/// GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped,
/// spaces to `-`.
pub(crate) fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c)
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn text_escapes_outside_code_only() {
    assert_eq!(
        text("*.yaml and `a|*b` <x> | y"),
        "\\*.yaml and `a\\|*b` &lt;x&gt; \\| y"
    );
    assert_eq!(slug("`mcpform lint`"), "mcpform-lint");
    assert_eq!(slug("Exit codes: apply"), "exit-codes-apply");
}
