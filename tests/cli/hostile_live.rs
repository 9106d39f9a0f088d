//! Hostile live state and proxy answers: what a non-admin can write onto the proxy (a
//! submission's names and `mcp_info`), what an upstream puts in a health error, and what
//! a broken or hostile proxy answers. None of it may reach a terminal raw, break out of
//! a Markdown comment, or be treated as a `${env:…}` reference.

use serde_json::{Value, json};

use crate::run;
use crate::support::apply::apply_plan;
use crate::support::cli::{Workspace, code, json, stable, stderr, stdout};
use crate::support::fake_proxy::{FakeConfig, FakeProxy, Fault, Method, RecordedBody};

/// What a terminal would act on: ESC, C1 CSI, BEL and the bidi overrides.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| matches!(c, '\u{1b}' | '\u{9b}' | '\u{7}' | '\u{202e}' | '\u{2066}'))
        .collect()
}

const EVIL: &str = "evil\u{1b}]0;pwned\u{7}\u{1b}[31m\u{202e}x";

#[test]
fn live_ids_names_and_proxy_messages_reach_the_terminal_escaped() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(json!({
        "server_id": EVIL, "server_name": "made_by_hand", "transport": "http",
        "url": "https://m.example.invalid/mcp",
        "static_headers": {EVIL: "v"}, "env_vars": [{"name": EVIL, "value": "x"}]
    }));
    let ws = Workspace::new();
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: made_by_hand\n    transport: http\n    url: https://m.example.invalid/mcp\n    static_headers:\n      X-A: b\n    env_vars: []\n",
    );
    for format in ["human", "markdown"] {
        let out = run(&ws, &fake, &["plan", "s.yaml", "--format", format]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(raw_controls(&text).is_empty(), "{format}: {text:?}");
        assert!(text.contains("\\x1b]0;pwned"), "shown, escaped: {text}");
    }
    // A proxy error body with terminal escapes.
    fake.inject(
        Fault::status(Method::GET, "/v1/mcp/server", 500)
            .with_body(json!({"detail": {"error": EVIL}})),
    );
    let out = run(&ws, &fake, &["plan", "s.yaml", "--retries", "0"]);
    assert_eq!(code(&out), 1);
    assert!(raw_controls(&stderr(&out)).is_empty(), "{:?}", stderr(&out));
    assert!(stderr(&out).contains("evil\\x1b"), "{}", stderr(&out));
}

#[test]
fn live_ids_cannot_break_out_of_a_markdown_comment() {
    let fake = FakeProxy::start(FakeConfig::default());
    let hostile = "x</code></summary>\n\n# Owned\n```\n@org/team ![i](https://e.invalid/p.png)";
    fake.seed_server(json!({
        "server_id": hostile, "server_name": "owned_one", "transport": "http",
        "url": "https://o.example.invalid/mcp", "description": "old"
    }));
    let ws = Workspace::new();
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: owned_one\n    transport: http\n    url: https://o.example.invalid/mcp\n    description: new\n",
    );
    let out = run(&ws, &fake, &["plan", "s.yaml", "--format", "markdown"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let md = stdout(&out);
    assert!(
        md.lines()
            .filter(|l| l.starts_with('#'))
            .all(|l| l == "### mcpform plan"),
        "{md}"
    );
    assert_eq!(md.matches("```diff").count(), 1, "{md}");
    assert!(!md.contains("\n```\n@org"), "{md}");
    assert!(!md.contains("![i](https://"), "{md}");
}

#[test]
fn references_written_on_the_proxy_stay_literal_through_plan_and_a_write() {
    const CANARY: &str = "admin-canary-3e4f5a6b";
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(json!({
        "server_id": "sub", "server_name": "submitted", "transport": "http",
        "url": "https://s.example.invalid/mcp",
        "description": "${env:LITELLM_API_KEY}",
        "mcp_info": {"logo_url": "https://x.invalid/${env:LITELLM_API_KEY}.png"},
        "static_headers": {"X-Tenant": "${env:LITELLM_API_KEY}"}
    }));
    let ws = Workspace::new();
    // The file manages `instructions` only; the update body copies the live `mcp_info`
    // back, as text.
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: submitted\n    transport: http\n    url: https://s.example.invalid/mcp\n    instructions: use it\n",
    );
    // Plan, then write the plan's bodies with the canary in the environment under the
    // name the live text uses, substituting only where the plan recorded references.
    let out = run(&ws, &fake, &["plan", "s.yaml", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let plan = json(&out);
    assert_eq!(
        plan["actions"][0]["references"],
        Value::Null,
        "no reference from the files"
    );
    apply_plan(
        &fake.base_url(),
        &fake.master_key(),
        &plan,
        &[("LITELLM_API_KEY", CANARY)],
    );
    let row = fake
        .rows()
        .into_iter()
        .find(|r| r["server_id"] == "sub")
        .unwrap();
    assert_eq!(
        row["mcp_info"]["logo_url"],
        "https://x.invalid/${env:LITELLM_API_KEY}.png"
    );
    assert_eq!(row["description"], "${env:LITELLM_API_KEY}");
    for r in fake.journal() {
        if let RecordedBody::Json(body) = &r.body {
            assert!(!body.to_string().contains(CANARY), "{body}");
        }
    }
}

/// Every line of `text` that the Actions runner would read as a workflow command: one
/// that starts (after blanks) with `::`, or holds the legacy `##[` anywhere, except
/// mcpform's own annotations (`mine`).
fn workflow_commands<'a>(text: &'a str, mine: &[&str]) -> Vec<&'a str> {
    text.split(['\n', '\r'])
        .filter(|l| {
            let own = mine.iter().any(|m| l.starts_with(m)) && !l.contains("##[");
            !own && (l.trim_start().starts_with("::") || l.contains("##["))
        })
        .collect()
}

#[test]
fn outside_text_never_gives_the_runner_a_workflow_command_of_either_form() {
    const STOP: &str = "x ##[stop-commands]tok";
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(json!({
        "server_id": format!("id {STOP}"), "server_name": "hand_made", "transport": "http",
        "url": "https://m.example.invalid/mcp",
        "description": "##[add-mask]word\n::warning::fake\n  ##[group]g"
    }));
    fake.seed_server(json!({
        "server_id": "owned", "server_name": "owned", "transport": "http",
        "url": "https://o.example.invalid/mcp", "description": STOP
    }));
    let ws = Workspace::new();
    let declared = "version: 1\nservers:\n  - server_name: owned\n    transport: http\n    url: https://o.example.invalid/mcp\n    description: \"new ##[endgroup]\"\n";
    ws.write("a ##[x].yaml", declared);
    ws.write(
        "bad.yaml",
        "version: 1\nservers:\n  - server_name: bad ##[add-mask]x\n    transport: http\n",
    );
    let mut seen = Vec::new();
    for format in ["human", "markdown", "json"] {
        let out = run(&ws, &fake, &["plan", "a ##[x].yaml", "--format", format]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        if format == "human" {
            insta::assert_snapshot!(
                "plan_legacy_workflow_commands",
                stable(&stdout(&out), &ws, &fake.base_url())
            );
        }
        seen.push((
            format!("plan --format {format}"),
            stdout(&out) + &stderr(&out),
        ));
    }
    let doc = json(&run(
        &ws,
        &fake,
        &["plan", "a ##[x].yaml", "--format", "json"],
    ));
    assert_eq!(
        doc["actions"][0]["changes"][0]["old"]["value"], STOP,
        "JSON readers see the text as it is"
    );
    for format in ["human", "json", "github", "sarif"] {
        let out = run(
            &ws,
            &fake,
            &["lint", "bad.yaml", "a ##[x].yaml", "--format", format],
        );
        assert_eq!(code(&out), 1, "{}", stdout(&out));
        if format == "human" {
            insta::assert_snapshot!(
                "lint_legacy_workflow_commands",
                stable(&(stdout(&out) + &stderr(&out)), &ws, &fake.base_url())
            );
        }
        seen.push((
            format!("lint --format {format}"),
            stdout(&out) + &stderr(&out),
        ));
    }
    let out = run(&ws, &fake, &["export"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    seen.push(("export".into(), stdout(&out) + &stderr(&out)));
    for (what, text) in &seen {
        let commands = workflow_commands(text, &["::error ", "::warning "]);
        assert!(commands.is_empty(), "{what}: {commands:?}\n{text}");
    }
}
