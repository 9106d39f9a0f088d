//! How a stored server is shown: the DB view (create/update/get and `rows()`), the registry
//! view (the list, config servers, GET by name), and the sanitised view for non-admins.
//!
//! Field order is `LiteLLM_MCPServerTable`'s declaration order, which is what the proxy emits.

use serde_json::{Map, Value, json};

use super::util::truthy;

/// Every column of a DB row, in response order, with the Prisma column default.
pub(crate) fn default_row() -> Map<String, Value> {
    const N: &str = "null";
    const F: &str = "false";
    const EMPTY_LIST: &str = "[]";
    const EMPTY_MAP: &str = "{}";
    let columns: [(&str, &str); 60] = [
        ("server_id", N),
        ("is_config", F),
        ("server_name", N),
        ("alias", N),
        ("description", N),
        ("url", N),
        ("spec_path", N),
        ("transport", "\"sse\""),
        ("auth_type", N),
        ("credentials", N),
        ("instructions", N),
        ("created_at", N),
        ("created_by", N),
        ("updated_at", N),
        ("updated_by", N),
        ("teams", EMPTY_LIST),
        ("mcp_access_groups", EMPTY_LIST),
        ("allowed_tools", EMPTY_LIST),
        ("tool_name_to_display_name", EMPTY_MAP),
        ("tool_name_to_description", EMPTY_MAP),
        ("pinned_tools", N),
        ("extra_headers", EMPTY_LIST),
        ("mcp_info", EMPTY_MAP),
        ("static_headers", EMPTY_MAP),
        ("env_vars", EMPTY_LIST),
        ("status", "\"unknown\""),
        ("last_health_check", N),
        ("health_check_error", N),
        ("command", N),
        ("args", EMPTY_LIST),
        ("env", EMPTY_MAP),
        ("issuer", N),
        ("authorization_url", N),
        ("token_url", N),
        ("registration_url", N),
        ("oauth2_flow", N),
        ("token_exchange_endpoint", N),
        ("audience", N),
        ("subject_token_type", N),
        ("token_exchange_profile", N),
        ("allow_all_keys", F),
        ("available_on_public_internet", "true"),
        ("delegate_auth_to_upstream", F),
        ("oauth_passthrough", F),
        ("dcr_bridge", N),
        ("per_server_oauth_discovery", F),
        ("is_byok", F),
        ("byok_description", EMPTY_LIST),
        ("byok_api_key_help_url", N),
        ("has_user_credential", N),
        ("connected_app_reachable", N),
        ("source_url", N),
        ("timeout", N),
        ("max_concurrent_requests", N),
        ("rpm", N),
        ("approval_status", "\"active\""),
        ("submitted_by", N),
        ("submitted_at", N),
        ("reviewed_at", N),
        ("review_notes", N),
    ];
    columns
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                serde_json::from_str(v).unwrap_or(Value::Null),
            )
        })
        .collect()
}

/// Keys a proxy without BYOK support (before 1.82.1) never emits.
const BYOK_RESPONSE_KEYS: &[&str] = &[
    "is_byok",
    "byok_description",
    "byok_api_key_help_url",
    "has_user_credential",
];

/// Non-secret credential keys `_preserved_admin_config_credentials` lets through.
const ADMIN_CONFIG_CREDENTIAL_KEYS: &[&str] = &["upstream_resource", "upstream_token_header"];

/// What a viewer may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Audience {
    /// `proxy_admin`: every field.
    FullAdmin,
    /// Everyone else: `_sanitize_mcp_server_for_non_admin`.
    Sanitised,
}

/// The OAuth client scopes kept in the blob, when they are a non-empty list of non-empty strings.
fn configured_scopes(blob: Option<&Map<String, Value>>) -> Option<Value> {
    let scopes = blob?.get("scopes")?.as_array()?;
    let all_ok = !scopes.is_empty()
        && scopes
            .iter()
            .all(|s| s.as_str().is_some_and(|s| !s.is_empty()));
    all_ok.then(|| Value::Array(scopes.clone()))
}

/// `_preserved_admin_config_credentials`: only non-secret admin config survives, else null.
fn preserved_credentials(blob: Option<&Map<String, Value>>) -> Value {
    let mut out = Map::new();
    if let Some(blob) = blob {
        for key in ADMIN_CONFIG_CREDENTIAL_KEYS {
            if let Some(v) = blob
                .get(*key)
                .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
            {
                out.insert((*key).to_string(), v.clone());
            }
        }
    }
    if let Some(scopes) = configured_scopes(blob) {
        out.insert("scopes".to_string(), scopes);
    }
    if out.is_empty() {
        Value::Null
    } else {
        Value::Object(out)
    }
}

/// `_redact_mcp_credentials`' `mcp_info` update: `is_public` and `is_public_explicit` are set
/// (to false: the fake has no public servers), keeping the position of keys already present.
fn add_public_flags(view: &mut Map<String, Value>) {
    let mut info = match view.get("mcp_info") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    info.insert("is_public".to_string(), Value::Bool(false));
    info.insert("is_public_explicit".to_string(), Value::Bool(false));
    view.insert("mcp_info".to_string(), Value::Object(info));
}

/// The row as create, update and GET-by-id return it (before health check and sanitising).
pub(crate) fn db_view(
    row: &Map<String, Value>,
    blob: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let mut view = row.clone();
    view.insert("credentials".to_string(), preserved_credentials(blob));
    add_public_flags(&mut view);
    view
}

/// `build_mcp_server_from_table` + `build_mcp_server_table`: a DB row as the in-memory registry
/// (and so the list) shows it, before redaction.
pub(crate) fn registry_view(
    row: &Map<String, Value>,
    blob: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let mut view = row.clone();
    let info = registry_mcp_info(row);
    let description = info.get("description").cloned().unwrap_or(Value::Null);
    view.insert("description".to_string(), description);
    let scopes = configured_scopes(blob).map_or(Value::Null, |s| json!({ "scopes": s }));
    view.insert("credentials".to_string(), scopes);
    for key in [
        "created_by",
        "updated_by",
        "status",
        "last_health_check",
        "health_check_error",
    ] {
        view.insert(key.to_string(), Value::Null);
    }
    for key in [
        "tool_name_to_display_name",
        "tool_name_to_description",
        "static_headers",
        "env_vars",
    ] {
        null_when_empty(&mut view, key);
    }
    view.insert("mcp_info".to_string(), Value::Object(info));
    default_when_null(
        &mut view,
        "subject_token_type",
        "urn:ietf:params:oauth:token-type:access_token",
    );
    default_when_null(&mut view, "token_exchange_profile", "rfc8693");
    for (key, value) in [
        ("teams", json!([])),
        ("approval_status", json!("active")),
        ("submitted_by", Value::Null),
        ("submitted_at", Value::Null),
        ("reviewed_at", Value::Null),
        ("review_notes", Value::Null),
    ] {
        view.insert(key.to_string(), value);
    }
    view
}

/// The registry copies the stored `mcp_info` and adds `server_name` and `description` when
/// absent; the list then shows `mcp_info.description` as the top-level description.
fn registry_mcp_info(row: &Map<String, Value>) -> Map<String, Value> {
    let mut info = match row.get("mcp_info") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    if !info.contains_key("server_name") {
        let name = match row.get("server_name") {
            Some(v) if truthy(Some(v)) => v.clone(),
            _ => row.get("server_id").cloned().unwrap_or(Value::Null),
        };
        info.insert("server_name".to_string(), name);
    }
    if !info.contains_key("description") && truthy(row.get("description")) {
        let d = row.get("description").cloned().unwrap_or(Value::Null);
        info.insert("description".to_string(), d);
    }
    info
}

fn null_when_empty(view: &mut Map<String, Value>, key: &str) {
    if !truthy(view.get(key)) {
        view.insert(key.to_string(), Value::Null);
    }
}

fn default_when_null(view: &mut Map<String, Value>, key: &str, default: &str) {
    if !truthy(view.get(key)) {
        view.insert(key.to_string(), Value::from(default));
    }
}

/// Adds the redaction flags to a registry view (the list's `_redact_mcp_credentials`).
pub(crate) fn redact_registry_view(mut view: Map<String, Value>) -> Map<String, Value> {
    add_public_flags(&mut view);
    view
}

/// `_sanitize_mcp_server_for_non_admin`: strips the fields that can carry secrets.
pub(crate) fn sanitise(view: &mut Map<String, Value>) {
    for key in [
        "credentials",
        "pinned_tools",
        "url",
        "spec_path",
        "static_headers",
        "command",
        "issuer",
        "authorization_url",
        "token_url",
        "registration_url",
        "token_exchange_endpoint",
        "audience",
        "subject_token_type",
        "token_exchange_profile",
        "env_vars",
    ] {
        view.insert(key.to_string(), Value::Null);
    }
    view.insert("extra_headers".to_string(), json!([]));
    view.insert("env".to_string(), json!({}));
    view.insert("args".to_string(), json!([]));
}

/// Applies the viewer's audience.
pub(crate) fn for_audience(mut view: Map<String, Value>, audience: Audience) -> Map<String, Value> {
    if audience == Audience::Sanitised {
        sanitise(&mut view);
    }
    view
}

/// Sets the result of the (always failing) live health check of `GET /v1/mcp/server/{id}`.
pub(crate) fn with_health_check(
    mut view: Map<String, Value>,
    checked_at: String,
) -> Map<String, Value> {
    view.insert("status".to_string(), Value::from("unhealthy"));
    view.insert("last_health_check".to_string(), Value::from(checked_at));
    view.insert(
        "health_check_error".to_string(),
        Value::from("Reachability check failed (ConnectError)"),
    );
    view
}

/// Removes what a proxy without BYOK support would not know.
pub(crate) fn without_byok(
    mut view: Map<String, Value>,
    supports_byok: bool,
) -> Map<String, Value> {
    if !supports_byok {
        for key in BYOK_RESPONSE_KEYS {
            view.shift_remove(*key);
        }
    }
    view
}

/// A `config.yaml` `mcp_servers` entry as the registry shows it (`load_servers_from_config`).
/// The entry carries its YAML key as `server_name` (or `name`).
pub(crate) fn config_server_view(entry: &Value) -> Result<Map<String, Value>, String> {
    let Value::Object(cfg) = entry else {
        return Err("a config entry must be a JSON object".to_string());
    };
    let name = cfg
        .get("server_name")
        .or_else(|| cfg.get("name"))
        .and_then(Value::as_str)
        .ok_or("a config entry needs `server_name`")?
        .to_string();
    let get = |k: &str| cfg.get(k).cloned().unwrap_or(Value::Null);
    let or = |k: &str, d: Value| cfg.get(k).filter(|v| truthy(Some(v))).cloned().unwrap_or(d);
    let url = or("url", json!(""));
    let transport = or("transport", json!("http"));
    let alias = get("alias");
    let id = match cfg.get("server_id").and_then(Value::as_str) {
        Some(pinned) => pinned.to_string(),
        None => super::util::sha256_prefix32(&format!(
            "{name}|{}|{}|{}|{}",
            url.as_str().unwrap_or(""),
            transport.as_str().unwrap_or("http"),
            cfg.get("auth_type").and_then(Value::as_str).unwrap_or(""),
            alias.as_str().unwrap_or("")
        )),
    };
    let mut info = match cfg.get("mcp_info") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    if !info.contains_key("server_name") {
        info.insert("server_name".to_string(), Value::from(name.as_str()));
    }
    if !info.contains_key("description") && truthy(cfg.get("description")) {
        info.insert("description".to_string(), get("description"));
    }
    let mut row = default_row();
    let scopes = cfg
        .get("scopes")
        .filter(|s| truthy(Some(s)))
        .map(|s| json!({ "scopes": s }));
    let env_vars = cfg
        .get("env_vars")
        .filter(|v| truthy(Some(v)))
        .cloned()
        .unwrap_or(Value::Null);
    for (k, v) in [
        ("server_id", Value::from(id)),
        ("is_config", Value::Bool(true)),
        ("server_name", Value::from(name)),
        ("alias", alias),
        (
            "description",
            info.get("description").cloned().unwrap_or(Value::Null),
        ),
        ("url", url),
        ("spec_path", get("spec_path")),
        ("transport", transport),
        ("auth_type", get("auth_type")),
        ("credentials", scopes.unwrap_or(Value::Null)),
        ("instructions", get("instructions")),
        ("mcp_access_groups", or("access_groups", json!([]))),
        ("allowed_tools", or("allowed_tools", json!([]))),
        ("tool_name_to_display_name", Value::Null),
        ("tool_name_to_description", Value::Null),
        ("pinned_tools", get("pinned_tools")),
        ("extra_headers", or("extra_headers", json!([]))),
        ("mcp_info", Value::Object(info)),
        ("static_headers", get("static_headers")),
        ("env_vars", env_vars),
        ("status", Value::Null),
        ("command", or("command", json!(""))),
        ("args", or("args", json!([]))),
        ("env", or("env", json!({}))),
        ("issuer", get("issuer")),
        ("authorization_url", get("authorization_url")),
        ("token_url", get("token_url")),
        ("registration_url", get("registration_url")),
        ("oauth2_flow", get("oauth2_flow")),
        ("token_exchange_endpoint", get("token_exchange_endpoint")),
        ("audience", get("audience")),
        (
            "subject_token_type",
            or(
                "subject_token_type",
                json!("urn:ietf:params:oauth:token-type:access_token"),
            ),
        ),
        (
            "token_exchange_profile",
            or("token_exchange_profile", json!("rfc8693")),
        ),
        (
            "allow_all_keys",
            Value::Bool(truthy(cfg.get("allow_all_keys"))),
        ),
        (
            "available_on_public_internet",
            Value::Bool(
                cfg.get("available_on_public_internet")
                    .is_none_or(|v| truthy(Some(v))),
            ),
        ),
        (
            "delegate_auth_to_upstream",
            Value::Bool(truthy(cfg.get("delegate_auth_to_upstream"))),
        ),
        (
            "oauth_passthrough",
            Value::Bool(truthy(cfg.get("oauth_passthrough"))),
        ),
        ("dcr_bridge", get("dcr_bridge")),
        (
            "per_server_oauth_discovery",
            Value::Bool(truthy(cfg.get("per_server_oauth_discovery"))),
        ),
        ("timeout", get("timeout")),
        ("max_concurrent_requests", get("max_concurrent_requests")),
        ("rpm", get("rpm")),
    ] {
        row.insert(k.to_string(), v);
    }
    // 1.108.7's config loader does not pass `is_byok` on: a config server is never BYOK.
    Ok(row)
}
