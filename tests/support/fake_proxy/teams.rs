//! Teams and their permission rows: `/team/new`, `/team/info`, `/team/list`,
//! `/team/update` (the per-field merge, the 500s of a `null`) and `/team/delete` (which
//! takes the team's keys with it). Team grants are never validated: unknown ids are stored
//! verbatim. Recorded from the real 1.87.5, 1.108.7 and 1.110.2
//! (`tests/fixtures/litellm-access-*.json`, "team: …"); `/team/delete` and the duplicate
//! id were read on 1.87.5 and 1.108.7 by hand.

use std::time::Instant;

use serde_json::{Map, Value, json};

use super::handlers::Caller;
use super::reply::Reply;
use super::rows::{self, Shape, proxy_error, row_id};
use super::state::{State, Team};
use super::util::{Micros, py_repr, pydantic_utc, uuid4};
use super::{FakeConfig, Role, version};

/// The `{'error': …}` text the team and key endpoints wrap in their `ProxyException`.
pub(crate) fn wrapped(key: &str, message: &str) -> String {
    py_repr(&json!({ key: message }))
}

/// `param` is the string "None" on 1.87.5, JSON null from 1.105 (this kind of error).
fn param_none(cfg: &FakeConfig) -> bool {
    !cfg.since(version::MODERN)
}

/// The row id of a team.
fn team_row_id(team_id: &str) -> String {
    row_id(&format!("team:{team_id}"))
}

/// The team's columns mcpform and the tests read, in the proxy's order; `row` is what
/// `object_permission` shows (null except in `/team/info` and the update's answer).
pub(crate) fn team_view(t: &Team, row: Value) -> Value {
    json!({
        "team_alias": t.alias,
        "team_id": t.team_id,
        "organization_id": null,
        "admins": [],
        "members": [],
        "members_with_roles": [{"user_id": "default_user_id", "user_email": null, "role": "admin"}],
        "metadata": {},
        "max_budget": t.max_budget,
        "models": [],
        "blocked": false,
        "access_group_ids": [],
        "spend": 0.0,
        "object_permission": row,
        "object_permission_id": t.permission.as_ref().map(|_| team_row_id(&t.team_id)),
        "updated_at": pydantic_utc(t.updated_at),
        "created_at": pydantic_utc(t.created_at),
    })
}

/// A team's row rendered with `shape` (null when the team has none).
pub(crate) fn team_row(t: &Team, shape: Shape, cfg: &FakeConfig) -> Value {
    t.permission.as_ref().map_or(Value::Null, |w| {
        rows::render(&team_row_id(&t.team_id), w, shape, cfg)
    })
}

fn admin_only(caller: &Caller) -> Option<Reply> {
    (caller.role != Role::ProxyAdmin).then(|| {
        Reply::json(
            403,
            json!({"error": {"message": "Only proxy admins may manage teams here (the fake's simplification).",
                             "type": "auth_error", "param": "None", "code": "403"}}),
        )
    })
}

/// `POST /team/new`: a team, and its own row when `object_permission` is sent (nulls
/// dropped). The master key's first team also creates its `default_user_id` user row.
pub(crate) fn create(state: &mut State, cfg: &FakeConfig, caller: &Caller, body: &Value) -> Reply {
    if let Some(reply) = admin_only(caller) {
        return reply;
    }
    let team_id = body
        .get("team_id")
        .and_then(Value::as_str)
        .map_or_else(uuid4, str::to_owned);
    if state.teams.contains_key(&team_id) {
        let message = wrapped(
            "error",
            &format!("Team id = {team_id} already exists. Please use a different team id."),
        );
        return proxy_error(400, &message, "internal_server_error", param_none(cfg));
    }
    let permission = body
        .get("object_permission")
        .and_then(Value::as_object)
        .map(|sent| rows::on_create(sent, cfg));
    let now = Micros::now().to_db_precision();
    let team = Team {
        team_id: team_id.clone(),
        alias: body
            .get("team_alias")
            .and_then(Value::as_str)
            .map(str::to_owned),
        permission,
        max_budget: body.get("max_budget").cloned().unwrap_or(Value::Null),
        created_at: now,
        updated_at: now,
        last_update: None,
    };
    let shown = team_view(&team, Value::Null);
    state.insert_team(team);
    if caller.key.is_none() {
        state
            .users
            .entry(caller.user_id.clone())
            .or_insert_with(|| "internal_user".to_owned());
    }
    Reply::json(200, shown)
}

/// `GET /team/info?team_id=`: the team with its row (database order, no relations).
pub(crate) fn info(
    state: &State,
    cfg: &FakeConfig,
    caller: &Caller,
    team_id: Option<&str>,
) -> Reply {
    let Some(team_id) = team_id else {
        let message = wrapped("message", "Malformed request. No team id passed in.");
        return proxy_error(422, &message, "auth_error", true);
    };
    let member = caller.team_id.as_deref() == Some(team_id);
    let Some(team) = state
        .teams
        .get(team_id)
        .filter(|_| caller.admin_view() || member)
    else {
        let message = wrapped(
            "message",
            &format!("Team not found, passed team id: {team_id}."),
        );
        return if cfg.since(version::ERRORS_1_110) {
            proxy_error(404, &message, "invalid_request_error", false)
        } else {
            proxy_error(404, &message, "auth_error", true)
        };
    };
    let keys: Vec<Value> = state
        .key_order()
        .iter()
        .filter(|k| state.keys.get(*k).and_then(|i| i.team_id.as_deref()) == Some(team_id))
        .map(|k| json!({"token": rows::sha256_hex(k)}))
        .collect();
    Reply::json(
        200,
        json!({
            "team_id": team_id,
            "team_info": team_view(team, team_row(team, Shape::Db, cfg)),
            "keys": keys,
            "team_memberships": [],
        }),
    )
}

/// `GET /team/list`: every team, `object_permission` always null.
pub(crate) fn list(state: &State, caller: &Caller) -> Reply {
    if let Some(reply) = admin_only(caller) {
        return reply;
    }
    let teams: Vec<Value> = state
        .teams_in_order()
        .map(|t| team_view(t, Value::Null))
        .collect();
    Reply::json(200, Value::Array(teams))
}

/// `POST /team/update`: `object_permission` fields replace the stored ones one by one; a
/// `null` list field or a `null` row is a 500 that changes nothing. The answer shows the
/// row from 1.105 (null on 1.87.5). Any update starts 1.87.5's cache blackout.
pub(crate) fn update(state: &mut State, cfg: &FakeConfig, caller: &Caller, body: &Value) -> Reply {
    if let Some(reply) = admin_only(caller) {
        return reply;
    }
    let team_id = body.get("team_id").and_then(Value::as_str).unwrap_or("");
    let Some(team) = state.teams.get(team_id) else {
        let message = wrapped(
            "error",
            &format!("Team not found, passed team_id={team_id}"),
        );
        return if cfg.since(version::ERRORS_1_110) {
            proxy_error(404, &message, "invalid_request_error", false)
        } else {
            proxy_error(404, &message, "internal_server_error", param_none(cfg))
        };
    };
    let mut team = team.clone();
    match body.get("object_permission") {
        Some(Value::Null) => {
            return proxy_error(
                500,
                rows::NULL_TEAM_ROW_MESSAGE,
                "internal_server_error",
                param_none(cfg),
            );
        }
        Some(Value::Object(sent)) => {
            if let Some(field) = rows::null_list_field(sent, cfg) {
                let message = rows::null_field_message(field);
                return proxy_error(500, &message, "internal_server_error", param_none(cfg));
            }
            team.permission = Some(rows::merge(team.permission.as_ref(), sent, cfg));
        }
        _ => {}
    }
    if let Some(alias) = body.get("team_alias").and_then(Value::as_str) {
        team.alias = Some(alias.to_owned());
    }
    if let Some(budget) = body.get("max_budget") {
        team.max_budget = budget.clone();
    }
    team.updated_at = Micros::now().to_db_precision();
    team.last_update = Some(Instant::now());
    let row = if cfg.since(version::MODERN) {
        team_row(&team, Shape::Model, cfg)
    } else {
        Value::Null
    };
    let shown = team_view(&team, row);
    state.teams.insert(team_id.to_owned(), team);
    Reply::json(200, json!({"team_id": team_id, "data": shown}))
}

/// `POST /team/delete {"team_ids": […]}`: every id must exist; the teams' keys go too.
pub(crate) fn delete(state: &mut State, caller: &Caller, body: &Value) -> Reply {
    if let Some(reply) = admin_only(caller) {
        return reply;
    }
    let ids: Vec<String> = body
        .get("team_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(missing) = ids.iter().find(|t| !state.teams.contains_key(*t)) {
        return Reply::detail_error(404, format!("Team not found, passed team_id={missing}"));
    }
    for t in &ids {
        state.remove_team(t);
    }
    Reply::json(200, json!({ "deleted_teams": ids }))
}

/// A team as a test seeds it (no validation, no HTTP): `row` is the written
/// `object_permission` (None: no row).
pub(crate) fn seeded(team_id: &str, row: Option<Map<String, Value>>) -> Team {
    let now = Micros::now().to_db_precision();
    Team {
        team_id: team_id.to_owned(),
        alias: None,
        permission: row,
        max_budget: Value::Null,
        created_at: now,
        updated_at: now,
        last_update: None,
    }
}
