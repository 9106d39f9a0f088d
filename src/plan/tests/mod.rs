//! Unit tests of the planner: pure, no network. Desired state comes from YAML through
//! lint and resolve; live state from list rows shaped like the real proxy's.

use serde_json::{Value, json};

use super::*;
use crate::lint::{LintOptions, lint};
use crate::live::PendingServer;
use crate::load::load_text;
use crate::resolve::resolve;
use crate::secret::{FingerprintKey, Secret};

/// When the proxy created the rows of these tests.
const AT: &str = "2026-12-08T00:27:40.655000Z";

fn key() -> FingerprintKey {
    FingerprintKey::new(&Secret::new("fp-key"))
}

fn desired(yaml: &str) -> Vec<ResolvedServer> {
    let none = |_: &str| None;
    let linted = lint(
        load_text("d.yaml", yaml),
        &LintOptions {
            require_env: false,
            env: &none,
            reserved_env: &[],
            proxy_version: None,
        },
    );
    assert!(!linted.has_errors(), "{:#?}", linted.diagnostics);
    let env = |n: &str| Some(format!("value-of-{n}"));
    resolve(&linted.loaded, &linted.desired, &env, &key()).unwrap()
}

/// A list row as the real 1.108.7 shows it, with `overrides` applied.
fn row(overrides: Value) -> Value {
    let mut base = json!({
        "server_id": "id", "created_at": AT, "is_config": false, "server_name": "s", "alias": "s", "description": null,
        "url": "https://s.invalid/mcp", "spec_path": null, "transport": "http", "auth_type": null,
        "credentials": null, "instructions": null, "teams": [], "mcp_access_groups": [], "allowed_tools": [],
        "tool_name_to_display_name": null, "tool_name_to_description": null, "extra_headers": [],
        "mcp_info": {"server_name": "s", "is_public": false, "is_public_explicit": false},
        "static_headers": null, "env_vars": null, "status": null, "command": null, "args": [], "env": {},
        "subject_token_type": "urn:ietf:params:oauth:token-type:access_token", "token_exchange_profile": "rfc8693",
        "allow_all_keys": false, "available_on_public_internet": true, "is_byok": false, "byok_description": [],
        "byok_api_key_help_url": null, "has_user_credential": null, "rpm": null, "timeout": null
    });
    for (k, v) in overrides.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn live(rows: Vec<Value>) -> LiveState {
    LiveState::from_list(Value::Array(rows)).unwrap()
}

fn run(d: &[ResolvedServer], l: &LiveState) -> Plan {
    plan(d, l, &Facts::default(), PlanOptions::default(), &key())
}

fn with_counts(counts: &[(&str, CredentialCount)]) -> Facts {
    Facts {
        credentials: counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        ..Facts::default()
    }
}

const S: &str = "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n";

#[test]
fn a_listed_row_equal_to_the_file_is_unchanged_despite_list_noise() {
    let p = run(&desired(S), &live(vec![row(json!({}))]));
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert_eq!(
        p.unchanged,
        [Unchanged {
            server_name: "s".into(),
            server_id: "id".into()
        }]
    );
}

#[test]
fn matching_by_name_ignores_case_and_an_exact_match_wins() {
    let p = run(
        &desired(S),
        &live(vec![
            row(json!({"server_id": "a", "server_name": "S"})),
            row(json!({"server_id": "b"})),
        ]),
    );
    assert!(p.actions.is_empty());
    assert_eq!(p.unchanged[0].server_id, "b");
    let p = run(
        &desired(S),
        &live(vec![row(
            json!({"server_id": "a", "server_name": "S", "alias": "S"}),
        )]),
    );
    assert_eq!(p.actions[0].server_id, "a");
    assert_eq!(
        p.actions[0]
            .changes
            .iter()
            .map(|c| c.field.as_str())
            .collect::<Vec<_>>(),
        ["server_name", "alias"]
    );
}

#[test]
fn matching_by_declared_server_id_makes_renames_edits() {
    let d = desired(
        "version: 1\nservers:\n  - server_id: id\n    server_name: renamed\n    transport: http\n    url: https://s.invalid/mcp\n",
    );
    let p = run(&d, &live(vec![row(json!({}))]));
    assert_eq!(p.actions[0].action, ActionKind::Update);
    let fields: Vec<_> = p.actions[0]
        .changes
        .iter()
        .map(|c| c.field.clone())
        .collect();
    assert_eq!(fields, ["server_name", "alias"]);
    assert_eq!(p.actions[0].body.as_ref().unwrap()["alias"], "renamed");
}

#[test]
fn creates_get_a_deterministic_free_id() {
    let p = run(
        &desired(S),
        &live(vec![row(
            json!({"server_id": "s", "server_name": "other", "alias": "other"}),
        )]),
    );
    assert_eq!(p.actions[0].action, ActionKind::Create);
    assert_eq!(p.actions[0].server_id, "s.2");
    assert_eq!(
        free_id("x", &["x".to_owned(), "x.2".to_owned()].into()),
        "x.3"
    );
}

#[test]
fn undeclared_fields_are_neither_compared_nor_sent() {
    let l = live(vec![row(
        json!({"description": "from the dashboard", "static_headers": {"X": "1"}}),
    )]);
    assert!(run(&desired(S), &l).actions.is_empty());
    let d = desired(&format!("{S}    rpm: 5\n"));
    let p = run(&d, &l);
    let body = p.actions[0].body.as_ref().unwrap();
    assert!(!body.contains_key("description") && !body.contains_key("static_headers"));
    for always in crate::model::always_managed().chain(["mcp_info"]) {
        assert!(body.contains_key(always), "{always} missing from {body:?}");
    }
}

#[test]
fn ignore_changes_are_not_compared_or_sent_but_sent_on_create() {
    let d = desired(&format!(
        "{S}    description: mine\n    lifecycle:\n      ignore_changes: [description]\n"
    ));
    let p = run(&d, &live(vec![row(json!({"description": "theirs"}))]));
    assert!(p.actions.is_empty());
    let p = run(&d, &live(vec![]));
    assert_eq!(p.actions[0].body.as_ref().unwrap()["description"], "mine");
}

#[test]
fn always_managed_fields_cannot_be_ignored() {
    let d = desired(&format!("{S}    lifecycle:\n      ignore_changes: [url]\n"));
    let p = run(
        &d,
        &live(vec![row(json!({"url": "https://elsewhere.invalid"}))]),
    );
    assert_eq!(p.actions[0].changes[0].field, "url");
}

#[test]
fn the_listed_description_trap() {
    // The list shows mcp_info.description as the description when that key is stored.
    let d = desired(&format!("{S}    description: new\n"));
    let l = live(vec![row(
        json!({"description": "stale", "mcp_info": {"description": "stale", "server_name": "s"}}),
    )]);
    let p = run(&d, &l);
    let body = p.actions[0].body.as_ref().unwrap();
    assert_eq!(body["description"], "new");
    assert!(
        body["mcp_info"].get("description").is_none(),
        "the injected key is never written back"
    );
}

#[test]
fn undeclared_mcp_info_is_preserved_and_markers_added() {
    let d = desired(&format!("{S}    rpm: 1\n"));
    let l = live(vec![row(
        json!({"mcp_info": {"logo_url": "l", "server_name": "s", "is_public": false}}),
    )]);
    let p = run(&d, &l);
    let info = &p.actions[0].body.as_ref().unwrap()["mcp_info"];
    assert_eq!(
        info,
        &json!({"logo_url": "l", "managed_by": "mcpform", "mcpform_owner": owner_proof("id", AT, &key())})
    );
}

#[test]
fn a_missing_ownership_marker_alone_is_not_a_change() {
    let p = run(&desired(S), &live(vec![row(json!({"mcp_info": {}}))]));
    assert!(p.actions.is_empty());
}

const CREDS: &str = "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    auth_type: bearer_token\n    credentials:\n      auth_value: ${env:T}\n";

#[test]
fn credentials_are_sent_when_their_fingerprint_is_unknown_or_differs() {
    let d = desired(CREDS);
    let fp = d[0].credentials_fingerprint.clone().unwrap();
    let base = json!({"auth_type": "bearer_token"});
    let mut unknown = base.clone();
    unknown["mcp_info"] = json!({"managed_by": "mcpform"});
    let p = run(&d, &live(vec![row(unknown)]));
    assert!(p.actions[0].sends_credentials);
    assert_eq!(p.actions[0].changes[0].new, Shown::Sensitive);
    assert_eq!(
        p.actions[0].body.as_ref().unwrap()["credentials"]["auth_value"],
        "${env:T}",
        "bodies keep references"
    );
    let mut same = base.clone();
    same["mcp_info"] = json!({"managed_by": "mcpform", "mcpform_credentials_hmac": fp,
        "mcpform_owner": owner_proof("id", AT, &key())});
    assert!(run(&d, &live(vec![row(same.clone())])).actions.is_empty());
    // An auth_type change makes the proxy drop stored credentials: send them again.
    let mut other_auth = same;
    other_auth["auth_type"] = json!("api_key");
    let p = run(&d, &live(vec![row(other_auth)]));
    assert!(p.actions[0].sends_credentials);
}

#[test]
fn sensitive_values_are_never_shown() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    static_headers:\n      X-Key: ${env:K}\n",
    );
    let p = run(
        &d,
        &live(vec![row(
            json!({"static_headers": {"X-Key": "old-secret"}}),
        )]),
    );
    let c = &p.actions[0].changes[0];
    assert_eq!(
        (c.field.as_str(), &c.old, &c.new),
        ("static_headers", &Shown::Sensitive, &Shown::Sensitive)
    );
    assert_eq!(c.keys.as_ref().unwrap().changed, ["X-Key"]);
    let text = format!("{p:?}");
    assert!(
        !text.contains("old-secret") && !text.contains("value-of-K"),
        "{text}"
    );
}

#[test]
fn byok_guards_need_a_count_first() {
    let d = desired(S);
    let l = live(vec![row(
        json!({"is_byok": true, "auth_type": "bearer_token"}),
    )]);
    let first = run(&d, &l);
    assert_eq!(first.needs().credential_counts, ["id"]);
    assert!(first.actions[0].is_blocked(), "not checked is not zero");
    let p = plan(
        &d,
        &l,
        &with_counts(&[("id", CredentialCount::Known(0))]),
        PlanOptions::default(),
        &key(),
    );
    assert!(!p.actions[0].is_blocked());
    let p = plan(
        &d,
        &l,
        &with_counts(&[("id", CredentialCount::Known(2))]),
        PlanOptions::default(),
        &key(),
    );
    assert!(p.actions[0].is_blocked());
    let p = plan(
        &d,
        &l,
        &with_counts(&[("id", CredentialCount::Unsupported)]),
        PlanOptions::default(),
        &key(),
    );
    assert!(p.actions[0].is_blocked());
    assert_eq!(p.summary().guarded, 1);
}

#[test]
fn servers_that_keep_byok_need_no_count() {
    let d = desired(&format!(
        "{S}    auth_type: bearer_token\n    is_byok: true\n    description: d\n"
    ));
    let p = run(
        &d,
        &live(vec![row(
            json!({"is_byok": true, "auth_type": "bearer_token"}),
        )]),
    );
    assert!(p.actions[0].guard.is_none());
    assert!(p.needs().credential_counts.is_empty());
}

#[test]
fn oauth_servers_warn_about_purged_tokens() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://new.invalid/mcp\n    auth_type: oauth2\n",
    );
    let p = run(
        &d,
        &live(vec![row(
            json!({"auth_type": "oauth2", "oauth2_flow": "authorization_code"}),
        )]),
    );
    assert_eq!(p.warnings.len(), 1);
    assert!(
        p.warnings[0].message.contains("`url`") && p.warnings[0].message.contains("OAuth tokens")
    );
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://new.invalid/mcp\n",
    );
    assert!(run(&d, &live(vec![row(json!({}))])).warnings.is_empty());
}

#[test]
fn openapi_and_list_defaults_compare_equal() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: openapi\n    spec_path: https://s.invalid/o.json\n    token_exchange_profile: rfc8693\n    timeout: 30\n",
    );
    let l = live(vec![row(
        json!({"url": null, "spec_path": "https://s.invalid/o.json", "timeout": 30.0}),
    )]);
    assert!(run(&d, &l).actions.is_empty());
}

#[test]
fn prune_respects_ownership_and_prevent_destroy() {
    let l = live(vec![
        row(
            json!({"server_id": "mine", "server_name": "mine", "mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof("mine", AT, &key())}}),
        ),
        row(
            json!({"server_id": "kept", "server_name": "kept", "mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof("kept", AT, &key()), "mcpform_prevent_destroy": true}}),
        ),
        row(json!({"server_id": "theirs", "server_name": "theirs"})),
        row(
            json!({"server_id": "forged", "server_name": "forged", "mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof("mine", AT, &key())}}),
        ),
        row(
            json!({"server_id": "cfg", "server_name": "cfg", "is_config": true, "mcp_info": {"managed_by": "mcpform"}}),
        ),
    ]);
    let p = plan(
        &[],
        &l,
        &Facts::default(),
        PlanOptions { prune: true },
        &key(),
    );
    assert_eq!(p.actions.len(), 1);
    assert_eq!(
        (p.actions[0].action, p.actions[0].server_id.as_str()),
        (ActionKind::Delete, "mine")
    );
    let reasons: Vec<_> = p
        .unmanaged
        .iter()
        .map(|u| (u.server_id.as_str(), u.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("kept", UnmanagedReason::Protected),
            ("theirs", UnmanagedReason::NotOwned),
            ("forged", UnmanagedReason::ForeignMarker),
            ("cfg", UnmanagedReason::Config)
        ]
    );
    assert!(
        plan(&[], &l, &Facts::default(), PlanOptions::default(), &key())
            .actions
            .is_empty()
    );
}

#[test]
fn prevent_destroy_is_recorded_on_the_proxy() {
    let d = desired(&format!("{S}    lifecycle:\n      prevent_destroy: true\n"));
    let p = run(
        &d,
        &live(vec![row(json!({"mcp_info": {"managed_by": "mcpform"}}))]),
    );
    assert_eq!(p.actions[0].changes[0].field, "lifecycle.prevent_destroy");
    assert_eq!(
        p.actions[0].body.as_ref().unwrap()["mcp_info"]["mcpform_prevent_destroy"],
        true
    );
}

#[test]
fn two_declarations_of_one_live_server_are_an_error() {
    let d = desired(
        "version: 1\nservers:\n  - server_id: id\n    server_name: a\n    transport: http\n    url: https://s.invalid/mcp\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n",
    );
    let p = run(&d, &live(vec![row(json!({}))]));
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    assert!(p.errors[0].message.contains("both match"));
}

#[test]
fn planning_is_deterministic() {
    let d = desired(CREDS);
    let l = live(vec![row(json!({"server_id": "x", "server_name": "x"}))]);
    assert_eq!(run(&d, &l), run(&d, &l));
}

const OPENAPI: &str = "version: 1\nservers:\n  - server_name: s\n    transport: openapi\n    spec_path: https://s.invalid/o.json\n";

#[test]
fn openapi_creates_are_looked_up_by_id_first() {
    let d = desired(OPENAPI);
    let p = run(&d, &live(vec![]));
    assert_eq!(p.lookups, ["s"]);
    assert!(
        run(&desired(S), &live(vec![])).lookups.is_empty(),
        "only OpenAPI servers vanish from the list"
    );
    // Found by id although not listed: planned against it, with a warning.
    let mut l = live(vec![]);
    let unlisted = row(
        json!({"server_id": "s", "spec_path": "https://s.invalid/o.json", "url": null,
                              "health_check_error": "OpenAPI specification could not be loaded (SSRFError)"}),
    );
    l.servers.push(LiveServer::unlisted(unlisted).unwrap());
    let facts = Facts {
        looked_up: ["s".to_owned()].into(),
        ..Facts::default()
    };
    let p = plan(&d, &l, &facts, PlanOptions::default(), &key());
    assert!(p.actions.is_empty() && p.lookups.is_empty(), "{p:#?}");
    assert!(
        p.warnings[0].message.contains("does not list this server")
            && p.warnings[0].message.contains("SSRFError")
    );
    // Exists but cannot be read: an error, not a create that would fail.
    let facts = Facts {
        looked_up: ["s".to_owned()].into(),
        unreadable: [("s".to_owned(), "503: Service Unavailable".to_owned())].into(),
        ..Facts::default()
    };
    let p = plan(&d, &live(vec![]), &facts, PlanOptions::default(), &key());
    assert!(p.actions.is_empty());
    assert!(
        p.errors[0]
            .message
            .contains("could not tell whether server_id `s` already exists")
            && p.errors[0].message.contains("503: Service Unavailable"),
        "{}",
        p.errors[0].message
    );
}

mod order;
mod security;
mod shown;
mod versions;
