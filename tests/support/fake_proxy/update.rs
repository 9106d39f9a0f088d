//! `PUT /v1/mcp/server`: partial update on 1.88+ (or reset-omitted on older proxies), the
//! alias trap, credential merging, the OAuth-flow clearing on url/issuer/auth changes, and
//! the identifier check, in the order `edit_mcp_server` and `update_mcp_server` run them.

use serde_json::{Map, Value, json};

use super::fields::{Model, Payload};
use super::handlers::{Caller, conflict_reply, features, finish, lift_token_exchange};
use super::reply::Reply;
use super::state::{Conflict, State, StoredServer};
use super::util::{Micros, py_repr, pydantic_utc, truthy};
use super::validation::{self, normalize_names, parse_server_body, protocol_conflicts};
use super::views::{self, Audience};
use super::{FakeConfig, Role, version};
use mcpform::model::support::{Behaviour, reset_when_omitted};

/// Fields that belong to the previous OAuth flow once url, issuer or auth class changes.
/// Written here on purpose rather than read from mcpform's field table
/// (`cleared_on_auth_change`): this list is the fake's own reading of the proxy's
/// `update_mcp_server`, so a row of the table that drifts from the proxy makes the
/// tests that drive mcpform against the fake fail, instead of both agreeing on it.
const AUTH_FLOW_SCOPED_FIELDS: &[&str] = &[
    "issuer",
    "authorization_url",
    "token_url",
    "registration_url",
    "oauth2_flow",
    "dcr_bridge",
    "token_exchange_endpoint",
    "audience",
    "subject_token_type",
    "token_exchange_profile",
];

/// `PUT /v1/mcp/server` → 202 with the DB view.
pub(crate) fn update_server(
    state: &mut State,
    cfg: &FakeConfig,
    caller: &Caller,
    body: &Value,
) -> Reply {
    try_update(state, cfg, caller, body).unwrap_or_else(|error| error)
}

fn try_update(
    state: &mut State,
    cfg: &FakeConfig,
    caller: &Caller,
    body: &Value,
) -> Result<Reply, Reply> {
    let mut p = parse_server_body(body, Model::UpdateServer, features(cfg))?;
    normalize_names(&mut p)?;
    if caller.role != Role::ProxyAdmin {
        return Err(Reply::detail_error(
            403,
            "Call not allowed to update MCP server. User is not a proxy admin. route=PUT /v1/mcp/server",
        ));
    }
    let id = p.str("server_id").unwrap_or_default().to_string();
    let old = state.server(&id).cloned();
    if let Some(old) = &old {
        check_update_against_stored(&p, old)?;
    }
    let mut data = prepare_update(&p, cfg);
    if version::refused_field(&data, cfg).is_some() {
        // Prisma's error escapes the handler (not recorded: assumed unhandled).
        return Err(Reply::internal_error());
    }
    let new_blob = merge_credentials(&p, &mut data, old.as_ref());
    let conflict = update_conflict(state, &data, old.as_ref(), &id);
    if let Some(c) = conflict.filter(|_| cfg.has(Behaviour::UniqueNames)) {
        return Err(conflict_reply(&c));
    }
    if ["static_headers", "env_vars", "mcp_info"]
        .iter()
        .any(|k| data.get(*k) == Some(&Value::Null))
    {
        // prisma-client-py rejects a raw None for a `Json?` column: an unhandled exception.
        return Err(Reply::internal_error());
    }
    let Some(mut server) = old else {
        return Err(Reply::detail_error(
            404,
            format!("MCP Server not found, passed server_id={id}"),
        ));
    };
    apply_update(&mut server, data, new_blob, &caller.user_id);
    let view = finish(
        views::db_view(&server.row, server.blob.as_ref()),
        Audience::FullAdmin,
        cfg,
    );
    let spec_path = server.str("spec_path").unwrap_or_default().to_string();
    state.replace(server);
    if cfg.openapi_update_500 && !spec_path.is_empty() {
        return Err(Reply::detail_error(
            500,
            format!("Error updating MCP server {id}: OpenAPI spec fetch failed for {spec_path}"),
        ));
    }
    Ok(Reply::json(202, view))
}

/// The PUT checks that need the stored row: protocol vs transport, per-server discovery and
/// the DCR bridge.
fn check_update_against_stored(p: &Payload, old: &StoredServer) -> Result<(), Reply> {
    let effective = |k: &str| p.get(k).or_else(|| old.row.get(k));
    if p.has("transport") || p.has("mcp_info") {
        let transport = effective("transport")
            .and_then(Value::as_str)
            .unwrap_or("sse");
        if protocol_conflicts(effective("mcp_info"), transport) {
            return Err(validation::protocol_update_error());
        }
    }
    if truthy(p.get("per_server_oauth_discovery")) {
        let eligible = effective("auth_type") == Some(&json!("oauth2"))
            && effective("oauth2_flow") == Some(&json!("authorization_code"))
            && !truthy(effective("delegate_auth_to_upstream"));
        if !eligible {
            return Err(validation::per_server_discovery_update_error());
        }
    }
    let auth_type_unset = p.get("auth_type").is_none_or(Value::is_null);
    if truthy(p.get("dcr_bridge")) && auth_type_unset {
        let stored = old.row.get("auth_type").cloned().unwrap_or(Value::Null);
        if stored != "true_passthrough" && stored != "oauth_delegate" {
            return Err(Reply::detail_error(
                400,
                format!(
                    "dcr_bridge is only supported for auth_type true_passthrough or oauth_delegate (stored auth_type: {}). Include the server's auth_type in the update payload or configure one of the client-forwarded token modes first.",
                    py_repr(&stored)
                ),
            ));
        }
    }
    Ok(())
}

/// The columns a PUT writes.
///
/// * ≥ 1.88 (`exclude_unset`): only the fields the body set; `alias` only if the body set it
///   or the handler derived it from `server_name` (the alias trap); explicit null clears
///   (`allowed_tools` → `[]`, `tool_name_to_*` → `{}`).
/// * < 1.88 (`exclude_none`, `put_resets_omitted`): every non-null field including defaults,
///   so omitted fields with a non-null default are reset, and `alias` is always written.
fn prepare_update(p: &Payload, cfg: &FakeConfig) -> Map<String, Value> {
    let mut data: Map<String, Value> = p
        .fields
        .iter()
        .filter(|(k, _)| k.as_str() != "server_id")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if cfg.put_resets_omitted {
        data.retain(|k, v| !v.is_null() || k == "alias");
        for (k, v) in reset_defaults(cfg) {
            data.entry(k).or_insert(v);
        }
        return data;
    }
    if data.get("alias") == Some(&Value::Null) && !p.sent.contains("alias") {
        data.shift_remove("alias");
    }
    if data.get("allowed_tools") == Some(&Value::Null) {
        data.insert("allowed_tools".to_string(), json!([]));
    }
    for key in ["tool_name_to_display_name", "tool_name_to_description"] {
        if data.get(key) == Some(&Value::Null) {
            data.insert(key.to_string(), json!({}));
        }
    }
    data
}

/// The non-null request defaults an old proxy writes on every PUT (mcpform's table), for
/// the fields this version knows.
fn reset_defaults(cfg: &FakeConfig) -> Vec<(String, Value)> {
    reset_when_omitted()
        .filter(|row| cfg.lacks(row.name).is_none())
        .map(|row| (row.name.to_string(), row.request_default.to_json()))
        .collect()
}

/// `update_mcp_server`'s credential handling: stale OAuth-flow fields are cleared when url,
/// issuer or the auth class changes (even when the body re-sends the same value); a new blob
/// is merged into the stored one while the auth class is unchanged. Returns the blob to store
/// (`None` = keep the stored one, `Some(None)` = SQL NULL).
fn merge_credentials(
    p: &Payload,
    data: &mut Map<String, Value>,
    old: Option<&StoredServer>,
) -> Option<Option<Map<String, Value>>> {
    let mut new_blob = match data.shift_remove("credentials") {
        Some(Value::Object(mut blob)) => {
            lift_token_exchange(&mut blob, data);
            Some(Some(blob))
        }
        Some(_) => Some(None),
        None => None,
    };
    let Some(old) = old else {
        return new_blob;
    };
    let auth_type_changed = truthy(p.get("auth_type"))
        && credential_class(old.row.get("auth_type")) != credential_class(p.get("auth_type"));
    let url_changed =
        data.get("url").is_some_and(|u| !u.is_null()) && data.get("url") != old.row.get("url");
    let issuer_changed = data.contains_key("issuer")
        && blank_to_none(data.get("issuer")) != blank_to_none(old.row.get("issuer"));
    if auth_type_changed || url_changed || issuer_changed {
        for field in AUTH_FLOW_SCOPED_FIELDS {
            if data
                .get(*field)
                .is_none_or(|v| Some(v) == old.row.get(*field))
            {
                data.insert((*field).to_string(), Value::Null);
            }
        }
    }
    if auth_type_changed && new_blob.is_none() {
        new_blob = Some(None);
    }
    if let (Some(Some(blob)), Some(stored)) = (&mut new_blob, &old.blob)
        && !stored.is_empty()
        && !auth_type_changed
    {
        let mut merged = stored.clone();
        merged.extend(blob.clone());
        *blob = merged;
    }
    new_blob
}

/// true_passthrough and oauth_delegate share one credential class.
fn credential_class(auth_type: Option<&Value>) -> Option<String> {
    let a = auth_type.and_then(Value::as_str)?;
    Some(match a {
        "true_passthrough" | "oauth_delegate" => "client_forwarded".to_string(),
        other => other.to_string(),
    })
}

fn blank_to_none(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `_update_mcp_server_row`'s identifier check (runs before the row is looked up, so a
/// conflicting PUT on an unknown id answers 400, not 404).
fn update_conflict(
    state: &State,
    data: &Map<String, Value>,
    old: Option<&StoredServer>,
    id: &str,
) -> Option<Conflict> {
    if !data.contains_key("server_name") && !data.contains_key("alias") {
        return None;
    }
    let alias = data.get("alias").and_then(Value::as_str);
    if data.contains_key("alias") && !truthy(data.get("alias")) && !data.contains_key("server_name")
    {
        // Clearing the alias makes the stored server_name the prefix again: check that one.
        let stored_name = old.and_then(|o| o.str("server_name"));
        return state.identifier_conflict(stored_name, None, Some(id));
    }
    let name = data.get("server_name").and_then(Value::as_str);
    state.identifier_conflict(name, alias, Some(id))
}

fn apply_update(
    server: &mut StoredServer,
    data: Map<String, Value>,
    new_blob: Option<Option<Map<String, Value>>>,
    user_id: &str,
) {
    for (k, v) in data {
        if server.row.contains_key(&k) {
            server.row.insert(k, v);
        }
    }
    if let Some(blob) = new_blob {
        server.blob = blob;
    }
    server
        .row
        .insert("updated_by".to_string(), Value::from(user_id));
    let now = pydantic_utc(Micros::now().to_db_precision());
    server
        .row
        .insert("updated_at".to_string(), Value::from(now));
}
