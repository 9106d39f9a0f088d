//! Names checked against the final state and the order of writes: renames, swaps,
//! names freed by a prune, two-write OAuth updates.

use super::*;

fn owned(id: &str, name: &str, alias: &str) -> Value {
    row(json!({"server_id": id, "server_name": name, "alias": alias,
        "mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof(id, AT, &key())}}))
}

#[test]
fn swapping_aliases_plans_a_temporary_name_instead_of_a_clash() {
    let d = desired(
        "version: 1\nservers:\n  - server_id: a\n    server_name: a\n    alias: y\n    transport: http\n    url: https://s.invalid/mcp\n  - server_id: b\n    server_name: b\n    alias: x\n    transport: http\n    url: https://s.invalid/mcp\n",
    );
    let l = live(vec![owned("a", "a", "x"), owned("b", "b", "y")]);
    let p = run(&d, &l);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let by_id = |id: &str| p.actions.iter().find(|a| a.server_id == id).unwrap();
    let (a, b) = (by_id("a"), by_id("b"));
    assert_eq!(
        (a.after.as_slice(), b.after.as_slice()),
        (&["b".to_owned()][..], &["a".to_owned()][..])
    );
    assert!(a.temp_names.is_none());
    assert_eq!(
        b.temp_names
            .as_ref()
            .unwrap()
            .get("alias")
            .map(String::as_str),
        Some("x_mcpform_tmp")
    );
    assert_eq!((a.writes, b.writes), (1, 2));
    assert!(a.order < b.order, "a waits only for b's temporary write");
}

#[test]
fn a_name_freed_by_a_rename_or_a_prune_can_be_taken_in_the_same_plan() {
    // `old` gives up the alias `tools`; a new server takes it.
    let d = desired(
        "version: 1\nservers:\n  - server_id: old\n    server_name: old\n    alias: legacy\n    transport: http\n    url: https://s.invalid/mcp\n  - server_name: tools\n    transport: http\n    url: https://t.invalid/mcp\n",
    );
    let p = run(&d, &live(vec![owned("old", "old", "tools")]));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let create = p
        .actions
        .iter()
        .find(|a| a.action == ActionKind::Create)
        .unwrap();
    assert_eq!(create.after, ["old"]);
    assert_eq!(p.actions[0].server_id, "old", "the rename runs first");
    // A pruned server frees its name before the create runs; other deletes run last.
    let d = desired(S);
    let l = live(vec![
        owned("gone", "gone", "s"),
        owned("other", "other", "other"),
    ]);
    let p = plan(
        &d,
        &l,
        &Facts::default(),
        PlanOptions { prune: true },
        &key(),
    );
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let phases: Vec<_> = p
        .actions
        .iter()
        .map(|a| (a.server_id.as_str(), a.action, a.phase))
        .collect();
    assert_eq!(
        phases,
        [
            ("gone", ActionKind::Delete, Phase::FreeNames),
            ("s", ActionKind::Create, Phase::Apply),
            ("other", ActionKind::Delete, Phase::Delete),
        ]
    );
}

#[test]
fn a_name_still_held_after_the_plan_is_an_error() {
    let d = desired(S);
    let p = run(
        &d,
        &live(vec![row(
            json!({"server_id": "x", "server_name": "other", "alias": "s"}),
        )]),
    );
    assert!(
        p.errors[0]
            .message
            .contains("would be a name or alias of both"),
        "{:?}",
        p.errors
    );
}

#[test]
fn a_url_change_of_an_oauth_server_is_two_writes() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://new.invalid/mcp\n    auth_type: oauth2\n    token_url: https://idp.invalid/token\n",
    );
    let l = live(vec![row(
        json!({"auth_type": "oauth2", "token_url": "https://idp.invalid/token",
        "oauth2_flow": "authorization_code"}),
    )]);
    let p = run(&d, &l);
    assert!(p.actions[0].restores_oauth);
    assert_eq!(p.actions[0].writes, 2);
    assert!(
        p.actions[0]
            .notes
            .iter()
            .any(|n| n.starts_with("two writes"))
    );
    let same_url = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    auth_type: oauth2\n    token_url: https://idp.invalid/new\n",
    );
    assert!(!run(&same_url, &l).actions[0].restores_oauth);
}
