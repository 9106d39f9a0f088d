//! Virtual keys and their permission rows: `/key/generate` (with `team_id` and
//! `object_permission`, checked by `grants`), `/key/update` (the per-field merge),
//! `/key/list` (paged, `return_full_object=true` carries each key's row) and
//! `/key/delete`. Recorded from the real 1.87.5, 1.108.7 and 1.110.2
//! (`tests/fixtures/litellm-access-*.json`, "key: …"); `/key/delete`'s answers were read
//! by hand on 1.87.5 and 1.108.7.

use serde_json::{Map, Value, json};

use super::grants;
use super::handlers::Caller;
use super::reply::Reply;
use super::rows::{self, Shape, proxy_error, row_id, sha256_hex};
use super::state::{KeyInfo, State};
use super::teams::wrapped;
use super::util::{Micros, pydantic_utc, query_pairs, uuid4};
use super::{FakeConfig, Role, version};

/// The 403 of a refused grant: its `type`/`param` differ by endpoint and version.
fn refused(message: &str, on_update: bool, cfg: &FakeConfig) -> Reply {
    let message = wrapped("error", message);
    if cfg.since(version::ERRORS_1_110) {
        proxy_error(403, &message, "auth_error", false)
    } else if on_update {
        proxy_error(403, &message, "auth_error", true)
    } else {
        proxy_error(
            403,
            &message,
            "internal_server_error",
            !cfg.since(version::MODERN),
        )
    }
}

/// The 400 of a `null` list field in a key's row (the upsert fails inside the handler's
/// auth-flavoured error path before 1.110).
fn null_field(field: &str, cfg: &FakeConfig) -> Reply {
    let prisma = rows::null_field_message(field);
    if cfg.since(version::ERRORS_1_110) {
        proxy_error(400, &prisma, "invalid_request_error", false)
    } else {
        proxy_error(
            400,
            &format!("Authentication Error, {prisma}"),
            "auth_error",
            true,
        )
    }
}

fn row_of(key: &str, info: &KeyInfo, shape: Shape, cfg: &FakeConfig) -> Value {
    info.permission.as_ref().map_or(Value::Null, |w| {
        rows::render(&row_id(&format!("key:{key}")), w, shape, cfg)
    })
}

/// The key's columns mcpform and the tests read, as `/key/generate` and `/key/update`
/// answer them (`object_permission_id` absent there).
fn written_view(key: &str, info: &KeyInfo, row: Value) -> Value {
    let token = sha256_hex(key);
    json!({
        "key_alias": info.alias,
        "models": [],
        "spend": 0.0,
        "max_budget": null,
        "user_id": (!info.user_id.is_empty()).then_some(info.user_id.as_str()),
        "team_id": info.team_id,
        "metadata": {},
        "object_permission": row,
        "key": key,
        "access_group_ids": [],
        "key_name": format!("sk-...{}", &key[key.len().saturating_sub(4)..]),
        "expires": null,
        "token_id": token,
        "token": token,
        "created_by": "default_user_id",
        "updated_by": "default_user_id",
        "created_at": pydantic_utc(info.created_at),
        "updated_at": pydantic_utc(info.created_at),
    })
}

/// A key in `/key/list?return_full_object=true`: its row in database order, no relations.
fn listed_view(key: &str, info: &KeyInfo, cfg: &FakeConfig) -> Value {
    json!({
        "token": sha256_hex(key),
        "key_name": format!("sk-...{}", &key[key.len().saturating_sub(4)..]),
        "key_alias": info.alias,
        "spend": 0.0,
        "max_budget": null,
        "expires": null,
        "models": [],
        "user_id": (!info.user_id.is_empty()).then_some(info.user_id.as_str()),
        "team_id": info.team_id,
        "metadata": {},
        "created_at": pydantic_utc(info.created_at),
        "object_permission_id": info.permission.as_ref().map(|_| row_id(&format!("key:{key}"))),
        "object_permission": row_of(key, info, Shape::Db, cfg),
        "access_group_ids": [],
        "team_object_permission": null,
    })
}

/// A fresh key in the proxy's format (`sk-` and 22 URL-safe characters).
fn new_key() -> String {
    let hex = uuid4().replace('-', "");
    format!("sk-{}", &hex[..22])
}

/// `POST /key/generate`.
pub(crate) fn generate(
    state: &mut State,
    cfg: &FakeConfig,
    caller: &Caller,
    body: &Value,
) -> Reply {
    if caller.role != Role::ProxyAdmin {
        return proxy_error(
            403,
            "Only proxy admins may generate keys here (the fake's simplification).",
            "auth_error",
            true,
        );
    }
    let team_id = body
        .get("team_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut permission = body
        .get("object_permission")
        .and_then(Value::as_object)
        .map(|sent| rows::on_create(sent, cfg));
    if let Some(row) = &mut permission {
        grants::drop_unknown(row, state, cfg);
        if let Err(message) = grants::check(row, team_id.as_deref(), state, cfg) {
            return refused(&message, false, cfg);
        }
    }
    let key = body
        .get("key")
        .and_then(Value::as_str)
        .map_or_else(new_key, str::to_owned);
    let user_id = body.get("user_id").and_then(Value::as_str).unwrap_or("");
    let role = match state.users.get(user_id).map(String::as_str) {
        Some("proxy_admin") => Role::ProxyAdmin,
        Some("proxy_admin_viewer") => Role::ProxyAdminViewer,
        Some("internal_user_viewer") => Role::InternalUserViewer,
        _ => Role::InternalUser,
    };
    let mut info = KeyInfo::new(user_id, role);
    info.team_id = team_id;
    info.alias = body
        .get("key_alias")
        .and_then(Value::as_str)
        .map(str::to_owned);
    info.permission = permission;
    // Like the real answer: the row is neither echoed nor named (no `object_permission_id`).
    let shown = written_view(&key, &info, Value::Null);
    state.insert_key(&key, info);
    Reply::json(200, shown)
}

/// `POST /key/update {"key": <key or token>, …}`: `object_permission` fields replace the
/// stored ones one by one (a `null` row is a no-op, a `null` list field a 400). The answer
/// shows the row from 1.105 (null on 1.87.5).
pub(crate) fn update(state: &mut State, cfg: &FakeConfig, caller: &Caller, body: &Value) -> Reply {
    if caller.role != Role::ProxyAdmin {
        return proxy_error(
            403,
            "Only proxy admins may update keys here (the fake's simplification).",
            "auth_error",
            true,
        );
    }
    let asked = body.get("key").and_then(Value::as_str).unwrap_or("");
    let Some(key) = state.find_key(asked).map(str::to_owned) else {
        // Not recorded: the real text of an unknown key was not read.
        return proxy_error(
            404,
            &wrapped("error", &format!("Key not found: {asked}")),
            "not_found_error",
            true,
        );
    };
    let mut info = state.keys.get(&key).cloned().expect("found above");
    if let Some(Value::Object(sent)) = body.get("object_permission") {
        let mut sent = sent.clone();
        grants::drop_unknown(&mut sent, state, cfg);
        let team = body
            .get("team_id")
            .and_then(Value::as_str)
            .or(info.team_id.as_deref());
        if let Err(message) = grants::check(&sent, team, state, cfg) {
            return refused(&message, true, cfg);
        }
        if let Some(field) = rows::null_list_field(&sent, cfg) {
            return null_field(field, cfg);
        }
        info.permission = Some(rows::merge(info.permission.as_ref(), &sent, cfg));
    }
    if let Some(alias) = body.get("key_alias").and_then(Value::as_str) {
        info.alias = Some(alias.to_owned());
    }
    if let Some(team) = body.get("team_id").and_then(Value::as_str) {
        info.team_id = Some(team.to_owned());
    }
    let row = if cfg.since(version::MODERN) {
        row_of(&key, &info, Shape::Model, cfg)
    } else {
        Value::Null
    };
    let mut shown = written_view(&key, &info, row);
    if let Value::Object(m) = &mut shown {
        m.insert("key".into(), Value::from(asked));
    }
    state.insert_key(&key, info);
    Reply::json(200, shown)
}

/// A query parameter as FastAPI's `Query(ge=…, le=…)` checks it: the 422 on failure
/// (1.87.5 adds the `input` and `ctx`).
fn bounded(
    query: &[(String, String)],
    name: &str,
    default: u64,
    max: Option<u64>,
    cfg: &FakeConfig,
) -> Result<u64, Reply> {
    let Some((_, raw)) = query.iter().find(|(k, _)| k == name) else {
        return Ok(default);
    };
    let fail = |kind: &str, msg: String, ctx: Value| {
        let mut e = json!({"type": kind, "loc": ["query", name], "msg": msg});
        if !cfg.since(version::MODERN) {
            e["input"] = Value::from(raw.as_str());
            e["ctx"] = ctx;
        }
        Reply::validation(vec![e])
    };
    let Ok(n) = raw.parse::<i64>() else {
        let mut e = json!({"type": "int_parsing", "loc": ["query", name],
                           "msg": "Input should be a valid integer, unable to parse string as an integer"});
        if !cfg.since(version::MODERN) {
            e["input"] = Value::from(raw.as_str());
        }
        return Err(Reply::validation(vec![e]));
    };
    if n < 1 {
        return Err(fail(
            "greater_than_equal",
            "Input should be greater than or equal to 1".into(),
            json!({"ge": 1}),
        ));
    }
    if let Some(max) = max
        && n.unsigned_abs() > max
    {
        return Err(fail(
            "less_than_equal",
            format!("Input should be less than or equal to {max}"),
            json!({"le": max}),
        ));
    }
    Ok(n.unsigned_abs())
}

/// `GET /key/list[?return_full_object=true][&size≤100][&page≥1][&team_id][&user_id][&key_alias]`:
/// one pass over the keys in creation order (O(n) whatever the page).
pub(crate) fn list(state: &State, cfg: &FakeConfig, caller: &Caller, query: Option<&str>) -> Reply {
    let q = query_pairs(query);
    let (size, page) = match (
        bounded(&q, "size", 10, Some(100), cfg),
        bounded(&q, "page", 1, None, cfg),
    ) {
        (Ok(s), Ok(p)) => (s, p),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let param = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let full = param("return_full_object") == Some("true");
    let (team, user, alias) = (param("team_id"), param("user_id"), param("key_alias"));
    let matching: Vec<(&String, &KeyInfo)> = state
        .key_order()
        .iter()
        .filter_map(|k| state.keys.get(k).map(|i| (k, i)))
        .filter(|(_, i)| caller.admin_view() || i.user_id == caller.user_id)
        .filter(|(_, i)| team.is_none_or(|t| i.team_id.as_deref() == Some(t)))
        .filter(|(_, i)| user.is_none_or(|u| i.user_id == u))
        .filter(|(_, i)| alias.is_none_or(|a| i.alias.as_deref() == Some(a)))
        .collect();
    let total = matching.len() as u64;
    let skip = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let keys: Vec<Value> = matching
        .into_iter()
        .skip(skip)
        .take(usize::try_from(size).unwrap_or(100))
        .map(|(k, i)| {
            if full {
                listed_view(k, i, cfg)
            } else {
                Value::from(sha256_hex(k))
            }
        })
        .collect();
    Reply::json(
        200,
        json!({"keys": keys, "total_count": total, "current_page": page, "total_pages": total.div_ceil(size)}),
    )
}

/// `POST /key/delete {"keys": […]}` or `{"key_aliases": […]}`: 404 when none matches.
pub(crate) fn delete(state: &mut State, cfg: &FakeConfig, caller: &Caller, body: &Value) -> Reply {
    if caller.role != Role::ProxyAdmin {
        return proxy_error(
            403,
            "Only proxy admins may delete keys here (the fake's simplification).",
            "auth_error",
            true,
        );
    }
    let list = |field: &str| -> Vec<String> {
        body.get(field)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (asked, aliases) = (list("keys"), list("key_aliases"));
    let mut doomed: Vec<String> = asked
        .iter()
        .filter_map(|k| state.find_key(k).map(str::to_owned))
        .collect();
    doomed.extend(
        state
            .key_order()
            .iter()
            .filter(|k| {
                state
                    .keys
                    .get(*k)
                    .and_then(|i| i.alias.as_ref())
                    .is_some_and(|a| aliases.contains(a))
            })
            .cloned(),
    );
    if doomed.is_empty() {
        return proxy_error(
            404,
            &wrapped("error", "No keys found"),
            "internal_server_error",
            !cfg.since(version::MODERN),
        );
    }
    for k in &doomed {
        state.remove_key(k);
    }
    let shown = if asked.is_empty() { aliases } else { asked };
    Reply::json(200, json!({ "deleted_keys": shown }))
}

/// A key as a test seeds it: `row` is the written `object_permission` (None: no row).
pub(crate) fn seeded(
    team_id: Option<&str>,
    alias: Option<&str>,
    row: Option<Map<String, Value>>,
) -> KeyInfo {
    let mut info = KeyInfo::new("", Role::InternalUser);
    info.team_id = team_id.map(str::to_owned);
    info.alias = alias.map(str::to_owned);
    info.permission = row;
    info.created_at = Micros::now().to_db_precision();
    info
}
