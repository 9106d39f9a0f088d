//! Only admin keys: a non-admin key sees a filtered, sanitised list without any error,
//! so plan and apply check the key first and refuse with its role. Submissions awaiting
//! approval are read and hold their names.

use serde_json::json;

use crate::support::cli::{Workspace, code, json, stderr, stdout};
use crate::support::fake_proxy::{FakeConfig, FakeProxy, Role};

const ONE: &str = "version: 1\nservers:\n  - server_name: weather\n    transport: sse\n    url: https://w.example.invalid/sse\n";
const CHANGED: &str = "version: 1\nservers:\n  - server_name: weather\n    transport: sse\n    url: https://w.example.invalid/sse\n    description: changed\n";

fn run_as(ws: &Workspace, fake: &FakeProxy, key: &str, args: &[&str]) -> std::process::Output {
    ws.mcpform(&fake.base_url(), key)
        .args(args)
        .output()
        .unwrap()
}

fn setup(config: FakeConfig) -> (FakeProxy, Workspace) {
    let fake = FakeProxy::start(config);
    fake.seed_server(
        json!({"server_id": "weather", "server_name": "weather", "transport": "sse",
        "url": "https://w.example.invalid/sse"}),
    );
    fake.add_key("sk-user-key-1234", "alice", Role::InternalUser);
    fake.add_key("sk-viewer-key-1234", "vera", Role::ProxyAdminViewer);
    fake.add_key("sk-admin-user-1234", "adam", Role::ProxyAdmin);
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    (fake, ws)
}

#[test]
fn a_user_key_is_refused_with_its_role_before_anything_is_planned() {
    let (fake, ws) = setup(FakeConfig::default());
    for args in [
        &["plan", "s.yaml"][..],
        &["apply", "s.yaml", "--auto-approve"],
    ] {
        let command = args[0];
        let out = run_as(&ws, &fake, "sk-user-key-1234", args);
        assert_eq!(code(&out), 1, "{command}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("role `internal_user`") && err.contains("proxy_admin"),
            "{command}: {err}"
        );
        assert!(
            !stdout(&out).contains("to create"),
            "nothing planned: {}",
            stdout(&out)
        );
    }
    assert!(
        !fake.journal().iter().any(|r| r.path == "/v1/mcp/server"
            && r.method == "GET"
            && r.auth_key_prefix.as_deref() == Some("sk-user-key-")),
        "the list was never read with it"
    );
}

#[test]
fn an_admin_viewer_cannot_plan_against_a_sanitising_proxy_nor_ever_apply() {
    let (fake, ws) = setup(FakeConfig::default());
    let out = run_as(&ws, &fake, "sk-viewer-key-1234", &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("sanitised list"), "{}", stderr(&out));
    // A proxy from before 1.90 showed viewers every field: plan warns, apply refuses.
    let (old, ws) = setup(FakeConfig {
        version: "1.87.5".into(),
        viewer_sees_full_config: true,
        ..FakeConfig::default()
    });
    let out = run_as(
        &ws,
        &old,
        "sk-viewer-key-1234",
        &["plan", "s.yaml", "--format", "json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert!(
        doc["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("apply will refuse it"),
        "{doc:#}"
    );
    let out = run_as(
        &ws,
        &old,
        "sk-viewer-key-1234",
        &["plan", "s.yaml", "--out", "plan.json"],
    );
    assert_eq!(code(&out), 0);
    let out = run_as(
        &ws,
        &old,
        "sk-viewer-key-1234",
        &["apply", "plan.json", "--format", "json"],
    );
    assert_eq!(code(&out), 0, "no changes to apply: {}", stderr(&out));
    ws.write("s.yaml", CHANGED);
    let out = run_as(
        &ws,
        &old,
        "sk-viewer-key-1234",
        &["apply", "s.yaml", "--auto-approve"],
    );
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("can read but not write"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_admin_users_key_plans_and_applies() {
    let (fake, ws) = setup(FakeConfig::default());
    ws.write("s.yaml", CHANGED);
    let out = run_as(
        &ws,
        &fake,
        "sk-admin-user-1234",
        &["apply", "s.yaml", "--auto-approve"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// A non-admin team member submits a server for review.
fn submit(fake: &FakeProxy, key: &str, body: serde_json::Value) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(format!("{}/v1/mcp/server/register", fake.base_url()))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

#[test]
fn a_pending_submission_holds_its_name_even_with_a_written_marker() {
    let (fake, ws) = setup(FakeConfig::default());
    fake.add_key("sk-team-member-1234", "mallory", Role::InternalUser);
    fake.set_key_team("sk-team-member-1234", "team1");
    let status = submit(
        &fake,
        "sk-team-member-1234",
        json!({"server_id": "sub1",
        "server_name": "reports", "transport": "sse", "url": "https://r.example.invalid/sse",
        "mcp_info": {"managed_by": "mcpform"}}),
    );
    assert_eq!(status, 201);
    ws.write("s.yaml", &format!("{ONE}  - server_name: Reports\n    transport: sse\n    url: https://r.example.invalid/sse\n"));
    let out = ws
        .mcpform(&fake.base_url(), &fake.master_key())
        .args(["plan", "s.yaml", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "the create would be refused by the proxy");
    let doc = json(&out);
    let error = doc["errors"][0]["message"].as_str().unwrap();
    assert!(
        error.contains("sub1") && error.contains("pending_review"),
        "{error}"
    );
    assert!(
        doc["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["server_name"] != "Reports")
    );
    let pending: Vec<_> = doc["unmanaged"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["reason"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1, "{doc:#}");
}

/// Runs plan, apply and export with `key` and expects each refused before the list is
/// read with it; returns plan's stderr.
fn refused_everywhere(fake: &FakeProxy, ws: &Workspace, key: &str, why: &str) -> String {
    let prefix = &key[..12];
    let mut plan_err = String::new();
    for args in [
        &["plan", "s.yaml"][..],
        &["apply", "s.yaml", "--auto-approve"],
        &["export", "--output", "-"],
    ] {
        fake.clear_journal();
        let out = run_as(ws, fake, key, args);
        let err = stderr(&out);
        assert_eq!(code(&out), 1, "{}: {err}{}", args[0], stdout(&out));
        assert!(err.contains(why), "{}: {err}", args[0]);
        assert!(!stdout(&out).contains("weather"), "{}", stdout(&out));
        assert!(
            !fake.journal().iter().any(|r| r.path == "/v1/mcp/server"
                && r.auth_key_prefix.as_deref() == Some(prefix)),
            "{}: the list was never read with it",
            args[0]
        );
        if args[0] == "plan" {
            plan_err = err;
        }
    }
    assert_eq!(fake.rows().len(), 1, "nothing was created");
    plan_err
}

#[test]
fn an_admin_key_with_its_own_permission_row_is_refused_on_every_version() {
    for version in ["1.87.5", "1.108.7", "1.110.2"] {
        let (fake, ws) = setup(FakeConfig::as_version(version));
        // Even a row that grants nothing scopes the list: the proxy would show `[]`.
        fake.set_key_permission("sk-admin-user-1234", json!({"mcp_servers": []}));
        let err = refused_everywhere(&fake, &ws, "sk-admin-user-1234", "object_permission_id");
        if version == "1.108.7" {
            insta::assert_snapshot!("scoped_admin_key_row", err);
        }
    }
}

#[test]
fn a_team_bound_admin_key_is_refused_from_1_109_and_on_an_unknown_version() {
    for (version, refused) in [("1.108.7", false), ("1.110.2", true), ("", true)] {
        let (fake, ws) = setup(FakeConfig {
            version: version.into(),
            ..FakeConfig::as_version(if version.is_empty() {
                "1.110.2"
            } else {
                version
            })
        });
        fake.set_key_team("sk-admin-user-1234", "platform");
        if refused {
            let err = refused_everywhere(&fake, &ws, "sk-admin-user-1234", "team `platform`");
            if version.is_empty() {
                insta::assert_snapshot!("scoped_admin_key_team_unknown_version", err);
            }
        } else {
            let out = run_as(&ws, &fake, "sk-admin-user-1234", &["plan", "s.yaml"]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            assert!(stdout(&out).contains("No changes"), "{}", stdout(&out));
        }
    }
    // The dashboard's own team keeps the full view.
    let (fake, ws) = setup(FakeConfig::as_version("1.110.2"));
    fake.set_key_team("sk-admin-user-1234", "litellm-dashboard");
    let out = run_as(&ws, &fake, "sk-admin-user-1234", &["plan", "s.yaml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn an_admin_key_whose_user_sets_mcp_grants_is_refused_from_1_100() {
    let (fake, ws) = setup(FakeConfig::as_version("1.110.2"));
    fake.set_user_permission("adam", json!({"mcp_servers": ["weather"]}));
    let err = refused_everywhere(&fake, &ws, "sk-admin-user-1234", "`mcp_servers`");
    insta::assert_snapshot!("scoped_admin_key_user_row", err);
    // Other grants in the user's row do not scope.
    fake.set_user_permission("adam", json!({"vector_stores": ["vs"]}));
    let out = run_as(&ws, &fake, "sk-admin-user-1234", &["plan", "s.yaml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}
