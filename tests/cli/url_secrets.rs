//! The secret parts of URLs (user-info, query values): hidden by plan in every format
//! and by apply's stale report, compared by fingerprint (a rotated token is a change, the
//! same token is none), and exported as placeholders whose values the env file holds.

use serde_json::json;

use crate::run;
use crate::support::cli::{Workspace, code, json, stable, stderr, stdout};
use crate::support::fake_proxy::{FakeConfig, FakeProxy};

const TOKEN: &str = "qtok-canary-4d3c2b1a";
const ROTATED: &str = "qtok-canary-rotated-9f8e";
const PASSWORD: &str = "qpw-canary-7a6b5c4d";

fn url(token: &str) -> String {
    format!("https://bot:{PASSWORD}@docs.example.invalid/mcp?token={token}&region=eu")
}

fn file(url: &str) -> String {
    format!("version: 1\nservers:\n  - server_name: docs\n    transport: http\n    url: {url}\n")
}

#[test]
fn a_rotated_query_token_is_a_change_shown_hidden_in_every_format() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(
        json!({"server_id": "docs", "server_name": "docs", "transport": "http",
        "url": url(TOKEN)}),
    );
    let ws = Workspace::new();
    // The file holds the same URL: no phantom diff.
    ws.write("s.yaml", &file(&url(TOKEN)));
    let same = run(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&same), 0, "{}", stdout(&same));
    // The token rotates in the file: a change, both sides hidden.
    ws.write("s.yaml", &file(&url(ROTATED)));
    let mut seen = Vec::new();
    for format in ["human", "markdown", "json"] {
        let out = run(
            &ws,
            &fake,
            &[
                "plan",
                "s.yaml",
                "--format",
                format,
                "--detailed-exitcode",
                "--out",
                "plan.json",
            ],
        );
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        if format != "json" {
            insta::assert_snapshot!(
                format!("plan_url_secrets_{format}"),
                stable(&stdout(&out), &ws, &fake.base_url())
            );
        }
        let mut shown = stdout(&out);
        if format == "json" {
            // The body is what apply sends: it holds what the file wrote (write the
            // token as `${env:…}` to keep it out). Every other part is checked.
            let mut doc = json(&out);
            doc["actions"][0]["body"] = json!(null);
            shown = doc.to_string();
        }
        seen.push((format!("plan --format {format}"), shown + &stderr(&out)));
    }
    let saved = std::fs::read_to_string(ws.path().join("plan.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let change = &doc["actions"][0]["changes"][0];
    assert_eq!(change["field"], "url");
    assert_eq!(change["old"], change["new"], "{change}");
    assert!(
        doc["actions"][0]["precondition"]["fields"]["url"]["hmac"].is_string(),
        "{doc:#}"
    );
    let mut without_body = doc.clone();
    without_body["actions"][0]["body"] = json!(null);
    seen.push(("plan.json".into(), without_body.to_string()));

    // Someone moves the server to another token: the saved plan is stale, by name only.
    let moved = json!({"server_id": "docs", "server_name": "docs", "alias": "docs",
        "url": format!("https://bot:{PASSWORD}@docs.example.invalid/mcp?token={TOKEN}-moved&region=eu")});
    let (client, runtime) = crate::support::inprocess::client_for(&fake);
    runtime
        .block_on(client.update(moved.as_object().unwrap()))
        .unwrap();
    for format in ["human", "json"] {
        let out = run(
            &ws,
            &fake,
            &[
                "apply",
                "plan.json",
                "--format",
                format,
                "--progress",
                "none",
                "--report",
                "r.json",
            ],
        );
        assert_eq!(code(&out), 1, "{}", stdout(&out));
        assert!(stdout(&out).contains("stale"), "{}", stdout(&out));
        assert!(stdout(&out).contains("url"), "{}", stdout(&out));
        seen.push((
            format!("apply --format {format}"),
            stdout(&out) + &stderr(&out),
        ));
        seen.push((
            "r.json".into(),
            std::fs::read_to_string(ws.path().join("r.json")).unwrap(),
        ));
    }
    for (what, text) in &seen {
        for secret in [TOKEN, ROTATED, PASSWORD, "region=eu"] {
            assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
        }
    }
    let json_plan = run(&ws, &fake, &["plan", "s.yaml", "--format", "json"]);
    assert_eq!(
        json(&json_plan)["actions"][0]["changes"][0]["old"]["value"],
        "https://****@docs.example.invalid/mcp?token=****&region=****",
    );
}

#[test]
fn export_writes_placeholders_for_url_secrets_and_the_file_plans_empty() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(json!({"server_id": "docs", "server_name": "docs", "transport": "http",
        "url": url(TOKEN), "mcp_info": {"logo_url": format!("https://l.example.invalid/a.png?sig={ROTATED}")}}));
    fake.seed_server(
        json!({"server_id": "spec", "server_name": "spec", "transport": "http",
        "spec_path": format!("https://s.example.invalid/openapi.json?key={ROTATED}")}),
    );
    let ws = Workspace::new();
    let out = run(
        &ws,
        &fake,
        &["export", "-o", "servers.yaml", "--env-file", "mcpform.env"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let file = std::fs::read_to_string(ws.path().join("servers.yaml")).unwrap();
    for (what, text) in [
        ("the file", &file),
        ("stdout", &stdout(&out)),
        ("stderr", &stderr(&out)),
    ] {
        for secret in [TOKEN, ROTATED, PASSWORD] {
            assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
        }
    }
    assert!(
        file.contains("url: https://${env:MCPFORM_DOCS_URL_USERINFO}@docs.example.invalid/mcp?token=${env:MCPFORM_DOCS_URL_TOKEN}&region=${env:MCPFORM_DOCS_URL_REGION}"),
        "{file}"
    );
    assert!(
        file.contains("spec_path: https://s.example.invalid/openapi.json?key=${env:MCPFORM_SPEC_SPEC_PATH_KEY}"),
        "{file}"
    );
    let env = crate::support::env_file::parse(
        &std::fs::read_to_string(ws.path().join("mcpform.env")).unwrap(),
    );
    assert!(env.contains(&(
        "MCPFORM_DOCS_URL_USERINFO".into(),
        format!("bot:{PASSWORD}")
    )));
    let lint = run(&ws, &fake, &["lint", "servers.yaml"]);
    assert_eq!(code(&lint), 0, "{}", stdout(&lint));
    let plan = ws
        .mcpform(&fake.base_url(), &fake.master_key())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args(["plan", "servers.yaml", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(code(&plan), 0, "{}", stdout(&plan));
}
