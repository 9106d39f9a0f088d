//! Replays `tests/fixtures/litellm-roles-transcript.json`: how a real LiteLLM 1.108.7
//! answers keys of every role (master, proxy_admin, proxy_admin_viewer, internal_user,
//! internal_user_viewer, a key without a user, a team-scoped key, an unknown key) on
//! `/key/info`, `/user/info`, `/v2/user/info`, `/health/readiness/details`, the admin
//! credential list, the list, and the submission workflow (`/v1/mcp/server/register`,
//! `/v1/mcp/server/submissions`). Recorded with `tests/fixtures/record-litellm-roles.py`.
//!
//! Answers are compared whole (timestamps and the generated server id masked), except
//! where the exchange names `compare` pointers: key and user rows, whose other fields
//! are volatile or irrelevant to mcpform.

use serde_json::Value;

use super::support::fake_proxy::{FakeConfig, FakeProxy, Role};
use super::{Http, Send, mask};

/// Keys of the fake for each recorded label.
fn register_keys(fake: &FakeProxy, meta: &serde_json::Map<String, Value>) -> Vec<(String, String)> {
    let mut keys = vec![
        ("master".to_owned(), fake.master_key()),
        ("bogus".to_owned(), "sk-h2probe-not-a-key".to_owned()),
    ];
    for (label, info) in meta {
        if info.is_null() || info.get("master").is_some() {
            continue;
        }
        let key = format!("sk-fake-{label}-0123456789");
        let role = match info["role"].as_str() {
            Some("proxy_admin") => Role::ProxyAdmin,
            Some("proxy_admin_viewer") => Role::ProxyAdminViewer,
            Some("internal_user_viewer") => Role::InternalUserViewer,
            // A key without a user acts as an internal user.
            _ => Role::InternalUser,
        };
        fake.add_key(&key, info["user_id"].as_str().unwrap_or(""), role);
        if let Some(team) = info["team_id"].as_str() {
            fake.set_key_team(&key, team);
        }
        if let Some(alias) = info["key_alias"].as_str() {
            fake.set_key_alias(&key, alias);
        }
        keys.push((label.clone(), key));
    }
    keys
}

fn replace_all(v: &Value, ids: &[(String, String)]) -> Value {
    match v {
        Value::String(s) => Value::from(
            ids.iter()
                .fold(s.clone(), |acc, (from, to)| acc.replace(from, to)),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|i| replace_all(i, ids)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), replace_all(v, ids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn replays_the_recorded_roles_transcript() {
    let transcript: Value =
        serde_json::from_str(include_str!("../fixtures/litellm-roles-transcript.json"))
            .expect("transcript");
    let meta = transcript["keys"].as_object().expect("keys");
    let generated: Vec<String> = transcript["generated_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let fake = FakeProxy::start(FakeConfig::default());
    let http = Http::new(&fake);
    let keys = register_keys(&fake, meta);
    // Recorded generated id → the fake's.
    let mut ids: Vec<(String, String)> = Vec::new();
    let mut compared = 0;
    for (n, exchange) in transcript["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .enumerate()
    {
        let title = exchange["title"].as_str().unwrap_or("");
        if exchange["setup"] == "team_new" {
            fake.add_user("default_user_id", "internal_user");
            continue;
        }
        let who = exchange["key"].as_str().expect("key label");
        let key = &keys
            .iter()
            .find(|(label, _)| label == who)
            .unwrap_or_else(|| panic!("no key {who}"))
            .1;
        let path = replace_all(&exchange["path"], &ids);
        let path = path.as_str().expect("path");
        let body = match &exchange["body"] {
            Value::Null => Send::None,
            b => Send::Json(replace_all(b, &ids)),
        };
        let method = exchange["method"].as_str().expect("method");
        let answer = http.send(method, path, Some(key), body);
        let status = exchange["status"].as_u64().unwrap_or(0);
        assert_eq!(
            u64::from(answer.status),
            status,
            "exchange {n} ({title}): status; body {}",
            answer.body
        );
        if status == 201
            && let Some(recorded) = exchange["response"]["server_id"].as_str()
            && generated.iter().any(|g| g == recorded)
        {
            let ours = answer.body["server_id"].as_str().expect("generated id");
            ids.push((recorded.to_owned(), ours.to_owned()));
        }
        let expected = mask(&replace_all(&exchange["response"], &ids), "");
        let actual = mask(&answer.body, "");
        match exchange["compare"].as_array() {
            Some(pointers) => {
                for p in pointers.iter().filter_map(Value::as_str) {
                    assert_eq!(
                        actual.pointer(p),
                        expected.pointer(p),
                        "exchange {n} ({title}): {p}"
                    );
                }
            }
            None => assert_eq!(
                serde_json::to_string_pretty(&actual).unwrap_or_default(),
                serde_json::to_string_pretty(&expected).unwrap_or_default(),
                "exchange {n} ({title}): body"
            ),
        }
        compared += 1;
    }
    assert_eq!(compared, 89, "every exchange but the setup marker");
    assert_eq!(ids.len(), generated.len(), "every generated id was seen");
}

#[test]
fn the_version_string_is_configurable() {
    let fake = FakeProxy::start(FakeConfig {
        version: "1.103.2".into(),
        ..FakeConfig::default()
    });
    let http = Http::new(&fake);
    let a = http.send(
        "GET",
        "/health/readiness/details",
        Some(&fake.master_key()),
        Send::None,
    );
    assert_eq!(
        (a.status, &a.body["litellm_version"]),
        (200, &Value::from("1.103.2"))
    );
    let public = http.send("GET", "/health/readiness", None, Send::None);
    assert_eq!(
        public.body.get("litellm_version"),
        None,
        "1.108.7 keeps it private"
    );
}

#[test]
fn old_proxy_without_the_1_87_routes() {
    let fake = FakeProxy::start(FakeConfig {
        routes_1_87: false,
        version: "1.82.0".into(),
        ..FakeConfig::default()
    });
    fake.add_key("sk-team-key-0123", "tina", Role::InternalUser);
    fake.set_key_team("sk-team-key-0123", "t1");
    let http = Http::new(&fake);
    let master = fake.master_key();
    for path in ["/health/readiness/details", "/v2/user/info"] {
        let a = http.send("GET", path, Some(&master), Send::None);
        assert_eq!(
            (a.status, &a.body),
            (404, &serde_json::json!({"detail": "Not Found"})),
            "{path}"
        );
    }
    // `/server/{server_id}` takes the path: a server that does not exist.
    let a = http.send(
        "GET",
        "/v1/mcp/server/submissions",
        Some(&master),
        Send::None,
    );
    assert_eq!(a.status, 404);
    assert_eq!(
        a.body["detail"]["error"],
        "MCP Server with id submissions not found"
    );
    let a = http.send(
        "POST",
        "/v1/mcp/server/register",
        Some("sk-team-key-0123"),
        Send::Json(serde_json::json!({"server_name": "s", "url": "https://s.example.invalid", "transport": "http"})),
    );
    assert_eq!(a.status, 405);
    let public = http.send("GET", "/health/readiness", None, Send::None);
    assert_eq!(
        public.body["litellm_version"], "1.82.0",
        "told publicly then"
    );
}

#[test]
fn admin_viewers_saw_every_field_on_1_85_to_1_88() {
    let fake = FakeProxy::start(FakeConfig {
        viewer_sees_full_config: true,
        ..FakeConfig::default()
    });
    fake.seed_server(
        serde_json::json!({"server_id": "s1", "server_name": "s1", "transport": "http",
        "url": "https://s1.example.invalid/mcp", "static_headers": {"X-K": "v"}}),
    );
    fake.add_key("sk-viewer-key-01", "vera", Role::ProxyAdminViewer);
    fake.add_key("sk-user-key-0001", "ulf", Role::InternalUser);
    fake.grant_servers("sk-user-key-0001", &["s1"]);
    let http = Http::new(&fake);
    let viewer = http.send(
        "GET",
        "/v1/mcp/server",
        Some("sk-viewer-key-01"),
        Send::None,
    );
    assert_eq!(viewer.body[0]["url"], "https://s1.example.invalid/mcp");
    assert_eq!(viewer.body[0]["static_headers"]["X-K"], "v");
    let user = http.send(
        "GET",
        "/v1/mcp/server",
        Some("sk-user-key-0001"),
        Send::None,
    );
    assert_eq!(user.body[0]["url"], Value::Null, "others stay sanitised");
}

#[test]
fn a_pending_submission_owns_its_id_and_names_but_is_not_listed() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.add_key("sk-team-key-0123", "tina", Role::InternalUser);
    fake.set_key_team("sk-team-key-0123", "t1");
    let http = Http::new(&fake);
    let master = fake.master_key();
    let a = http.send(
        "POST",
        "/v1/mcp/server/register",
        Some("sk-team-key-0123"),
        Send::Json(
            serde_json::json!({"server_id": "sub1", "server_name": "Sub_One", "alias": "s1alias",
            "url": "https://s.example.invalid/mcp", "transport": "http"}),
        ),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["approval_status"], "pending_review");
    assert_eq!(a.body["submitted_by"], "tina");
    let list = http.send("GET", "/v1/mcp/server", Some(&master), Send::None);
    assert_eq!(list.body, serde_json::json!([]));
    let subs = http.send(
        "GET",
        "/v1/mcp/server/submissions",
        Some(&master),
        Send::None,
    );
    assert_eq!(
        (
            subs.body["total"].as_u64(),
            subs.body["pending_review"].as_u64()
        ),
        (Some(1), Some(1))
    );
    for (body, status) in [
        (
            serde_json::json!({"server_name": "sub_one", "url": "https://x.example.invalid", "transport": "http"}),
            400,
        ),
        (
            serde_json::json!({"server_name": "other", "alias": "S1ALIAS", "url": "https://x.example.invalid", "transport": "http"}),
            400,
        ),
        (
            serde_json::json!({"server_id": "sub1", "server_name": "other2", "url": "https://x.example.invalid", "transport": "http"}),
            400,
        ),
    ] {
        let a = http.send("POST", "/v1/mcp/server", Some(&master), Send::Json(body));
        assert_eq!(a.status, status, "{}", a.body);
    }
    // A second submission with a listed server's id fails in the insert.
    fake.seed_server(serde_json::json!({"server_id": "live1", "server_name": "live1", "transport": "http", "url": "https://l.example.invalid"}));
    let a = http.send(
        "POST",
        "/v1/mcp/server/register",
        Some("sk-team-key-0123"),
        Send::Json(serde_json::json!({"server_id": "live1", "server_name": "fresh", "url": "https://s.example.invalid/mcp", "transport": "http"})),
    );
    assert_eq!(a.status, 500);
    assert_eq!(
        a.body["detail"]["error"],
        "Error registering mcp server: Unique constraint failed on the fields: (`server_id`)"
    );
}
