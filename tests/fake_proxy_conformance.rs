//! Proof that the fake LiteLLM proxy answers like the real one.
//!
//! `replays_the_recorded_transcript` replays every exchange recorded from a real LiteLLM
//! 1.108.7 with PostgreSQL (`tests/fixtures/litellm-transcript.json`) against a fresh fake and
//! requires the same status and the same JSON (keys in the same order) once volatile values
//! are masked. The other tests pin the behaviours the transcript does not reach: old-proxy
//! switches, faults, list-vs-get differences and the known traps.

#[path = "support/mod.rs"]
mod support;

#[path = "fake_proxy_conformance/access.rs"]
mod access;

#[path = "fake_proxy_conformance/access_pins.rs"]
mod access_pins;

#[path = "fake_proxy_conformance/roles.rs"]
mod roles;

#[path = "fake_proxy_conformance/scoped.rs"]
mod scoped;

#[path = "fake_proxy_conformance/versions.rs"]
mod versions;

use std::time::Duration;

use serde_json::{Value, json};
use support::fake_proxy::{
    CredentialKind, FakeConfig, FakeProxy, Fault, Method, RecordedBody, Role,
};

// ---------------------------------------------------------------- a small blocking client

/// A body to send.
enum Send {
    None,
    Json(Value),
    Raw(String),
}

/// An answer: status, headers and the body parsed as JSON when it is JSON.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

/// reqwest driven from a private runtime, so the tests stay synchronous like assert_cmd ones.
struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
}

impl Http {
    fn new(fake: &FakeProxy) -> Http {
        Http::with_timeout(fake, None)
    }

    fn with_timeout(fake: &FakeProxy, timeout: Option<Duration>) -> Http {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder().no_proxy();
        if let Some(t) = timeout {
            builder = builder.timeout(t);
        }
        Http {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test runtime"),
            client: builder.build().expect("reqwest client"),
            base: fake.base_url(),
        }
    }

    fn try_send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Send,
    ) -> Result<Answer, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        req = match body {
            Send::None => req,
            Send::Json(v) => req.json(&v),
            Send::Raw(s) => req.header("content-type", "application/json").body(s),
        };
        self.runtime.block_on(async {
            let resp = req.send().await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let text = resp.text().await?;
            let body = if text.is_empty() {
                Value::from("")
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            };
            Ok(Answer {
                status,
                headers,
                body,
            })
        })
    }

    fn send(&self, method: &str, path: &str, key: Option<&str>, body: Send) -> Answer {
        let headers: Vec<(&str, String)> = key
            .map(|k| vec![("authorization", format!("Bearer {k}"))])
            .unwrap_or_default();
        self.try_send(method, path, &headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e:?}"))
    }
}

// ---------------------------------------------------------------- masking volatile values

/// `YYYY-MM-DDTHH:MM:SS` followed by an optional fraction and `Z` or `+00:00`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    if b.len() < 19
        || !(digits(0..4)
            && digits(5..7)
            && digits(8..10)
            && digits(11..13)
            && digits(14..16)
            && digits(17..19))
        || (b[4], b[7], b[10], b[13], b[16]) != (b'-', b'-', b'T', b':', b':')
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[n..];
    }
    matches!(rest, "" | "Z" | "+00:00")
}

/// Replaces a server id by `<server-id>` and every timestamp digit by `0`, which keeps the
/// timestamp's format (six-digit fraction, `Z` vs `+00:00` vs naive) under comparison.
fn mask(v: &Value, server_id: &str) -> Value {
    match v {
        Value::String(s) if is_timestamp(s) => {
            let zeroed: String = s
                .chars()
                .map(|c| if c.is_ascii_digit() { '0' } else { c })
                .collect();
            // Python leaves the fraction out when it is zero (one time in a million, or a
            // thousand at the DB's millisecond precision): compare as if it were there.
            if zeroed.as_bytes().get(19) == Some(&b'.') {
                Value::from(zeroed)
            } else {
                Value::from(format!("{}.000000{}", &zeroed[..19], &zeroed[19..]))
            }
        }
        Value::String(s) if !server_id.is_empty() => {
            Value::from(s.replace(server_id, "<server-id>"))
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| mask(i, server_id)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask(v, server_id)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Substitutes the recorded server id in a request (path or body).
fn substitute(v: &Value, from: &str, to: &str) -> Value {
    match v {
        Value::String(s) => Value::from(s.replace(from, to)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| substitute(i, from, to)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, from, to)))
                .collect(),
        ),
        other => other.clone(),
    }
}

// ---------------------------------------------------------------- the replay

const RECORDED_SERVER_ID: &str = "b3d2df63-2cad-4949-b647-2ca2ba91c95b";

/// The replay's memory: recorded keys (shown truncated) → keys the fake knows.
struct Replay {
    fake: FakeProxy,
    http: Http,
    keys: Vec<(String, String)>,
    generated_id: String,
}

impl Replay {
    /// Maps a recorded `Bearer sk-master-12…` style header to a key the fake accepts.
    fn header_value(&self, recorded: &str) -> String {
        let key = recorded.strip_prefix("Bearer ").unwrap_or(recorded);
        let Some(prefix) = key.strip_suffix('\u{2026}') else {
            return recorded.to_string();
        };
        let full = self
            .keys
            .iter()
            .find(|(p, _)| p.starts_with(prefix) || prefix.starts_with(p.as_str()))
            .map(|(_, k)| k.clone())
            .unwrap_or_else(|| panic!("no key for recorded prefix {prefix}"));
        format!("Bearer {full}")
    }

    /// `/key/generate` is not part of the fake: register the recorded key instead.
    fn register_key(&mut self, exchange: &Value) {
        let key = exchange["response"]["key"].as_str().expect("generated key");
        let user = exchange["request"]["body"]["user_id"]
            .as_str()
            .expect("user_id");
        self.fake.add_key(key, user, Role::InternalUser);
        if let Some(servers) =
            exchange["request"]["body"]["object_permission"]["mcp_servers"].as_array()
        {
            let ids: Vec<String> = servers
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.replace(RECORDED_SERVER_ID, &self.generated_id))
                .collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            self.fake.grant_servers(key, &refs);
        }
        self.keys.push((key.to_string(), key.to_string()));
    }

    /// Sends one recorded request and returns the fake's answer.
    fn send(&self, request: &Value) -> Answer {
        let method = request["method"].as_str().expect("method");
        let path = request["path"]
            .as_str()
            .expect("path")
            .replace(RECORDED_SERVER_ID, &self.generated_id);
        let headers: Vec<(&str, String)> = request["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.as_str(), self.header_value(v.as_str().unwrap_or(""))))
                    .collect()
            })
            .unwrap_or_default();
        let body = match &request["body"] {
            Value::Null => Send::None,
            Value::String(raw) => Send::Raw(raw.clone()),
            v => Send::Json(substitute(v, RECORDED_SERVER_ID, &self.generated_id)),
        };
        self.http
            .try_send(method, &path, &headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e:?}"))
    }
}

#[test]
fn replays_the_recorded_transcript() {
    let transcript: Vec<Value> =
        serde_json::from_str(include_str!("fixtures/litellm-transcript.json")).expect("transcript");
    assert_eq!(transcript.len(), 51);
    let fake = FakeProxy::start(FakeConfig::default());
    let http = Http::new(&fake);
    let master = fake.master_key();
    let mut replay = Replay {
        fake,
        http,
        keys: vec![("sk-master-1234".to_string(), master)],
        generated_id: String::new(),
    };
    let mut compared = 0;
    for (i, exchange) in transcript.iter().enumerate() {
        let n = i + 1;
        let request = &exchange["request"];
        match request["path"].as_str() {
            // Creating a user has no MCP effect; the fake keeps no user table.
            Some("/user/new") => continue,
            Some("/key/generate") => {
                replay.register_key(exchange);
                continue;
            }
            _ => {}
        }
        let answer = replay.send(request);
        if n == 4 {
            replay.generated_id = answer.body["server_id"]
                .as_str()
                .expect("generated id")
                .to_string();
            assert_ne!(replay.generated_id, RECORDED_SERVER_ID);
        }
        let title = exchange["title"].as_str().unwrap_or("");
        assert_eq!(
            answer.status,
            exchange["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
            "exchange {n} ({title}): status"
        );
        let expected = mask(&exchange["response"], RECORDED_SERVER_ID);
        let actual = mask(&answer.body, &replay.generated_id);
        // Compared as pretty text: serde_json's map equality ignores key order, the text does not.
        assert_eq!(
            serde_json::to_string_pretty(&actual).unwrap_or_default(),
            serde_json::to_string_pretty(&expected).unwrap_or_default(),
            "exchange {n} ({title}): body"
        );
        compared += 1;
    }
    assert_eq!(
        compared, 48,
        "every exchange but /user/new and the two /key/generate"
    );
    let journal = replay.fake.journal();
    assert_eq!(journal.len(), 48);
    assert!(
        journal
            .iter()
            .all(|r| r.status.is_some() && r.fault.is_none())
    );
}

#[test]
fn timestamp_masking_keeps_the_format() {
    assert!(is_timestamp("2026-11-26T03:33:03.295000Z"));
    assert!(is_timestamp("2026-11-26T03:33:04.645648"));
    assert!(is_timestamp("2026-11-26T03:33:04.728000+00:00"));
    assert!(!is_timestamp("2026-11-26"));
    assert_eq!(
        mask(&json!("2026-11-26T03:33:04.728000+00:00"), ""),
        json!("0000-00-00T00:00:00.000000+00:00")
    );
    assert_eq!(
        mask(&json!("2026-11-26T03:33:04Z"), ""),
        json!("0000-00-00T00:00:00.000000Z")
    );
}

// ---------------------------------------------------------------- helpers for focused tests

/// A fresh fake with a client that speaks as the master key unless told otherwise.
struct Env {
    fake: FakeProxy,
    http: Http,
    master: String,
}

fn env(config: FakeConfig) -> Env {
    let fake = FakeProxy::start(config);
    let http = Http::new(&fake);
    let master = fake.master_key();
    Env { fake, http, master }
}

impl Env {
    fn call(&self, method: &str, path: &str, body: Send) -> Answer {
        self.http.send(method, path, Some(&self.master), body)
    }

    fn call_as(&self, key: &str, method: &str, path: &str, body: Send) -> Answer {
        self.http.send(method, path, Some(key), body)
    }

    fn create(&self, body: Value) -> Value {
        let a = self.call("POST", "/v1/mcp/server", Send::Json(body));
        assert_eq!(a.status, 201, "create: {}", a.body);
        a.body
    }

    fn put(&self, body: Value) -> Answer {
        self.call("PUT", "/v1/mcp/server", Send::Json(body))
    }

    fn list(&self) -> Vec<Value> {
        let a = self.call("GET", "/v1/mcp/server", Send::None);
        assert_eq!(a.status, 200);
        a.body.as_array().cloned().unwrap_or_default()
    }

    fn row(&self, id: &str) -> Value {
        self.fake
            .rows()
            .into_iter()
            .find(|r| r["server_id"] == id)
            .unwrap_or_else(|| panic!("no row {id}"))
    }
}

fn http_server(id: &str) -> Value {
    json!({"server_id": id, "server_name": id, "transport": "http", "url": format!("https://{id}.example.invalid/mcp")})
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn error_of(a: &Answer) -> String {
    a.body["detail"]["error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn find<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|s| s["server_id"] == id)
        .unwrap_or_else(|| panic!("{id} not listed"))
}

// ---------------------------------------------------------------- older proxies

#[test]
fn old_proxy_put_resets_omitted_fields_and_null_never_clears() {
    let create = json!({
        "server_id": "s1", "server_name": "s1", "alias": "s_one", "transport": "http",
        "url": "https://s1.example.invalid", "allow_all_keys": true,
        "available_on_public_internet": false, "mcp_access_groups": ["g"], "is_byok": true,
        "byok_description": ["d"], "allowed_tools": ["t"]
    });
    let put = json!({"server_id": "s1", "description": "new", "allowed_tools": null});

    let old = env(FakeConfig {
        put_resets_omitted: true,
        ..FakeConfig::default()
    });
    old.create(create.clone());
    assert_eq!(old.put(put.clone()).status, 202);
    let row = old.row("s1");
    assert_eq!(row["description"], "new");
    assert_eq!(row["transport"], "sse");
    assert_eq!(row["allow_all_keys"], false);
    assert_eq!(row["available_on_public_internet"], true);
    assert_eq!(row["mcp_access_groups"], json!([]));
    assert_eq!(row["is_byok"], false);
    assert_eq!(row["byok_description"], json!([]));
    assert_eq!(
        row["alias"],
        Value::Null,
        "no alias and no server_name writes alias = null"
    );
    assert_eq!(row["allowed_tools"], json!(["t"]), "null never clears");
    assert_eq!(
        row["url"], "https://s1.example.invalid",
        "omitted fields without a default stay"
    );

    let new = env(FakeConfig::default());
    new.create(create);
    assert_eq!(new.put(put).status, 202);
    let row = new.row("s1");
    assert_eq!(row["transport"], "http");
    assert_eq!(row["allow_all_keys"], true);
    assert_eq!(row["available_on_public_internet"], false);
    assert_eq!(row["mcp_access_groups"], json!(["g"]));
    assert_eq!(row["is_byok"], true);
    assert_eq!(row["alias"], "s_one");
    assert_eq!(
        row["allowed_tools"],
        json!([]),
        "explicit null clears on 1.88+"
    );
}

/// The other defaults a PUT of 1.87.5 writes when it omits them, pinned by hand here
/// (the fake reads which fields from mcpform's table, so the values must be said by
/// someone else): `args`, `env` and `delegate_auth_to_upstream`, as 1.87.5's request
/// model gives them.
#[test]
fn old_proxy_put_resets_args_env_and_delegation_too() {
    let old = env(FakeConfig::as_version("1.87.5"));
    old.create(json!({
        "server_id": "s2", "server_name": "s2", "transport": "stdio", "command": "npx",
        "args": ["-y", "@modelcontextprotocol/server-everything"], "env": {"K": "v"},
        "delegate_auth_to_upstream": true
    }));
    assert_eq!(
        old.put(json!({"server_id": "s2", "description": "new"}))
            .status,
        202
    );
    let row = old.row("s2");
    assert_eq!(row["description"], "new");
    assert_eq!(row["args"], json!([]));
    assert_eq!(row["env"], json!({}));
    assert_eq!(row["delegate_auth_to_upstream"], false);
    assert_eq!(row["command"], "npx", "no default: it stays");
}

#[test]
fn old_proxy_without_the_admin_credential_list() {
    let e = env(FakeConfig {
        admin_credential_list: false,
        ..FakeConfig::default()
    });
    e.create(json!({"server_id": "b", "server_name": "b", "transport": "http", "url": "https://b", "is_byok": true}));
    e.fake
        .store_user_credential("b", "alice", CredentialKind::Byok);
    e.fake
        .store_user_credential("b", "default_user_id", CredentialKind::Byok);
    let a = e.call("GET", "/v1/mcp/server/b/user-credentials", Send::None);
    assert_eq!((a.status, a.body), (404, json!({"detail": "Not Found"})));
    // Before 1.103 `user_id` is not a parameter: the admin deletes their own key.
    let a = e.call(
        "DELETE",
        "/v1/mcp/server/b/user-credential?user_id=alice",
        Send::None,
    );
    assert_eq!(a.status, 200);
    assert_eq!(
        e.fake.user_credentials("b"),
        vec![("alice".to_string(), CredentialKind::Byok)]
    );
}

#[test]
fn old_proxy_without_byok_ignores_and_hides_the_byok_fields() {
    let e = env(FakeConfig {
        supports_byok: false,
        ..FakeConfig::default()
    });
    let created = e.create(json!({
        "server_id": "b", "server_name": "b", "transport": "http", "url": "https://b",
        "is_byok": "not even a bool", "byok_description": 5, "byok_api_key_help_url": "https://help"
    }));
    for view in [
        created,
        e.row("b"),
        e.list()[0].clone(),
        e.call("GET", "/v1/mcp/server/b", Send::None).body,
    ] {
        for key in [
            "is_byok",
            "byok_description",
            "byok_api_key_help_url",
            "has_user_credential",
        ] {
            assert!(view.get(key).is_none(), "{key} in {view}");
        }
        assert_eq!(view["server_id"], "b");
    }
    for (method, path, body) in [
        (
            "POST",
            "/v1/mcp/server/b/user-credential",
            Send::Json(json!({"credential": "x"})),
        ),
        ("DELETE", "/v1/mcp/server/b/user-credential", Send::None),
        ("GET", "/v1/mcp/server/b/user-credentials", Send::None),
        ("GET", "/v1/mcp/user-credentials", Send::None),
    ] {
        let a = e.call(method, path, body);
        assert_eq!(
            (a.status, a.body),
            (404, json!({"detail": "Not Found"})),
            "{method} {path}"
        );
    }
}

#[test]
fn openapi_update_500_saves_the_row_then_fails() {
    let e = env(FakeConfig {
        openapi_update_500: true,
        ..FakeConfig::default()
    });
    e.create(json!({"server_id": "api", "server_name": "api", "transport": "http", "spec_path": "https://api/openapi.json"}));
    e.create(http_server("plain"));
    let a = e.put(json!({"server_id": "api", "description": "saved anyway"}));
    assert_eq!(a.status, 500);
    assert!(error_of(&a).contains("spec fetch failed"), "{}", a.body);
    assert_eq!(e.row("api")["description"], "saved anyway");
    assert_eq!(
        e.put(json!({"server_id": "plain", "description": "x"}))
            .status,
        202
    );
}

#[test]
fn stdio_is_disabled_by_default_like_the_real_proxy() {
    let body = json!({"server_name": "local", "transport": "stdio", "command": "npx", "args": ["-y", "pkg"]});
    let e = env(FakeConfig::default());
    let a = e.call("POST", "/v1/mcp/server", Send::Json(body.clone()));
    assert_eq!(a.status, 422);
    assert_eq!(
        a.body["detail"][0]["msg"],
        "Value error, stdio MCP servers are disabled on this proxy. Set LITELLM_ENABLE_MCP_STDIO=true on the proxy and restart to enable them"
    );

    let e = env(FakeConfig {
        stdio_enabled: true,
        ..FakeConfig::default()
    });
    let created = e.create(body);
    assert_eq!(
        (created["command"].clone(), created["args"].clone()),
        (json!("npx"), json!(["-y", "pkg"]))
    );
    let cases = [
        (
            json!({"transport": "stdio", "args": ["x"]}),
            "Value error, command is required for stdio transport",
        ),
        (
            json!({"transport": "stdio", "command": "npx", "args": []}),
            "Value error, args is required for stdio transport",
        ),
        (
            json!({"transport": "stdio", "command": "/usr/bin/bash", "args": ["x"]}),
            "Value error, Command '/usr/bin/bash' is not in the allowed commands list for stdio transport. Allowed commands: ['deno', 'docker', 'node', 'npx', 'python', 'python3', 'uvx']",
        ),
    ];
    for (body, msg) in cases {
        let a = e.call("POST", "/v1/mcp/server", Send::Json(body));
        assert_eq!(
            (a.status, a.body["detail"][0]["msg"].clone()),
            (422, json!(msg))
        );
    }
    assert!(e.create(json!({"server_name": "abs", "transport": "stdio", "command": "/usr/local/bin/uvx", "args": ["x"]}))["server_id"].is_string());
}

// ---------------------------------------------------------------- faults

#[test]
fn status_fault_hits_the_next_n_matching_requests_only() {
    let e = env(FakeConfig::default());
    // A path ending with `*` matches as a prefix (the list and a server by id).
    e.fake
        .inject(Fault::status(Method::GET, "/v1/mcp/server*", 503).times(2));
    e.create(http_server("one"));
    for path in ["/v1/mcp/server", "/v1/mcp/server/one"] {
        let a = e.call("GET", path, Send::None);
        assert_eq!(a.status, 503);
        assert_eq!(
            a.body,
            json!({"error": {"message": "Internal server error", "type": "internal_server_error"}})
        );
    }
    assert_eq!(e.list().len(), 1);
    let markers: Vec<(Option<u16>, Option<String>)> = e
        .fake
        .journal()
        .into_iter()
        .map(|r| (r.status, r.fault))
        .collect();
    assert_eq!(
        markers,
        vec![
            (Some(201), None),
            (Some(503), Some("status:503".to_string())),
            (Some(503), Some("status:503".to_string())),
            (Some(200), None),
        ]
    );
}

#[test]
fn faulted_requests_change_nothing_and_custom_bodies_are_sent() {
    let e = env(FakeConfig::default());
    e.fake.inject(
        Fault::status(Method::POST, "/v1/mcp/server", 502)
            .with_body(json!({"detail": "bad gateway"})),
    );
    let a = e.call("POST", "/v1/mcp/server", Send::Json(http_server("x")));
    assert_eq!((a.status, a.body), (502, json!({"detail": "bad gateway"})));
    assert!(e.fake.rows().is_empty());
    e.create(http_server("x"));
    assert_eq!(e.fake.rows().len(), 1);
}

#[test]
fn rate_limit_fault_sends_retry_after() {
    let e = env(FakeConfig::default());
    e.fake
        .inject(Fault::rate_limited(Method::PUT, "/v1/mcp/server", 7));
    let a = e.put(json!({"server_id": "nope"}));
    assert_eq!(a.status, 429);
    assert_eq!(
        a.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("7")
    );
    assert_eq!(a.body["error"]["code"], "429");
    assert_eq!(e.put(json!({"server_id": "nope"})).status, 404);
    assert_eq!(
        e.fake.journal()[0].fault.as_deref(),
        Some("rate_limited:7s")
    );
}

#[test]
fn redirect_fault_answers_3xx_with_a_location() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.inject(Fault::redirect(
        Method::GET,
        "/v1/mcp/server",
        308,
        "https://elsewhere.example.invalid/v1/mcp/server",
    ));
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (status, location) = runtime.block_on(async {
        let r = client
            .get(format!("{}/v1/mcp/server", fake.base_url()))
            .send()
            .await
            .expect("answer");
        (r.status().as_u16(), r.headers().get("location").cloned())
    });
    assert_eq!(status, 308);
    assert_eq!(
        location.as_ref().and_then(|v| v.to_str().ok()),
        Some("https://elsewhere.example.invalid/v1/mcp/server")
    );
    assert_eq!(fake.journal()[0].fault.as_deref(), Some("redirect:308"));
}

#[test]
fn huge_body_fault_streams_the_given_size() {
    let e = env(FakeConfig::default());
    for declared in [false, true] {
        e.fake.inject(Fault::huge_body(
            Method::GET,
            "/v1/mcp/server",
            (1 << 20) + 5,
            declared,
        ));
        let a = e.call("GET", "/v1/mcp/server", Send::None);
        assert_eq!(a.status, 200);
        let text = a.body.as_str().unwrap_or_default();
        assert_eq!(text.len(), (1 << 20) + 5);
        assert!(text.bytes().all(|b| b == b' '));
        assert_eq!(
            a.headers
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            declared.then(|| ((1 << 20) + 5).to_string())
        );
    }
    assert_eq!(
        e.fake.journal()[0].fault.as_deref(),
        Some("huge_body:1048581")
    );
}

#[test]
fn delay_fault_exceeds_a_client_timeout() {
    let fake = FakeProxy::start(FakeConfig::default());
    let http = Http::with_timeout(&fake, Some(Duration::from_millis(300)));
    let key = vec![("authorization", format!("Bearer {}", fake.master_key()))];
    fake.inject(Fault::delay(Method::GET, "/v1/mcp/server", 1500));
    let err = http
        .try_send("GET", "/v1/mcp/server", &key, Send::None)
        .err()
        .expect("the delayed request must time out");
    assert!(err.is_timeout(), "{err:?}");
    let a = http
        .try_send("GET", "/v1/mcp/server", &key, Send::None)
        .expect("second request");
    assert_eq!(a.status, 200);
    assert_eq!(fake.journal()[0].fault.as_deref(), Some("delay:1500ms"));

    // Without a client timeout the delayed request is answered normally.
    let patient = Http::new(&fake);
    fake.inject(Fault::delay(Method::GET, "/v1/mcp/server", 200));
    let started = std::time::Instant::now();
    let a = patient
        .try_send("GET", "/v1/mcp/server", &key, Send::None)
        .expect("delayed answer");
    assert_eq!(a.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[test]
fn reset_fault_drops_a_reused_keep_alive_connection() {
    let e = env(FakeConfig::default());
    let key = vec![("authorization", format!("Bearer {}", e.master))];
    assert_eq!(
        e.http
            .try_send("GET", "/v1/mcp/server", &key, Send::None)
            .map(|a| a.status)
            .ok(),
        Some(200)
    );
    e.fake.inject(Fault::reset(Method::GET, "/v1/mcp/server"));
    let err = e
        .http
        .try_send("GET", "/v1/mcp/server", &key, Send::None)
        .err()
        .expect("a reset connection gives no response");
    let text = format!("{err:?}");
    assert!(
        text.contains("IncompleteMessage")
            || text.contains("connection closed")
            || text.contains("reset"),
        "{text}"
    );
    assert_eq!(
        e.http
            .try_send("GET", "/v1/mcp/server", &key, Send::None)
            .map(|a| a.status)
            .ok(),
        Some(200)
    );
    let journal = e.fake.journal();
    assert_eq!(journal.len(), 3);
    assert_eq!(
        journal[1].connection, journal[0].connection,
        "the reset hit a reused keep-alive connection"
    );
    assert_eq!(
        (journal[1].status, journal[1].fault.as_deref()),
        (None, Some("reset"))
    );
    assert_ne!(
        journal[2].connection, journal[1].connection,
        "the client had to reconnect"
    );
}

#[test]
fn journal_records_bodies_and_key_prefixes() {
    let e = env(FakeConfig::default());
    e.call("POST", "/v1/mcp/server", Send::Raw("{oops".to_string()));
    e.http
        .send("GET", "/v1/mcp/server?team_id=t", None, Send::None);
    e.create(http_server("j"));
    let j = e.fake.journal();
    assert_eq!(j[0].body, RecordedBody::Raw("{oops".to_string()));
    assert_eq!(j[0].auth_key_prefix.as_deref(), Some("sk-fake-mast"));
    assert_eq!(
        (
            j[1].path.as_str(),
            j[1].auth_key_prefix.clone(),
            j[1].status
        ),
        ("/v1/mcp/server?team_id=t", None, Some(401))
    );
    assert_eq!(j[2].body, RecordedBody::Json(http_server("j")));
    assert_eq!(j[2].method, "POST");
    e.fake.clear_journal();
    assert!(e.fake.journal().is_empty());
}

// ---------------------------------------------------------------- views and traps

#[test]
fn list_and_get_show_different_views() {
    let e = env(FakeConfig::default());
    e.create(json!({
        "server_id": "v", "server_name": "v", "description": "desc", "transport": "http", "url": "https://v",
        "static_headers": {"X-Tenant": "acme"}, "env_vars": [{"name": "TOKEN", "value": "t"}],
        "tool_name_to_display_name": {"search": "find"}
    }));
    e.create(json!({"server_id": "id_bare", "server_name": "bare", "transport": "http", "url": "https://bare"}));
    let list = e.list();
    let listed = find(&list, "v");
    assert_eq!(listed["created_by"], Value::Null);
    assert_eq!(listed["status"], Value::Null);
    assert_eq!(
        listed["static_headers"],
        json!({"X-Tenant": "acme"}),
        "non-empty collections show"
    );
    assert_eq!(
        listed["env_vars"],
        json!([{"name": "TOKEN", "value": "t", "scope": "global", "description": null}])
    );
    assert_eq!(
        listed["tool_name_to_display_name"],
        json!({"search": "find"})
    );
    assert_eq!(
        listed["tool_name_to_description"],
        Value::Null,
        "empty collections are null in the list"
    );
    assert_eq!(
        keys(&listed["mcp_info"]),
        [
            "server_name",
            "description",
            "is_public",
            "is_public_explicit"
        ]
    );
    assert_eq!(
        listed["subject_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(listed["token_exchange_profile"], "rfc8693");
    assert_eq!(
        keys(&find(&list, "id_bare")["mcp_info"]),
        ["server_name", "is_public", "is_public_explicit"],
        "no description, no injected description"
    );

    let got = e.call("GET", "/v1/mcp/server/v", Send::None).body;
    assert_eq!(got["created_by"], "default_user_id");
    assert_eq!(got["status"], "unhealthy");
    assert_eq!(
        got["health_check_error"],
        "Reachability check failed (ConnectError)"
    );
    assert_eq!(got["tool_name_to_description"], json!({}));
    assert_eq!(keys(&got["mcp_info"]), ["is_public", "is_public_explicit"]);
    assert_eq!(got["subject_token_type"], Value::Null);
    assert_eq!(keys(&got), keys(listed), "same fields, same order");
    assert_eq!(e.fake.get_by_id_calls(), 1);
    assert_eq!(
        e.row("v")["status"],
        "unknown",
        "rows() has no health-check noise"
    );
    // The fake, like the proxy, also resolves a GET by alias/server_name (registry view).
    let by_name = e.call("GET", "/v1/mcp/server/bare", Send::None).body;
    assert_eq!(
        (by_name["server_id"].clone(), by_name["created_by"].clone()),
        (json!("id_bare"), Value::Null)
    );
}

#[test]
fn list_is_sorted_case_insensitively_by_name() {
    let e = env(FakeConfig::default());
    for (id, name) in [("1", "zeta"), ("2", "Alpha"), ("3", "beta")] {
        e.create(
            json!({"server_id": id, "server_name": name, "transport": "http", "url": "https://x"}),
        );
    }
    let names: Vec<Value> = e.list().iter().map(|s| s["server_name"].clone()).collect();
    assert_eq!(names, [json!("Alpha"), json!("beta"), json!("zeta")]);
}

#[test]
fn alias_trap_a_put_with_server_name_resets_the_alias() {
    let e = env(FakeConfig::default());
    let created = e.create(json!({"server_id": "a1", "server_name": "orig", "alias": "custom alias", "transport": "http", "url": "https://a"}));
    assert_eq!(
        created["alias"], "custom_alias",
        "spaces in an alias become underscores"
    );
    assert_eq!(
        e.put(json!({"server_id": "a1", "description": "x"})).body["alias"],
        "custom_alias"
    );
    let a = e.put(json!({"server_id": "a1", "server_name": "renamed"}));
    assert_eq!(
        (a.status, a.body["alias"].clone()),
        (202, json!("renamed")),
        "alias reset to the new server_name"
    );
    assert_eq!(
        e.put(json!({"server_id": "a1", "server_name": "again", "alias": "kept"}))
            .body["alias"],
        "kept"
    );
    assert_eq!(
        e.put(json!({"server_id": "a1", "alias": null})).body["alias"],
        Value::Null,
        "explicit null clears"
    );
    let defaulted =
        e.create(json!({"server_name": "with_default", "transport": "sse", "url": "https://d"}));
    assert_eq!(defaulted["alias"], "with_default");
    assert_eq!(
        defaulted["server_id"].as_str().map(str::len),
        Some(36),
        "a UUID4 is generated"
    );
}

#[test]
fn mcp_info_description_trap_the_list_shows_the_inner_description() {
    let e = env(FakeConfig::default());
    e.create(json!({
        "server_id": "d", "server_name": "d", "description": "top level", "transport": "http",
        "url": "https://d", "mcp_info": {"description": "inner", "logo_url": "https://logo"}
    }));
    let listed = e.list()[0].clone();
    assert_eq!(listed["description"], "inner");
    assert_eq!(
        keys(&listed["mcp_info"]),
        [
            "description",
            "logo_url",
            "server_name",
            "is_public",
            "is_public_explicit"
        ]
    );
    let got = e.call("GET", "/v1/mcp/server/d", Send::None).body;
    assert_eq!(got["description"], "top level");
    assert_eq!(
        got["mcp_info"],
        json!({"description": "inner", "logo_url": "https://logo", "is_public": false, "is_public_explicit": false})
    );
}

#[test]
fn names_and_aliases_are_unique_case_insensitively() {
    let e = env(FakeConfig::default());
    e.create(json!({"server_id": "gh", "server_name": "GitHub", "transport": "http", "url": "https://gh"}));
    let conflict = |body: Value| {
        let a = e.call("POST", "/v1/mcp/server", Send::Json(body));
        assert_eq!(a.status, 400, "{}", a.body);
        error_of(&a)
    };
    let suffix = "already exists (server_id=gh). MCP server names and aliases must be unique, case-insensitive.";
    assert_eq!(
        conflict(json!({"server_name": "github", "transport": "http", "url": "https://x"})),
        format!("An MCP server with alias 'github' {suffix}")
    );
    assert_eq!(
        conflict(
            json!({"server_name": "other", "alias": "GITHUB", "transport": "http", "url": "https://x"})
        ),
        format!("An MCP server with alias 'GITHUB' {suffix}")
    );
    assert_eq!(
        conflict(
            json!({"server_name": "GITHUB", "alias": "free", "transport": "http", "url": "https://x"})
        ),
        format!("An MCP server with server_name 'GITHUB' {suffix}")
    );
    e.create(http_server("second"));
    assert_eq!(
        e.put(json!({"server_id": "gh", "server_name": "GITHUB"}))
            .status,
        202,
        "a row never conflicts with itself"
    );
    let a = e.put(json!({"server_id": "second", "alias": "github"}));
    assert_eq!(
        (a.status, error_of(&a)),
        (400, format!("An MCP server with alias 'github' {suffix}"))
    );
    let a = e.put(json!({"server_id": "missing", "server_name": "github"}));
    assert_eq!(
        a.status, 400,
        "the identifier check runs before the row lookup"
    );
}

#[test]
fn lists_ten_thousand_servers() {
    let e = env(FakeConfig::default());
    for i in 0..10_000 {
        e.fake.seed_server(json!({"server_id": format!("id{i:05}"), "server_name": format!("srv_{i:05}"), "transport": "http", "url": "https://x"}));
    }
    let list = e.list();
    assert_eq!(list.len(), 10_000);
    assert_eq!(
        (
            list[0]["server_name"].clone(),
            list[9_999]["server_name"].clone()
        ),
        (json!("srv_00000"), json!("srv_09999"))
    );
    let a = e.call(
        "POST",
        "/v1/mcp/server",
        Send::Json(json!({"server_name": "SRV_05000", "transport": "http", "url": "https://x"})),
    );
    assert_eq!(a.status, 400, "uniqueness still holds at scale");
}

// ---------------------------------------------------------------- auth and roles

#[test]
fn authentication_variants() {
    let e = env(FakeConfig::default());
    let get = |headers: Vec<(&str, String)>| {
        e.http
            .try_send("GET", "/v1/mcp/server", &headers, Send::None)
            .expect("answer")
    };
    assert_eq!(
        get(vec![("x-litellm-api-key", e.master.clone())]).status,
        200
    );
    assert_eq!(
        get(vec![("x-litellm-api-key", format!("Bearer {}", e.master))]).status,
        200
    );
    assert_eq!(
        get(vec![("authorization", e.master.clone())]).status,
        200,
        "a bare key works too"
    );
    let a = get(vec![]);
    assert_eq!(
        (a.status, a.body),
        (
            401,
            json!({"error": {"message": "Authentication Error, No api key passed in.", "type": "auth_error", "param": "None", "code": "401"}})
        )
    );
    let a = get(vec![("x-litellm-api-key", String::new())]);
    assert_eq!(
        a.body["error"]["message"],
        "Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix."
    );
    // HTTP drops the trailing space: the key is then the word "Bearer".
    let a = get(vec![("authorization", "Bearer ".to_string())]);
    assert_eq!(
        a.body["error"]["message"],
        "LiteLLM Virtual Key expected. Received=****, expected to start with 'sk-'."
    );
    let a = get(vec![(
        "authorization",
        "Bearer not-a-litellm-key".to_string(),
    )]);
    assert_eq!(
        (a.status, a.body["error"]["message"].clone()),
        (
            401,
            json!(
                "LiteLLM Virtual Key expected. Received=not-****-key, expected to start with 'sk-'."
            )
        )
    );
    let a = get(vec![
        ("authorization", "Bearer sk-unknown".to_string()),
        ("x-litellm-api-key", e.master.clone()),
    ]);
    assert_eq!(a.status, 200, "x-litellm-api-key wins over Authorization");
    let a = get(vec![("authorization", "Bearer sk-unknown".to_string())]);
    assert_eq!(a.body["error"]["type"], "token_not_found_in_db");
}

#[test]
fn non_admins_get_sanitised_views_and_cannot_write() {
    let e = env(FakeConfig::default());
    e.create(json!({"server_id": "granted", "server_name": "granted", "transport": "http", "url": "https://secret-in-url", "static_headers": {"k": "v"}, "credentials": {"scopes": ["s"]}}));
    e.create(json!({"server_id": "everyone", "server_name": "everyone", "transport": "http", "url": "https://e", "allow_all_keys": true}));
    e.create(http_server("hidden"));
    e.fake.add_key("sk-user", "alice", Role::InternalUser);
    e.fake.grant_servers("sk-user", &["granted"]);
    e.fake.add_key("sk-viewer", "vera", Role::ProxyAdminViewer);

    let user_list = e
        .call_as("sk-user", "GET", "/v1/mcp/server", Send::None)
        .body;
    let ids: Vec<Value> = user_list
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["server_id"].clone())
        .collect();
    assert_eq!(ids, [json!("everyone"), json!("granted")]);
    let granted = find(
        user_list.as_array().map(Vec::as_slice).unwrap_or_default(),
        "granted",
    );
    for key in [
        "url",
        "static_headers",
        "credentials",
        "env_vars",
        "subject_token_type",
    ] {
        assert_eq!(granted[key], Value::Null, "{key} is stripped");
    }
    let a = e.call_as("sk-user", "GET", "/v1/mcp/server/hidden", Send::None);
    assert_eq!((a.status, error_of(&a)), (403, "User does not have permission to view mcp server with id hidden. You can only view mcp servers that you have access to.".to_string()));
    assert_eq!(
        e.call_as("sk-user", "GET", "/v1/mcp/server/nope", Send::None)
            .status,
        404
    );

    let viewer_list = e
        .call_as("sk-viewer", "GET", "/v1/mcp/server", Send::None)
        .body;
    assert_eq!(
        viewer_list.as_array().map(Vec::len),
        Some(3),
        "an admin viewer sees every server"
    );
    assert!(
        viewer_list
            .as_array()
            .into_iter()
            .flatten()
            .all(|s| s["url"].is_null()),
        "but sanitised"
    );
    // The admin viewer's writes stop in the route check, before the body is validated
    // and before the handler (recorded: litellm-roles-transcript.json).
    let refused = |path: &str| {
        json!({"error": {"message": format!("user not allowed to access this route, role= proxy_admin_viewer. Trying to access: {path}"),
                         "type": "auth_error", "param": "None", "code": "403"}})
    };
    for (method, path, body) in [
        (
            "PUT",
            "/v1/mcp/server",
            Send::Json(json!({"server_id": "granted", "description": "x"})),
        ),
        (
            "POST",
            "/v1/mcp/server",
            Send::Json(json!({"server_name": "bad-name"})),
        ),
        ("DELETE", "/v1/mcp/server/granted", Send::None),
        (
            "POST",
            "/v1/mcp/server/granted/user-credential",
            Send::Json(json!({"credential": "k"})),
        ),
    ] {
        let a = e.call_as("sk-viewer", method, path, body);
        assert_eq!(
            (a.status, &a.body),
            (403, &refused(path)),
            "{method} {path}"
        );
    }
    let a = e.call_as(
        "sk-viewer",
        "POST",
        "/v1/mcp/server",
        Send::Raw("{bad".into()),
    );
    assert_eq!(
        a.status, 422,
        "a malformed body is refused before authentication"
    );
    assert_eq!(
        e.call_as(
            "sk-viewer",
            "GET",
            "/v1/mcp/server/granted/user-credentials",
            Send::None
        )
        .status,
        200
    );
    let a = e.call_as(
        "sk-user",
        "GET",
        "/v1/mcp/server/granted/user-credentials",
        Send::None,
    );
    assert_eq!(
        (a.status, error_of(&a)),
        (
            403,
            "Admin access required to view MCP server user credentials.".to_string()
        )
    );
}

// ---------------------------------------------------------------- validation

/// Expected answers produced by running the real 1.108.7 pydantic models (and the handler
/// checks) on these bodies.
#[test]
fn validation_matches_the_real_proxy() {
    let e = env(FakeConfig::default());
    let post = |body: Value| e.call("POST", "/v1/mcp/server", Send::Json(body));
    let a = post(
        json!({"server_name": 5, "mcp_access_groups": [1], "is_byok": "q", "timeout": "x", "rpm": "abc"}),
    );
    assert_eq!(a.status, 422);
    assert_eq!(
        a.body,
        json!({"detail": [
            {"type": "string_type", "loc": ["body", "server_name"], "msg": "Input should be a valid string"},
            {"type": "string_type", "loc": ["body", "mcp_access_groups", 0], "msg": "Input should be a valid string"},
            {"type": "bool_parsing", "loc": ["body", "is_byok"], "msg": "Input should be a valid boolean, unable to interpret input"},
            {"type": "float_parsing", "loc": ["body", "timeout"], "msg": "Input should be a valid number, unable to parse string as a number"},
            {"type": "int_parsing", "loc": ["body", "rpm"], "msg": "Input should be a valid integer, unable to parse string as an integer"}
        ]})
    );
    let a = post(json!([]));
    assert_eq!(
        a.body["detail"][0],
        json!({"type": "model_type", "loc": ["body"], "msg": "Input should be a valid dictionary or instance of NewMCPServerRequest"})
    );
    let a = post(
        json!({"transport": "http", "url": "u", "env_vars": [{"value": "A", "scope": "team"}]}),
    );
    assert_eq!(
        a.body["detail"],
        json!([
            {"type": "missing", "loc": ["body", "env_vars", 0, "name"], "msg": "Field required"},
            {"type": "enum", "loc": ["body", "env_vars", 0, "scope"], "msg": "Input should be 'global' or 'user'"}
        ])
    );
    let a =
        post(json!({"transport": "http", "url": "u", "mcp_info": {"protocol_version": "bogus"}}));
    assert_eq!(
        a.body["detail"][1]["loc"],
        json!(["body", "mcp_info", "literal['auto','2026-07-28']"])
    );
    let a = post(json!({"url": "u", "mcp_info": {"protocol_version": "2026-07-28"}}));
    assert_eq!(
        a.body["detail"][0]["msg"], "Value error, Modern MCP requires HTTP or stdio transport",
        "POST checks the default transport sse"
    );
    let a =
        post(json!({"transport": "http", "dcr_bridge": true, "per_server_oauth_discovery": true}));
    assert!(
        a.body["detail"][0]["msg"]
            .as_str()
            .unwrap_or("")
            .starts_with("Value error, per_server_oauth_discovery"),
        "the last-defined before-validator runs first"
    );
    let a = post(json!({"dcr_bridge": 1, "auth_type": "oauth2"}));
    assert!(
        a.body["detail"][0]["msg"]
            .as_str()
            .unwrap_or("")
            .contains("(got 'oauth2')")
    );
    let a = post(
        json!({"transport": "sse", "url": "u", "mcp_info": {"protocol_version": "2026-07-28"}, "rpm": -1}),
    );
    assert_eq!(
        a.body["detail"],
        json!([{"type": "greater_than_equal", "loc": ["body", "rpm"], "msg": "Input should be greater than or equal to 0"}]),
        "field errors stop the after-validator"
    );
    let coerced = e.create(json!({"server_name": "lax", "transport": "http", "url": "u", "allow_all_keys": "TRUE", "rpm": " 5 ", "max_concurrent_requests": 3.0, "timeout": " 2 ", "unknown_field": 1}));
    assert_eq!(
        (
            coerced["allow_all_keys"].clone(),
            coerced["rpm"].clone(),
            coerced["max_concurrent_requests"].clone(),
            coerced["timeout"].clone()
        ),
        (json!(true), json!(5), json!(3), json!(2.0))
    );
    assert!(coerced.get("unknown_field").is_none());

    let a = e.put(json!({"transport": "http", "description": "no server_id, no url"}));
    assert_eq!(
        a.body["detail"][0]["type"], "value_error",
        "before-validators run before the missing-field check"
    );
    let a = e.call(
        "POST",
        "/v1/mcp/server/x/user-credential",
        Send::Json(json!({"credential": "x", "save": "nope"})),
    );
    assert_eq!(
        a.body["detail"][0],
        json!({"type": "bool_parsing", "loc": ["body", "save"], "msg": "Input should be a valid boolean, unable to interpret input"})
    );
}

#[test]
fn handler_checks_match_the_real_proxy() {
    let e = env(FakeConfig::default());
    let post = |body: Value| {
        let a = e.call("POST", "/v1/mcp/server", Send::Json(body));
        (a.status, error_of(&a))
    };
    assert_eq!(post(json!({"server_name": "bad name", "transport": "http", "url": "u"})), (400, "Invalid MCP tool prefix 'bad name' provided via server_name\nTool name contains spaces, which may cause parsing issues\nTool name contains invalid characters: ' '\nAllowed characters are: A-Z, a-z, 0-9, underscore (_), dash (-), and dot (.)".to_string()));
    let long = "a".repeat(129);
    assert_eq!(
        post(json!({"server_name": long, "transport": "http", "url": "u"})).1,
        format!(
            "Invalid MCP tool prefix '{long}' provided via server_name\nTool name exceeds maximum length of 128 characters (current: 129)"
        )
    );
    assert_eq!(
        post(json!({"server_name": "ok", "alias": "a,b!"})).1,
        "Invalid MCP tool prefix 'a,b!' provided via alias\nTool name contains commas, which may cause parsing issues\nTool name contains invalid characters: ',', '!'\nAllowed characters are: A-Z, a-z, 0-9, underscore (_), dash (-), and dot (.)"
    );
    assert_eq!(
        post(json!({"server_id": "all-proxy-mcpservers", "server_name": "x"})),
        (
            400,
            "MCP Server with id all-proxy-mcpservers is special and cannot be used.".to_string()
        )
    );
    assert_eq!(
        post(json!({"server_name": "x", "tool_name_to_display_name": {"t": "has space"}})).1,
        "Invalid display name 'has space' for tool 't'. Display names may only contain letters, digits, underscores, and hyphens (no spaces or other special characters), since they replace the tool name sent to the LLM provider."
    );
    assert_eq!(
        post(json!({"server_name": "x", "credentials": {"upstream_token_header": "bad header"}})).1,
        "Invalid upstream_token_header 'bad header': must be a valid HTTP header name (RFC 7230 token, e.g. 'esb-oauth')"
    );
    let oauth = e.create(json!({"server_name": "o", "transport": "http", "url": "u", "auth_type": "oauth2", "token_url": "https://t", "credentials": {"client_id": "c", "client_secret": "s"}}));
    assert_eq!(
        oauth["oauth2_flow"], "client_credentials",
        "an oauth2 create without a flow gets one stamped"
    );
}

#[test]
fn request_bodies_are_parsed_like_fastapi() {
    let e = env(FakeConfig::default());
    // Python's `JSONDecodeError.pos` for each text.
    for (text, pos) in [
        ("{\"server_name\": ", 16),
        ("{not json", 1),
        ("{} x", 3),
        ("[1,", 3),
        ("{\"a\":1,}", 7),
    ] {
        let a = e.call("POST", "/v1/mcp/server", Send::Raw(text.to_string()));
        assert_eq!(
            a.body,
            json!({"detail": [{"type": "json_invalid", "loc": ["body", pos], "msg": "JSON decode error"}]}),
            "{text}"
        );
    }
    let a = e
        .http
        .try_send(
            "POST",
            "/v1/mcp/server",
            &[],
            Send::Raw("{oops".to_string()),
        )
        .expect("answer");
    assert_eq!(
        a.status, 422,
        "malformed JSON is reported before authentication"
    );
    let a = e
        .http
        .try_send("POST", "/v1/mcp/server", &[], Send::Json(json!({})))
        .expect("answer");
    assert_eq!(
        a.status, 401,
        "authentication comes before field validation"
    );
    let a = e.call("POST", "/v1/mcp/server", Send::None);
    assert_eq!(
        a.body,
        json!({"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required"}]})
    );
    let key = vec![
        ("authorization", format!("Bearer {}", e.master)),
        ("content-type", "text/plain".to_string()),
    ];
    let a = e
        .http
        .try_send("POST", "/v1/mcp/server", &key, Send::Raw("{}".to_string()))
        .expect("answer");
    assert_eq!(a.body["detail"][0]["type"], "model_type");
}

// ---------------------------------------------------------------- config servers

/// The list entry recorded from a real 1.108.7 without a database (no-db-config-only.md).
fn recorded_config_server() -> Value {
    serde_json::from_str(
        r#"{
 "server_id": "d0259b142f5f33f54887956331f13b9a",
 "is_config": true,
 "server_name": "byok_example",
 "alias": null,
 "description": "config-defined BYOK server",
 "url": "https://example.invalid/mcp",
 "spec_path": null,
 "transport": "http",
 "auth_type": "bearer_token",
 "credentials": null,
 "instructions": null,
 "created_at": null,
 "created_by": null,
 "updated_at": null,
 "updated_by": null,
 "teams": [],
 "mcp_access_groups": [],
 "allowed_tools": [],
 "tool_name_to_display_name": null,
 "tool_name_to_description": null,
 "pinned_tools": null,
 "extra_headers": [],
 "mcp_info": {
  "server_name": "byok_example",
  "description": "config-defined BYOK server",
  "is_public": false,
  "is_public_explicit": false
 },
 "static_headers": null,
 "env_vars": null,
 "status": null,
 "last_health_check": null,
 "health_check_error": null,
 "command": "",
 "args": [],
 "env": {},
 "issuer": null,
 "authorization_url": null,
 "token_url": null,
 "registration_url": null,
 "oauth2_flow": null,
 "token_exchange_endpoint": null,
 "audience": null,
 "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
 "token_exchange_profile": "rfc8693",
 "allow_all_keys": false,
 "available_on_public_internet": true,
 "delegate_auth_to_upstream": false,
 "oauth_passthrough": false,
 "dcr_bridge": null,
 "per_server_oauth_discovery": false,
 "is_byok": false,
 "byok_description": [],
 "byok_api_key_help_url": null,
 "has_user_credential": null,
 "connected_app_reachable": null,
 "source_url": null,
 "timeout": null,
 "max_concurrent_requests": null,
 "rpm": null,
 "approval_status": "active",
 "submitted_by": null,
 "submitted_at": null,
 "reviewed_at": null,
 "review_notes": null
}"#,
    )
    .expect("recorded config server")
}

#[test]
fn config_servers_are_listed_like_the_recording_and_read_only() {
    let e = env(FakeConfig::default());
    let seeded = e.fake.seed_config_server(json!({
        "server_name": "byok_example", "url": "https://example.invalid/mcp", "transport": "http",
        "auth_type": "bearer_token", "is_byok": true, "description": "config-defined BYOK server"
    }));
    let expected = serde_json::to_string_pretty(&recorded_config_server()).unwrap_or_default();
    assert_eq!(
        serde_json::to_string_pretty(&seeded).unwrap_or_default(),
        expected
    );
    assert_eq!(
        serde_json::to_string_pretty(&e.list()[0]).unwrap_or_default(),
        expected
    );
    let id = "d0259b142f5f33f54887956331f13b9a";
    let a = e.put(json!({"server_id": id, "description": "x"}));
    assert_eq!(
        (a.status, error_of(&a)),
        (404, format!("MCP Server not found, passed server_id={id}"))
    );
    let a = e.call("DELETE", &format!("/v1/mcp/server/{id}"), Send::None);
    assert_eq!(
        (a.status, error_of(&a)),
        (404, format!("MCP Server not found, passed server_id={id}"))
    );
    let got = e
        .call("GET", &format!("/v1/mcp/server/{id}"), Send::None)
        .body;
    assert_eq!(
        (got["is_config"].clone(), got["status"].clone()),
        (json!(true), json!("unhealthy"))
    );
    let a = e.call(
        "POST",
        "/v1/mcp/server",
        Send::Json(json!({"server_id": id, "server_name": "dup"})),
    );
    assert_eq!(
        error_of(&a),
        format!("MCP Server with id {id} already exists. Cannot create another.")
    );
    let a = e.call(
        "POST",
        &format!("/v1/mcp/server/{id}/user-credential"),
        Send::Json(json!({"credential": "k"})),
    );
    assert_eq!(
        (a.status, error_of(&a)),
        (
            400,
            "This MCP server does not support BYOK credentials".to_string()
        )
    );
    assert!(e.fake.rows().is_empty(), "config servers have no DB row");
}

// ---------------------------------------------------------------- updates and secrets

#[test]
fn a_url_change_clears_the_oauth_flow_fields_even_when_resent() {
    let e = env(FakeConfig::default());
    e.create(json!({
        "server_id": "o", "server_name": "o", "transport": "http", "url": "https://old", "auth_type": "oauth2",
        "oauth2_flow": "authorization_code", "authorization_url": "https://as/authorize", "token_url": "https://as/token"
    }));
    let a = e.put(json!({"server_id": "o", "url": "https://new", "token_url": "https://as/token", "authorization_url": "https://as/authorize2"}));
    assert_eq!(a.status, 202);
    assert_eq!(
        a.body["token_url"],
        Value::Null,
        "re-sending the stored value still clears it"
    );
    assert_eq!(
        a.body["oauth2_flow"],
        Value::Null,
        "omitted flow fields are cleared"
    );
    assert_eq!(
        a.body["authorization_url"], "https://as/authorize2",
        "a changed value is kept"
    );
    let a = e.put(json!({"server_id": "o", "url": "https://new", "token_url": "https://as/token"}));
    assert_eq!(
        a.body["token_url"], "https://as/token",
        "same url: nothing is cleared"
    );
}

#[test]
fn credentials_are_write_only_merged_and_cleared_on_an_auth_class_change() {
    let e = env(FakeConfig::default());
    let created = e.create(json!({
        "server_id": "c", "server_name": "c", "transport": "http", "url": "https://c", "auth_type": "oauth2",
        "oauth2_flow": "client_credentials",
        "credentials": {"client_secret": "s3cret", "scopes": ["read"], "upstream_resource": "https://res", "audience": "aud", "junk": 1}
    }));
    assert_eq!(
        created["credentials"],
        json!({"upstream_resource": "https://res", "scopes": ["read"]})
    );
    assert_eq!(
        created["audience"], "aud",
        "legacy blob keys are lifted into their column"
    );
    assert_eq!(e.list()[0]["credentials"], json!({"scopes": ["read"]}));
    assert_eq!(
        e.fake.stored_credentials("c"),
        Some(
            json!({"client_secret": "s3cret", "scopes": ["read"], "upstream_resource": "https://res"})
        )
    );
    assert_eq!(
        e.put(json!({"server_id": "c", "credentials": {"client_id": "id"}}))
            .status,
        202
    );
    assert_eq!(
        e.fake.stored_credentials("c"),
        Some(
            json!({"client_secret": "s3cret", "scopes": ["read"], "upstream_resource": "https://res", "client_id": "id"})
        )
    );
    let a = e.put(json!({"server_id": "c", "auth_type": "bearer_token"}));
    assert_eq!(
        (a.status, a.body["credentials"].clone()),
        (202, Value::Null)
    );
    assert_eq!(e.fake.stored_credentials("c"), None);
}

#[test]
fn a_put_with_a_null_json_column_fails_like_prisma() {
    let e = env(FakeConfig::default());
    e.create(json!({"server_id": "n", "server_name": "n", "transport": "http", "url": "https://n", "static_headers": {"a": "b"}}));
    let a = e.put(json!({"server_id": "n", "static_headers": null}));
    assert_eq!(
        (a.status, a.body),
        (
            500,
            json!({"error": {"message": "Internal server error", "type": "internal_server_error"}})
        )
    );
    assert_eq!(e.row("n")["static_headers"], json!({"a": "b"}));
    assert_eq!(
        e.put(json!({"server_id": "n", "static_headers": {}, "tool_name_to_description": null}))
            .body["tool_name_to_description"],
        json!({})
    );
}

#[test]
fn update_timestamps_and_protocol_checks() {
    let e = env(FakeConfig::default());
    let created = e.create(
        json!({"server_id": "t", "server_name": "t", "transport": "sse", "url": "https://t"}),
    );
    assert_eq!(created["created_at"], created["updated_at"]);
    std::thread::sleep(Duration::from_millis(5));
    let updated = e
        .put(json!({"server_id": "t", "description": "later"}))
        .body;
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_ne!(updated["updated_at"], created["updated_at"]);
    let a = e.put(json!({"server_id": "t", "mcp_info": {"protocol_version": "2026-07-28"}}));
    assert_eq!(
        (a.status, a.body),
        (
            400,
            json!({"detail": "Modern MCP requires HTTP or stdio transport"})
        ),
        "checked against the stored transport"
    );
    let a = e.put(json!({"server_id": "t", "dcr_bridge": true}));
    assert_eq!(
        error_of(&a),
        "dcr_bridge is only supported for auth_type true_passthrough or oauth_delegate (stored auth_type: None). Include the server's auth_type in the update payload or configure one of the client-forwarded token modes first."
    );
}

// ---------------------------------------------------------------- per-user credentials

#[test]
fn user_credential_endpoints() {
    let e = env(FakeConfig::default());
    e.create(json!({"server_id": "b", "server_name": "b", "transport": "http", "url": "https://b", "is_byok": true}));
    e.fake.add_key("sk-alice", "alice", Role::InternalUser);
    e.fake.grant_servers("sk-alice", &["b"]);
    let store = e.call_as(
        "sk-alice",
        "POST",
        "/v1/mcp/server/b/user-credential",
        Send::Json(json!({"credential": "k"})),
    );
    assert_eq!(
        store.body,
        json!({"server_id": "b", "has_credential": true})
    );
    assert_eq!(
        e.call_as("sk-alice", "GET", "/v1/mcp/server", Send::None)
            .body[0]["has_user_credential"],
        true
    );
    assert_eq!(
        e.list()[0]["has_user_credential"],
        false,
        "has_user_credential is per calling user"
    );
    let a = e.call_as(
        "sk-alice",
        "DELETE",
        "/v1/mcp/server/b/user-credential?user_id=default_user_id",
        Send::None,
    );
    assert_eq!(
        (a.status, error_of(&a)),
        (
            403,
            "Proxy admin access required to revoke another user's MCP credential.".to_string()
        )
    );
    let a = e.call(
        "DELETE",
        "/v1/mcp/server/b/user-credential?user_id=",
        Send::None,
    );
    assert_eq!(a.body["detail"][0]["type"], "string_too_short");
    e.fake
        .store_user_credential("b", "bob", CredentialKind::OAuth2);
    let listed = e
        .call("GET", "/v1/mcp/server/b/user-credentials", Send::None)
        .body;
    assert_eq!(
        listed.as_array().map(|l| l
            .iter()
            .map(|c| (c["user_id"].clone(), c["credential_type"].clone()))
            .collect::<Vec<_>>()),
        Some(vec![
            (json!("alice"), json!("byok")),
            (json!("bob"), json!("oauth2"))
        ])
    );
    assert_eq!(
        e.call("GET", "/v1/mcp/server/unknown/user-credentials", Send::None)
            .body,
        json!([])
    );
    assert_eq!(
        e.call(
            "DELETE",
            "/v1/mcp/server/b/user-credential?user_id=alice",
            Send::None
        )
        .status,
        200
    );
    assert_eq!(
        e.fake.user_credentials("b"),
        vec![("bob".to_string(), CredentialKind::OAuth2)]
    );
    e.fake.add_key("sk-bob", "bob", Role::InternalUser);
    let own = e
        .call_as("sk-bob", "GET", "/v1/mcp/user-credentials", Send::None)
        .body;
    assert_eq!(
        (
            own[0]["server_id"].clone(),
            own[0]["server_name"].clone(),
            own[0]["credential_type"].clone()
        ),
        (json!("b"), Value::Null, json!("oauth2")),
        "bob has no grant: no metadata"
    );
    assert_eq!(
        e.call("DELETE", "/v1/mcp/server/b", Send::None).body,
        json!("")
    );
    assert!(
        e.fake.user_credentials("b").is_empty(),
        "deleting a server purges its credentials"
    );
}

#[test]
fn unknown_routes_and_methods() {
    let e = env(FakeConfig::default());
    let a = e.call("GET", "/v1/mcp/nothing", Send::None);
    assert_eq!((a.status, a.body), (404, json!({"detail": "Not Found"})));
    let a = e
        .http
        .try_send("PATCH", "/v1/mcp/server", &[], Send::None)
        .expect("answer");
    assert_eq!(
        (a.status, a.body),
        (405, json!({"detail": "Method Not Allowed"}))
    );
    let a = e
        .http
        .try_send("GET", "/health/liveliness", &[], Send::None)
        .expect("answer");
    assert_eq!((a.status, a.body), (200, json!("I'm alive!")));
}
