//! The endpoint handlers, each in the proxy's order of checks (validation → role → lookup →
//! write). They run with the state lock held and never await.

use mcpform::model::support::Behaviour;
use serde_json::{Map, Value, json};

use super::access::Reach;
use super::fields::{Model, Payload};
use super::reply::Reply;
use super::state::{Conflict, State, StoredServer};
use super::util::{Micros, isoformat_utc, naive_now, pydantic_utc, truthy, uuid4};
use super::validation::{self, Features, normalize_names, parse_server_body, stamp_oauth2_flow};
use super::views::{self, Audience};
use super::{CredentialKind, FakeConfig, Role, version};

/// The identity behind the request's key.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) user_id: String,
    pub(crate) role: Role,
    /// What the key reaches when it is not an unscoped admin (`access::reach`).
    pub(crate) reach: Reach,
    /// The virtual key presented; `None` for the master key (not in the database).
    pub(crate) key: Option<String>,
    /// The key's team.
    pub(crate) team_id: Option<String>,
    /// An admin key whose list the proxy scopes (`auth::admin_scoped`): it lists what a
    /// non-admin key with its grants would.
    pub(crate) scoped: bool,
}

impl Caller {
    /// `user_api_key_has_admin_view`: proxy_admin and proxy_admin_viewer.
    pub(crate) fn admin_view(&self) -> bool {
        matches!(self.role, Role::ProxyAdmin | Role::ProxyAdminViewer)
    }

    /// Only a full proxy_admin sees credential-bearing fields (and, on 1.85 to 1.88, a
    /// proxy_admin_viewer).
    pub(crate) fn audience(&self, cfg: &FakeConfig) -> Audience {
        let full = self.role == Role::ProxyAdmin
            || (self.role == Role::ProxyAdminViewer && cfg.viewer_sees_full_config);
        if full {
            Audience::FullAdmin
        } else {
            Audience::Sanitised
        }
    }

    /// The servers a non-admin key may use: what its rows grant plus every
    /// `allow_all_keys` server (`access::reach`).
    fn may_access(&self, server_id: &str, registry_view: &Map<String, Value>) -> bool {
        self.admin_view() || self.reach.reaches(server_id, allows_all(registry_view))
    }

    /// The servers the list shows: a scoped admin key's are a non-admin's (the real
    /// proxies showed such keys only the `allow_all_keys` servers when neither the key's
    /// row nor its team granted any, even those the user's own row granted); reading one
    /// by id still works for it.
    fn may_list(&self, server_id: &str, registry_view: &Map<String, Value>) -> bool {
        if self.scoped {
            return self.reach.reaches(server_id, allows_all(registry_view));
        }
        self.may_access(server_id, registry_view)
    }
}

fn allows_all(registry_view: &Map<String, Value>) -> bool {
    registry_view.get("allow_all_keys") == Some(&Value::Bool(true))
}

/// The identity of the master key.
pub(crate) fn master_caller() -> Caller {
    Caller {
        user_id: "default_user_id".to_string(),
        role: Role::ProxyAdmin,
        reach: Reach::default(),
        key: None,
        team_id: None,
        scoped: false,
    }
}

/// The config switches that change request validation.
pub(crate) fn features(cfg: &FakeConfig) -> Features<'_> {
    Features {
        stdio_enabled: cfg.stdio_enabled,
        cfg,
    }
}

/// The last steps of every server view: the audience's sanitising and the keys this
/// version shows.
pub(crate) fn finish(view: Map<String, Value>, audience: Audience, cfg: &FakeConfig) -> Value {
    Value::Object(version::shown_keys(
        views::for_audience(view, audience),
        cfg,
    ))
}

/// The token-exchange settings that legacy `credentials` blobs carried; lifted into columns.
const TOKEN_EXCHANGE_FIELDS: &[&str] = &[
    "token_exchange_endpoint",
    "audience",
    "subject_token_type",
    "token_exchange_profile",
];

// ---------------------------------------------------------------- list / get

/// `GET /v1/mcp/server`: the registry view, sorted, redacted, with `has_user_credential`.
pub(crate) fn list_servers(state: &State, cfg: &FakeConfig, caller: &Caller) -> Reply {
    let mut shown: Vec<Map<String, Value>> = state
        .servers()
        .iter()
        .filter(|s| in_registry(&s.row))
        .filter(|s| !(cfg.unloadable_specs && has_remote_spec(&s.row)))
        .map(|s| views::registry_view(&s.row, s.blob.as_ref()))
        .chain(state.config_servers.iter().cloned())
        .filter(|v| caller.may_list(view_id(v), v))
        .collect();
    if cfg.since(version::MODERN) {
        shown.sort_by_cached_key(display_order);
    } else {
        // Before 1.105 the list is the database's order: PostgreSQL's heap order, which
        // puts a row written last at the end until deletes free space earlier on.
        shown.sort_by_cached_key(|v| state.written(view_id(v)));
    }
    let items = shown
        .into_iter()
        .map(|v| {
            let mut v = views::redact_registry_view(v);
            annotate_user_credential(state, caller, &mut v);
            version::unlisted_to_default(&mut v, cfg);
            finish(v, caller.audience(cfg), cfg)
        })
        .collect();
    Reply::json(200, Value::Array(items))
}

/// Only servers whose `approval_status` is null, `active` or `approved` are loaded into the
/// registry (and so listed); pending and rejected submissions still own their names.
pub(crate) fn in_registry(row: &Map<String, Value>) -> bool {
    matches!(
        row.get("approval_status").and_then(Value::as_str),
        None | Some("active" | "approved")
    )
}

fn view_id(view: &Map<String, Value>) -> &str {
    view.get("server_id").and_then(Value::as_str).unwrap_or("")
}

/// `_mcp_server_display_order`: lower(server_name or alias or server_id), then server_id.
fn display_order(view: &Map<String, Value>) -> (String, String) {
    let pick = |k: &str| {
        view.get(k)
            .filter(|v| truthy(Some(v)))
            .and_then(Value::as_str)
    };
    let label = pick("server_name")
        .or_else(|| pick("alias"))
        .unwrap_or_else(|| view_id(view));
    (label.to_lowercase(), view_id(view).to_string())
}

/// BYOK servers get the caller's `has_user_credential`; the rest stay null.
fn annotate_user_credential(state: &State, caller: &Caller, view: &mut Map<String, Value>) {
    if caller.user_id.is_empty() || view.get("is_byok") != Some(&Value::Bool(true)) {
        return;
    }
    let has = state.has_credential(&caller.user_id, view_id(view));
    view.insert("has_user_credential".to_string(), Value::Bool(has));
}

/// Where `GET /v1/mcp/server/{x}` found `x`.
enum Resolved {
    Db(StoredServer),
    Registry(Map<String, Value>),
}

impl Resolved {
    fn id(&self) -> String {
        match self {
            Resolved::Db(s) => s.id().to_string(),
            Resolved::Registry(v) => view_id(v).to_string(),
        }
    }

    fn registry_view(&self) -> Map<String, Value> {
        match self {
            Resolved::Db(s) => views::registry_view(&s.row, s.blob.as_ref()),
            Resolved::Registry(v) => v.clone(),
        }
    }
}

/// DB id, then registry id (config servers), then alias, then server_name (exact matches).
fn resolve(state: &State, x: &str, match_name: bool) -> Option<Resolved> {
    if let Some(s) = state.server(x) {
        return Some(Resolved::Db(s.clone()));
    }
    if let Some(v) = state.config_server(x) {
        return Some(Resolved::Registry(v.clone()));
    }
    if !match_name {
        return None;
    }
    let registry: Vec<Map<String, Value>> = state
        .servers()
        .iter()
        .filter(|s| in_registry(&s.row))
        .map(|s| views::registry_view(&s.row, s.blob.as_ref()))
        .chain(state.config_servers.iter().cloned())
        .collect();
    ["alias", "server_name"].iter().find_map(|column| {
        registry
            .iter()
            .find(|v| v.get(*column).and_then(Value::as_str) == Some(x))
            .map(|v| Resolved::Registry(v.clone()))
    })
}

/// `GET /v1/mcp/server/{id}`: the DB view plus a live health check (always failing here).
pub(crate) fn get_server(state: &mut State, cfg: &FakeConfig, caller: &Caller, x: &str) -> Reply {
    state.get_by_id_calls += 1;
    let Some(resolved) = resolve(state, x, true) else {
        return Reply::detail_error(404, format!("MCP Server with id {x} not found"));
    };
    if !caller.may_access(&resolved.id(), &resolved.registry_view()) {
        return Reply::detail_error(
            403,
            format!(
                "User does not have permission to view mcp server with id {x}. You can only view mcp servers that you have access to."
            ),
        );
    }
    if let Resolved::Db(s) = &resolved
        && cfg.unloadable_specs
        && has_remote_spec(&s.row)
        && cfg.since(version::MODERN)
    {
        return Reply::json(
            503,
            serde_json::json!({"error": {
                "message": "Service Unavailable, the authentication database is temporarily unreachable. Please retry shortly.",
                "type": "no_db_connection", "param": "None", "code": "503"}}),
        );
    }
    let view = match &resolved {
        Resolved::Db(s) => views::db_view(&s.row, s.blob.as_ref()),
        Resolved::Registry(v) => views::redact_registry_view(v.clone()),
    };
    let mut view = if cfg.since(version::MODERN) {
        views::with_health_check(view, naive_now())
    } else {
        let has_token = match &resolved {
            Resolved::Db(s) => s
                .blob
                .as_ref()
                .is_some_and(|b| b.contains_key("auth_value")),
            Resolved::Registry(_) => false,
        };
        version::old_health_check(view, naive_now(), has_token)
    };
    if let Resolved::Db(s) = &resolved
        && !in_registry(&s.row)
    {
        // A pending or rejected submission is not in the registry: nothing to check.
        view.insert("status".to_string(), Value::from("unknown"));
        view.insert(
            "health_check_error".to_string(),
            Value::from("Server not found"),
        );
    }
    Reply::json(200, finish(view, caller.audience(cfg), cfg))
}

/// The host of a spec URL, as the proxy's DNS error names it.
fn spec_host(spec_path: &str) -> String {
    spec_path
        .split_once("://")
        .map_or(spec_path, |(_, rest)| rest)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Whether a row's OpenAPI spec is fetched over HTTP (the only kind that can fail here).
fn has_remote_spec(row: &Map<String, Value>) -> bool {
    row.get("spec_path")
        .and_then(Value::as_str)
        .is_some_and(|p| p.starts_with("http://") || p.starts_with("https://"))
}

/// `GET /v1/mcp/server/health`: one failing health status per visible server.
pub(crate) fn health(state: &State, caller: &Caller, wanted: &[String]) -> Reply {
    let items: Vec<Value> = state
        .servers()
        .iter()
        .filter(|s| in_registry(&s.row))
        .map(|s| views::registry_view(&s.row, s.blob.as_ref()))
        .chain(state.config_servers.iter().cloned())
        .filter(|v| caller.may_access(view_id(v), v))
        .filter(|v| wanted.is_empty() || wanted.iter().any(|w| w == view_id(v)))
        .map(|v| json!({"server_id": view_id(&v), "status": "unhealthy"}))
        .collect();
    Reply::json(200, Value::Array(items))
}

// ---------------------------------------------------------------- create

/// `POST /v1/mcp/server` → 201 with the DB view.
pub(crate) fn create_server(
    state: &mut State,
    cfg: &FakeConfig,
    caller: &Caller,
    body: &Value,
) -> Reply {
    match try_create(state, cfg, caller, body) {
        Ok(view) => Reply::json(201, view),
        Err(reply) => reply,
    }
}

/// Create, returning the view or the proxy's error answer.
pub(crate) fn try_create(
    state: &mut State,
    cfg: &FakeConfig,
    caller: &Caller,
    body: &Value,
) -> Result<Value, Reply> {
    let mut p = parse_server_body(body, Model::NewServer, features(cfg))?;
    normalize_names(&mut p)?;
    if cfg.lacks("oauth2_flow").is_none() {
        stamp_oauth2_flow(&mut p);
    }
    if caller.role != Role::ProxyAdmin {
        return Err(Reply::detail_error(
            403,
            "User does not have permission to create mcp servers. You can only create mcp servers if you are a PROXY_ADMIN.",
        ));
    }
    if let Some(id) = p.str("server_id") {
        if id == "all-team-mcpservers" || id == "all-proxy-mcpservers" {
            return Err(Reply::detail_error(
                400,
                format!("MCP Server with id {id} is special and cannot be used."),
            ));
        }
        if state.id_taken(id) {
            return Err(Reply::detail_error(
                400,
                format!("MCP Server with id {id} already exists. Cannot create another."),
            ));
        }
    }
    if let Some(field) = version::refused_field(&p.fields, cfg) {
        return Err(version::refused_write(
            "creating mcp server",
            "createOne",
            field,
        ));
    }
    let server = new_row(p, &caller.user_id);
    if cfg.has(Behaviour::UniqueNames) {
        let conflict =
            state.identifier_conflict(server.str("server_name"), server.str("alias"), None);
        if let Some(c) = conflict {
            return Err(conflict_reply(&c));
        }
    }
    let view = finish(
        views::db_view(&server.row, server.blob.as_ref()),
        Audience::FullAdmin,
        cfg,
    );
    let unloadable = cfg.unloadable_specs && has_remote_spec(&server.row);
    let host = server.str("spec_path").map(spec_host).unwrap_or_default();
    state.insert(server);
    if unloadable && !cfg.has(Behaviour::CreateIgnoresRegistry) {
        // The row is saved; loading it into the registry fetches the spec, which fails.
        return Err(Reply::detail_error(
            500,
            format!(
                "Error creating mcp server: DNS resolution failed for '{host}': [Errno -2] Name or service not known"
            ),
        ));
    }
    Ok(view)
}

pub(crate) fn conflict_reply(c: &Conflict) -> Reply {
    Reply::detail_error(
        400,
        format!(
            "An MCP server with {} '{}' already exists (server_id={}). MCP server names and aliases must be unique, case-insensitive.",
            c.field, c.value, c.server_id
        ),
    )
}

/// `create_mcp_server`: column defaults, then every non-null field of the request
/// (`model_dump(exclude_none=True)`), the credentials blob split off, audit columns set.
pub(crate) fn new_row(p: Payload, user_id: &str) -> StoredServer {
    let mut row = views::default_row();
    let id = p.str("server_id").map_or_else(uuid4, str::to_string);
    row.insert("server_id".to_string(), Value::from(id));
    let mut data: Map<String, Value> = p
        .fields
        .into_iter()
        .filter(|(k, v)| !v.is_null() && row.contains_key(k) && !is_server_managed(k))
        .collect();
    let blob = take_credentials(&mut data);
    for (k, v) in data {
        row.insert(k, v);
    }
    let now = Value::from(pydantic_utc(Micros::now().to_db_precision()));
    for (k, v) in [
        ("created_at", now.clone()),
        ("updated_at", now),
        ("created_by", Value::from(user_id)),
        ("updated_by", Value::from(user_id)),
    ] {
        row.insert(k.to_string(), v);
    }
    StoredServer { row, blob }
}

/// Columns the request cannot set (the POST endpoint forces the submission fields).
fn is_server_managed(column: &str) -> bool {
    matches!(
        column,
        "server_id" | "approval_status" | "submitted_by" | "submitted_at"
    )
}

/// Splits `credentials` off the data and lifts legacy token-exchange keys into their columns
/// (an explicit top-level value wins).
fn take_credentials(data: &mut Map<String, Value>) -> Option<Map<String, Value>> {
    let Some(Value::Object(mut blob)) = data.shift_remove("credentials") else {
        return None;
    };
    lift_token_exchange(&mut blob, data);
    Some(blob)
}

pub(crate) fn lift_token_exchange(blob: &mut Map<String, Value>, data: &mut Map<String, Value>) {
    for field in TOKEN_EXCHANGE_FIELDS {
        if let Some(v) = blob.shift_remove(*field)
            && !v.is_null()
            && !data.contains_key(*field)
        {
            data.insert((*field).to_string(), v);
        }
    }
}

// ---------------------------------------------------------------- delete

/// `DELETE /v1/mcp/server/{id}` → 202 with an empty body; purges the server's credentials
/// from 1.90 on.
pub(crate) fn delete_server(
    state: &mut State,
    cfg: &FakeConfig,
    caller: &Caller,
    id: &str,
) -> Reply {
    if caller.role != Role::ProxyAdmin {
        return Reply::detail_error(
            403,
            "Call not allowed to delete MCP server. User is not a proxy admin. route=DELETE /v1/mcp/server",
        );
    }
    match state.remove(id, cfg.has(Behaviour::DeletePurgesStoredKeys)) {
        Some(_) => Reply::empty(202),
        None => Reply::detail_error(404, format!("MCP Server not found, passed server_id={id}")),
    }
}

// ---------------------------------------------------------------- per-user credentials

/// `_authorize_and_fetch_mcp_server`: admins get 404 for unknown ids, non-admins always 403.
fn authorize_for_credentials(
    state: &State,
    caller: &Caller,
    id: &str,
) -> Result<Map<String, Value>, Reply> {
    let resolved = resolve(state, id, false).map(|r| r.registry_view());
    let forbidden = || {
        Reply::detail_error(
            403,
            format!(
                "User does not have permission to access mcp server with id {id}. You can only manage mcp servers that you have access to."
            ),
        )
    };
    match resolved {
        None if caller.admin_view() => Err(Reply::detail_error(
            404,
            format!("MCP Server {id} not found"),
        )),
        None => Err(forbidden()),
        Some(view) if caller.may_access(id, &view) => Ok(view),
        Some(_) => Err(forbidden()),
    }
}

/// `POST /v1/mcp/server/{id}/user-credential`.
pub(crate) fn store_credential(
    state: &mut State,
    cfg: &FakeConfig,
    caller: &Caller,
    id: &str,
    body: &Value,
) -> Reply {
    let (_credential, save) = match validation::parse_user_credential(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let found = if cfg.since(version::CREDENTIAL_ACCESS_CHECK) {
        authorize_for_credentials(state, caller, id)
    } else {
        // Before 1.92 only the database row is looked up: no access check at all.
        state
            .server(id)
            .map(|s| views::registry_view(&s.row, s.blob.as_ref()))
            .ok_or_else(|| Reply::detail_error(404, format!("MCP Server {id} not found")))
    };
    let view = match found {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    if view.get("is_byok") != Some(&Value::Bool(true)) {
        return Reply::detail_error(400, "This MCP server does not support BYOK credentials");
    }
    if caller.user_id.is_empty() {
        return Reply::detail_error(400, "User ID not found in token");
    }
    if save {
        state.upsert_credential(&caller.user_id, id, CredentialKind::Byok);
    }
    Reply::json(200, json!({"server_id": id, "has_credential": save}))
}

/// `DELETE /v1/mcp/server/{id}/user-credential[?user_id=]` (idempotent).
pub(crate) fn delete_credential(
    state: &mut State,
    cfg: &FakeConfig,
    caller: &Caller,
    id: &str,
    requested: Option<&str>,
) -> Reply {
    // The `user_id` parameter arrived with the admin list (1.103); older proxies ignore it.
    let requested = requested.filter(|_| cfg.admin_credential_list);
    if requested == Some("") {
        return Reply::json(
            422,
            json!({"detail": [{"type": "string_too_short", "loc": ["query", "user_id"], "msg": "String should have at least 1 character"}]}),
        );
    }
    let target = match requested {
        Some(other) if other != caller.user_id => {
            if caller.role != Role::ProxyAdmin {
                return Reply::detail_error(
                    403,
                    "Proxy admin access required to revoke another user's MCP credential.",
                );
            }
            other.to_string()
        }
        _ if caller.user_id.is_empty() => {
            return Reply::detail_error(400, "User ID not found in token");
        }
        _ => caller.user_id.clone(),
    };
    state.delete_credential(&target, id);
    Reply::json(200, json!({"server_id": id, "has_credential": false}))
}

/// `GET /v1/mcp/server/{id}/user-credentials` (admins and admin viewers; never secrets).
pub(crate) fn list_server_credentials(state: &State, caller: &Caller, id: &str) -> Reply {
    if !caller.admin_view() {
        return Reply::detail_error(
            403,
            "Admin access required to view MCP server user credentials.",
        );
    }
    let items: Vec<Value> = state
        .credentials_for_server(id)
        .into_iter()
        .map(|c| {
            let kind = match c.kind {
                CredentialKind::Byok => "byok",
                CredentialKind::OAuth2 => "oauth2",
            };
            json!({
                "user_id": c.user_id,
                "credential_type": kind,
                "expires_at": null,
                "connected_at": c.connected_at,
                "updated_at": isoformat_utc(c.updated_at),
            })
        })
        .collect();
    Reply::json(200, Value::Array(items))
}

/// `GET /v1/mcp/user-credentials`: the caller's OAuth2 connections only (BYOK keys are not listed).
pub(crate) fn list_own_credentials(state: &State, caller: &Caller) -> Reply {
    if caller.user_id.is_empty() {
        return Reply::detail_error(400, "User ID not found in token");
    }
    let items: Vec<Value> = state
        .credentials_of_user(&caller.user_id)
        .into_iter()
        .filter(|c| c.kind == CredentialKind::OAuth2)
        .map(|c| {
            let visible = resolve(state, &c.server_id, false)
                .map(|r| r.registry_view())
                .filter(|v| caller.may_access(&c.server_id, v));
            let field = |k: &str| {
                visible
                    .as_ref()
                    .and_then(|v| v.get(k).cloned())
                    .unwrap_or(Value::Null)
            };
            json!({
                "server_id": c.server_id,
                "server_name": field("server_name"),
                "alias": field("alias"),
                "credential_type": "oauth2",
                "has_credential": true,
                "expires_at": null,
                "connected_at": c.connected_at,
            })
        })
        .collect();
    Reply::json(200, Value::Array(items))
}
