//! `Client::caller`, `proxy_version` and `list_submissions` against the fake, whose
//! answers to every role are replayed from a real proxy (`fake_proxy_conformance`,
//! `roles`). The same checks run against a real proxy in `e2e_keys.rs`.

#[path = "support/mod.rs"]
mod support;

use mcpform::client::{Caller, Client, ClientConfig, ClientError, KeyScope, ProxyUrl, Role};
use mcpform::secret::Secret;
use serde_json::json;

use support::fake_proxy::{FakeConfig, FakeProxy, Role as FakeRole};

fn client(fake: &FakeProxy, key: &str) -> (Client, tokio::runtime::Runtime) {
    let url = ProxyUrl::parse(&fake.base_url()).expect("url");
    let client = Client::new(ClientConfig::new(url, Secret::new(key))).expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    (client, runtime)
}

fn caller(fake: &FakeProxy, key: &str) -> Result<Caller, ClientError> {
    let (c, rt) = client(fake, key);
    rt.block_on(c.caller())
}

fn with_keys(config: FakeConfig) -> FakeProxy {
    let fake = FakeProxy::start(config);
    fake.add_key("sk-admin-user-01", "ada", FakeRole::ProxyAdmin);
    fake.add_key("sk-viewer-key-01", "vera", FakeRole::ProxyAdminViewer);
    fake.add_key("sk-internal-key1", "ivan", FakeRole::InternalUser);
    fake.add_key("sk-iviewer-key-1", "iris", FakeRole::InternalUserViewer);
    fake.add_key("sk-no-user-key-1", "", FakeRole::InternalUser);
    fake
}

fn paths(fake: &FakeProxy) -> Vec<String> {
    fake.journal().into_iter().map(|r| r.path).collect()
}

#[test]
fn every_role_is_named_with_two_requests() {
    let fake = with_keys(FakeConfig::default());
    let master = caller(&fake, &fake.master_key()).expect("master");
    assert_eq!(
        master,
        Caller {
            role: Role::ProxyAdmin,
            master_key: true,
            user_id: None,
            admin_view: Some(true),
            scope: KeyScope::default(),
        }
    );
    assert_eq!(
        paths(&fake),
        [
            "/key/info",
            "/v1/mcp/server/mcpform-role-probe/user-credentials"
        ]
    );
    for (key, user, role) in [
        ("sk-admin-user-01", "ada", Role::ProxyAdmin),
        ("sk-viewer-key-01", "vera", Role::ProxyAdminViewer),
        (
            "sk-internal-key1",
            "ivan",
            Role::Other("internal_user".into()),
        ),
        (
            "sk-iviewer-key-1",
            "iris",
            Role::Other("internal_user_viewer".into()),
        ),
    ] {
        fake.clear_journal();
        let c = caller(&fake, key).expect(key);
        assert_eq!(
            (c.role.clone(), c.user_id.as_deref(), c.master_key),
            (role, Some(user), false)
        );
        assert_eq!(c.is_proxy_admin(), c.role == Role::ProxyAdmin);
        assert_eq!(paths(&fake), ["/key/info", "/v2/user/info"], "{key}");
    }
    let no_user = caller(&fake, "sk-no-user-key-1").expect("no user");
    assert_eq!(
        (no_user.role, no_user.user_id, no_user.admin_view),
        (Role::Unknown, None, Some(false))
    );
}

#[test]
fn what_may_scope_a_key_is_read_with_the_same_two_requests() {
    let fake = with_keys(FakeConfig::as_version("1.110.2"));
    fake.set_key_permission("sk-admin-user-01", json!({"vector_stores": ["vs_only"]}));
    fake.set_key_team("sk-viewer-key-01", "t\u{1b}[31m1");
    fake.set_user_permission(
        "ivan",
        json!({"mcp_access_groups": ["g"], "mcp_tool_permissions": {}, "vector_stores": ["v"]}),
    );
    let scope = |key: &str| {
        fake.clear_journal();
        let c = caller(&fake, key).expect(key);
        assert_eq!(paths(&fake), ["/key/info", "/v2/user/info"], "{key}");
        c.scope
    };
    assert_eq!(
        scope("sk-admin-user-01"),
        KeyScope {
            permission_row: true,
            ..KeyScope::default()
        }
    );
    assert_eq!(
        scope("sk-viewer-key-01").team_id.as_deref(),
        Some("t\\x1b[31m1"),
        "escaped"
    );
    // Only non-empty MCP fields count: an empty map or another kind of grant does not.
    assert_eq!(
        scope("sk-internal-key1").user_mcp_grants,
        ["mcp_access_groups"]
    );
    assert_eq!(scope("sk-iviewer-key-1"), KeyScope::default());
    let master = caller(&fake, &fake.master_key()).expect("master");
    assert_eq!(master.scope, KeyScope::default());
}

#[test]
fn the_master_key_stays_proxy_admin_when_its_user_row_says_otherwise() {
    // The real proxy's /team/new creates a default_user_id row with role internal_user;
    // /v2/user/info then shows that role to the master key.
    let fake = with_keys(FakeConfig::default());
    fake.add_user("default_user_id", "internal_user");
    let c = caller(&fake, &fake.master_key()).expect("master");
    assert!(c.is_proxy_admin() && c.master_key, "{c:?}");
}

#[test]
fn a_refused_key_is_an_error() {
    let fake = with_keys(FakeConfig::default());
    let e = caller(&fake, "sk-not-known-key").expect_err("refused");
    assert_eq!(e.status(), Some(401), "{e}");
}

#[test]
fn older_proxies() {
    // Before 1.87 (no /v2/user/info): the role comes from /user/info?user_id=.
    let fake = with_keys(FakeConfig {
        routes_1_87: false,
        admin_credential_list: false,
        ..FakeConfig::default()
    });
    let c = caller(&fake, "sk-viewer-key-01").expect("viewer");
    assert_eq!(c.role, Role::ProxyAdminViewer);
    assert_eq!(
        paths(&fake),
        ["/key/info", "/v2/user/info", "/user/info?user_id=vera"]
    );
    // Before 1.103 nothing confirms the master key: a key outside the database is it.
    let m = caller(&fake, &fake.master_key()).expect("master");
    assert_eq!((m.role, m.admin_view), (Role::ProxyAdmin, None));
}

#[test]
fn the_proxy_version() {
    let fake = with_keys(FakeConfig {
        version: "1.104.2".into(),
        ..FakeConfig::default()
    });
    let version = |key: &str| {
        let (c, rt) = client(&fake, key);
        rt.block_on(c.proxy_version())
    };
    assert_eq!(version(&fake.master_key()), Ok(Some("1.104.2".into())));
    assert_eq!(version("sk-viewer-key-01"), Ok(Some("1.104.2".into())));
    assert_eq!(
        version("sk-internal-key1").err().and_then(|e| e.status()),
        Some(401),
        "non-admins are refused: an error, never \"no version\""
    );
    let old = FakeProxy::start(FakeConfig {
        routes_1_87: false,
        version: "1.82.0".into(),
        ..FakeConfig::default()
    });
    let (c, rt) = client(&old, &old.master_key());
    assert_eq!(rt.block_on(c.proxy_version()), Ok(Some("1.82.0".into())));
}

#[test]
fn submissions_are_listed_raw_and_missing_on_old_proxies() {
    let fake = with_keys(FakeConfig::default());
    fake.add_key("sk-team-key-0001", "tina", FakeRole::InternalUser);
    fake.set_key_team("sk-team-key-0001", "t1");
    let (c, rt) = client(&fake, &fake.master_key());
    assert_eq!(rt.block_on(c.list_submissions()), Ok(Some(vec![])));
    // The client has no register call (apply never submits); post it by hand.
    let status = rt.block_on(async {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("http")
            .post(format!("{}/v1/mcp/server/register", fake.base_url()))
            .bearer_auth("sk-team-key-0001")
            .json(
                &json!({"server_id": "pending1", "server_name": "pending_one",
                          "url": "https://p.example.invalid/mcp", "transport": "http"}),
            )
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    assert_eq!(status.ok(), Some(201));
    let items = rt
        .block_on(c.list_submissions())
        .expect("list")
        .expect("route");
    assert_eq!(items.len(), 1);
    assert_eq!(
        (&items[0]["server_id"], &items[0]["approval_status"]),
        (&json!("pending1"), &json!("pending_review"))
    );
    let listed = rt.block_on(c.list_servers()).expect("list");
    assert_eq!(listed, json!([]), "a pending server is not listed");
    let (user, rt3) = client(&fake, "sk-internal-key1");
    let e = rt3.block_on(user.list_submissions()).expect_err("403");
    assert_eq!(e.status(), Some(403));
    let old = FakeProxy::start(FakeConfig {
        routes_1_87: false,
        ..FakeConfig::default()
    });
    let (c, rt) = client(&old, &old.master_key());
    assert_eq!(rt.block_on(c.list_submissions()), Ok(None));
}
