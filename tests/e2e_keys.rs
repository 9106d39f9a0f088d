//! End-to-end: `Client::caller`, `proxy_version` and `list_submissions` against a real
//! LiteLLM proxy, with real users and keys of every role.
//!
//! Runs when `LITELLM_BASE_URL` and `LITELLM_MASTER_KEY` are set; otherwise prints
//! SKIPPED and passes, unless `MCPFORM_E2E_REQUIRED=1` (then it fails). Users and keys are
//! named with `MCPFORM_E2E_PREFIX` (default `e2e<pid>_keys_`, for proxies shared under a
//! naming convention) and deleted at the end, even when an assertion fails.

#[path = "support/mod.rs"]
mod support;

use mcpform::client::{Client, ClientConfig, ProxyUrl, Role};
use mcpform::model::support::Behaviour;
use mcpform::secret::Secret;
use serde_json::{Value, json};

use support::real::RealProxy;

const ROLES: [&str; 4] = [
    "proxy_admin",
    "proxy_admin_viewer",
    "internal_user",
    "internal_user_viewer",
];

/// Deletes the users (and with them their keys), the user-less keys and the teams it
/// made.
struct Cleanup<'a> {
    proxy: &'a RealProxy,
    users: Vec<String>,
    key_aliases: Vec<String>,
    teams: Vec<String>,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if !self.teams.is_empty() {
            let _ = self.proxy.call(
                "POST",
                "/team/delete",
                Some(json!({"team_ids": self.teams})),
            );
        }
        let _ = self.proxy.call(
            "POST",
            "/key/delete",
            Some(json!({"key_aliases": self.key_aliases})),
        );
        let _ = self.proxy.call(
            "POST",
            "/user/delete",
            Some(json!({"user_ids": self.users})),
        );
    }
}

fn client(proxy: &RealProxy, key: &str) -> Client {
    let url = ProxyUrl::parse(&proxy.base_url).expect("LITELLM_BASE_URL");
    Client::new(ClientConfig::new(url, Secret::new(key))).expect("client")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn caller_and_version_for_keys_of_every_role() {
    let Some(proxy) = RealProxy::from_env() else {
        return;
    };
    let prefix = std::env::var("MCPFORM_E2E_PREFIX")
        .unwrap_or_else(|_| format!("e2e{}_keys_", std::process::id()));
    let mut cleanup = Cleanup {
        proxy: &proxy,
        users: Vec::new(),
        key_aliases: Vec::new(),
        teams: Vec::new(),
    };
    let mut keys: Vec<(String, String, Option<String>)> = Vec::new();
    for role in ROLES {
        let user = format!("{prefix}{role}");
        cleanup.users.push(user.clone());
        let (status, body) = proxy.call(
            "POST",
            "/user/new",
            Some(json!({"user_id": user, "user_role": role})),
        );
        assert_eq!(status, 200, "/user/new {role}: {body}");
        let key = body["key"].as_str().expect("key").to_owned();
        keys.push((role.to_owned(), key, Some(user)));
    }
    let alias = format!("{prefix}nouser");
    cleanup.key_aliases.push(alias.clone());
    let (status, body) = proxy.call("POST", "/key/generate", Some(json!({"key_alias": alias})));
    assert_eq!(status, 200, "/key/generate: {body}");
    let no_user_key = body["key"].as_str().expect("key").to_owned();

    let (status, details) = proxy.call("GET", "/health/readiness/details", None);
    assert_eq!(status, 200, "{details}");
    let version = details["litellm_version"].as_str().map(str::to_owned);
    assert!(version.is_some(), "{details}");

    let rt = runtime();
    let master = client(&proxy, &proxy.master_key.clone());
    let me = rt.block_on(master.caller()).expect("master caller");
    assert!(me.is_proxy_admin() && me.master_key, "{me:?}");
    assert_eq!(rt.block_on(master.proxy_version()), Ok(version.clone()));
    assert!(
        matches!(rt.block_on(master.list_submissions()), Ok(Some(_))),
        "1.87+ has the submission workflow"
    );

    for (role, key, user) in &keys {
        let c = client(&proxy, key);
        let who = rt
            .block_on(c.caller())
            .unwrap_or_else(|e| panic!("{role}: {e}"));
        let expected = match role.as_str() {
            "proxy_admin" => Role::ProxyAdmin,
            "proxy_admin_viewer" => Role::ProxyAdminViewer,
            other => Role::Other(other.to_owned()),
        };
        assert_eq!(
            (&who.role, &who.user_id, who.master_key),
            (&expected, user, false),
            "{role}"
        );
        let admin_view = matches!(expected, Role::ProxyAdmin | Role::ProxyAdminViewer);
        let seen = rt.block_on(c.proxy_version());
        if admin_view {
            assert_eq!(seen, Ok(version.clone()), "{role}");
        } else {
            // The route refuses other keys: an error, never "no version".
            assert_eq!(seen.err().and_then(|e| e.status()), Some(401), "{role}");
        }
        let submissions = rt.block_on(c.list_submissions());
        assert_eq!(
            submissions.as_ref().err().and_then(|e| e.status()),
            if admin_view { None } else { Some(403) },
            "{role}: {submissions:?}"
        );
    }

    let c = client(&proxy, &no_user_key);
    let who = rt.block_on(c.caller()).expect("no-user caller");
    // The admin credential list (1.103 and later) is how a key without a user shows it
    // is no admin; before, that route is missing and nothing can tell.
    let admin_view = proxy
        .version()
        .has(Behaviour::AdminCredentialList)
        .then_some(false);
    assert_eq!(
        (who.role, who.user_id, who.admin_view),
        (Role::Unknown, None, admin_view)
    );

    let bogus = client(&proxy, "sk-e2e-not-a-key-0000");
    let e = rt.block_on(bogus.caller()).expect_err("refused");
    assert_eq!(e.status(), Some(401), "{e}");
    drop(cleanup);
    let (_, left) = proxy.call(
        "GET",
        &format!("/v2/user/info?user_id={prefix}proxy_admin"),
        None,
    );
    assert_ne!(
        left.get("user_role"),
        Some(&Value::from("proxy_admin")),
        "cleaned up"
    );
}

/// `mcpform plan` with real keys: only a proxy_admin key plans; a pending submission
/// made by a real team member holds its name.
#[test]
fn plan_refuses_non_admin_keys_and_sees_a_real_pending_submission() {
    let Some(s) = support::scenario::Scenario::new("keyplan") else {
        return;
    };
    let proxy = &s.proxy;
    let prefix = s.prefix.clone();
    let mut cleanup = Cleanup {
        proxy,
        users: Vec::new(),
        key_aliases: Vec::new(),
        teams: Vec::new(),
    };
    let (_, before) = proxy.call("GET", "/v2/user/info?user_id=default_user_id", None);
    let default_user_existed = before.get("user_role").is_some();
    let mut key_of = std::collections::BTreeMap::new();
    for role in ["proxy_admin", "proxy_admin_viewer", "internal_user"] {
        let user = format!("{prefix}{role}");
        cleanup.users.push(user.clone());
        let (status, body) = proxy.call(
            "POST",
            "/user/new",
            Some(json!({"user_id": user, "user_role": role})),
        );
        assert_eq!(status, 200, "{body}");
        key_of.insert(role, body["key"].as_str().unwrap().to_owned());
    }
    let name = format!("{prefix}pending");
    s.ws.write(
        "s.yaml",
        &format!("version: 1\nservers:\n  - server_name: {name}\n    transport: sse\n    url: https://p.example.invalid/sse\n"),
    );
    let plan_as = |key: &str| {
        s.ws.mcpform(&proxy.base_url, key)
            .args(["plan", "s.yaml", "--format", "json"])
            .output()
            .unwrap()
    };
    let out = plan_as(&key_of["internal_user"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("role `internal_user`"), "{err}");
    let out = plan_as(&key_of["proxy_admin_viewer"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    if s.version().has(Behaviour::ViewerSanitised) {
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("sanitised list"), "{err}");
    } else {
        // Before 1.90 a viewer sees every field: it may plan, with a warning.
        assert_eq!(out.status.code(), Some(0), "{err}");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            format!("{}", doc["warnings"]).contains("apply will refuse it"),
            "{doc:#}"
        );
    }
    let out = plan_as(&key_of["proxy_admin"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A team member submits a server with that name; it waits for review.
    let (status, team) = proxy.call(
        "POST",
        "/team/new",
        Some(json!({"team_alias": format!("{prefix}team")})),
    );
    assert_eq!(status, 200, "{team}");
    let team_id = team["team_id"].as_str().unwrap().to_owned();
    let member = format!("{prefix}member");
    cleanup.users.push(member.clone());
    let (status, body) = proxy.call(
        "POST",
        "/user/new",
        Some(json!({"user_id": member, "user_role": "internal_user"})),
    );
    assert_eq!(status, 200, "{body}");
    let alias = format!("{prefix}teamkey");
    cleanup.key_aliases.push(alias.clone());
    let (status, body) = proxy.call(
        "POST",
        "/key/generate",
        Some(json!({"user_id": member, "team_id": team_id, "key_alias": alias})),
    );
    assert_eq!(status, 200, "{body}");
    let team_key = body["key"].as_str().unwrap().to_owned();
    let sub_id = format!("{prefix}sub");
    let (status, body) = proxy.call_as(
        &team_key,
        "POST",
        "/v1/mcp/server/register",
        Some(
            json!({"server_id": sub_id, "server_name": name, "transport": "sse",
            "url": "https://p.example.invalid/sse", "mcp_info": {"managed_by": "mcpform"}}),
        ),
    );
    assert_eq!(status, 201, "{body}");
    let out = plan_as(&proxy.master_key);
    let _ = proxy.call("DELETE", &format!("/v1/mcp/server/{sub_id}"), None);
    let _ = proxy.call("POST", "/team/delete", Some(json!({"team_ids": [team_id]})));
    if !default_user_existed {
        let _ = proxy.call(
            "POST",
            "/user/delete",
            Some(json!({"user_ids": ["default_user_id"]})),
        );
    }
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let error = doc["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        error.contains(&sub_id) && error.contains("pending_review"),
        "{doc:#}"
    );
    drop(cleanup);
}

/// Admin keys the real proxy scopes: it answers their list 200 with only part of the
/// registry, and plan, apply and export refuse them. A permission row scopes on every
/// version, a team from 1.109, the user's own MCP grants from 1.100 (1.87.5 refuses to
/// store them).
#[test]
fn admin_keys_the_proxy_scopes_are_refused_as_the_version_says() {
    let Some(s) = support::scenario::Scenario::new("scoped") else {
        return;
    };
    let proxy = &s.proxy;
    let version = s.version();
    let prefix = s.prefix.clone();
    let mut cleanup = Cleanup {
        proxy,
        users: Vec::new(),
        key_aliases: Vec::new(),
        teams: Vec::new(),
    };
    let server = format!("{prefix}hidden");
    proxy.create(
        json!({"server_id": server, "server_name": server, "transport": "sse",
        "url": "https://h.example.invalid/sse"}),
    );
    let team = format!("{prefix}team");
    let (status, body) = proxy.call(
        "POST",
        "/team/new",
        Some(json!({"team_id": team, "team_alias": team})),
    );
    assert_eq!(status, 200, "{body}");
    cleanup.teams.push(team.clone());
    let admin = format!("{prefix}admin");
    let ceiling = format!("{prefix}ceiling");
    for user in [&admin, &ceiling] {
        cleanup.users.push(user.clone());
        let (status, body) = proxy.call(
            "POST",
            "/user/new",
            Some(json!({"user_id": user, "user_role": "proxy_admin"})),
        );
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = proxy.call(
        "POST",
        "/user/update",
        Some(json!({"user_id": ceiling, "object_permission": {"mcp_servers": [server]}})),
    );
    let user_grants = version.has(Behaviour::UserMcpCeiling);
    assert_eq!(status, if user_grants { 200 } else { 400 }, "{body}");
    let key = |alias: &str, extra: Value| -> String {
        let alias = format!("{prefix}{alias}");
        let mut body = json!({"user_id": admin, "key_alias": alias});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        let (status, answer) = proxy.call("POST", "/key/generate", Some(body));
        assert_eq!(status, 200, "{answer}");
        answer["key"].as_str().expect("key").to_owned()
    };
    let mut cases = vec![
        (
            "row",
            key("row", json!({"object_permission": {"mcp_servers": []}})),
            true,
            "object_permission_id",
        ),
        (
            "team",
            key("team", json!({"team_id": team})),
            version.has(Behaviour::TeamBoundAdminScoped),
            "bound to team",
        ),
        ("plain", key("plain", json!({})), false, ""),
    ];
    let alias = format!("{prefix}ceilingkey");
    let (status, answer) = proxy.call(
        "POST",
        "/key/generate",
        Some(json!({"user_id": ceiling, "key_alias": alias})),
    );
    assert_eq!(status, 200, "{answer}");
    cases.push((
        "user row",
        answer["key"].as_str().expect("key").to_owned(),
        user_grants,
        "`mcp_servers`",
    ));
    for alias in ["row", "team", "plain"] {
        cleanup.key_aliases.push(format!("{prefix}{alias}"));
    }
    cleanup.key_aliases.push(alias);
    s.ws.write(
        "s.yaml",
        &format!("version: 1\nservers:\n  - server_name: {server}\n    transport: sse\n    url: https://h.example.invalid/sse\n"),
    );
    let mut outcomes = Vec::new();
    for (label, key, scoped, why) in &cases {
        // What the proxy itself does with the key: the server is listed or not.
        let (status, list) = proxy.call_as(key, "GET", "/v1/mcp/server", None);
        assert_eq!(status, 200, "{label}: {list}");
        let listed = list
            .as_array()
            .into_iter()
            .flatten()
            .any(|x| x["server_id"] == server.as_str());
        for args in [
            &["plan", "s.yaml"][..],
            &["apply", "s.yaml", "--auto-approve"],
            &["export", "--output", "-"],
        ] {
            let out =
                s.ws.mcpform(&proxy.base_url, key)
                    .args(args)
                    .output()
                    .unwrap();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            let expected = if *scoped { 1 } else { 0 };
            assert_eq!(
                out.status.code(),
                Some(expected),
                "{label} {}: {err}",
                args[0]
            );
            if *scoped {
                assert!(err.contains(why), "{label} {}: {err}", args[0]);
            }
        }
        outcomes.push((*label, listed, *scoped));
    }
    drop(cleanup);
    // mcpform refuses exactly the keys the proxy shows a partial list.
    for (label, listed, scoped) in outcomes {
        assert_eq!(listed, !scoped, "{version}: {label}");
    }
}
