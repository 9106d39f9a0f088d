//! Replays `tests/fixtures/litellm-scoped-admins-{1.87.5,1.108.7,1.110.2}.json`: which
//! proxy_admin keys a real proxy of each version scopes on `GET /v1/mcp/server` (a
//! permission row of any content; a team other than `litellm-dashboard` from 1.109; the
//! user's own MCP grants from 1.100), and what `/key/info` and `/v2/user/info` show of
//! it. The fake, as that version, must answer the same. Recorded with
//! `tests/fixtures/record-litellm-scoped-admins.py`.

use serde_json::{Value, json};

use super::support::fake_proxy::{FakeConfig, FakeProxy, Role};
use super::{Http, Send};

const RECORDED: [(&str, &str); 3] = [
    (
        "1.87.5",
        include_str!("../fixtures/litellm-scoped-admins-1.87.5.json"),
    ),
    (
        "1.108.7",
        include_str!("../fixtures/litellm-scoped-admins-1.108.7.json"),
    ),
    (
        "1.110.2",
        include_str!("../fixtures/litellm-scoped-admins-1.110.2.json"),
    ),
];

/// The MCP part of a permission row, as the recorder keeps it.
fn permission(row: &Value) -> Value {
    if !row.is_object() {
        return row.clone();
    }
    let keep = [
        "mcp_servers",
        "mcp_access_groups",
        "mcp_tool_permissions",
        "mcp_toolsets",
        "vector_stores",
    ];
    Value::Object(
        keep.iter()
            .map(|k| ((*k).to_owned(), row.get(*k).cloned().unwrap_or(Value::Null)))
            .collect(),
    )
}

#[test]
fn replays_the_recorded_scoped_admin_keys_on_each_version() {
    for (version, text) in RECORDED {
        let recorded: Value = serde_json::from_str(text).expect("transcript");
        assert_eq!(recorded["version"], version);
        let fake = FakeProxy::start(FakeConfig::as_version(version));
        for (id, server) in recorded["servers"].as_object().expect("servers") {
            fake.seed_server(
                json!({"server_id": id, "server_name": id, "transport": "http",
                "url": format!("https://{id}.example.invalid/mcp"),
                "allow_all_keys": server["allow_all_keys"]}),
            );
        }
        let http = Http::new(&fake);
        let mine = |list: &Value| -> Value {
            let mut ids: Vec<&str> = list
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["server_id"].as_str())
                .collect();
            ids.sort_unstable();
            json!(ids)
        };
        let all = http.send(
            "GET",
            "/v1/mcp/server",
            Some(&fake.master_key()),
            Send::None,
        );
        assert_eq!(mine(&all.body), recorded["master_listed"], "{version}");
        let keys = recorded["keys"].as_object().expect("keys");
        for (label, seen) in keys {
            let setup = &seen["setup"];
            let key = format!("sk-fake-scoped-{label}-0123456789");
            let user = setup["user_id"].as_str().expect("user");
            fake.add_key(&key, user, Role::ProxyAdmin);
            if let Some(team) = setup["team_id"].as_str() {
                fake.set_key_team(&key, team);
            }
            if setup["object_permission"].is_object() {
                fake.set_key_permission(&key, setup["object_permission"].clone());
            }
            if setup["user_object_permission"].is_object() {
                fake.set_user_permission(user, setup["user_object_permission"].clone());
            }
        }
        for (label, seen) in keys {
            let key = format!("sk-fake-scoped-{label}-0123456789");
            let at = format!("{version} {label}");
            let info = http.send("GET", "/key/info", Some(&key), Send::None);
            assert_eq!(u64::from(info.status), seen["key_info_status"], "{at}");
            let info = &info.body["info"];
            assert_eq!(info["team_id"], seen["team_id"], "{at}");
            assert_eq!(
                !info["object_permission_id"].is_null(),
                seen["has_object_permission_id"] == true,
                "{at}"
            );
            assert_eq!(
                permission(&info["object_permission"]),
                seen["object_permission"],
                "{at}"
            );
            let user = http.send("GET", "/v2/user/info", Some(&key), Send::None);
            assert_eq!(u64::from(user.status), seen["user_info_status"], "{at}");
            assert_eq!(
                permission(user.body.get("object_permission").unwrap_or(&Value::Null)),
                seen["user_object_permission"],
                "{at}"
            );
            let list = http.send("GET", "/v1/mcp/server", Some(&key), Send::None);
            assert_eq!(u64::from(list.status), seen["list_status"], "{at}");
            assert_eq!(mine(&list.body), seen["listed"], "{at}");
        }
    }
}
