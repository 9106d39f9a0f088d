//! Who the key is and what the proxy is: `GET /key/info`, `GET /user/info`,
//! `GET /v2/user/info` and `GET /health/readiness/details`, with the real 1.108.7's
//! answers to every role (recorded in `tests/fixtures/litellm-roles-transcript.json`).

use serde_json::{Value, json};

use super::FakeConfig;
use super::handlers::Caller;
use super::reply::Reply;
use super::rows::{self, Shape, row_id, sha256_hex};
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

/// `GET /key/info[?key=<key or its token>]`: without `key`, the caller's own key (the
/// master key is not in the database, hence the 404); with it, any key for an admin, the
/// caller's own otherwise. `key` echoes what was asked; a key with its own permission
/// row shows its id and the row (model order, with the relation stubs).
pub(crate) fn key_info(
    state: &State,
    cfg: &FakeConfig,
    caller: &Caller,
    asked: Option<&str>,
) -> Reply {
    let found = match asked {
        Some(a) => state
            .find_key(a)
            .filter(|k| caller.admin_view() || caller.key.as_deref() == Some(*k)),
        None => caller
            .key
            .as_deref()
            .filter(|k| state.keys.contains_key(*k)),
    };
    let Some((key, info)) = found.and_then(|k| state.keys.get_key_value(k)) else {
        return Reply::json(
            404,
            json!({"error": {"message": "Key not found in database", "type": "not_found_error", "param": "key", "code": "404"}}),
        );
    };
    let mut row = key_row(key, info);
    if let (Some(written), Value::Object(m)) = (&info.permission, &mut row) {
        let id = row_id(&format!("key:{key}"));
        m.insert("object_permission_id".into(), Value::from(id.clone()));
        m.insert(
            "object_permission".into(),
            rows::render(&id, written, Shape::Model, cfg),
        );
    }
    let shown = asked.map_or_else(|| sha256_hex(key), str::to_owned);
    Reply::json(200, json!({"key": shown, "info": row}))
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
        // Present (null) without a row: the real 1.87.5, 1.108.7 and 1.110.2 answers.
        "object_permission": null,
        "access_group_ids": [],
        "created_at": pydantic_utc(info.created_at),
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
        .map_or(Value::Null, |w| {
            rows::render(&row_id(&user_id), w, Shape::Model, cfg)
        });
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
