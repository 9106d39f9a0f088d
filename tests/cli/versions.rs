//! The proxy's version, end to end against the fake behaving as LiteLLM 1.87.5: fields it
//! does not store are one plan error each (never a diff, never sent), the version is in
//! every header, and apply on a proxy without partial updates keeps every field.

use serde_json::{Value, json};

use super::run;
use crate::support::cli::{Workspace, code, stable, stdout};
use crate::support::fake_proxy::{FakeConfig, FakeProxy, RecordedBody};

/// A weather server as made on the old proxy, plus the fields 1.87.5 lacks in the file.
const NEWER: &str = "version: 1
servers:
  - server_name: weather
    server_id: weather
    transport: sse
    url: https://weather.example.invalid/sse
    description: Weather
    rpm: 600
    timeout: 12.5
    tool_name_to_display_name:
      forecast: get-forecast
";

fn old_proxy() -> FakeProxy {
    FakeProxy::start(FakeConfig::as_version("1.87.5"))
}

fn weather(fake: &FakeProxy) {
    fake.seed_server(
        json!({"server_id": "weather", "server_name": "weather", "transport": "sse",
        "url": "https://weather.example.invalid/sse", "description": "Weather"}),
    );
}

#[test]
fn fields_the_old_proxy_does_not_store_are_errors_not_diffs() {
    let fake = old_proxy();
    weather(&fake);
    let ws = Workspace::new();
    ws.write("s.yaml", NEWER);
    let out = run(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    insta::assert_snapshot!(
        "plan_old_proxy_unsupported_fields",
        stable(&stdout(&out), &ws, &fake.base_url())
    );
    let out = run(&ws, &fake, &["plan", "s.yaml", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["proxy"]["version"], "1.87.5");
    assert_eq!(doc["summary"]["update"], 0, "never a diff: {doc:#}");
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(3), "{doc:#}");
    let out = run(&ws, &fake, &["plan", "s.yaml", "--format", "markdown"]);
    assert!(
        stdout(&out).contains("(LiteLLM `1.87.5`)"),
        "{}",
        stdout(&out)
    );
    // The same file without them plans empty.
    let kept: String = NEWER
        .lines()
        .take_while(|l| !l.contains("rpm"))
        .map(|l| format!("{l}\n"))
        .collect();
    ws.write("s.yaml", &kept);
    let out = run(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn apply_on_the_old_proxy_keeps_every_field_and_then_plans_empty() {
    let fake = old_proxy();
    // Made in the dashboard with fields the file does not manage.
    fake.seed_server(
        json!({"server_id": "gh", "server_name": "gh", "transport": "http",
        "url": "https://gh.example.invalid/mcp", "allow_all_keys": true,
        "mcp_access_groups": ["dev"], "auth_type": "bearer_token", "is_byok": true,
        "byok_description": ["Read"]}),
    );
    let ws = Workspace::new();
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: gh\n    transport: http\n    url: https://gh.example.invalid/mcp\n    description: from git\n    auth_type: bearer_token\n    is_byok: true\n",
    );
    fake.clear_journal();
    let out = run(
        &ws,
        &fake,
        &["apply", "s.yaml", "--auto-approve", "--progress", "none"],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let put = fake
        .journal()
        .into_iter()
        .find(|r| r.method == "PUT")
        .expect("an update");
    let RecordedBody::Json(body) = put.body else {
        panic!("{:?}", put.body)
    };
    // A full body: what 1.87.5 would otherwise reset is sent at its live value.
    assert_eq!(body["allow_all_keys"], true, "{body:#}");
    assert_eq!(body["mcp_access_groups"], json!(["dev"]));
    assert_eq!(body["byok_description"], json!(["Read"]));
    let row = &fake.rows()[0];
    assert_eq!(row["allow_all_keys"], true);
    assert_eq!(row["mcp_access_groups"], json!(["dev"]));
    assert_eq!(row["description"], "from git");
    let out = run(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn a_refused_keys_hash_and_tail_from_an_old_proxy_never_reach_the_output() {
    let fake = old_proxy();
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers: []\n");
    let key = "sk-e2e-refused-key-4f2a";
    let out = ws
        .mcpform(&fake.base_url(), key)
        .args(["plan", "s.yaml"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let err = crate::support::cli::stderr(&out);
    assert!(err.contains("Invalid proxy server token passed"), "{err}");
    let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    let hash: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert!(!err.contains(&hash) && !err.contains("sk-...4f2a"), "{err}");
}

#[test]
fn a_version_that_is_not_major_minor_patch_is_unknown_and_updates_reset_nothing() {
    unknown_version_resets_nothing(
        "main-nightly",
        "`main-nightly`, which is not major.minor.patch",
    );
    unknown_version_resets_nothing("", "the proxy did not say its version");
}

fn unknown_version_resets_nothing(said: &str, warning: &str) {
    // The fake answers as the reference, but says a version the table cannot place (or
    // none at all).
    let fake = FakeProxy::start(FakeConfig {
        version: said.to_owned(),
        ..FakeConfig::default()
    });
    fake.seed_server(json!({"server_id": "wiki", "server_name": "wiki",
        "transport": "sse", "url": "https://wiki.example.invalid/sse",
        "allow_all_keys": true, "mcp_access_groups": ["dev"], "description": "old"}));
    let ws = Workspace::new();
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: wiki\n    transport: sse\n    url: https://wiki.example.invalid/sse\n    description: new\n",
    );
    let out = run(&ws, &fake, &["plan", "s.yaml", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warned = doc["warnings"].to_string();
    assert!(
        warned.contains(warning) && warned.contains("updates carry the live values"),
        "{doc:#}"
    );
    let body = &doc["actions"][0]["body"];
    assert_eq!(
        (&body["allow_all_keys"], &body["mcp_access_groups"]),
        (&json!(true), &json!(["dev"])),
        "an unknown version might reset what a PUT omits: {doc:#}"
    );
    let out = run(&ws, &fake, &["apply", "s.yaml", "--auto-approve"]);
    assert_eq!(code(&out), 0, "{}", crate::support::cli::stderr(&out));
    let out = run(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let rows = fake.rows();
    let live = rows.iter().find(|r| r["server_id"] == "wiki").unwrap();
    assert_eq!(
        (&live["allow_all_keys"], &live["description"]),
        (&json!(true), &json!("new")),
        "{live:#}"
    );
}

#[test]
fn env_carried_for_an_old_proxy_never_reaches_the_plan_and_is_kept() {
    // A stdio server whose `env` (a token) was set in the dashboard; the file does not
    // manage `env`. 1.87.5 resets an omitted `env` to `{}`, so the update must carry it,
    // but its value can hold secrets: never in the plan, its JSON or the saved file.
    let fake = old_proxy();
    let canary = "ghp-canary-env-7c1e";
    fake.seed_server(json!({"server_id": "files", "server_name": "files",
        "transport": "stdio", "command": "npx", "args": ["fs-mcp"],
        "env": {"GITHUB_TOKEN": canary}, "description": "old"}));
    let ws = Workspace::new();
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: files\n    server_id: files\n    transport: stdio\n    command: npx\n    args: [fs-mcp]\n    description: new\n",
    );
    let out = run(
        &ws,
        &fake,
        &["plan", "s.yaml", "--format", "json", "--out", "plan.json"],
    );
    assert_eq!(code(&out), 0, "{}", crate::support::cli::stderr(&out));
    let saved = std::fs::read_to_string(ws.path().join("plan.json")).unwrap();
    assert!(!stdout(&out).contains(canary), "{}", stdout(&out));
    assert!(!saved.contains(canary), "{saved}");
    let out = run(&ws, &fake, &["apply", "plan.json", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(!stdout(&out).contains(canary), "{}", stdout(&out));
    let rows = fake.rows();
    let live = rows.iter().find(|r| r["server_id"] == "files").unwrap();
    assert_eq!(
        (&live["env"], &live["description"]),
        (&json!({"GITHUB_TOKEN": canary}), &json!("new")),
        "{live:#}"
    );
    let out = run(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn a_saved_plan_made_with_partial_updates_carries_what_an_older_replica_would_reset() {
    // Planned against 1.108.7 (a PUT changes only what it carries); when apply reads the
    // version again the same URL answers 1.87.5 (a PUT resets what it omits): a rolling
    // upgrade from before 1.88, whose writes may reach either replica. The update must
    // carry `allow_all_keys` and `mcp_access_groups`, which the file does not manage, at
    // the values apply reads, instead of resetting them (or refusing, which a re-plan
    // against the newer replica would not cure).
    let seed = json!({"server_id": "wiki", "server_name": "wiki", "transport": "sse",
        "url": "https://wiki.example.invalid/sse", "allow_all_keys": true,
        "mcp_access_groups": ["dev"], "description": "old"});
    let new = FakeProxy::start(FakeConfig::default());
    new.seed_server(seed.clone());
    let ws = Workspace::new();
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: wiki\n    transport: sse\n    url: https://wiki.example.invalid/sse\n    description: new\n",
    );
    let out = run(&ws, &new, &["plan", "s.yaml", "--out", "plan.json"]);
    assert_eq!(code(&out), 0, "{}", crate::support::cli::stderr(&out));
    let old = old_proxy();
    old.seed_server(seed);
    // The same proxy URL, now answered by the older version.
    let path = ws.path().join("plan.json");
    let mut doc: mcpform::plan::PlanDocument =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(doc.proxy.version.as_deref(), Some("1.108.7"));
    let update = &doc.actions[0];
    assert!(
        update
            .body
            .as_ref()
            .is_some_and(|b| !b.contains_key("allow_all_keys")),
        "the plan itself carries nothing: {update:#?}"
    );
    doc.proxy.url = old.base_url();
    doc.plan_digest = doc.digest(&mcpform::secret::FingerprintKey::new(
        &mcpform::secret::Secret::new(new.master_key()),
    ));
    std::fs::write(&path, doc.to_json().unwrap()).unwrap();
    old.clear_journal();
    let out = run(&ws, &old, &["apply", "plan.json", "--progress", "none"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let put = old
        .journal()
        .into_iter()
        .find(|r| r.method == "PUT")
        .expect("one update");
    let crate::support::fake_proxy::RecordedBody::Json(sent) = put.body else {
        panic!("{put:?}");
    };
    assert_eq!(
        (&sent["allow_all_keys"], &sent["mcp_access_groups"]),
        (&json!(true), &json!(["dev"])),
        "{sent:#}"
    );
    let row = &old.rows()[0];
    assert_eq!(
        (
            &row["allow_all_keys"],
            &row["mcp_access_groups"],
            &row["description"]
        ),
        (&json!(true), &json!(["dev"]), &json!("new"))
    );
}
