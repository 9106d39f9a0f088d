//! The planner under hostile input: live text that looks like a reference, values
//! once filled from references, forged ownership, pending submissions, creates and
//! deletes the proxy cannot carry out; plan documents that were edited.

use super::*;

#[test]
fn live_text_that_looks_like_a_reference_is_never_a_reference() {
    // Someone wrote `${env:…}` onto the proxy (a submission's `logo_url`, say). The file
    // does not declare `mcp_info`, so the update copies the live metadata back: as text.
    let d = desired(&format!("{S}    description: new\n"));
    let l = live(vec![row(json!({
        "description": "${env:LITELLM_API_KEY}",
        "mcp_info": {"logo_url": "https://x.invalid/${env:LITELLM_API_KEY}"},
        "static_headers": {"X-A": "${env:GITHUB_TOKEN}"}
    }))]);
    let p = run(&d, &l);
    let a = &p.actions[0];
    assert_eq!(
        a.body.as_ref().unwrap()["mcp_info"]["logo_url"],
        "https://x.invalid/${env:LITELLM_API_KEY}"
    );
    assert!(a.references.is_empty(), "{:?}", a.references);
    assert!(a.secrets_fingerprint.is_none());
    // A file reference is recorded where it lands in the body, and nowhere else.
    let d = desired(&format!(
        "{S}    static_headers:\n      X-Key: Bearer ${{env:K}}\n    lifecycle:\n      ignore_changes: [static_headers]\n"
    ));
    let p = run(&d, &live(vec![]));
    assert_eq!(
        p.actions[0]
            .references
            .iter()
            .map(|r| (r.pointer.as_str(), r.vars.clone()))
            .collect::<Vec<_>>(),
        [("/static_headers/X-Key", vec!["K".to_owned()])]
    );
    let p = run(
        &d,
        &live(vec![row(json!({"url": "https://moved.invalid/mcp"}))]),
    );
    assert!(
        p.actions[0].references.is_empty(),
        "ignored fields are not sent, so their references are not recorded"
    );
}

#[test]
fn a_field_that_was_filled_from_a_reference_stays_hidden_when_the_file_stops() {
    let secret_url = "https://s.invalid/mcp?token=tok-canary";
    // mcpform recorded that `url` came from a reference when it last wrote the server.
    let l = live(vec![row(json!({
        "url": secret_url,
        "mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof("id", AT, &key()),
                     "mcpform_secret_fields": ["url"]}
    }))]);
    let p = run(&desired(S), &l);
    let c = &p.actions[0].changes[0];
    assert_eq!(
        (c.field.as_str(), &c.old, &c.new),
        ("url", &Shown::Sensitive, &Shown::Sensitive)
    );
    let Precondition::Unchanged { fields } = &p.actions[0].precondition else {
        panic!("an update has field preconditions")
    };
    assert!(matches!(fields["url"], Expected::Hmac(_)));
    assert!(!format!("{p:?}").contains("tok-canary"));
    // And the marker is written while a file uses a reference.
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp?token=${env:T}\n",
    );
    let p = run(&d, &live(vec![]));
    assert_eq!(
        p.actions[0].body.as_ref().unwrap()["mcp_info"]["mcpform_secret_fields"],
        json!(["url"])
    );
}

#[test]
fn env_var_names_written_as_references_are_shown_as_references() {
    let d = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: https://s.invalid/mcp\n    env_vars:\n      - name: ${env:N}\n        value: v\n",
    );
    let p = run(&d, &live(vec![row(json!({}))]));
    let keys = p.actions[0].changes[0].keys.as_ref().unwrap();
    assert_eq!(keys.added, ["${env:N}"]);
    assert!(!format!("{p:?}").contains("value-of-N"));
}

#[test]
fn pending_submissions_hold_their_names_and_ids() {
    let facts = Facts {
        pending: vec![PendingServer {
            server_id: "sub1".into(),
            server_name: Some("S".into()),
            alias: None,
            submitted_by: Some("mallory".into()),
            status: "pending_review".into(),
        }],
        ..Facts::default()
    };
    let p = plan(
        &desired(S),
        &live(vec![]),
        &facts,
        PlanOptions::default(),
        &key(),
    );
    assert!(p.actions.is_empty(), "no create the proxy will refuse");
    assert!(
        p.errors[0].message.contains("sub1") && p.errors[0].message.contains("mallory"),
        "{:?}",
        p.errors
    );
    assert_eq!(p.unmanaged[0].reason, UnmanagedReason::Pending);
}

#[test]
fn a_forged_marker_is_neither_pruned_nor_silently_adopted() {
    // A proof copied from a server this id had before: another creation time.
    let copied = owner_proof("id", "2026-01-01T00:00:00Z", &key());
    let forged = json!({"server_id": "id",
        "mcp_info": {"managed_by": "mcpform", "mcpform_owner": copied}});
    let p = plan(
        &[],
        &live(vec![row(forged.clone())]),
        &Facts::default(),
        PlanOptions { prune: true },
        &key(),
    );
    assert!(p.actions.is_empty());
    assert_eq!(p.unmanaged[0].reason, UnmanagedReason::ForeignMarker);
    let d = desired(&format!("{S}    description: mine\n"));
    let p = run(&d, &live(vec![row(forged)]));
    assert!(
        p.actions[0].notes[0].contains("without mcpform's proof of ownership"),
        "{:?}",
        p.actions[0].notes
    );
}

#[test]
fn a_submission_is_never_pruned_nor_adopted_whatever_it_carries() {
    let proven = json!({"server_id": "id",
        "mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof("id", AT, &key())}});
    let facts = Facts {
        submitted: [("id".to_owned(), Some("mallory".to_owned()))].into(),
        ..Facts::default()
    };
    let p = plan(
        &[],
        &live(vec![row(proven.clone())]),
        &facts,
        PlanOptions { prune: true },
        &key(),
    );
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert_eq!(p.unmanaged[0].reason, UnmanagedReason::ForeignMarker);
    let d = desired(&format!("{S}    description: mine\n"));
    let p = plan(
        &d,
        &live(vec![row(proven)]),
        &facts,
        PlanOptions::default(),
        &key(),
    );
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert!(
        p.errors[0]
            .message
            .contains("came in as a submission by `mallory`"),
        "{:?}",
        p.errors
    );
}

#[test]
fn a_credentials_fingerprint_counts_only_on_a_server_mcpform_owns() {
    let d = desired(&format!(
        "{S}    auth_type: bearer_token\n    credentials:\n      auth_value: ${{env:T}}\n"
    ));
    let fp = d[0].credentials_fingerprint.clone().unwrap();
    let with = |proof: Value| {
        row(json!({"auth_type": "bearer_token",
            "mcp_info": {"managed_by": "mcpform", "mcpform_owner": proof, "mcpform_credentials_hmac": fp}}))
    };
    let owned = run(&d, &live(vec![with(json!(owner_proof("id", AT, &key())))]));
    assert!(owned.actions.is_empty(), "{:#?}", owned.actions);
    // The same fingerprint, copied from a plan onto a server mcpform cannot prove.
    let copied = run(&d, &live(vec![with(json!("hmac-sha256:copied"))]));
    let a = &copied.actions[0];
    assert!(a.sends_credentials, "{a:#?}");
    assert!(a.body.as_ref().unwrap().contains_key("credentials"));
}

#[test]
fn an_id_only_proof_is_rewritten_when_declared_and_left_alone_when_not() {
    let old = key().fingerprint(&json!({"owner": "mcpform", "server_id": "id"}));
    let l = live(vec![row(
        json!({"mcp_info": {"managed_by": "mcpform", "mcpform_owner": old}}),
    )]);
    let p = run(&desired(S), &l);
    let a = &p.actions[0];
    assert_eq!(a.changes[0].field, "mcp_info.mcpform_owner", "{a:#?}");
    assert_eq!(
        a.body.as_ref().unwrap()["mcp_info"]["mcpform_owner"],
        json!(owner_proof("id", AT, &key()))
    );
    assert!(
        a.notes[0].contains("older ownership proof"),
        "{:?}",
        a.notes
    );
    let p = plan(
        &[],
        &l,
        &Facts::default(),
        PlanOptions { prune: true },
        &key(),
    );
    assert!(p.actions.is_empty());
    assert_eq!(p.unmanaged[0].reason, UnmanagedReason::ForeignMarker);
}

#[test]
fn a_create_is_two_writes_and_its_body_carries_no_proof() {
    let p = run(&desired(S), &live(vec![]));
    let a = &p.actions[0];
    assert_eq!(a.writes, 2);
    assert!(a.notes[0].contains("two writes"), "{:?}", a.notes);
    let info = a.body.as_ref().unwrap()["mcp_info"].as_object().unwrap();
    assert_eq!(info["managed_by"], "mcpform");
    assert!(!info.contains_key("mcpform_owner"), "{info:?}");
}

#[test]
fn creates_and_deletes_the_proxy_cannot_carry_out_are_said() {
    let stdio = desired(
        "version: 1\nservers:\n  - server_name: s\n    transport: stdio\n    command: npx\n    args: [x]\n",
    );
    let p = run(&stdio, &live(vec![]));
    assert!(p.warnings[0].message.contains("LITELLM_ENABLE_MCP_STDIO"));
    let with_stdio = live(vec![row(
        json!({"server_id": "o", "server_name": "o", "alias": "o", "transport": "stdio", "command": "npx", "args": ["y"], "url": null}),
    )]);
    assert!(
        run(&stdio, &with_stdio).warnings.is_empty(),
        "a stdio server on the proxy shows stdio is on"
    );
    let l = live(vec![row(
        json!({"server_id": "a/b", "server_name": "x", "alias": "x",
        "mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof("a/b", AT, &key())}}),
    )]);
    let p = plan(
        &[],
        &l,
        &Facts::default(),
        PlanOptions { prune: true },
        &key(),
    );
    assert!(p.actions.is_empty());
    assert!(
        p.errors[0].message.contains("cannot address"),
        "{:?}",
        p.errors
    );
}

#[test]
fn plan_documents_round_trip_and_refuse_edits_and_other_keys() {
    let d = desired(&format!("{S}    description: brand_new\n"));
    let p = run(&d, &live(vec![row(json!({}))]));
    let meta = PlanMeta {
        created_at: "2026-12-02T00:00:00Z".into(),
        proxy: document::ProxyInfo {
            url: "https://proxy.invalid".into(),
            version: Some("1.108.7".into()),
            live_servers: 1,
        },
        options: PlanOptions::default(),
        declared_servers: 1,
    };
    let doc = PlanDocument::new(p, meta, &|_| Some("d.yaml:3".into()), &key());
    let text = doc.to_json().unwrap();
    let back = PlanDocument::from_json(&text, &key()).unwrap();
    assert_eq!(back, doc);
    assert_eq!(back.actions[0].source.as_deref(), Some("d.yaml:3"));
    let edited = text.replace("\"brand_new\"", "\"evil\"");
    assert_ne!(edited, text);
    let result = PlanDocument::from_json(&edited, &key());
    assert!(
        matches!(result, Err(document::DocumentError::Digest)),
        "{result:?}"
    );
    // Apply judges by the proxy's version: editing it is an edit too.
    let downgraded = text.replace("\"1.108.7\"", "\"1.87.5\"");
    assert_ne!(downgraded, text);
    assert!(matches!(
        PlanDocument::from_json(&downgraded, &key()),
        Err(document::DocumentError::Digest)
    ));
    let old = text.replace("\"format_version\": 3", "\"format_version\": 2");
    assert!(matches!(
        PlanDocument::from_json(&old, &key()),
        Err(document::DocumentError::Version { found: 2 })
    ));
    // Whoever reads the artifact cannot make an edit's digest match: it is keyed.
    let mut forged: PlanDocument = serde_json::from_str(&edited).unwrap();
    let reader = FingerprintKey::new(&Secret::new("not-the-key"));
    forged.plan_digest = forged.digest(&reader);
    assert!(matches!(
        PlanDocument::from_json(&forged.to_json().unwrap(), &key()),
        Err(document::DocumentError::Digest)
    ));
    let unkeyed = crate::secret::digest(&serde_json::to_value(&forged.actions).unwrap());
    forged.plan_digest = unkeyed;
    assert!(matches!(
        PlanDocument::from_json(&forged.to_json().unwrap(), &key()),
        Err(document::DocumentError::Digest)
    ));
    // A plan made with another fingerprint key is refused, naming the variable.
    let other = PlanDocument::from_json(&text, &reader).unwrap_err();
    assert!(
        other.to_string().contains("MCPFORM_FINGERPRINT_KEY"),
        "{other}"
    );
}

#[test]
fn url_secrets_are_hidden_and_compared_by_fingerprint() {
    // The dashboard set a URL with a password and a token; the file writes another
    // token. The change shows, with the secret parts hidden on both sides.
    let file = |url: &str| {
        desired(&format!(
            "version: 1\nservers:\n  - server_name: s\n    transport: http\n    url: {url}\n    mcp_info:\n      logo_url: https://l.invalid/a.png?sig=sig-canary\n"
        ))
    };
    let logo = json!({"logo_url": "https://l.invalid/a.png?sig=sig-canary"});
    let live_url = "https://bot:pw-canary@s.invalid/mcp?token=tok-canary&region=eu";
    let l = live(vec![row(json!({"url": live_url, "mcp_info": logo}))]);
    let p = run(
        &file("https://bot:pw-canary@s.invalid/mcp?token=tok-rotated&region=eu"),
        &l,
    );
    let a = &p.actions[0];
    let c = &a.changes[0];
    let hidden = json!("https://****@s.invalid/mcp?token=****&region=****");
    assert_eq!(
        (c.field.as_str(), &c.old, &c.new),
        ("url", &Shown::Value(hidden.clone()), &Shown::Value(hidden))
    );
    let Precondition::Unchanged { fields } = &a.precondition else {
        panic!("an update has field preconditions")
    };
    assert!(matches!(fields["url"], Expected::Hmac(_)), "{fields:?}");
    assert!(
        matches!(fields["mcp_info"], Expected::Hmac(_)),
        "{fields:?}"
    );
    let mut shown = serde_json::to_string(&a.changes).unwrap();
    shown.push_str(&serde_json::to_string(&a.precondition).unwrap());
    for canary in [
        "pw-canary",
        "tok-canary",
        "tok-rotated",
        "sig-canary",
        "eu\"",
    ] {
        assert!(!shown.contains(canary), "{canary} in {shown}");
    }
    // The same secrets: nothing to do, no phantom diff.
    assert!(run(&file(live_url), &l).actions.is_empty());
    // A created server shows its URL's secret parts hidden too.
    let p = run(&file(live_url), &live(vec![]));
    let url = p.actions[0]
        .changes
        .iter()
        .find(|c| c.field == "url")
        .unwrap();
    assert_eq!(
        url.new,
        Shown::Value(json!("https://****@s.invalid/mcp?token=****&region=****"))
    );
}
