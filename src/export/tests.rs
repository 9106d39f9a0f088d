//! The export of hand-made live states: read back by lint, resolved with the env file,
//! and planned (in process, no proxy) against the same state: nothing to do.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::*;
use crate::live::{Facts, LiveState};
use crate::plan::{PlanOptions, owner_proof, plan};
use crate::resolve::resolve;
use crate::secret::Secret;

/// When the proxy created every server of these tests.
const AT: &str = "2026-12-08T00:27:40.655000Z";

fn key() -> FingerprintKey {
    FingerprintKey::new(&Secret::new("fp"))
}

fn state(servers: Value) -> LiveState {
    LiveState::from_list(servers).unwrap()
}

/// The env file as a map (the test reads back what `. ./FILE` would set).
fn env_of(e: &Exported) -> HashMap<String, String> {
    let text = e.env_file();
    let mut out = HashMap::new();
    let mut rest = text.as_str();
    while let Some(eq) = rest.find("='") {
        let name = rest[..eq].rsplit('\n').next().unwrap().to_owned();
        let mut value = String::new();
        let mut tail = &rest[eq + 2..];
        loop {
            let close = tail.find('\'').unwrap();
            value.push_str(&tail[..close]);
            tail = &tail[close + 1..];
            if let Some(t) = tail.strip_prefix("\\''") {
                value.push('\'');
                tail = t;
            } else {
                break;
            }
        }
        out.insert(name, value);
        rest = tail;
    }
    out
}

/// Export → lint clean → resolve with the env file → plan against the same state:
/// empty. Returns the export.
fn round_trip(servers: Value, options: ExportOptions<'_>) -> Exported {
    let live = state(servers);
    let e = export(&live, &crate::live::Facts::default(), &options, &key()).unwrap();
    let none = |_: &str| None;
    let linted = lint(
        load_text("export.yaml", &e.text),
        &LintOptions {
            require_env: false,
            env: &none,
            reserved_env: &[],
            proxy_version: None,
        },
    );
    assert!(
        !linted.has_errors(),
        "{}\n{:#?}",
        e.text,
        linted.diagnostics
    );
    let env = env_of(&e);
    let lookup = |name: &str| env.get(name).cloned();
    let desired = resolve(&linted.loaded, &linted.desired, &lookup, &key()).unwrap();
    let p = plan(
        &desired,
        &live,
        &Facts::default(),
        PlanOptions::default(),
        &key(),
    );
    assert!(
        p.actions.is_empty() && p.errors.is_empty(),
        "{}\n{:#?}",
        e.text,
        p
    );
    let again = export(&live, &crate::live::Facts::default(), &options, &key()).unwrap();
    assert_eq!(again.text, e.text);
    e
}

fn server(id: &str, name: &str, extra: Value) -> Value {
    let mut s = json!({"server_id": id, "server_name": name, "alias": name, "transport": "http", "created_at": AT,
        "url": format!("https://{name}.example.invalid/mcp"), "is_config": false, "is_byok": false,
        "allow_all_keys": false, "available_on_public_internet": true, "mcp_info": {"server_name": name}});
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

#[test]
fn an_empty_proxy_is_an_empty_file() {
    let e = round_trip(json!([]), ExportOptions::default());
    assert!(e.text.ends_with("version: 1\nservers: []\n"), "{}", e.text);
    assert_eq!(e.exported, 0);
}

#[test]
fn plain_text_values_become_placeholders_and_the_env_file_holds_them() {
    let e = round_trip(
        json!([server(
            "jira",
            "jira_mcp",
            json!({
            "static_headers": {"X-Key": "hdr-secret-1", "Authorization": "Bearer ${TOKEN}"},
            "env_vars": [{"name": "TOKEN", "value": "tok-secret-2", "scope": "global"}],
            "auth_type": "bearer_token"})
        )]),
        ExportOptions::default(),
    );
    assert!(!e.text.contains("hdr-secret-1") && !e.text.contains("tok-secret-2"));
    assert!(
        e.text.contains("X-Key: ${env:MCPFORM_JIRA_MCP_X_KEY}"),
        "{}",
        e.text
    );
    assert!(
        e.text.contains("Authorization: Bearer ${TOKEN}"),
        "{}",
        e.text
    );
    assert!(
        e.text
            .contains("    #   auth_value: ${env:MCPFORM_JIRA_MCP_AUTH_VALUE}"),
        "{}",
        e.text
    );
    let names: Vec<&str> = e.placeholders.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["MCPFORM_JIRA_MCP_X_KEY", "MCPFORM_JIRA_MCP_TOKEN"]);
    assert!(
        e.env_file()
            .contains("MCPFORM_JIRA_MCP_TOKEN='tok-secret-2'\n")
    );
}

#[test]
fn reveal_writes_the_values() {
    let e = round_trip(
        json!([server(
            "a",
            "a",
            json!({"static_headers": {"X-Key": "hdr-secret-1"}})
        )]),
        ExportOptions {
            reveal_values: true,
            ..ExportOptions::default()
        },
    );
    assert!(e.text.contains("X-Key: hdr-secret-1"));
    assert!(e.placeholders.is_empty());
    assert!(e.text.contains("# SECRET: written with `--reveal-values`"));
}

#[test]
fn owned_servers_lose_their_markers_and_keep_prevent_destroy() {
    let k = key();
    let e = round_trip(
        json!([server(
            "gh",
            "github",
            json!({"mcp_info": {"server_name": "github", "managed_by": "mcpform",
            "mcpform_owner": owner_proof("gh", AT, &k), "mcpform_prevent_destroy": true}})
        )]),
        ExportOptions::default(),
    );
    assert!(e.text.contains("    server_id: gh\n") || e.text.contains("  - server_id: gh\n"));
    assert!(!e.text.contains("mcp_info") && !e.text.contains("managed_by"));
    assert!(
        e.text
            .contains("    lifecycle:\n      prevent_destroy: true\n"),
        "{}",
        e.text
    );
}

#[test]
fn managed_only_keeps_what_mcpform_can_prove_it_owns() {
    let k = key();
    let owned = server(
        "a",
        "a",
        json!({"mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof("a", AT, &k)}}),
    );
    let copied = server(
        "b",
        "b",
        json!({"mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof("a", AT, &k)}}),
    );
    let hand = server("c", "c", json!({}));
    let e = round_trip(
        json!([hand, copied, owned]),
        ExportOptions {
            managed_only: true,
            ..ExportOptions::default()
        },
    );
    assert_eq!((e.exported, e.not_owned), (1, 2));
    assert!(e.text.contains("server_name: a\n") && !e.text.contains("server_name: b\n"));
}

#[test]
fn config_servers_and_servers_mcpform_refuses_are_left_out_with_a_comment() {
    let e = round_trip(
        json!([
            server("cfg", "cfg", json!({"is_config": true})),
            server(
                "s",
                "stdio_byok",
                json!({"transport": "stdio", "url": null, "command": "npx", "args": ["x"], "is_byok": true})
            ),
            server("dup", "Dup", json!({})),
            server("dup2", "dup", json!({})),
            server("ok", "ok", json!({})),
        ]),
        ExportOptions::default(),
    );
    assert_eq!(e.exported, 2, "{}", e.text);
    let reasons: Vec<(&str, &str)> = e
        .left_out
        .iter()
        .map(|l| (l.server_id.as_str(), l.reason.as_str()))
        .collect();
    assert!(
        reasons[0].0 == "cfg" && reasons[0].1.contains("config.yaml"),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(id, r)| *id == "dup2" && r.contains("`name-unique`")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(id, r)| *id == "s" && r.contains("`byok-transport`")),
        "{reasons:?}"
    );
    assert!(
        e.text.contains(
            "#   `stdio_byok` (server_id `s`): mcpform would refuse it: `byok-transport`"
        ),
        "{}",
        e.text
    );
}

#[test]
fn the_same_state_in_another_order_gives_the_same_bytes() {
    let a = server(
        "a",
        "alpha",
        json!({"static_headers": {"B": "2", "A": "1"}, "mcp_info": {"z": 1, "a": {"y": 2, "b": 3}}}),
    );
    let b = server("b", "Beta", json!({"description": "d", "timeout": 30.0}));
    let one = round_trip(json!([a.clone(), b.clone()]), ExportOptions::default());
    let two = round_trip(json!([b, a]), ExportOptions::default());
    assert_eq!(one.text, two.text);
    assert!(one.text.find("alpha").unwrap() < one.text.find("Beta").unwrap());
}

#[test]
fn full_declares_every_field_and_still_plans_empty() {
    let e = round_trip(
        json!([server(
            "a",
            "a",
            json!({"transport": "http", "spec_path": "https://s.example.invalid/o.json",
            "static_headers": null, "env_vars": null, "description": "", "subject_token_type": "urn:ietf:params:oauth:token-type:access_token"})
        )]),
        ExportOptions {
            full: true,
            ..ExportOptions::default()
        },
    );
    for line in [
        "  - server_id: a\n",
        "    alias: a\n",
        "    transport: openapi\n",
        "    description: null\n",
        "    allow_all_keys: false\n",
        "    available_on_public_internet: true\n",
        "    static_headers: {}\n",
    ] {
        assert!(e.text.contains(line), "{line:?} in\n{}", e.text);
    }
}

#[test]
fn text_that_reads_as_a_reference_is_a_placeholder_even_where_it_is_no_secret() {
    let e = round_trip(
        json!([server(
            "a",
            "a",
            json!({"description": "costs ${env:HOME}", "instructions": "${ENV:X}"})
        )]),
        ExportOptions {
            reveal_values: true,
            ..ExportOptions::default()
        },
    );
    assert!(
        e.text.contains("description: ${env:MCPFORM_A_DESCRIPTION}"),
        "{}",
        e.text
    );
    assert!(
        e.text
            .contains("instructions: ${env:MCPFORM_A_INSTRUCTIONS}"),
        "{}",
        e.text
    );
}

#[test]
fn placeholder_names_avoid_reserved_variables() {
    let e = round_trip(
        json!([server(
            "f",
            "fingerprint",
            json!({"static_headers": {"key": "v"}})
        )]),
        ExportOptions::default(),
    );
    assert_eq!(e.placeholders[0].name, "MCPFORM_FINGERPRINT_KEY_2");
}

#[test]
fn listed_credentials_text_that_reads_as_a_reference_is_a_placeholder_in_the_commented_block() {
    // A non-admin's submission lists `scopes` and a header name that read as references:
    // uncommenting the block (as the file tells the reader to) must not make plan read
    // the CI's variables.
    let e = round_trip(
        json!([server(
            "a",
            "a",
            json!({"auth_type": "oauth2",
                   "credentials": {"scopes": ["read", "${env:HOME}"], "upstream_token_header": "X-${ENV:PATH}"}})
        )]),
        ExportOptions::default(),
    );
    let block: Vec<&str> = e.text.lines().filter(|l| l.starts_with("    #")).collect();
    assert!(
        block
            .iter()
            .all(|l| !l.contains("${env:HOME}") && !l.contains("${ENV:PATH}")),
        "{}",
        e.text
    );
    assert!(
        block.contains(&"    #     - ${env:MCPFORM_A_CREDENTIALS_SCOPES_1}"),
        "{}",
        e.text
    );
    let env = env_of(&e);
    assert_eq!(
        env.get("MCPFORM_A_CREDENTIALS_SCOPES_1")
            .map(String::as_str),
        Some("${env:HOME}")
    );
    assert_eq!(
        env.get("MCPFORM_A_CREDENTIALS_UPSTREAM_TOKEN_HEADER")
            .map(String::as_str),
        Some("X-${ENV:PATH}")
    );
}

#[test]
fn the_secret_parts_of_urls_become_placeholders_and_the_rest_stays_readable() {
    let e = round_trip(
        json!([server(
            "docs",
            "docs",
            json!({"url": "https://bot:pw-secret@docs.invalid/mcp?token=tok-secret&region=eu&raw",
                   "mcp_info": {"logo_url": "https://l.invalid/a.png?sig=sig-secret"},
                   "byok_api_key_help_url": "https://h.invalid/keys?from=${REGION}"})
        )]),
        ExportOptions::default(),
    );
    for secret in ["pw-secret", "tok-secret", "sig-secret", "eu"] {
        assert!(!e.text.contains(secret), "{secret} in\n{}", e.text);
    }
    assert!(
        e.text.contains(
            "url: https://${env:MCPFORM_DOCS_URL_USERINFO}@docs.invalid/mcp?token=${env:MCPFORM_DOCS_URL_TOKEN}&region=${env:MCPFORM_DOCS_URL_REGION}&${env:MCPFORM_DOCS_URL_QUERY}"
        ),
        "{}",
        e.text
    );
    assert!(
        e.text.contains(
            "logo_url: https://l.invalid/a.png?sig=${env:MCPFORM_DOCS_MCP_INFO_LOGO_URL_SIG}"
        ),
        "{}",
        e.text
    );
    assert!(
        e.text.contains("https://h.invalid/keys?from=${REGION}"),
        "LiteLLM's own reference is no secret: {}",
        e.text
    );
    let places: Vec<(&str, &str)> = e
        .placeholders
        .iter()
        .map(|p| (p.place.as_str(), p.value()))
        .collect();
    assert_eq!(
        places,
        [
            ("url (user-info)", "bot:pw-secret"),
            ("url (query `token`)", "tok-secret"),
            ("url (query `region`)", "eu"),
            ("url (query)", "raw"),
            ("mcp_info.logo_url (query `sig`)", "sig-secret"),
        ]
    );
}

#[test]
fn a_value_with_litellm_references_and_other_text_is_a_placeholder() {
    let e = round_trip(
        json!([server(
            "a",
            "a",
            json!({"static_headers": {"X-Basic": "${USER}:hunter2-secret", "Authorization": "Bearer ${TOKEN}"}})
        )]),
        ExportOptions::default(),
    );
    assert!(!e.text.contains("hunter2-secret"), "{}", e.text);
    assert!(
        e.text.contains("X-Basic: ${env:MCPFORM_A_X_BASIC}"),
        "{}",
        e.text
    );
    assert!(
        e.text.contains("Authorization: Bearer ${TOKEN}"),
        "{}",
        e.text
    );
}

/// A server whose name sanitises to `ACTION…` once made the export spin: every
/// candidate name began with the reserved `MCPFORM_ACTION_`.
#[test]
fn a_server_named_like_a_reserved_family_still_gets_placeholders() {
    let e = round_trip(
        json!([
            server(
                "a",
                "action_x",
                json!({"static_headers": {"X-Key": "v1"}, "env_vars": [{"name": "R", "value": "v2"}]})
            ),
            server("b", "ACTIONS_y", json!({"static_headers": {"X-Key": "v3"}})),
            server("c", "runner.z", json!({"static_headers": {"X-Key": "v4"}})),
        ]),
        ExportOptions::default(),
    );
    let names: Vec<&str> = e.placeholders.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "MCPFORM_SRV_ACTION_X_X_KEY",
            "MCPFORM_SRV_ACTION_X_R",
            "MCPFORM_ACTIONS_Y_X_KEY",
            "MCPFORM_RUNNER_Z_X_KEY"
        ]
    );
}
