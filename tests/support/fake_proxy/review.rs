//! The submission workflow: `POST /v1/mcp/server/register` (a non-admin, team-scoped key
//! proposes a server; it is stored `pending_review`, left out of the registry and so of
//! the list, yet owns its id, name and alias) and `GET /v1/mcp/server/submissions` (the
//! review queue, for admins and admin viewers).

use serde_json::{Map, Value, json};

use super::fields::Model;
use super::handlers::{Caller, conflict_reply, features, finish, new_row};
use super::reply::Reply;
use super::state::{State, StoredServer};
use super::util::{Micros, pydantic_utc};
use super::validation::{normalize_names, parse_server_body, stamp_oauth2_flow};
use super::views::{self, Audience};
use super::{FakeConfig, Role};

/// `register_mcp_server`, in the proxy's order: body validation, then the caller (not a
/// proxy admin, a team-scoped key), transport, names, then the write.
pub(crate) fn register(
    state: &mut State,
    cfg: &FakeConfig,
    caller: &Caller,
    body: &Value,
) -> Reply {
    let mut p = match parse_server_body(body, Model::NewServer, features(cfg)) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    if caller.role == Role::ProxyAdmin {
        return Reply::detail_error(
            403,
            "PROXY_ADMIN users should use POST /v1/mcp/server to create servers directly instead of the submission workflow.",
        );
    }
    let Some(team_id) = caller.team_id.clone() else {
        return Reply::detail_error(
            400,
            "Registration requires an API key associated with a team. Use a team-scoped key.",
        );
    };
    if p.str("transport") == Some("stdio") {
        return Reply::detail_error(
            400,
            "stdio MCP servers cannot be submitted via the user registration workflow. Ask a proxy admin to add this server via POST /v1/mcp/server or to declare it in config.yaml.",
        );
    }
    if let Err(reply) = normalize_names(&mut p) {
        return reply;
    }
    stamp_oauth2_flow(&mut p);
    let touched_by = if caller.user_id.is_empty() {
        team_id
    } else {
        caller.user_id.clone()
    };
    let mut server = new_row(p, &touched_by);
    let submitted_by = if caller.user_id.is_empty() {
        Value::Null
    } else {
        Value::from(caller.user_id.as_str())
    };
    for (k, v) in [
        ("approval_status", Value::from("pending_review")),
        ("submitted_by", submitted_by),
        (
            "submitted_at",
            Value::from(pydantic_utc(Micros::now().to_db_precision())),
        ),
    ] {
        server.row.insert(k.to_string(), v);
    }
    if let Some(c) = state.identifier_conflict(server.str("server_name"), server.str("alias"), None)
    {
        return conflict_reply(&c);
    }
    // No id check in the handler (unlike POST /v1/mcp/server): the insert fails. Nor is a
    // reserved id (all-proxy-mcpservers) refused: the real 1.108.7 stores it.
    if state.id_taken(server.id()) {
        return Reply::detail_error(
            500,
            "Error registering mcp server: Unique constraint failed on the fields: (`server_id`)",
        );
    }
    let view = finish(
        views::db_view(&server.row, server.blob.as_ref()),
        Audience::FullAdmin,
        cfg,
    );
    state.insert(server);
    Reply::json(201, view)
}

/// `GET /v1/mcp/server/submissions`: every server submitted for review, newest first (at
/// most 500), with counts; sanitised for admin viewers.
pub(crate) fn submissions(state: &State, cfg: &FakeConfig, caller: &Caller) -> Reply {
    if !caller.admin_view() {
        return Reply::detail_error(403, "Admin access required to view MCP server submissions.");
    }
    let mut rows: Vec<(usize, &StoredServer)> = state
        .servers()
        .iter()
        .enumerate()
        .filter(|(_, s)| s.row.get("submitted_at").is_some_and(|v| !v.is_null()))
        .collect();
    let submitted = |row: &Map<String, Value>| {
        row.get("submitted_at")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    rows.sort_by(|a, b| {
        submitted(&b.1.row)
            .cmp(&submitted(&a.1.row))
            .then(b.0.cmp(&a.0))
    });
    rows.truncate(500);
    let count = |status: &str| {
        rows.iter()
            .filter(|(_, s)| s.str("approval_status") == Some(status))
            .count()
    };
    let (pending, active, rejected) = (count("pending_review"), count("active"), count("rejected"));
    let items: Vec<Value> = rows
        .iter()
        .map(|(_, s)| {
            finish(
                views::db_view(&s.row, s.blob.as_ref()),
                caller.audience(cfg),
                cfg,
            )
        })
        .collect();
    Reply::json(
        200,
        json!({"total": items.len(), "pending_review": pending, "active": active, "rejected": rejected, "items": items}),
    )
}

/// `PUT /v1/mcp/server/{id}/approve` and `…/reject`: a proxy admin sets the
/// submission's `approval_status` (`active` loads it into the registry, so the list
/// shows it) and `reviewed_at`. The row keeps `submitted_by` and `submitted_at`, so it
/// stays in the submissions queue.
pub(crate) fn review(
    state: &mut State,
    cfg: &FakeConfig,
    caller: &Caller,
    id: &str,
    approve: bool,
    notes: Option<Value>,
) -> Reply {
    let (verb, status) = if approve {
        ("approve", "active")
    } else {
        ("reject", "rejected")
    };
    if caller.role != Role::ProxyAdmin {
        return Reply::detail_error(
            403,
            format!("Admin access required to {verb} MCP server submissions."),
        );
    }
    let Some(mut server) = state.server(id).cloned() else {
        return Reply::detail_error(404, format!("MCP server '{id}' not found."));
    };
    if server.str("approval_status") == Some(status) {
        let already = if approve { "active" } else { "rejected" };
        return Reply::detail_error(400, format!("MCP server is already {already}."));
    }
    let now = Value::from(pydantic_utc(Micros::now().to_db_precision()));
    server
        .row
        .insert("approval_status".to_string(), Value::from(status));
    server.row.insert("reviewed_at".to_string(), now);
    server.row.insert(
        "updated_by".to_string(),
        Value::from(caller.user_id.as_str()),
    );
    if let Some(n) = notes {
        server.row.insert("review_notes".to_string(), n);
    }
    let view = finish(
        views::db_view(&server.row, server.blob.as_ref()),
        Audience::FullAdmin,
        cfg,
    );
    state.replace(server);
    Reply::json(200, view)
}
