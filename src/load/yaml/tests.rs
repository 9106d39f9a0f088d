use super::*;
use crate::source::FileId;

fn parse_ok(text: &str) -> Node {
    let parsed = parse(FileId(0), text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed.root.expect("a document")
}

fn findings(text: &str) -> Vec<(RuleId, u32, u32, String)> {
    parse(FileId(0), text)
        .diagnostics
        .into_iter()
        .map(|d| {
            let pos = d.span.map(|s| s.start).unwrap_or_default();
            (d.rule, pos.line, pos.column1(), d.message)
        })
        .collect()
}

#[test]
fn every_key_and_value_has_its_span() {
    let root = parse_ok("# café ☕\nservers:\n  - server_name: a\n    transport: sse\n");
    let item = root.lookup(["servers", "0"]).unwrap();
    let entry = item.entry("transport").unwrap();
    assert_eq!(
        (entry.key_span.start.line, entry.key_span.start.column1()),
        (4, 5)
    );
    assert_eq!(
        (
            entry.value.span.start.line,
            entry.value.span.start.column1()
        ),
        (4, 16)
    );
    assert_eq!(entry.value.span.end.column1(), 19);
}

#[test]
fn yaml_1_2_scalars() {
    let root = parse_ok("a: 017\nb: 0x1F\nc: 1.10\nd: 'NO'\ne: ~\nf: true\ng: '1'\nh: .inf\n");
    let json = root.to_json();
    assert_eq!(json["a"], 17);
    assert_eq!(json["b"], 31);
    assert_eq!(json["c"], 1.1);
    assert_eq!(json["e"], serde_json::Value::Null);
    assert_eq!(json["f"], true);
    assert_eq!(json["g"], "1");
    assert_eq!(json["h"], ".inf");
}

#[test]
fn plain_yaml11_booleans_warn_but_stay_strings() {
    let f = findings("a: yes\nb: \"no\"\nc: On\nd: off\n");
    let rules: Vec<_> = f.iter().map(|(r, l, c, _)| (*r, *l, *c)).collect();
    assert_eq!(
        rules,
        vec![
            (RuleId::AmbiguousBool, 1, 4),
            (RuleId::AmbiguousBool, 3, 4),
            (RuleId::AmbiguousBool, 4, 4)
        ]
    );
    let root = parse(FileId(0), "a: yes\n").root.unwrap();
    assert_eq!(root.to_json()["a"], "yes");
}

#[test]
fn duplicate_keys_are_found_on_resolved_text() {
    let f = findings("a: 1\n\"a\": 2\nb: 3\n");
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].0, f[0].1, f[0].2), (RuleId::DuplicateKey, 2, 1));
    let parsed = parse(FileId(0), "a: 1\n\"a\": 2\n");
    assert_eq!(parsed.root.unwrap().to_json()["a"], 1, "first wins");
    let d = &parsed.diagnostics[0];
    assert_eq!(d.related[0].span.start.line, 1);
}

#[test]
fn duplicate_keys_in_large_mappings() {
    let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
    text.push_str("k7: again\n");
    let f = findings(&text);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].0, f[0].1), (RuleId::DuplicateKey, 41));
}

#[test]
fn merge_keys_expand_and_explicit_keys_win() {
    let root = parse_ok(
        "x-defaults: &d\n  transport: http\n  url: https://a.invalid\nservers:\n  - <<: *d\n    url: https://b.invalid\n",
    );
    let server = root.lookup(["servers", "0"]).unwrap();
    let json = server.to_json();
    assert_eq!(json["transport"], "http");
    assert_eq!(json["url"], "https://b.invalid");
    // A merged key keeps the span of its anchored text.
    assert_eq!(server.entry("transport").unwrap().key_span.start.line, 2);
}

#[test]
fn merge_of_a_list_of_mappings_first_wins() {
    let root = parse_ok("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n");
    assert_eq!(root.to_json()["c"], serde_json::json!({"x": 1, "y": 2}));
}

#[test]
fn merge_of_a_scalar_is_an_error() {
    let f = findings("a: &a 1\nb:\n  <<: *a\n");
    assert_eq!(f[0].0, RuleId::YamlSyntax);
    assert!(f[0].3.contains("merge key"));
}

#[test]
fn quoted_merge_key_is_an_ordinary_key() {
    let root = parse_ok("a:\n  '<<': 1\n");
    assert_eq!(root.to_json()["a"]["<<"], 1);
}

#[test]
fn alias_bomb_is_stopped() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let parsed = parse(FileId(0), &text);
    assert!(parsed.root.is_none());
    assert_eq!(parsed.diagnostics.len(), 1);
    assert_eq!(parsed.diagnostics[0].rule, RuleId::YamlSyntax);
    assert!(parsed.diagnostics[0].message.contains("alias bomb"));
}

#[test]
fn deep_nesting_is_refused() {
    let text = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let f = findings(&text);
    assert_eq!(f.len(), 1);
    assert!(f[0].3.contains("nesting deeper than 64"));
}

#[test]
fn aliases_cannot_nest_past_the_limit() {
    // Each anchor wraps the previous alias in 10 more levels: depth grows past 64 with
    // few nodes, far inside the alias budget.
    let mut text = String::from("x0: &x0 1\n");
    for i in 1..10 {
        let open = "[".repeat(10);
        let close = "]".repeat(10);
        text.push_str(&format!("x{i}: &x{i} {open}*x{}{close}\n", i - 1));
    }
    let f = findings(&text);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].3
            .contains("nesting deeper than 64 levels (through this alias)")
    );
    assert_eq!(f[0].1, 8, "the first alias that would nest too deep");
}

#[test]
fn second_document_is_refused() {
    let f = findings("version: 1\n---\nversion: 1\n");
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].0, f[0].1), (RuleId::YamlSyntax, 2));
}

#[test]
fn empty_and_comment_only_files() {
    for text in ["", "# only a comment\n", "\n\n"] {
        let parsed = parse(FileId(0), text);
        assert!(parsed.root.is_none());
        assert_eq!(parsed.diagnostics[0].rule, RuleId::EmptyFile, "{text:?}");
    }
}

#[test]
fn custom_tags_are_refused_with_a_hint() {
    let parsed = parse(FileId(0), "a: !env TOKEN\n");
    let d = &parsed.diagnostics[0];
    assert_eq!(d.rule, RuleId::YamlSyntax);
    assert!(d.message.contains("`!env`"));
    assert!(d.help.as_deref().unwrap().contains("${env:NAME}"));
}

#[test]
fn core_tags_resolve() {
    let root = parse_ok("a: !!str 123\nb: !!int 7\nc: !!null null\n");
    assert_eq!(
        root.to_json(),
        serde_json::json!({"a": "123", "b": 7, "c": null})
    );
    let f = findings("a: !!int abc\n");
    assert_eq!(f[0].0, RuleId::YamlSyntax);
}

#[test]
fn complex_keys_are_refused() {
    let f = findings("? [a, b]\n: 1\n");
    assert_eq!(f[0].0, RuleId::YamlSyntax);
}

#[test]
fn syntax_errors_have_positions() {
    let f = findings("servers:\n  - a: 1\n   b: 2\n");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, RuleId::YamlSyntax);
    assert_eq!(f[0].1, 3);
}

#[test]
fn unclosed_flow_at_end_of_file() {
    let f = findings("a: [1, 2\n");
    assert_eq!(f[0].0, RuleId::YamlSyntax);
}

#[test]
fn tabs_for_indentation_are_a_syntax_error() {
    let f = findings("a:\n\tb: 1\n");
    assert_eq!(f[0].0, RuleId::YamlSyntax);
}
