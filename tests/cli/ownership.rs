//! Ownership against a team member who can submit servers and read plan artifacts:
//! a copied plan body, copied markers and a reused id are never taken for mcpform's.

use serde_json::{Value, json};

use crate::support::cli::{Workspace, code, stable, stderr, stdout};
use crate::support::fake_proxy::{FakeConfig, FakeProxy, Role};

const ENV: &[(&str, &str)] = &[("JIRA_MCP_TOKEN", "our-token-value")];

const JIRA: &str = "version: 1\nservers:\n  - server_id: jira\n    server_name: jira\n    transport: http\n    url: https://jira.example.invalid/mcp\n    auth_type: bearer_token\n    credentials:\n      auth_value: ${env:JIRA_MCP_TOKEN}\n";

const MEMBER_KEY: &str = "sk-team-member-mallory";

fn mcpform(ws: &Workspace, fake: &FakeProxy, args: &[&str]) -> std::process::Output {
    ws.mcpform(&fake.base_url(), &fake.master_key())
        .envs(ENV.iter().copied())
        .args(args)
        .output()
        .unwrap()
}

fn apply_json(ws: &Workspace, fake: &FakeProxy, args: &[&str]) -> (i32, Value) {
    let mut all = vec![
        "apply",
        "--auto-approve",
        "--format",
        "json",
        "--progress",
        "none",
    ];
    all.extend_from_slice(args);
    let out = mcpform(ws, fake, &all);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not a report ({e}):\n{}\n{}", stdout(&out), stderr(&out)));
    (code(&out), report)
}

fn member(fake: &FakeProxy) {
    fake.add_key(MEMBER_KEY, "mallory", Role::InternalUser);
    fake.set_key_team(MEMBER_KEY, "team1");
}

fn writes(fake: &FakeProxy) -> Vec<(String, String)> {
    fake.journal()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method, r.path))
        .collect()
}

/// Item 2: the plan artifact's create body, with the attacker's token and the copied
/// markers, submitted under the planned id and approved, is not "already applied".
#[test]
fn a_submission_of_the_plans_own_body_is_never_settled_as_applied() {
    let fake = FakeProxy::start(FakeConfig::default());
    member(&fake);
    let ws = Workspace::new();
    ws.write("s.yaml", JIRA);
    let out = mcpform(&ws, &fake, &["plan", "s.yaml", "--out", "plan.json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join("plan.json")).unwrap())
            .unwrap();
    let mut body = doc["actions"][0]["body"].clone();
    body["credentials"] = json!({"auth_value": "attacker-token"});
    let (status, answer) = fake.submit(MEMBER_KEY, body);
    assert_eq!(status, 201, "{answer}");
    fake.review("jira", true);
    fake.clear_journal();
    let (exit, report) = apply_json(&ws, &fake, &["plan.json"]);
    let r = &report["results"][0];
    assert_ne!(r["status"], "already_applied", "{report:#}");
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(r["status"], "stale", "{report:#}");
    assert!(
        r["message"]
            .as_str()
            .unwrap_or_default()
            .contains("submission"),
        "{report:#}"
    );
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    let human = mcpform(&ws, &fake, &["apply", "plan.json", "--progress", "none"]);
    insta::assert_snapshot!(
        "apply_on_a_submission",
        stable(&stdout(&human), &ws, &fake.base_url())
    );
    let out = mcpform(&ws, &fake, &["plan", "s.yaml"]);
    insta::assert_snapshot!(
        "plan_declared_submission",
        stable(&stdout(&out), &ws, &fake.base_url())
    );
    // Planning from the files again does not adopt it either: an error says why.
    let out = mcpform(&ws, &fake, &["plan", "s.yaml", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(plan["actions"].as_array().unwrap().is_empty(), "{plan:#}");
    let error = plan["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        error.contains("submission") && error.contains("mallory"),
        "{plan:#}"
    );
}

/// Item 2: the plan error about a pending submission that holds a planned id does not
/// tell the admin to approve it.
#[test]
fn a_pending_submission_on_a_planned_id_is_not_to_be_approved() {
    let fake = FakeProxy::start(FakeConfig::default());
    member(&fake);
    let (status, answer) = fake.submit(
        MEMBER_KEY,
        json!({"server_id": "jira", "server_name": "jira", "transport": "http",
            "url": "https://jira.example.invalid/mcp"}),
    );
    assert_eq!(status, 201, "{answer}");
    let ws = Workspace::new();
    ws.write("s.yaml", JIRA);
    let out = mcpform(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    insta::assert_snapshot!(
        "plan_pending_submission",
        stable(&text, &ws, &fake.base_url())
    );
    assert!(!text.contains("approve or"), "{text}");
    assert!(text.contains("reject"), "{text}");
}

/// Item 5: a submission that reuses a deleted owned server's id and copies its markers
/// is neither adopted silently nor pruned as mcpform's.
#[test]
fn a_reused_id_with_a_copied_proof_is_not_mcpforms() {
    let fake = FakeProxy::start(FakeConfig::default());
    member(&fake);
    let ws = Workspace::new();
    ws.write("s.yaml", JIRA);
    let (exit, report) = apply_json(&ws, &fake, &["s.yaml"]);
    assert_eq!(exit, 0, "{report:#}");
    // Anyone who can read the server's `mcp_info` copies it; the server goes away.
    let info = fake.rows()[0]["mcp_info"].clone();
    let (client, runtime) = crate::support::inprocess::client_for(&fake);
    runtime.block_on(client.delete("jira")).unwrap();
    let (status, answer) = fake.submit(
        MEMBER_KEY,
        json!({"server_id": "jira", "server_name": "jira", "transport": "http",
            "url": "https://jira.example.invalid/mcp", "auth_type": "bearer_token",
            "credentials": {"auth_value": "attacker-token"}, "mcp_info": info}),
    );
    assert_eq!(status, 201, "{answer}");
    fake.review("jira", true);
    // Not declared: never pruned, reported as carrying a marker it cannot prove.
    ws.write("none.yaml", "version: 1\nservers:\n  - server_name: other\n    transport: sse\n    url: https://o.example.invalid/sse\n");
    let out = mcpform(
        &ws,
        &fake,
        &["plan", "none.yaml", "--prune", "--format", "json"],
    );
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let deletes: Vec<&Value> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "delete")
        .collect();
    assert!(deletes.is_empty(), "{plan:#}");
    let jira = plan["unmanaged"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["server_id"] == "jira")
        .cloned()
        .unwrap_or_default();
    assert_eq!(jira["reason"], "foreign_marker", "{plan:#}");
    // Declared: not adopted silently.
    let out = mcpform(&ws, &fake, &["plan", "s.yaml", "--format", "json"]);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(code(&out), 1, "{plan:#}");
    assert!(
        plan["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("submission"),
        "{plan:#}"
    );
}
