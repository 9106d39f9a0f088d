//! The proxy's version in a plan: fields it does not store are one error each, never a
//! diff and never sent; a proxy before 1.88 gets updates that reset nothing.

use serde_json::{Value, json};

use super::{AT, desired, key, live, row};
use crate::live::Facts;
use crate::model::support::ProxyVersion;
use crate::plan::{ActionKind, Plan, PlanOptions, Precondition, plan};
use crate::resolve::ResolvedServer;

const OLD: ProxyVersion = ProxyVersion::new(1, 87, 5);
const REFERENCE: ProxyVersion = ProxyVersion::new(1, 108, 7);

fn at(version: Option<ProxyVersion>, d: &[ResolvedServer], rows: Vec<Value>, prune: bool) -> Plan {
    let facts = Facts {
        version,
        ..Facts::default()
    };
    plan(d, &live(rows), &facts, PlanOptions { prune }, &key())
}

/// A list row as the real 1.87.5 shows it: none of the fields it does not know.
fn old_row(overrides: Value) -> Value {
    let mut r = row(overrides);
    let m = r.as_object_mut().unwrap();
    for k in [
        "is_config",
        "env_vars",
        "subject_token_type",
        "token_exchange_profile",
        "rpm",
        "timeout",
    ] {
        m.remove(k);
    }
    m.insert("delegate_auth_to_upstream".into(), json!(false));
    r
}

const NEWER_FIELDS: &str = "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    rpm: 600\n    timeout: 12.5\n    tool_name_to_display_name: {search: find}\n    oauth2_flow: authorization_code\n    description: d\n";

#[test]
fn each_field_the_old_proxy_does_not_store_is_one_error_and_never_a_diff() {
    let d = desired(NEWER_FIELDS);
    let p = at(
        Some(OLD),
        &d,
        vec![old_row(json!({"description": "d"}))],
        false,
    );
    let messages: Vec<&str> = p.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 4, "{messages:#?}");
    for (field, first) in [
        ("rpm", "1.106.0"),
        ("timeout", "1.89.0"),
        ("tool_name_to_display_name", "1.93.0"),
        ("oauth2_flow", "1.93.0"),
    ] {
        assert!(
            messages.iter().any(|m| m.contains(&format!("`{field}`"))
                && m.contains("`1.87.5`")
                && m.contains(&format!("`{first}`"))),
            "{field}: {messages:#?}"
        );
    }
    assert!(
        messages
            .iter()
            .any(|m| m.contains("leaves it out of its list"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("refuses any create or update"))
    );
    // The rest of the server matches: nothing to do, no phantom change.
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert_eq!(p.unchanged.len(), 1);
}

#[test]
fn the_same_file_plans_cleanly_on_the_reference_proxy() {
    let d = desired(NEWER_FIELDS);
    let p = at(Some(REFERENCE), &d, vec![], false);
    assert!(p.errors.is_empty(), "{:#?}", p.errors);
    let body = p.actions[0].body.as_ref().unwrap();
    assert_eq!(body["rpm"], 600);
    assert_eq!(body["oauth2_flow"], "authorization_code");
}

#[test]
fn a_create_never_carries_what_the_proxy_does_not_store() {
    let d = desired(NEWER_FIELDS);
    let p = at(Some(OLD), &d, vec![], false);
    let body = p.actions[0].body.as_ref().unwrap();
    for f in ["rpm", "timeout", "tool_name_to_display_name", "oauth2_flow"] {
        assert!(!body.contains_key(f), "{f} sent: {body:#?}");
        assert!(
            !p.actions[0].changes.iter().any(|c| c.field == f),
            "{f} shown"
        );
    }
    assert_eq!(body["description"], "d");
}

#[test]
fn values_that_mean_not_set_are_no_error_on_an_old_proxy() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    rpm: null\n    env_vars: []\n    oauth_passthrough: false\n    tool_name_to_description: {}\n",
    );
    let p = at(Some(OLD), &d, vec![old_row(json!({}))], false);
    assert!(p.errors.is_empty(), "{:#?}", p.errors);
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
}

#[test]
fn without_a_version_the_list_still_tells_a_proxy_without_byok() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    auth_type: bearer_token\n    is_byok: true\n",
    );
    let mut r = row(json!({"server_id": "other", "server_name": "other", "alias": "other"}));
    for k in [
        "is_byok",
        "byok_description",
        "byok_api_key_help_url",
        "has_user_credential",
    ] {
        r.as_object_mut().unwrap().remove(k);
    }
    let p = at(None, &d, vec![r.clone()], false);
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    assert!(p.errors[0].message.contains("older than 1.82.1"));
    let body = p.actions[0].body.as_ref().unwrap();
    assert!(!body.contains_key("is_byok"), "{body:#?}");
    // A known version answers for itself.
    let p = at(Some(ProxyVersion::new(1, 82, 0)), &d, vec![], false);
    assert!(p.errors[0].message.contains("`1.82.0`") && p.errors[0].message.contains("`1.82.1`"));
}

#[test]
fn an_update_before_1_88_carries_what_the_proxy_would_reset() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    description: new\n",
    );
    let hand_made =
        json!({"allow_all_keys": true, "mcp_access_groups": ["dev"], "description": "old"});
    let p = at(Some(OLD), &d, vec![old_row(hand_made.clone())], false);
    let a = &p.actions[0];
    assert_eq!(a.action, ActionKind::Update);
    assert_eq!(a.changes.len(), 1, "{:#?}", a.changes);
    let body = a.body.as_ref().unwrap();
    assert_eq!(body["allow_all_keys"], true);
    assert_eq!(body["mcp_access_groups"], json!(["dev"]));
    assert_eq!(body["available_on_public_internet"], true);
    assert_eq!(body["delegate_auth_to_upstream"], false);
    let Precondition::Unchanged { fields } = &a.precondition else {
        panic!("{:?}", a.precondition)
    };
    assert!(fields.contains_key("allow_all_keys") && fields.contains_key("mcp_access_groups"));
    // What is null now is watched too: set before apply, the PUT would reset it.
    let p = at(
        Some(OLD),
        &d,
        vec![old_row(
            json!({"description": "old", "byok_description": null, "env": null}),
        )],
        false,
    );
    let Precondition::Unchanged { fields } = &p.actions[0].precondition else {
        panic!("{:?}", p.actions[0].precondition)
    };
    for f in ["env", "byok_description", "args", "is_byok"] {
        assert!(fields.contains_key(f), "{f}: {fields:#?}");
    }
    // A proxy with partial updates keeps what a PUT omits: nothing extra is sent.
    let p = at(Some(REFERENCE), &d, vec![row(hand_made.clone())], false);
    let body = p.actions[0].body.as_ref().unwrap();
    assert!(!body.contains_key("allow_all_keys") && !body.contains_key("mcp_access_groups"));
    // An unknown version might be an old one: the live values go back, changing nothing
    // on a newer proxy and resetting nothing on an older one.
    let p = at(None, &d, vec![row(hand_made)], false);
    let a = &p.actions[0];
    assert_eq!(a.changes.len(), 1, "{:#?}", a.changes);
    let body = a.body.as_ref().unwrap();
    assert_eq!(body["allow_all_keys"], true);
    assert_eq!(body["mcp_access_groups"], json!(["dev"]));
}

#[test]
fn before_1_88_null_clears_lists_as_empty_and_cannot_clear_a_scalar() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    allowed_tools: null\n    instructions: null\n",
    );
    let live_row = json!({"allowed_tools": ["a"], "instructions": "be brief"});
    let p = at(Some(OLD), &d, vec![old_row(live_row.clone())], false);
    let body = p.actions[0].body.as_ref().unwrap();
    assert_eq!(body["allowed_tools"], json!([]));
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    let m = &p.errors[0].message;
    assert!(
        m.contains("cannot clear `instructions`") && m.contains("`1.88.0`"),
        "{m}"
    );
    let p = at(Some(REFERENCE), &d, vec![row(live_row)], false);
    assert!(p.errors.is_empty());
    assert_eq!(
        p.actions[0].body.as_ref().unwrap()["allowed_tools"],
        Value::Null
    );
}

#[test]
fn a_delete_of_a_byok_server_before_1_90_warns_that_keys_stay() {
    let d = desired("version: 1\nservers: []\n");
    let proof = crate::plan::owner_proof("gone", AT, &key());
    let owned = json!({"server_id": "gone", "server_name": "gone", "is_byok": true,
        "mcp_info": {"managed_by": "mcpform", "mcpform_owner": proof}});
    let p = at(Some(OLD), &d, vec![old_row(owned.clone())], true);
    assert_eq!(p.actions[0].action, ActionKind::Delete);
    assert!(
        p.warnings.iter().any(|w| w.message.contains("keeps users' stored keys")
            && w.message.contains("`gone`")),
        "{:#?}",
        p.warnings
    );
    let p = at(Some(REFERENCE), &d, vec![row(owned)], true);
    assert!(
        !p.warnings
            .iter()
            .any(|w| w.message.contains("keeps users' stored keys"))
    );
}

#[test]
fn the_stdio_warning_only_from_1_105() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: stdio\n    command: npx\n    args: [x]\n",
    );
    let warned = |p: &Plan| {
        p.warnings
            .iter()
            .any(|w| w.message.contains("LITELLM_ENABLE_MCP_STDIO"))
    };
    assert!(!warned(&at(Some(OLD), &d, vec![], false)));
    assert!(warned(&at(Some(REFERENCE), &d, vec![], false)));
    assert!(warned(&at(None, &d, vec![], false)));
}

#[test]
fn an_auth_type_the_proxy_does_not_know_is_an_error() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    auth_type: true_passthrough\n",
    );
    let p = at(Some(OLD), &d, vec![], false);
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    assert!(
        p.errors[0]
            .message
            .contains("`auth_type: true_passthrough`")
    );
    assert!(at(Some(REFERENCE), &d, vec![], false).errors.is_empty());
}

#[test]
fn an_update_on_a_proxy_that_resets_a_field_it_does_not_list_warns() {
    // 1.85.0 to 1.87.4 store `delegate_auth_to_upstream` without listing it, and their
    // PUT resets what it omits: an update resets it, whatever the proxy holds.
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    description: new\n",
    );
    let mut r = old_row(json!({"description": "old"}));
    r.as_object_mut()
        .unwrap()
        .remove("delegate_auth_to_upstream");
    let p = at(
        Some(ProxyVersion::new(1, 86, 0)),
        &d,
        vec![r.clone()],
        false,
    );
    let warned: Vec<&str> = p.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        warned.iter().any(|w| w.contains("`delegate_auth_to_upstream` to `false`")
            && w.contains("`1.87.5`")),
        "{warned:#?}"
    );
    assert_eq!(p.actions.len(), 1);
    // 1.87.5 lists it (the update carries it back), and 1.88 keeps what a PUT omits.
    for version in [OLD, REFERENCE] {
        let p = at(Some(version), &d, vec![r.clone()], false);
        assert!(
            p.warnings
                .iter()
                .all(|w| !w.message.contains("delegate_auth")),
            "{version}: {:#?}",
            p.warnings
        );
    }
}

const SKIP: &str = "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    mcp_info: {skip_tool_output_validation: true}\n";

#[test]
fn skipping_tool_output_validation_is_a_warning_where_the_proxy_ignores_it() {
    let d = desired(SKIP);
    let live_row = || row(json!({"mcp_info": {"skip_tool_output_validation": true}}));
    let warned = |v: Option<ProxyVersion>| {
        let p = at(v, &d, vec![live_row()], false);
        assert!(p.errors.is_empty(), "{:#?}", p.errors);
        p.warnings
            .iter()
            .filter(|w| w.message.contains("skip_tool_output_validation"))
            .map(|w| w.message.clone())
            .collect::<Vec<_>>()
    };
    let on_reference = warned(Some(REFERENCE));
    assert_eq!(on_reference.len(), 1, "{on_reference:#?}");
    insta::assert_snapshot!("skip_validation_ignored", on_reference[0]);
    assert!(warned(Some(ProxyVersion::new(1, 110, 0))).is_empty());
    assert!(warned(None).is_empty(), "unknown: nothing to say");
}

#[test]
fn an_update_that_writes_back_a_stored_non_boolean_skip_is_refused_from_1_110() {
    // Stored as given by a proxy before 1.110; the file does not manage `mcp_info`, so
    // the update writes the live metadata back.
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    description: new\n",
    );
    let stored = || row(json!({"mcp_info": {"skip_tool_output_validation": "yes"}}));
    let newest = at(
        Some(ProxyVersion::new(1, 110, 2)),
        &d,
        vec![stored()],
        false,
    );
    assert_eq!(newest.errors.len(), 1, "{:#?}", newest.errors);
    insta::assert_snapshot!("skip_validation_written_back", newest.errors[0].message);
    let reference = at(Some(REFERENCE), &d, vec![stored()], false);
    assert!(reference.errors.is_empty(), "{:#?}", reference.errors);
    let unknown = at(None, &d, vec![stored()], false);
    assert!(unknown.errors.is_empty(), "{:#?}", unknown.errors);
    assert!(
        unknown
            .warnings
            .iter()
            .any(|w| w.message.contains("its version is unknown")),
        "{:#?}",
        unknown.warnings
    );
    // Declaring `mcp_info` replaces the stored value: nothing to refuse.
    let declared = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    description: new\n    mcp_info: {skip_tool_output_validation: false}\n",
    );
    let fixed = at(
        Some(ProxyVersion::new(1, 110, 2)),
        &declared,
        vec![stored()],
        false,
    );
    assert!(fixed.errors.is_empty(), "{:#?}", fixed.errors);
}
