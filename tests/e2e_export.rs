//! End-to-end: `mcpform export` against a real LiteLLM proxy (`LITELLM_BASE_URL`,
//! `LITELLM_MASTER_KEY`; `.ci/run` starts one). Servers made in the dashboard's way (the
//! API directly) and by mcpform are exported, then: lint clean, plan empty, apply a
//! no-op, and a second export byte-identical. The proxy is shared, so the file holds
//! other servers too: the checks read this scenario's servers only.

#[path = "support/mod.rs"]
mod support;

use serde_json::json;

use support::cli::{code, stderr, stdout};
use support::env_file;
use support::scenario::Scenario;

const HEADER_SECRET: &str = "hdr-e2e-canary-41c9";
const URL_TOKEN: &str = "qry-e2e-canary-5d0e";
const URL_PASSWORD: &str = "upw-e2e-canary-6f1a";

/// The file's servers whose name starts with `prefix`, as a file of their own. The
/// exporter writes each server as a `  - ` item of the top-level list.
fn only_ours(text: &str, prefix: &str) -> (String, usize) {
    let body = text.split_once("\nservers:\n").map_or("", |(_, b)| b);
    let mut items: Vec<String> = Vec::new();
    for line in body.lines() {
        if line.starts_with("  - ") {
            items.push(String::new());
        }
        if let Some(item) = items.last_mut() {
            item.push_str(line);
            item.push('\n');
        }
    }
    let ours: Vec<String> = items
        .into_iter()
        .filter(|i| i.contains(&format!("server_name: {prefix}")))
        .collect();
    (
        format!("version: 1\nservers:\n{}", ours.concat()),
        ours.len(),
    )
}

#[test]
fn e2e_export_then_lint_plan_apply_and_export_again_change_nothing() {
    let Some(s) = Scenario::new("export") else {
        return;
    };
    let p = s.prefix.clone();
    s.proxy.create(json!({
        "server_id": format!("{p}jira_id"), "server_name": format!("{p}jira"),
        "transport": "http", "url": "https://jira.example.invalid/mcp",
        "description": "Jira: issues, #boards", "auth_type": "bearer_token",
        "credentials": {"auth_value": "tok-e2e-canary-77aa"},
        "static_headers": {"X-Api-Key": HEADER_SECRET, "X-Tenant": "acme"},
        "allowed_tools": ["search_issues"], "mcp_access_groups": ["dev"]
    }));
    s.proxy.create(json!({
        "server_name": format!("{p}weather"), "transport": "sse",
        "url": "https://weather.example.invalid/sse", "description": "yes",
        "static_headers": {"X-Region": "${REGION}"},
        "env_vars": [{"name": "REGION", "value": "eu-west"}, {"name": "USER_TOKEN", "scope": "user"}],
        "mcp_info": {"logo_url": "https://weather.example.invalid/logo.png", "team": "on"},
        "available_on_public_internet": false, "timeout": 12.5, "rpm": 60
    }));
    s.proxy.create(json!({
        "server_name": format!("{p}petstore"), "transport": "http", "spec_path": s.spec_file()
    }));
    // A URL set in the dashboard with a password and query tokens.
    s.proxy.create(json!({
        "server_name": format!("{p}docs"), "transport": "http",
        "url": format!("https://bot:{URL_PASSWORD}@docs.example.invalid/mcp?token={URL_TOKEN}&region=eu"),
        "byok_api_key_help_url": format!("https://docs.example.invalid/keys?ref={URL_TOKEN}")
    }));
    s.ws.write(
        "own.yaml",
        &format!(
            "version: 1\nservers:\n  - server_name: {p}github\n    alias: {p}gh\n    transport: http\n    url: https://gh.example.invalid/mcp\n    auth_type: bearer_token\n    is_byok: true\n    byok_description: [Read repositories]\n    lifecycle:\n      prevent_destroy: true\n"
        ),
    );
    let (exit, report, text) = s.apply_cli(&["own.yaml"], &[]);
    assert_eq!(exit, 0, "{text}\n{report:#}");

    let out = s.run(&["export", "-o", "all.yaml", "--env-file", "all.env"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let all = std::fs::read_to_string(s.ws.path().join("all.yaml")).unwrap();
    for secret in [
        HEADER_SECRET,
        "tok-e2e-canary-77aa",
        URL_TOKEN,
        URL_PASSWORD,
    ] {
        assert!(
            !all.contains(secret) && !stderr(&out).contains(secret),
            "{secret} in\n{all}"
        );
    }
    let (ours, count) = only_ours(&all, &p);
    assert_eq!(count, 5, "{all}");
    for line in [
        "    transport: openapi\n",
        "    lifecycle:\n      prevent_destroy: true\n",
        "    description: \"yes\"\n",
        "    description: \"Jira: issues, #boards\"\n",
        "    #   auth_value: ${env:MCPFORM_",
        "docs.example.invalid/mcp?token=${env:MCPFORM_",
    ] {
        assert!(ours.contains(line), "{line:?} in\n{ours}");
    }
    // Proxies before 1.89 (1.87.5 in CI) drop `env_vars` and `timeout`, before 1.106
    // `rpm`: what the proxy did not store is not exported, and the plan stays empty.
    let version = s.version();
    for (field, line) in [
        (
            "env_vars",
            "      - name: USER_TOKEN\n        scope: user\n",
        ),
        ("timeout", "    timeout: 12.5\n"),
        ("rpm", "    rpm: 60\n"),
    ] {
        let stored = version.lacks(field).is_none();
        assert_eq!(ours.contains(line), stored, "{field} on {version}:\n{ours}");
    }
    s.ws.write("ours.yaml", &ours);
    let upper = p.to_uppercase();
    let env: Vec<(String, String)> =
        env_file::parse(&std::fs::read_to_string(s.ws.path().join("all.env")).unwrap())
            .into_iter()
            .filter(|(k, _)| k.contains(&upper))
            .collect();
    for secret in [HEADER_SECRET, URL_TOKEN] {
        assert!(env.iter().any(|(_, v)| v == secret), "{secret}: {env:?}");
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let lint = s.run(&["lint", "ours.yaml"], &[]);
    assert_eq!(code(&lint), 0, "{}", stdout(&lint));
    let (exit, doc, text) = s.plan("ours.yaml", &env, &[]);
    assert_eq!(
        exit, 0,
        "the plan of an export must be empty:\n{text}\n{doc:#}"
    );
    let (exit, report, text) = s.apply_cli(&["ours.yaml"], &env);
    assert_eq!(exit, 0, "{text}\n{report:#}");
    assert!(
        text.contains("No changes"),
        "apply is a no-op:\n{text}\n{report:#}"
    );

    let again = s.run(&["export"], &[]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(
        only_ours(&stdout(&again), &p).0,
        ours,
        "a second export is the same"
    );
}
