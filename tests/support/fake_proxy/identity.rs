//! Who the key is and what the proxy is: `GET /key/info`, `GET /user/info`,
//! `GET /v2/user/info` and `GET /health/readiness/details`, with the real 1.108.7's
//! answers to every role (recorded in `tests/fixtures/litellm-roles-transcript.json`).

use serde_json::{Value, json};

use super::FakeConfig;
use super::handlers::Caller;
use super::reply::Reply;
use super::state::{KeyInfo, State};
use super::util::{Micros, pydantic_utc};

/// A `ProxyException` body raised inside a management handler: `param` is JSON null
/// there, while the authentication errors carry the string "None".
fn handler_error(status: u16, message: &str, kind: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": {"message": message, "type": kind, "param": null, "code": status.to_string()}}),
    )
}

/// `GET /key/info` without `?key=`: the caller's own key. The master key is not in the
/// database, hence the 404. A key with its own permission row shows its id and the row.
pub(crate) fn key_info(state: &State, cfg: &FakeConfig, caller: &Caller) -> Reply {
    let Some(info) = caller
        .key
        .as_ref()
        .and_then(|k| state.keys.get(k).map(|i| (k, i)))
    else {
        return Reply::json(
            404,
            json!({"error": {"message": "Key not found in database", "type": "not_found_error", "param": "key", "code": "404"}}),
        );
    };
    let (key, info) = info;
    let mut row = key_row(key, info);
    if let (Some(written), Value::Object(m)) = (&info.permission, &mut row) {
        let id = row_id(key);
        m.insert("object_permission_id".into(), Value::from(id.clone()));
        m.insert(
            "object_permission".into(),
            permission_row(&id, written, cfg),
        );
    }
    Reply::json(200, json!({"key": sha256_hex(key), "info": row}))
}

/// A stable uuid-shaped id for a key's or user's permission row.
fn row_id(owner: &str) -> String {
    let h = sha256_hex(&format!("object_permission:{owner}"));
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// A `LiteLLM_ObjectPermissionTable` row as `/key/info` and `/v2/user/info` show it: the
/// written fields over the columns' defaults (`text[]` columns are `[]`, never null),
/// then the relation stubs, all null (the real 1.87.5, 1.108.7 and 1.110.2 answers).
fn permission_row(id: &str, written: &serde_json::Map<String, Value>, cfg: &FakeConfig) -> Value {
    let mut row = serde_json::Map::new();
    row.insert("object_permission_id".into(), Value::from(id));
    let mut columns = vec![
        ("mcp_servers", json!([])),
        ("mcp_access_groups", json!([])),
        ("mcp_tool_permissions", Value::Null),
        ("vector_stores", json!([])),
        ("agents", json!([])),
        ("agent_access_groups", json!([])),
        ("models", json!([])),
        ("blocked_tools", json!([])),
        ("mcp_toolsets", json!([])),
        ("search_tools", json!([])),
    ];
    if cfg.since(super::version::MODERN) {
        columns.push(("mcp_tool_search_enabled", Value::Null));
        columns.push(("skills", json!([])));
    }
    for (column, default) in columns {
        let value = written.get(column).cloned().unwrap_or(default);
        row.insert(column.into(), value);
    }
    for stub in [
        "teams",
        "projects",
        "verification_tokens",
        "organizations",
        "users",
        "end_users",
        "agents_table",
    ] {
        row.insert(stub.into(), Value::Null);
    }
    Value::Object(row)
}

/// The parts of a `LiteLLM_VerificationToken` row mcpform and the tests read, in the
/// proxy's order.
fn key_row(key: &str, info: &KeyInfo) -> Value {
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    json!({
        "key_name": format!("sk-...{tail}"),
        "key_alias": info.alias,
        "spend": 0.0,
        "expires": null,
        "models": [],
        "user_id": non_empty(&info.user_id),
        "team_id": info.team_id,
        "metadata": {},
        "blocked": null,
        "max_budget": null,
        "object_permission_id": null,
        "created_at": pydantic_utc(Micros::now().to_db_precision()),
        "status": "active",
    })
}

fn non_empty(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::from(s)
    }
}

fn sha256_hex(s: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, s.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `GET /v2/user/info[?user_id=]`: one user row, no keys or teams. Without `user_id`, the
/// caller's user (the master key's is `default_user_id`, which has no row unless
/// something created one: then its role is whatever that row says, not proxy_admin).
pub(crate) fn user_info_v2(
    state: &State,
    cfg: &FakeConfig,
    caller: &Caller,
    requested: Option<&str>,
) -> Reply {
    let Some(user_id) = requested
        .map(str::to_owned)
        .or_else(|| Some(caller.user_id.clone()).filter(|u| !u.is_empty()))
    else {
        return handler_error(
            400,
            "user_id is required. Either pass it as a query parameter or authenticate with a user-bound key.",
            "internal_server_error",
        );
    };
    let allowed = caller.admin_view() || caller.user_id == user_id;
    let Some(role) = state.users.get(&user_id).filter(|_| allowed) else {
        return handler_error(
            404,
            &format!("User not found: {user_id}"),
            "internal_server_error",
        );
    };
    let now = pydantic_utc(Micros::now().to_db_precision());
    let permission = state
        .user_permissions
        .get(&user_id)
        .map_or(Value::Null, |w| permission_row(&row_id(&user_id), w, cfg));
    let mut body = json!({
        "user_id": user_id, "user_email": null, "user_alias": null, "user_role": role,
        "spend": 0.0, "max_budget": null, "tpm_limit": null, "rpm_limit": null, "models": [],
        "budget_duration": null, "budget_reset_at": null, "metadata": {},
        "created_at": now, "updated_at": now, "sso_user_id": null, "teams": [],
        "object_permission": permission, "model_max_budget": {}, "model_max_budget_usage": {},
    });
    if !cfg.has(mcpform::model::support::Behaviour::UserMcpCeiling)
        && let Value::Object(m) = &mut body
    {
        // The real 1.87.5 has no user-level row to show.
        m.shift_remove("object_permission");
    }
    Reply::json(200, body)
}

/// `GET /user/info[?user_id=]`: the user row, its keys and teams. Without `user_id`, an
/// admin or admin viewer gets every key of the proxy (the real answer can be large).
pub(crate) fn user_info(state: &State, caller: &Caller, requested: Option<&str>) -> Reply {
    if let Some(other) = requested
        && !caller.admin_view()
        && other != caller.user_id
    {
        return Reply::json(
            403,
            json!({"error": {
                "message": format!("key not allowed to access this user's info. user_id={other}, key's user_id={}", caller.user_id),
                "type": "auth_error", "param": "None", "code": "403"}}),
        );
    }
    if requested.is_none() && caller.admin_view() {
        let keys: Vec<Value> = state
            .keys
            .iter()
            .map(|(k, info)| key_row(k, info))
            .collect();
        let user_info = state
            .users
            .get(&caller.user_id)
            .map(|role| user_row(&caller.user_id, role));
        return Reply::json(
            200,
            json!({"user_id": caller.user_id, "user_info": user_info, "keys": keys, "teams": []}),
        );
    }
    let user_id = requested.unwrap_or(&caller.user_id);
    let Some(role) = state.users.get(user_id).filter(|_| !user_id.is_empty()) else {
        let shown = if user_id.is_empty() { "None" } else { user_id };
        return handler_error(
            404,
            &format!("User {shown} not found"),
            "internal_server_error",
        );
    };
    let keys: Vec<Value> = state
        .keys
        .iter()
        .filter(|(_, info)| info.user_id == user_id)
        .map(|(k, info)| key_row(k, info))
        .collect();
    Reply::json(
        200,
        json!({"user_id": user_id, "user_info": user_row(user_id, role), "keys": keys, "teams": []}),
    )
}

fn user_row(user_id: &str, role: &str) -> Value {
    let now = pydantic_utc(Micros::now().to_db_precision());
    json!({
        "user_id": user_id, "user_alias": null, "team_id": null, "teams": [], "user_role": role,
        "max_budget": null, "spend": 0.0, "user_email": null, "models": [], "metadata": {},
        "created_at": now, "updated_at": now,
    })
}

/// `GET /health/readiness/details`: admins and admin viewers get the version; everyone
/// else the route check's 401, which names the role and a masked user id.
pub(crate) fn readiness_details(state: &State, cfg: &FakeConfig, caller: &Caller) -> Reply {
    if !caller.admin_view() {
        let row = state.users.get(&caller.user_id);
        let role = row.map_or("unknown", String::as_str);
        let user_id = if row.is_some() {
            caller.user_id.as_str()
        } else {
            "unknown"
        };
        return Reply::auth(
            &format!(
                "Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/health/readiness/details. Your role={role}. Your user_id={}",
                mask_user_id(user_id)
            ),
            "auth_error",
            "None",
        );
    }
    let mut body = json!({
        "status": "healthy", "db": "connected", "cache": null,
        "litellm_version": cfg.said_version(), "success_callbacks": cfg.success_callbacks(),
        "use_aiohttp_transport": true, "log_level": "INFO", "is_detailed_debug": false,
        "show_no_redis_warning": false, "show_env_credential_login_warning": true,
    });
    if !cfg.since(super::version::MODERN)
        && let Value::Object(m) = &mut body
    {
        // The real 1.87.5 does not have the two warnings.
        m.shift_remove("show_no_redis_warning");
        m.shift_remove("show_env_credential_login_warning");
    }
    Reply::json(200, body)
}

/// The public `GET /health/readiness`; proxies before the details route (1.82) also
/// told the version there.
pub(crate) fn readiness(cfg: &FakeConfig) -> Reply {
    if cfg.routes_1_87 {
        return Reply::json(200, json!({"status": "healthy", "db": "connected"}));
    }
    Reply::json(
        200,
        json!({"status": "healthy", "db": "connected", "cache": null,
               "litellm_version": cfg.said_version(), "success_callbacks": []}),
    )
}

/// `RouteChecks._mask_user_id`: 4 characters or fewer are `***`, up to 8 all stars, else
/// the first 6 and the last 2.
fn mask_user_id(user_id: &str) -> String {
    let chars: Vec<char> = user_id.chars().collect();
    match chars.len() {
        0..=4 => "***".to_owned(),
        n @ 5..=8 => "*".repeat(n),
        n => format!(
            "{}{}{}",
            chars[..6].iter().collect::<String>(),
            "*".repeat(n - 8),
            chars[n - 2..].iter().collect::<String>()
        ),
    }
}
