//! A small, deterministic YAML emitter for the JSON-shaped values an export holds.
//!
//! Why not a serializer crate: the values are JSON (null, booleans, numbers, strings,
//! lists, maps), the output must be byte-stable across versions, and mcpform's own
//! loader (saphyr, YAML 1.2, with its YAML 1.1 `ambiguous-bool` warning) is the reader
//! that matters. So strings are written plain only when that is unmistakable to both
//! YAML 1.2 and 1.1 readers, and double-quoted otherwise, with every character YAML
//! does not allow raw (and every one a reviewer could not see) escaped. Collections are
//! block style, except empty ones (`[]`, `{}`). The round-trip tests below read every
//! output back with mcpform's loader.

use serde_json::{Map, Number, Value};

/// Appends `value` as the value of a mapping key or sequence item that has already been
/// written up to its `:` or `-` (without the space), at nesting `indent` (the column of
/// that key or dash). Ends with a line break.
pub(crate) fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, indent + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, indent + 2);
        }
        scalar => {
            out.push(' ');
            write_scalar(out, scalar);
            out.push('\n');
        }
    }
}

/// Appends a non-empty mapping in block style, each key at column `indent`.
pub(crate) fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize) {
    for (key, value) in map {
        pad(out, indent);
        write_string(out, key);
        out.push(':');
        write_value(out, value, indent);
    }
}

/// Appends a non-empty sequence in block style, each dash at column `indent`.
pub(crate) fn write_seq(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push('-');
        match item {
            // The first key goes on the dash's line; the others line up under it.
            Value::Object(map) if !map.is_empty() => {
                for (i, (key, value)) in map.iter().enumerate() {
                    if i == 0 {
                        out.push(' ');
                    } else {
                        pad(out, indent + 2);
                    }
                    write_string(out, key);
                    out.push(':');
                    write_value(out, value, indent + 2);
                }
            }
            other => write_value(out, other, indent),
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Appends a scalar (or an empty collection) as it stands after `key: `.
pub(crate) fn write_scalar(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Integers as digits; floats always with a `.` or an exponent after digits (so that
/// YAML reads a float back), never in a spelling YAML 1.2 does not know.
fn write_number(out: &mut String, n: &Number) {
    if n.is_f64() {
        let f = n.as_f64().unwrap_or_default();
        // Rust's shortest round-trip form: `30.0` is `30`, `1e21` is
        // `1000000000000000000000`; add `.0` when it has no `.` so it stays a float.
        let text = format!("{f:?}");
        out.push_str(&text);
        if !text.contains(['.', 'e', 'E']) {
            out.push_str(".0");
        }
    } else {
        out.push_str(&n.to_string());
    }
}

/// Appends a string, plain when that is unmistakable, else double-quoted.
pub(crate) fn write_string(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        write_quoted(out, s);
    }
}

/// Whether `s` reads back as the same string when written plain, in block context, by
/// a YAML 1.2 reader and by a YAML 1.1 one (no `yes`/`on`, no number, date or
/// sexagesimal look-alike). Deliberately conservative: anything unusual is quoted.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // A letter, `_`, `/` or `$` first: no indicator (`-?:,[]{}#&*!|>'"%@` and backtick),
    // no number, no `.inf`/`.nan`, no date.
    if !(first.is_ascii_alphabetic() || matches!(first, '_' | '/' | '$')) {
        return false;
    }
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || " _-./:@$()+=,;~*!?%&{}[]^'<>|".contains(c);
    if !s.chars().all(allowed) || s.ends_with([' ', ':']) {
        return false;
    }
    // `: ` starts a mapping value, ` #` a comment.
    if s.contains(": ") || s.contains(" #") {
        return false;
    }
    !is_reserved_word(s)
}

/// Words YAML 1.2 or 1.1 read as something other than a string.
fn is_reserved_word(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    )
}

/// Appends `s` double-quoted, escaping `"` and `\`, every control character, and every
/// character a reader could not see or that reorders text: line separators, bidi
/// controls, zero-width characters, the BOM, non-characters.
fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    for (i, c) in s.char_indices() {
        match c {
            // The Actions runner obeys `##[name]…` anywhere in a line of a step's output
            // (the file goes to stdout by default): `\x23` reads back as `#`.
            '#' if s[i..].starts_with("##[") => out.push_str("\\x23"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let code = u32::from(c);
                if code <= 0xFFFF {
                    out.push_str(&format!("\\u{code:04X}"));
                } else {
                    out.push_str(&format!("\\U{code:08X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || crate::escape::is_bidi_control(c)
        || matches!(
            c,
            '\u{00A0}'
                | '\u{00AD}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{FFFE}'
                | '\u{FFFF}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// A comment line's text: one line, every character that is not plainly visible
/// escaped, and the first `#` of every `##[` (comments hold server names and messages
/// that come from the proxy).
pub(crate) fn comment_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        // No legacy workflow command (`##[name]…`) in a comment either.
        if c == '\t' || needs_escape(c) || (c == '#' && s[i..].starts_with("##[")) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_text;
    use crate::rule::RuleId;
    use proptest::prelude::*;
    use serde_json::json;

    /// `value` under a key, read back by mcpform's loader: the value, and whether the
    /// loader found anything to say (a warning such as `ambiguous-bool`).
    fn round_trip(value: &Value) -> (Value, Vec<RuleId>) {
        let mut text = String::from("v:");
        write_value(&mut text, value, 0);
        let loaded = load_text("t.yaml", &text);
        let rules = loaded.diagnostics.iter().map(|d| d.rule).collect();
        let root = loaded.documents[0]
            .root
            .as_ref()
            .unwrap_or_else(|| panic!("no document from:\n{text}\n{:?}", loaded.diagnostics));
        (root.get("v").expect("v").to_json(), rules)
    }

    fn assert_round_trips(value: &Value) {
        let (back, rules) = round_trip(value);
        assert_eq!(&back, value, "value changed");
        assert!(rules.is_empty(), "{rules:?} for {value}");
    }

    #[test]
    fn tricky_strings_are_quoted_and_read_back() {
        for s in [
            "",
            " ",
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "null",
            "Null",
            "~",
            "true",
            "1",
            "1.0",
            "0x1F",
            "0o7",
            "1e3",
            ".inf",
            "-.inf",
            ".nan",
            "2025-06-18",
            "1:20",
            "12_000",
            "- a",
            "-a",
            "? a",
            ": a",
            "a: b",
            "a:",
            "a #b",
            "#x",
            "&a",
            "*a",
            "!tag",
            "|",
            ">",
            "'q'",
            "\"q\"",
            "%x",
            "@x",
            "`x`",
            "[a]",
            "{a: b}",
            "a,b",
            "<<",
            "a\nb",
            "trailing ",
            " leading",
            "tab\there",
            "é",
            "\u{1b}[31m",
            "\u{202e}abc",
            "\u{2028}",
            "\u{feff}",
            "\u{85}",
            "\u{a0}",
            "\u{e0041}",
            "\\",
            "\r\n",
            "\0",
            "${env:X}",
            "Bearer ${TOKEN}",
            "https://a.example/x?y=1&z=2",
            "C#",
            "a\u{7f}",
        ] {
            assert_round_trips(&json!(s));
            assert_round_trips(&json!({ s: s }));
        }
    }

    #[test]
    fn common_values_stay_plain() {
        let mut out = String::new();
        write_map(
            &mut out,
            json!({"url": "https://github-mcp.example.invalid/mcp", "name": "github_tools",
                   "header": "Bearer ${TOKEN}", "X-Tenant": "acme corp"})
            .as_object()
            .unwrap(),
            0,
        );
        assert_eq!(
            out,
            "url: https://github-mcp.example.invalid/mcp\nname: github_tools\nheader: Bearer ${TOKEN}\nX-Tenant: acme corp\n"
        );
    }

    #[test]
    fn collections_are_block_style_and_empty_ones_flow() {
        let v = json!({"a": [1, {"b": [], "c": {}}, [true, null]], "d": {"e": 2.5, "f": 30.0}});
        let mut out = String::new();
        write_map(&mut out, v.as_object().unwrap(), 0);
        assert_eq!(
            out,
            "a:\n  - 1\n  - b: []\n    c: {}\n  -\n    - true\n    - null\nd:\n  e: 2.5\n  f: 30.0\n"
        );
        assert_round_trips(&v);
    }

    #[test]
    fn numbers_keep_their_kind() {
        for v in [
            json!(0),
            json!(-5),
            json!(i64::MAX),
            json!(30.0),
            json!(1e21),
            json!(-1.5e-7),
            json!(0.1),
        ] {
            assert_round_trips(&v);
        }
    }

    #[test]
    fn comments_are_one_visible_line() {
        assert_eq!(
            comment_text("a\nb\u{202e}c\td"),
            "a\\u{a}b\\u{202e}c\\u{9}d"
        );
        assert_eq!(comment_text("plain `text`"), "plain `text`");
        assert_eq!(comment_text("a ##[add-mask]b"), "a \\u{23}#[add-mask]b");
    }

    #[test]
    fn no_legacy_workflow_command_and_the_value_reads_back() {
        let hostile = json!({"d": "x ##[stop-commands]t", "##[k]": ["###[a]"]});
        let mut text = String::from("v:");
        write_value(&mut text, &hostile, 0);
        assert!(!text.contains("##["), "{text}");
        assert_round_trips(&hostile);
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let text = prop_oneof![
            "[ -~]{0,12}",
            "\\PC{0,8}",
            prop::sample::select(vec![
                "yes", "on", "1.5", "null", "- x", "a: b", "#", "<<", "${env:A}"
            ])
            .prop_map(str::to_owned),
            any::<String>(),
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            text.clone().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((text.clone(), inner), 0..4)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

        /// Value → YAML → mcpform's loader → the same value, with no finding.
        #[test]
        fn every_json_value_round_trips_through_the_loader(v in json_value()) {
            let (back, rules) = round_trip(&v);
            prop_assert_eq!(&back, &v);
            prop_assert!(rules.is_empty(), "{:?}", rules);
        }
    }
}
