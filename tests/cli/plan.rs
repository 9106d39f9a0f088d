//! `mcpform plan` against the fake proxy: every kind of change, exit codes, ownership,
//! guards, formats, and an empty plan right after applying.

use mcpform::plan::PlanDocument;
use mcpform::secret::{FingerprintKey, Secret};
use serde_json::{Value, json};

use crate::run;
use crate::support::apply::apply_plan;
use crate::support::cli::{Workspace, code, json, stable, stderr, stdout};
use crate::support::fake_proxy::{CredentialKind, FakeConfig, FakeProxy, Method};

const ENV: &[(&str, &str)] = &[
    ("JIRA_MCP_TOKEN", "jira-token-value"),
    ("BILLING_MCP_TOKEN", "billing-token-value"),
    ("INVENTORY_MCP_TOKEN", "inventory-token-value"),
];

fn examples() -> String {
    format!("{}/examples", env!("CARGO_MANIFEST_DIR"))
}

fn plan_json(ws: &Workspace, fake: &FakeProxy, paths: &[&str], extra: &[&str]) -> (i32, Value) {
    let mut cmd = ws.mcpform(&fake.base_url(), &fake.master_key());
    cmd.envs(ENV.iter().copied())
        .arg("plan")
        .args(paths)
        .args(["--format", "json", "--detailed-exitcode"])
        .args(extra);
    let out = cmd.output().unwrap();
    assert!(
        code(&out) != 1,
        "plan failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    (code(&out), json(&out))
}

fn list_calls(fake: &FakeProxy) -> usize {
    fake.journal()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/v1/mcp/server")
        .count()
}

#[test]
fn examples_create_then_plan_empty_after_apply() {
    let fake = FakeProxy::start(FakeConfig {
        stdio_enabled: true,
        ..FakeConfig::default()
    });
    let ws = Workspace::new();
    let (exit, plan) = plan_json(&ws, &fake, &[&examples()], &[]);
    assert_eq!(exit, 2);
    assert_eq!(plan["summary"]["create"], 8);
    assert_eq!(list_calls(&fake), 1, "one list request per plan");
    assert_eq!(
        fake.get_by_id_calls(),
        1,
        "one lookup, for the one OpenAPI create (the list may hide those)"
    );
    apply_plan(&fake.base_url(), &fake.master_key(), &plan, ENV);
    fake.clear_journal();
    let (exit, again) = plan_json(&ws, &fake, &[&examples()], &[]);
    assert_eq!(exit, 0, "phantom diff after apply: {again:#}");
    assert_eq!(again["summary"]["unchanged"], 8);
    assert_eq!(list_calls(&fake), 1);
    assert_eq!(
        fake.get_by_id_calls(),
        1,
        "a plan of listed servers never GETs one by id (it health-checks upstream)"
    );
    for row in fake.rows() {
        assert_eq!(row["mcp_info"]["managed_by"], "mcpform", "{row:#}");
    }
}

const JIRA: &str = r#"version: 1
servers:
  - server_name: jira_tools
    server_id: jira
    description: Jira MCP (prod)
    transport: http
    url: https://jira-v2.example.invalid/mcp
    auth_type: bearer_token
    allowed_tools: [search_issues]
    mcp_access_groups: [dev]
    rpm: 60
"#;

#[test]
fn field_changes_show_old_and_new_and_adopt_dashboard_servers() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(json!({
        "server_id": "jira", "server_name": "jira_tools", "description": "Jira MCP",
        "transport": "http", "url": "https://jira.example.invalid/mcp", "auth_type": "bearer_token",
        "allowed_tools": ["search_issues", "get_issue"], "mcp_access_groups": ["dev"],
        "static_headers": {"X-Tenant": "acme"}
    }));
    let ws = Workspace::new();
    ws.write("servers.yaml", JIRA);
    let out = run(&ws, &fake, &["plan", "servers.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    insta::assert_snapshot!(
        "plan_field_changes",
        stable(&stdout(&out), &ws, &fake.base_url())
    );
    let (_, plan) = plan_json(&ws, &fake, &["servers.yaml"], &[]);
    let fields: Vec<&str> = plan["actions"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["description", "url", "allowed_tools", "rpm"],
        "static_headers is not declared, so not compared"
    );
    apply_plan(&fake.base_url(), &fake.master_key(), &plan, &[]);
    let row = fake
        .rows()
        .into_iter()
        .find(|r| r["server_id"] == "jira")
        .unwrap();
    assert_eq!(
        row["static_headers"],
        json!({"X-Tenant": "acme"}),
        "undeclared fields are kept"
    );
    assert_eq!(row["mcp_info"]["managed_by"], "mcpform");
    let (exit, _) = plan_json(&ws, &fake, &["servers.yaml"], &[]);
    assert_eq!(exit, 0);
}

/// The ownership proof mcpform writes, keyed by the fake's master key (plan's default
/// fingerprint key).
fn byok_server(fake: &FakeProxy) {
    crate::seed_owned_server(
        fake,
        json!({
            "server_id": "gh", "server_name": "github_tools", "transport": "http",
            "url": "https://gh.example.invalid/mcp", "auth_type": "bearer_token", "is_byok": true,
            "mcp_info": {"managed_by": "mcpform"}
        }),
    );
}

const BYOK_OFF: &str = "version: 1\nservers:\n  - server_name: github_tools\n    transport: http\n    url: https://gh.example.invalid/mcp\n    auth_type: bearer_token\n    is_byok: false\n";

#[test]
fn byok_off_with_stored_keys_is_guarded() {
    let fake = FakeProxy::start(FakeConfig::default());
    byok_server(&fake);
    for user in ["alice", "bob", "carol"] {
        fake.store_user_credential("gh", user, CredentialKind::Byok);
    }
    fake.store_user_credential("gh", "dave", CredentialKind::OAuth2);
    let ws = Workspace::new();
    ws.write("s.yaml", BYOK_OFF);
    let out = run(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 3, "{}{}", stdout(&out), stderr(&out));
    insta::assert_snapshot!(
        "plan_byok_off_guarded",
        stable(&stdout(&out), &ws, &fake.base_url())
    );
    let counted: Vec<_> = fake
        .journal()
        .into_iter()
        .filter(|r| r.path.ends_with("/user-credentials") && !r.path.contains("role-probe"))
        .collect();
    assert_eq!(
        counted.len(),
        1,
        "counted once, only for the server that needs it"
    );
    let (_, plan) = plan_json(&ws, &fake, &["s.yaml"], &[]);
    assert_eq!(
        plan["actions"][0]["guard"]["count"], 3,
        "oauth2 rows are not BYOK keys"
    );
    assert_eq!(plan["guarded"], true);
    // Without --detailed-exitcode a plan with changes still exits 0.
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 0);
}

#[test]
fn byok_off_allowed_by_the_file_is_a_change_not_a_guard() {
    let fake = FakeProxy::start(FakeConfig::default());
    byok_server(&fake);
    fake.store_user_credential("gh", "alice", CredentialKind::Byok);
    let ws = Workspace::new();
    ws.write(
        "s.yaml",
        &format!("{BYOK_OFF}    lifecycle:\n      allow_byok_disable: true\n"),
    );
    let (exit, plan) = plan_json(&ws, &fake, &["s.yaml"], &[]);
    assert_eq!(exit, 2);
    assert_eq!(plan["actions"][0]["guard"]["allowed"], true);
    assert_eq!(plan["actions"][0]["blocked"], false);
}

#[test]
fn byok_off_without_stored_keys_is_not_guarded() {
    let fake = FakeProxy::start(FakeConfig::default());
    byok_server(&fake);
    let ws = Workspace::new();
    ws.write("s.yaml", BYOK_OFF);
    let (exit, plan) = plan_json(&ws, &fake, &["s.yaml"], &[]);
    assert_eq!(exit, 2);
    assert_eq!(plan["actions"][0]["guard"]["count"], 0);
}

#[test]
fn older_proxy_cannot_count_keys_so_the_count_is_unknown_never_zero() {
    let fake = FakeProxy::start(FakeConfig {
        admin_credential_list: false,
        ..FakeConfig::default()
    });
    byok_server(&fake);
    let ws = Workspace::new();
    ws.write("s.yaml", BYOK_OFF);
    let out = run(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 3);
    assert!(
        stdout(&out).contains("stored keys: unknown (proxy older than 1.103)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn moving_a_byok_server_to_stdio_is_guarded_too() {
    let fake = FakeProxy::start(FakeConfig::default());
    byok_server(&fake);
    fake.store_user_credential("gh", "alice", CredentialKind::Byok);
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: github_tools\n    transport: stdio\n    command: npx\n    args: [gh-mcp]\n");
    let (exit, plan) = plan_json(&ws, &fake, &["s.yaml"], &[]);
    assert_eq!(exit, 3);
    assert_eq!(plan["actions"][0]["guard"]["reason"], "transport_stdio");
}

#[test]
fn proxy_without_byok_support_is_an_error() {
    let fake = FakeProxy::start(FakeConfig {
        supports_byok: false,
        ..FakeConfig::default()
    });
    fake.seed_server(json!({"server_id": "x", "server_name": "other", "transport": "sse", "url": "https://o.example.invalid/sse"}));
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: github_tools\n    transport: http\n    url: https://gh.example.invalid/mcp\n    auth_type: bearer_token\n    is_byok: true\n");
    let out = run(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("older than 1.82.1"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn unmanaged_servers_are_listed_and_prune_deletes_only_owned_ones() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(json!({"server_id": "manual", "server_name": "made_by_hand", "transport": "sse", "url": "https://m.example.invalid/sse"}));
    crate::seed_owned_server(
        &fake,
        json!({"server_id": "old", "server_name": "old_tools", "transport": "sse", "url": "https://o.example.invalid/sse", "mcp_info": {"managed_by": "mcpform"}}),
    );
    crate::seed_owned_server(
        &fake,
        json!({"server_id": "kept", "server_name": "kept_tools", "transport": "sse", "url": "https://k.example.invalid/sse", "mcp_info": {"managed_by": "mcpform", "mcpform_prevent_destroy": true}}),
    );
    fake.seed_server(json!({"server_id": "forged", "server_name": "forged_tools", "transport": "sse", "url": "https://f.example.invalid/sse", "mcp_info": {"managed_by": "mcpform"}}));
    fake.seed_config_server(json!({"server_name": "from_config", "url": "https://c.example.invalid/mcp", "transport": "http"}));
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers: []\n");
    let out = run(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 0, "without --prune nothing is deleted");
    insta::assert_snapshot!(
        "plan_unmanaged",
        stable(&stdout(&out), &ws, &fake.base_url())
    );
    let (exit, plan) = plan_json(&ws, &fake, &["s.yaml"], &["--prune"]);
    assert_eq!(exit, 2);
    let deletes: Vec<&Value> = plan["actions"].as_array().unwrap().iter().collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0]["server_id"], "old");
    assert_eq!(deletes[0]["action"], "delete");
}

#[test]
fn deleting_a_byok_server_with_stored_keys_is_guarded() {
    let fake = FakeProxy::start(FakeConfig::default());
    byok_server(&fake);
    fake.store_user_credential("gh", "alice", CredentialKind::Byok);
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers: []\n");
    let (exit, plan) = plan_json(&ws, &fake, &["s.yaml"], &["--prune"]);
    assert_eq!(exit, 3);
    assert_eq!(plan["actions"][0]["guard"]["reason"], "server_deleted");
}

#[test]
fn declaring_a_config_server_is_an_error() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_config_server(json!({"server_name": "from_config", "url": "https://c.example.invalid/mcp", "transport": "http"}));
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: from_config\n    transport: http\n    url: https://c.example.invalid/mcp\n");
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("config.yaml and is read-only"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("s.yaml:3"), "{}", stdout(&out));
}

#[test]
fn a_name_taken_by_another_live_server_is_an_error() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(json!({"server_id": "x", "server_name": "other", "alias": "github", "transport": "sse", "url": "https://o.example.invalid/sse"}));
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: GitHub\n    transport: http\n    url: https://gh.example.invalid/mcp\n");
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("`github` would be a name or alias of both this server and `other`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn openapi_servers_read_back_as_openapi() {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    let path = format!("{}/openapi-byok.yaml", examples());
    let (_, plan) = plan_json(&ws, &fake, &[&path], &[]);
    assert_eq!(plan["actions"][0]["body"]["transport"], "http");
    assert_eq!(
        plan["actions"][0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == "transport")
            .unwrap()["new"]["value"],
        "openapi"
    );
    apply_plan(&fake.base_url(), &fake.master_key(), &plan, &[]);
    let (exit, _) = plan_json(&ws, &fake, &[&path], &[]);
    assert_eq!(exit, 0);
}

#[test]
fn formats_markdown_and_saved_plan() {
    let fake = FakeProxy::start(FakeConfig::default());
    byok_server(&fake);
    fake.store_user_credential("gh", "alice", CredentialKind::Byok);
    let ws = Workspace::new();
    ws.write("s.yaml", &format!("{BYOK_OFF}  - server_name: weather\n    transport: sse\n    url: https://w.example.invalid/sse\n"));
    let out = run(
        &ws,
        &fake,
        &[
            "plan",
            "s.yaml",
            "--format",
            "markdown",
            "--out",
            "plan.json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    insta::assert_snapshot!(
        "plan_markdown",
        stable(&stdout(&out), &ws, &fake.base_url())
    );
    let text = std::fs::read_to_string(ws.path().join("plan.json")).unwrap();
    let key = FingerprintKey::new(&Secret::new(fake.master_key()));
    let doc = PlanDocument::from_json(&text, &key).expect("the saved plan reads back");
    assert_eq!(
        doc.to_json().unwrap(),
        text,
        "written and read back unchanged"
    );
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["format_version"], 3);
    assert_eq!(saved["summary"]["create"], 1);
    assert_eq!(saved["actions"][1]["precondition"]["kind"], "unchanged");
    let mut redacted = saved.clone();
    redacted["proxy"]["url"] = json!("[PROXY]");
    // The ownership proof is bound to the time the fake created the server.
    insta::assert_json_snapshot!("plan_saved_json", redacted, {
        ".created_at" => "[time]",
        ".plan_digest" => "[digest]",
        ".actions[].body.mcp_info.mcpform_owner" => "[proof]",
        ".actions[].precondition.fields.mcp_info.value.mcpform_owner" => "[proof]",
    });
}

#[test]
fn every_plan_reads_the_list_once_and_never_a_server_by_id() {
    let fake = FakeProxy::start(FakeConfig::default());
    let mut yaml = String::from("version: 1\nservers:\n");
    for i in 0..40 {
        fake.seed_server(json!({"server_id": format!("s{i}"), "server_name": format!("srv_{i}"), "transport": "sse",
                                "url": format!("https://s{i}.example.invalid/sse"), "description": "old"}));
        yaml.push_str(&format!("  - server_name: srv_{i}\n    transport: sse\n    url: https://s{i}.example.invalid/sse\n    description: new\n"));
    }
    let ws = Workspace::new();
    ws.write("s.yaml", &yaml);
    fake.clear_journal();
    let (exit, plan) = plan_json(&ws, &fake, &["s.yaml"], &[]);
    assert_eq!(exit, 2);
    assert_eq!(plan["summary"]["update"], 40);
    let journal: Vec<String> = fake.journal().into_iter().map(|r| r.path).collect();
    // The key's role (two reads), the proxy's version, the list, the submissions: the
    // same five requests for 40 servers as for one.
    assert_eq!(
        journal,
        [
            "/key/info",
            "/v1/mcp/server/mcpform-role-probe/user-credentials",
            "/health/readiness/details",
            "/v1/mcp/server",
            "/v1/mcp/server/submissions"
        ],
    );
    assert_eq!(fake.get_by_id_calls(), 0);
    let _ = Method::GET;
}

#[test]
fn an_openapi_server_the_list_leaves_out_is_not_created_twice() {
    let fake = FakeProxy::start(FakeConfig {
        unloadable_specs: true,
        ..FakeConfig::default()
    });
    let ws = Workspace::new();
    let path = format!("{}/openapi-byok.yaml", examples());
    let (exit, plan) = plan_json(&ws, &fake, &[&path], &["--retries", "0"]);
    assert_eq!(exit, 2);
    assert_eq!(
        fake.get_by_id_calls(),
        1,
        "one targeted lookup for the OpenAPI create"
    );
    apply_plan(&fake.base_url(), &fake.master_key(), &plan, &[]);
    let out = run(&ws, &fake, &["plan", &path, "--retries", "0"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("could not tell whether server_id") && text.contains("spec_path"),
        "{text}"
    );
    assert!(
        !text.contains("+ github_openapi"),
        "no second create: {text}"
    );
}

#[test]
fn updates_carry_the_full_managed_set_so_old_proxies_do_not_reset_fields() {
    // Proxies before 1.88 reset every omitted field with a default on PUT (is_byok
    // included); a PUT with only the changed field would turn BYOK off.
    let fake = FakeProxy::start(FakeConfig {
        put_resets_omitted: true,
        ..FakeConfig::default()
    });
    let ws = Workspace::new();
    let file = "version: 1\nservers:\n  - server_name: gh\n    transport: http\n    url: https://gh.example.invalid/mcp\n    auth_type: bearer_token\n    is_byok: true\n    allow_all_keys: true\n    mcp_access_groups: [dev]\n    description: one\n";
    ws.write("s.yaml", file);
    let (_, plan) = plan_json(&ws, &fake, &["s.yaml"], &[]);
    apply_plan(&fake.base_url(), &fake.master_key(), &plan, &[]);
    ws.write(
        "s.yaml",
        &file.replace("description: one", "description: two"),
    );
    let (exit, plan) = plan_json(&ws, &fake, &["s.yaml"], &[]);
    assert_eq!(exit, 2);
    let body = plan["actions"][0]["body"].as_object().unwrap();
    for field in [
        "is_byok",
        "allow_all_keys",
        "mcp_access_groups",
        "transport",
        "alias",
    ] {
        assert!(
            body.contains_key(field),
            "{field} missing from the update body"
        );
    }
    apply_plan(&fake.base_url(), &fake.master_key(), &plan, &[]);
    let (exit, again) = plan_json(&ws, &fake, &["s.yaml"], &[]);
    assert_eq!(exit, 0, "{again:#}");
    let row = fake
        .rows()
        .into_iter()
        .find(|r| r["server_name"] == "gh")
        .unwrap();
    assert_eq!(
        (row["is_byok"].clone(), row["description"].clone()),
        (json!(true), json!("two"))
    );
}

/// `timeout` is a float to the proxy: a file's `30` is shown as `30`, not `30.0`.
#[test]
fn whole_numbers_are_shown_as_the_file_wrote_them() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(
        json!({"server_id": "t", "server_name": "t", "transport": "http",
        "url": "https://t.example.invalid/mcp", "timeout": 12.5}),
    );
    let ws = Workspace::new();
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: t\n    transport: http\n    url: https://t.example.invalid/mcp\n    timeout: 30\n  - server_name: u\n    transport: http\n    url: https://u.example.invalid/mcp\n    timeout: 45\n",
    );
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    insta::assert_snapshot!(
        "plan_whole_numbers",
        stable(&stdout(&out), &ws, &fake.base_url())
    );
}
