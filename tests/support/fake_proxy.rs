//! An in-process, stateful fake of the LiteLLM proxy's MCP management API, for the
//! integration tests of `mcpform`.
//!
//! It answers like the real LiteLLM 1.108.7 with PostgreSQL (the recorded transcript in
//! `tests/fixtures/litellm-transcript.json` is replayed by `tests/fake_proxy_conformance.rs`,
//! the access API's of three versions by `tests/fake_proxy_conformance/access.rs`),
//! with switches for older proxies and injectable faults. It serves on `127.0.0.1:0` from a
//! background thread with its own tokio runtime, so synchronous `assert_cmd` tests can use it.
//!
//! ```rust,ignore
//! let fake = FakeProxy::start(FakeConfig::default());
//! fake.seed_server(json!({"server_id": "gh", "server_name": "github", "transport": "http",
//!                         "url": "https://api.example/mcp", "is_byok": true}));
//! fake.inject(Fault::status(Method::PUT, "/v1/mcp/server", 503).times(2));
//! Command::cargo_bin("mcpform")?
//!     .env("LITELLM_PROXY_URL", fake.base_url())
//!     .env("LITELLM_API_KEY", fake.master_key())
//!     .env("NO_PROXY", "127.0.0.1")
//!     .args(["apply", "servers/"])
//!     .assert()
//!     .success();
//! assert_eq!(fake.get_by_id_calls(), 0);
//! assert!(fake.journal().iter().any(|r| r.fault.as_deref() == Some("status:503")));
//! ```
//!
//! Layout: `validation` (the proxy's request rules, in order) with `fields` (pydantic field
//! coercion), `views` (db/list/get/config shapes), `state` (rows, keys, teams, toolsets,
//! users, credentials), `handlers` (one function per server endpoint) with `update`
//! (PUT), `identity` (`/key/info`, `/user/info`, `/v2/user/info`,
//! `/health/readiness/details`), `review` (`/v1/mcp/server/register` and `/submissions`),
//! `toolsets` (`/v1/mcp/toolset`), `teams` (`/team/*`), `keys` (`/key/generate`, `/update`,
//! `/list`, `/delete`) with `grants` (the key-vs-team checks), `rows` (permission rows:
//! merge and shapes), `access` (which servers a key reaches), `seed` (test helpers for
//! teams, keys and toolsets), `server` (HTTP, faults, journal) with `routes`, `auth` (keys,
//! and the admin viewer's route check), `faults`, `reply` (error shapes), `util`
//! (Python-style formatting).

mod access;
mod auth;
mod faults;
mod fields;
mod grants;
mod handlers;
mod identity;
mod keys;
mod reply;
mod review;
mod routes;
mod rows;
mod seed;
mod server;
mod state;
mod teams;
mod toolsets;
mod update;
mod util;
mod validation;
mod version;
mod views;

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{Map, Value};

pub use axum::http::Method;
pub use faults::{Fault, FaultKind};

use handlers::master_caller;
use server::{Shared, lock};
use state::{KeyInfo, State};
use views::Audience;

/// Behaviour switches. `Default` is the real LiteLLM 1.108.7 as started by
/// `run-real-litellm.sh` (master key `sk-fake-master`, no `LITELLM_ENABLE_MCP_STDIO`).
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// The master key (role `proxy_admin`, user `default_user_id`).
    pub master_key: String,
    /// Proxies before 1.88: a PUT resets omitted fields that have a non-null default,
    /// `null` never clears, and a PUT without alias and server_name writes `alias = null`.
    pub put_resets_omitted: bool,
    /// `false` = proxy before 1.103: `GET …/user-credentials` is an unknown route (404
    /// `{"detail":"Not Found"}`) and `DELETE …/user-credential?user_id=` ignores `user_id`.
    pub admin_credential_list: bool,
    /// `false` = proxy before 1.82.1: the BYOK fields are dropped from requests and absent
    /// from responses, and the user-credential routes are unknown.
    pub supports_byok: bool,
    /// The 1.110 quirk: a PUT on a server with a `spec_path` saves the row, then answers 500.
    pub openapi_update_500: bool,
    /// `LITELLM_ENABLE_MCP_STDIO=true` on the proxy (1.105+ reject stdio servers without it).
    pub stdio_enabled: bool,
    /// The proxy cannot load any http(s) OpenAPI spec (the real proxy cannot reach
    /// `.invalid` hosts): such servers drop out of the list (the real proxy drops them at
    /// its next registry reload), and `GET /v1/mcp/server/{id}` answers the real 503
    /// "authentication database is temporarily unreachable" (its SSRF error, misfiled).
    pub unloadable_specs: bool,
    /// `litellm_version` of `GET /health/readiness/details` (and of `/health/readiness`
    /// when `routes_1_87` is off); empty: `null` there, a proxy that does not say.
    pub version: String,
    /// The routes present in 1.87.0 and absent in 1.82.0 (patch releases between were not
    /// checked): `GET /v2/user/info`, `GET /health/readiness/details`,
    /// `POST /v1/mcp/server/register` and `GET /v1/mcp/server/submissions`. `false`: they
    /// are unknown routes (404 `{"detail":"Not Found"}`) and the public
    /// `GET /health/readiness` carries `litellm_version` instead.
    pub routes_1_87: bool,
    /// 1.85 to 1.88: a `proxy_admin_viewer` key saw every field of the list and of GET by
    /// id. `false` (1.90 and later): the sanitised view, like every other non-admin.
    pub viewer_sees_full_config: bool,
    /// Before 1.90 (the real 1.87.5) any `/team/update` refreshed the cached team without
    /// its permission row, so for up to 60 s (`DEFAULT_MANAGEMENT_OBJECT_IN_MEMORY_CACHE_TTL`)
    /// the team granted nothing at runtime. `Some(d)`: for `d` after a `/team/update` the
    /// access rule reads the team as rowless (neither granting nor restricting). `None`
    /// (the default, also of `as_version("1.87.5")`, so tests do not wait 60 s unasked).
    pub team_cache_gap: Option<std::time::Duration>,
}

impl Default for FakeConfig {
    fn default() -> FakeConfig {
        FakeConfig {
            master_key: "sk-fake-master".to_string(),
            put_resets_omitted: false,
            admin_credential_list: true,
            supports_byok: true,
            openapi_update_500: false,
            stdio_enabled: false,
            unloadable_specs: false,
            version: "1.108.7".to_string(),
            routes_1_87: true,
            viewer_sees_full_config: false,
            team_cache_gap: None,
        }
    }
}

/// The role of a virtual key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// `proxy_admin`: full access.
    ProxyAdmin,
    /// `proxy_admin_viewer`: sees every server (sanitised), may list user credentials and
    /// submissions; every request but GET is refused by the route check.
    ProxyAdminViewer,
    /// `internal_user`: sees only the servers granted to the key (plus `allow_all_keys` ones).
    InternalUser,
    /// `internal_user_viewer`: like `internal_user` for the MCP routes.
    InternalUserViewer,
}

impl Role {
    /// The proxy's name of the role (`LitellmUserRoles`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProxyAdmin => "proxy_admin",
            Role::ProxyAdminViewer => "proxy_admin_viewer",
            Role::InternalUser => "internal_user",
            Role::InternalUserViewer => "internal_user_viewer",
        }
    }
}

/// The kind of a stored per-user credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    /// A BYOK API key (`credential_type: "byok"`).
    Byok,
    /// A per-user OAuth token (`credential_type: "oauth2"`).
    OAuth2,
}

/// A request body as the fake received it.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordedBody {
    /// No body.
    Empty,
    /// A body that parsed as JSON.
    Json(Value),
    /// A body that did not parse as JSON (lossy UTF-8).
    Raw(String),
}

/// One request in the journal.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path with the query string, as sent.
    pub path: String,
    /// The request body.
    pub body: RecordedBody,
    /// The status answered; `None` while in flight, or when a reset fault dropped it.
    pub status: Option<u16>,
    /// The first 12 characters of the key presented (`x-litellm-api-key` or `Authorization`).
    pub auth_key_prefix: Option<String>,
    /// The fault that hit the request (`status:503`, `rate_limited:2s`, `delay:1500ms`, `reset`).
    pub fault: Option<String>,
    /// A number for the TCP connection the request came on (equal numbers = keep-alive reuse).
    pub connection: u64,
}

/// A running fake proxy; dropping it stops the server and joins its thread.
pub struct FakeProxy {
    shared: Arc<Shared>,
    addr: std::net::SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeProxy {
    /// Binds `127.0.0.1:0` and serves from a background thread with its own runtime.
    pub fn start(config: FakeConfig) -> FakeProxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("make the listener non-blocking");
        let addr = listener.local_addr().expect("listener address");
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(State::default()),
            journal: Mutex::default(),
            faults: Mutex::default(),
        });
        let (tx, rx) = tokio::sync::oneshot::channel();
        let for_thread = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("fake-litellm".to_string())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("fake proxy runtime");
                runtime.block_on(server::serve(listener, for_thread, rx));
            })
            .expect("spawn the fake proxy thread");
        FakeProxy {
            shared,
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The master key.
    pub fn master_key(&self) -> String {
        self.shared.config.master_key.clone()
    }

    /// Registers a virtual key for `user_id` with `role` and no MCP server grants, and the
    /// user's row (with that role) unless it exists. An empty `user_id` is a key without
    /// a user (`POST /key/generate` without `user_id`).
    pub fn add_key(&self, key: &str, user_id: &str, role: Role) {
        let info = KeyInfo::new(user_id, role);
        let mut state = lock(&self.shared.state);
        if !user_id.is_empty() {
            state
                .users
                .entry(user_id.to_string())
                .or_insert_with(|| role.as_str().to_string());
        }
        state.insert_key(key, info);
    }

    /// Scopes a key to a team (`POST /key/generate` with `team_id`): such keys may submit
    /// servers for review.
    pub fn set_key_team(&self, key: &str, team_id: &str) {
        if let Some(info) = lock(&self.shared.state).keys.get_mut(key) {
            info.team_id = Some(team_id.to_string());
        }
    }

    /// Names a key (`key_alias`), as `/key/info` shows it.
    pub fn set_key_alias(&self, key: &str, alias: &str) {
        if let Some(info) = lock(&self.shared.state).keys.get_mut(key) {
            info.alias = Some(alias.to_string());
        }
    }

    /// Adds a user row without a key: for instance the `default_user_id` row (role
    /// `internal_user`) that the real proxy's `/team/new` creates for the master key's
    /// user, which `/v2/user/info` then shows to the master key.
    pub fn add_user(&self, user_id: &str, role: &str) {
        lock(&self.shared.state)
            .users
            .insert(user_id.to_string(), role.to_string());
    }

    /// Grants a key access to servers (`object_permission.mcp_servers`), which gives it
    /// its own permission row.
    pub fn grant_servers(&self, key: &str, server_ids: &[&str]) {
        let mut state = lock(&self.shared.state);
        if let Some(info) = state.keys.get_mut(key) {
            let row = info.permission.get_or_insert_with(Map::new);
            let mut granted = row
                .get("mcp_servers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            granted.extend(server_ids.iter().map(|s| Value::from(*s)));
            row.insert("mcp_servers".to_string(), Value::Array(granted));
        }
    }

    /// Gives a key its own `object_permission` row (`/key/generate` with
    /// `object_permission`): `row` is what was sent, e.g. `{"mcp_servers": []}` or
    /// `{"vector_stores": ["vs"]}`. Any row scopes an admin key's list.
    pub fn set_key_permission(&self, key: &str, row: Value) {
        let row = row.as_object().cloned().unwrap_or_default();
        let mut state = lock(&self.shared.state);
        if let Some(info) = state.keys.get_mut(key) {
            info.permission = Some(row);
        }
    }

    /// Sets a user's own `object_permission` row (`/user/update` with
    /// `object_permission`; 1.100 and later): MCP grants there cap the user's keys.
    pub fn set_user_permission(&self, user_id: &str, row: Value) {
        lock(&self.shared.state).user_permissions.insert(
            user_id.to_string(),
            row.as_object().cloned().unwrap_or_default(),
        );
    }

    /// Creates a server as if the master key POSTed `create_body` (same validation and
    /// defaults) and returns the created row; panics with the proxy's error otherwise.
    pub fn seed_server(&self, create_body: Value) -> Value {
        let mut state = lock(&self.shared.state);
        match handlers::try_create(
            &mut state,
            &self.shared.config,
            &master_caller(),
            &create_body,
        ) {
            Ok(row) => row,
            Err(reply) => panic!("seed_server rejected ({}): {:?}", reply.status, reply.body),
        }
    }

    /// A team member's submission (`POST /v1/mcp/server/register` with `key`, which
    /// [`FakeProxy::add_key`] and [`FakeProxy::set_key_team`] made): the status and the
    /// answer.
    pub fn submit(&self, key: &str, body: Value) -> (u16, Value) {
        let mut state = lock(&self.shared.state);
        let Some(info) = state.keys.get(key).cloned() else {
            panic!("submit: unknown key");
        };
        let caller = auth::key_caller(&state, &self.shared.config, key, &info);
        let reply = review::register(&mut state, &self.shared.config, &caller, &body);
        let body = match reply.body {
            reply::ReplyBody::Json(v) => v,
            reply::ReplyBody::Empty => Value::Null,
        };
        (reply.status, body)
    }

    /// An admin approves (`PUT /v1/mcp/server/{id}/approve`) or rejects a submission;
    /// panics unless the proxy answers 200.
    pub fn review(&self, server_id: &str, approve: bool) -> Value {
        let mut state = lock(&self.shared.state);
        let reply = review::review(
            &mut state,
            &self.shared.config,
            &master_caller(),
            server_id,
            approve,
            None,
        );
        match reply.body {
            reply::ReplyBody::Json(v) if reply.status == 200 => v,
            other => panic!("review {server_id}: {} {other:?}", reply.status),
        }
    }

    /// Sets one `mcp_info` key of a stored row directly (no HTTP, no validation): for
    /// instance mcpform's ownership proof, which is bound to the row's `created_at` and
    /// so can only be computed once the row exists.
    pub fn set_mcp_info_key(&self, server_id: &str, key: &str, value: Value) {
        let mut state = lock(&self.shared.state);
        let Some(mut server) = state.server(server_id).cloned() else {
            panic!("set_mcp_info_key: no server {server_id}");
        };
        let mut info = server
            .row
            .get("mcp_info")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        info.insert(key.to_string(), value);
        server
            .row
            .insert("mcp_info".to_string(), Value::Object(info));
        state.replace(server);
    }

    /// Adds a server declared in `config.yaml` (`is_config: true`, read-only: PUT and DELETE
    /// answer 404). The entry is the YAML mapping plus its key as `server_name`; returns the
    /// server as the master key's list shows it.
    pub fn seed_config_server(&self, config_entry: Value) -> Value {
        let view = views::config_server_view(&config_entry)
            .unwrap_or_else(|e| panic!("seed_config_server: {e}"));
        let shown = version::shown_keys(
            views::redact_registry_view(view.clone()),
            &self.shared.config,
        );
        lock(&self.shared.state).config_servers.push(view);
        Value::Object(shown)
    }

    /// Stores a per-user credential directly (no HTTP, no BYOK check).
    pub fn store_user_credential(&self, server_id: &str, user_id: &str, kind: CredentialKind) {
        lock(&self.shared.state).upsert_credential(user_id, server_id, kind);
    }

    /// The stored per-user credentials of a server, as `(user_id, kind)`.
    pub fn user_credentials(&self, server_id: &str) -> Vec<(String, CredentialKind)> {
        lock(&self.shared.state)
            .credentials_for_server(server_id)
            .into_iter()
            .map(|c| (c.user_id.clone(), c.kind))
            .collect()
    }

    /// The write-only `credentials` blob as stored (secrets included), which no endpoint shows.
    pub fn stored_credentials(&self, server_id: &str) -> Option<Value> {
        let state = lock(&self.shared.state);
        state
            .server(server_id)
            .and_then(|s| s.blob.clone())
            .map(Value::Object)
    }

    /// The DB rows as `GET /v1/mcp/server/{id}` shows them to the master key, without the
    /// health-check fields (`status: "unknown"`), in insertion order.
    pub fn rows(&self) -> Vec<Value> {
        let state = lock(&self.shared.state);
        state
            .servers()
            .iter()
            .map(|s| {
                let view: Map<String, Value> = views::for_audience(
                    views::db_view(&s.row, s.blob.as_ref()),
                    Audience::FullAdmin,
                );
                Value::Object(version::shown_keys(view, &self.shared.config))
            })
            .collect()
    }

    /// How many `GET /v1/mcp/server/{id}` requests were answered (each probes the upstream
    /// on a real proxy, so mcpform should not send them).
    pub fn get_by_id_calls(&self) -> usize {
        lock(&self.shared.state).get_by_id_calls
    }

    /// Every request received so far, in arrival order.
    pub fn journal(&self) -> Vec<Recorded> {
        lock(&self.shared.journal)
            .entries
            .iter()
            .map(|(_, r)| r.clone())
            .collect()
    }

    /// Forgets the journal.
    pub fn clear_journal(&self) {
        lock(&self.shared.journal).entries.clear();
    }

    /// Injects a fault for the next matching requests (faults are tried in injection order).
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }
}

impl Drop for FakeProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
