//! Saved plans that someone edited, or that say less than the proxy now needs: the
//! digest is keyed, and preflight re-derives what matters from the live server.

use mcpform::plan::{ActionKind, Expected, PlanDocument, Precondition};
use mcpform::secret::{FingerprintKey, Secret};
use serde_json::{Value, json};

use crate::support::cli::{Workspace, code, stderr, stdout};
use crate::support::fake_proxy::{CredentialKind, FakeConfig, FakeProxy};

fn mcpform(ws: &Workspace, fake: &FakeProxy, args: &[&str]) -> std::process::Output {
    ws.mcpform(&fake.base_url(), &fake.master_key())
        .args(args)
        .output()
        .unwrap()
}

fn read(ws: &Workspace) -> PlanDocument {
    serde_json::from_str(&std::fs::read_to_string(ws.path().join("plan.json")).unwrap()).unwrap()
}

/// Signs an edited document as mcpform would with the fake's key (a document mcpform
/// itself got wrong, or one made by a version that planned less carefully).
fn sign(ws: &Workspace, fake: &FakeProxy, mut doc: PlanDocument) {
    doc.plan_digest = doc.digest(&FingerprintKey::new(&Secret::new(fake.master_key())));
    std::fs::write(ws.path().join("plan.json"), doc.to_json().unwrap()).unwrap();
}

fn writes(fake: &FakeProxy) -> Vec<(String, String)> {
    fake.journal()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method, r.path))
        .collect()
}

const ONE: &str = "version: 1\nservers:\n  - server_name: weather\n    transport: sse\n    url: https://w.example.invalid/sse\n    description: new\n";

fn weather() -> FakeProxy {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(json!({"server_id": "weather", "server_name": "weather",
        "transport": "sse", "url": "https://w.example.invalid/sse"}));
    fake
}

#[test]
fn an_edited_plan_with_its_digest_recomputed_is_refused() {
    let fake = weather();
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    let out = mcpform(&ws, &fake, &["plan", "s.yaml", "--out", "plan.json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut doc = read(&ws);
    let body = doc.actions[0].body.as_mut().unwrap();
    body.insert("url".into(), json!("https://attacker.example.invalid/sse"));
    // What anyone who reads the artifact can compute: SHA-256 over the covered content.
    let text = doc.to_json().unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    let unkeyed: PlanDocument = serde_json::from_value(value.clone()).unwrap();
    value["plan_digest"] = json!(unkeyed_digest(&unkeyed));
    std::fs::write(ws.path().join("plan.json"), value.to_string()).unwrap();
    fake.clear_journal();
    let out = mcpform(&ws, &fake, &["apply", "plan.json", "--progress", "none"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("MCPFORM_FINGERPRINT_KEY"),
        "{}",
        stderr(&out)
    );
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
}

/// A digest computed without the key (mcpform 0.1.0's was SHA-256 over the content).
fn unkeyed_digest(doc: &PlanDocument) -> String {
    mcpform::secret::digest(&serde_json::to_value(&doc.actions).unwrap())
}

#[test]
fn a_plan_made_with_another_fingerprint_key_is_refused_naming_it() {
    let fake = weather();
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    let out = ws
        .mcpform(&fake.base_url(), &fake.master_key())
        .env("MCPFORM_FINGERPRINT_KEY", "key-one")
        .args(["plan", "s.yaml", "--out", "plan.json"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    fake.clear_journal();
    let out = ws
        .mcpform(&fake.base_url(), &fake.master_key())
        .env("MCPFORM_FINGERPRINT_KEY", "key-two")
        .args(["apply", "plan.json", "--progress", "none"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("MCPFORM_FINGERPRINT_KEY"),
        "{}",
        stderr(&out)
    );
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
}

#[test]
fn a_delete_of_a_server_mcpform_cannot_prove_is_its_own_is_never_sent() {
    let fake = weather();
    fake.seed_server(json!({"server_id": "theirs", "server_name": "theirs",
        "transport": "sse", "url": "https://t.example.invalid/sse"}));
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    let out = mcpform(
        &ws,
        &fake,
        &["plan", "s.yaml", "--out", "plan.json", "--prune"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut doc = read(&ws);
    let mut delete = doc.actions[0].clone();
    delete.action = ActionKind::Delete;
    delete.server_id = "theirs".into();
    delete.server_name = "theirs".into();
    delete.body = None;
    delete.phase = mcpform::plan::Phase::Delete;
    // What the live server holds, as the planner would have recorded it.
    let expected = json!({"server_name": "theirs", "transport": "sse",
        "url": "https://t.example.invalid/sse", "spec_path": null, "alias": "theirs",
        "is_byok": false, "mcp_info": {}});
    delete.precondition = Precondition::Unchanged {
        fields: expected
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), Expected::Value(v.clone())))
            .collect(),
    };
    doc.actions = vec![delete];
    sign(&ws, &fake, doc);
    fake.clear_journal();
    let out = mcpform(
        &ws,
        &fake,
        &["apply", "plan.json", "--prune", "--progress", "none"],
    );
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(stdout(&out).contains("cannot prove"), "{}", stdout(&out));
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    assert_eq!(fake.rows().len(), 2);
}

#[test]
fn a_delete_of_a_byok_server_is_recounted_even_without_a_guard_in_the_plan() {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: gh\n    transport: http\n    url: https://gh.example.invalid/mcp\n    auth_type: bearer_token\n    is_byok: true\n");
    let out = mcpform(
        &ws,
        &fake,
        &["apply", "s.yaml", "--auto-approve", "--progress", "none"],
    );
    assert_eq!(code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    fake.store_user_credential("gh", "alice", CredentialKind::Byok);
    ws.write("s.yaml", ONE);
    let out = mcpform(
        &ws,
        &fake,
        &["plan", "s.yaml", "--out", "plan.json", "--prune"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut doc = read(&ws);
    let delete = doc
        .actions
        .iter_mut()
        .find(|a| a.action == ActionKind::Delete)
        .expect("a delete");
    assert!(delete.guard.is_some(), "the planner guards it");
    delete.guard = None;
    delete.blocked = false;
    sign(&ws, &fake, doc);
    fake.clear_journal();
    let out = mcpform(
        &ws,
        &fake,
        &["apply", "plan.json", "--prune", "--progress", "none"],
    );
    assert_ne!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("carries no guard"),
        "{}",
        stdout(&out)
    );
    assert!(
        !writes(&fake).iter().any(|(m, _)| m == "DELETE"),
        "{:?}",
        writes(&fake)
    );
    assert_eq!(fake.user_credentials("gh").len(), 1);
}

#[test]
fn an_update_whose_precondition_does_not_cover_what_it_sends_is_refused() {
    let fake = weather();
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    let out = mcpform(&ws, &fake, &["plan", "s.yaml", "--out", "plan.json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut doc = read(&ws);
    let Precondition::Unchanged { fields } = &mut doc.actions[0].precondition else {
        panic!("an update's precondition")
    };
    fields.remove("url");
    sign(&ws, &fake, doc);
    fake.clear_journal();
    let out = mcpform(&ws, &fake, &["apply", "plan.json", "--progress", "none"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("does not record the live value of `url`"),
        "{}",
        stdout(&out)
    );
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
}

#[test]
fn a_byok_server_moved_to_auth_type_none_is_guarded() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(
        json!({"server_id": "gh", "server_name": "gh", "transport": "http",
        "url": "https://gh.example.invalid/mcp", "auth_type": "bearer_token", "is_byok": true}),
    );
    fake.store_user_credential("gh", "alice", CredentialKind::Byok);
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: gh\n    transport: http\n    url: https://gh.example.invalid/mcp\n    auth_type: none\n    is_byok: true\n");
    let out = mcpform(&ws, &fake, &["plan", "s.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
}
