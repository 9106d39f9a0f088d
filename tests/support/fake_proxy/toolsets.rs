//! `/v1/mcp/toolset` (from 1.85.0): create (201, the id is the proxy's, 409 on a taken
//! name, compared case-sensitively), list (no order, no paging: last-written last here),
//! get by id, a partial PUT with the id in the body (`tools` replaced whole; a `null`
//! description clears it from 1.103 and is ignored before; an unknown id is a 500, the
//! proxy building its answer from Prisma's `None`), and DELETE (202, empty body; an unknown
//! id is the same 500; no reference check). Recorded from the real 1.87.5, 1.108.7 and
//! 1.110.2 (`tests/fixtures/litellm-access-*.json`, "toolset: …").

use serde_json::{Map, Value, json};

use super::access;
use super::handlers::Caller;
use super::reply::{Reply, body_error};
use super::state::{State, Toolset};
use super::util::{Micros, pydantic_utc, uuid4};
use super::{FakeConfig, Role, version};

/// A toolset as every endpoint answers it.
pub(crate) fn view(t: &Toolset) -> Value {
    json!({
        "toolset_id": t.id,
        "toolset_name": t.name,
        "description": t.description,
        "tools": t.tools,
        "created_at": pydantic_utc(t.created_at),
        "created_by": t.created_by,
        "updated_at": pydantic_utc(t.updated_at),
        "updated_by": t.updated_by,
    })
}

/// `tools`: a list of `{server_id, tool_name}` (both strings, required; other keys dropped).
fn parse_tools(v: &Value) -> Result<Vec<Value>, Reply> {
    let Value::Array(items) = v else {
        return Err(Reply::validation(vec![body_error(
            "list_type",
            &[Value::from("tools")],
            "Input should be a valid list",
        )]));
    };
    let mut errors = Vec::new();
    let mut tools = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut tool = Map::new();
        for field in ["server_id", "tool_name"] {
            let loc = [Value::from("tools"), Value::from(i), Value::from(field)];
            match item.get(field) {
                None => errors.push(body_error("missing", &loc, "Field required")),
                Some(Value::String(s)) => {
                    tool.insert(field.to_string(), Value::from(s.as_str()));
                }
                Some(_) => errors.push(body_error(
                    "string_type",
                    &loc,
                    "Input should be a valid string",
                )),
            }
        }
        tools.push(Value::Object(tool));
    }
    if errors.is_empty() {
        Ok(tools)
    } else {
        Err(Reply::validation(errors))
    }
}

/// A string field of the request: absent, null or a string (else a 422).
fn optional_str(body: &Value, field: &str) -> Result<Option<Value>, Reply> {
    match body.get(field) {
        None => Ok(None),
        Some(v @ (Value::Null | Value::String(_))) => Ok(Some(v.clone())),
        Some(_) => Err(Reply::validation(vec![body_error(
            "string_type",
            &[Value::from(field)],
            "Input should be a valid string",
        )])),
    }
}

fn name_taken(state: &State, name: &str, except: Option<&str>) -> Option<Reply> {
    state
        .toolsets
        .iter()
        .any(|t| t.name == name && Some(t.id.as_str()) != except)
        .then(|| Reply::detail_error(409, format!("A toolset named '{name}' already exists.")))
}

/// `POST /v1/mcp/toolset` → 201.
pub(crate) fn create(state: &mut State, caller: &Caller, body: &Value) -> Reply {
    let name = match body.get("toolset_name") {
        None => {
            return Reply::validation(vec![body_error(
                "missing",
                &[Value::from("toolset_name")],
                "Field required",
            )]);
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Reply::validation(vec![body_error(
                "string_type",
                &[Value::from("toolset_name")],
                "Input should be a valid string",
            )]);
        }
    };
    let description = match optional_str(body, "description") {
        Ok(d) => d.unwrap_or(Value::Null),
        Err(reply) => return reply,
    };
    let tools = match body.get("tools") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => match parse_tools(v) {
            Ok(t) => t,
            Err(reply) => return reply,
        },
    };
    if caller.role != Role::ProxyAdmin {
        return Reply::detail_error(403, "Only proxy admins can create MCP toolsets.");
    }
    if let Some(reply) = name_taken(state, &name, None) {
        return reply;
    }
    let now = Micros::now().to_db_precision();
    let toolset = Toolset {
        // A `toolset_id` in the body is ignored: the proxy always generates one.
        id: uuid4(),
        name,
        description,
        tools,
        created_at: now,
        created_by: caller.user_id.clone(),
        updated_at: now,
        updated_by: caller.user_id.clone(),
    };
    let shown = view(&toolset);
    state.toolsets.push(toolset);
    Reply::json(201, shown)
}

/// The toolset ids a caller may read; `None`: all of them (an admin view whose own row
/// lists no toolset).
fn readable(state: &State, cfg: &FakeConfig, caller: &Caller) -> Option<Vec<String>> {
    let info = caller.key.as_deref().and_then(|k| state.keys.get(k));
    if caller.admin_view() {
        let own: Vec<String> = info
            .and_then(|i| i.permission.as_ref())
            .map(|r| {
                super::rows::strings(r, "mcp_toolsets")
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        return (!own.is_empty()).then_some(own);
    }
    Some(info.map_or_else(Vec::new, |i| access::granted_toolsets(state, cfg, i)))
}

/// `GET /v1/mcp/toolset`.
pub(crate) fn list(state: &State, cfg: &FakeConfig, caller: &Caller) -> Reply {
    let allowed = readable(state, cfg, caller);
    let items: Vec<Value> = state
        .toolsets
        .iter()
        .filter(|t| allowed.as_ref().is_none_or(|ids| ids.contains(&t.id)))
        .map(view)
        .collect();
    Reply::json(200, Value::Array(items))
}

/// `GET /v1/mcp/toolset/{id}`.
pub(crate) fn get(state: &State, cfg: &FakeConfig, caller: &Caller, id: &str) -> Reply {
    if let Some(ids) = readable(state, cfg, caller).filter(|_| !caller.admin_view())
        && !ids.iter().any(|i| i == id)
    {
        return Reply::detail_error(403, "API key does not have access to this toolset.");
    }
    match state.toolset(id) {
        Some(t) => Reply::json(200, view(t)),
        None => Reply::detail_error(404, format!("Toolset '{id}' not found.")),
    }
}

/// `PUT /v1/mcp/toolset` (the id in the body) → 200 with the row.
pub(crate) fn update(state: &mut State, cfg: &FakeConfig, caller: &Caller, body: &Value) -> Reply {
    let id = match body.get("toolset_id") {
        Some(Value::String(s)) => s.clone(),
        None => {
            return Reply::validation(vec![body_error(
                "missing",
                &[Value::from("toolset_id")],
                "Field required",
            )]);
        }
        Some(_) => {
            return Reply::validation(vec![body_error(
                "string_type",
                &[Value::from("toolset_id")],
                "Input should be a valid string",
            )]);
        }
    };
    let (name, description) = match (
        optional_str(body, "toolset_name"),
        optional_str(body, "description"),
    ) {
        (Ok(n), Ok(d)) => (n, d),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let tools = match body.get("tools") {
        None | Some(Value::Null) => None,
        Some(v) => match parse_tools(v) {
            Ok(t) => Some(t),
            Err(reply) => return reply,
        },
    };
    if caller.role != Role::ProxyAdmin {
        return Reply::detail_error(403, "Only proxy admins can update MCP toolsets.");
    }
    let new_name = name.as_ref().and_then(Value::as_str).map(str::to_owned);
    if let Some(n) = &new_name
        && let Some(reply) = name_taken(state, n, Some(&id))
    {
        return reply;
    }
    let Some(pos) = state.toolsets.iter().position(|t| t.id == id) else {
        return Reply::internal_error();
    };
    let mut t = state.toolsets.remove(pos);
    if let Some(n) = new_name {
        t.name = n;
    }
    match description {
        Some(Value::Null) if cfg.since(version::ACCESS_1_103) => t.description = Value::Null,
        Some(d @ Value::String(_)) => t.description = d,
        _ => {}
    }
    if let Some(tools) = tools {
        t.tools = tools;
    }
    t.updated_at = Micros::now().to_db_precision();
    t.updated_by = caller.user_id.clone();
    let shown = view(&t);
    // The written row moves to the end of the table's unordered scan.
    state.toolsets.push(t);
    Reply::json(200, shown)
}

/// `DELETE /v1/mcp/toolset/{id}` → 202 without a body.
pub(crate) fn delete(state: &mut State, caller: &Caller, id: &str) -> Reply {
    if caller.role != Role::ProxyAdmin {
        return Reply::detail_error(403, "Only proxy admins can delete MCP toolsets.");
    }
    let before = state.toolsets.len();
    state.toolsets.retain(|t| t.id != id);
    if state.toolsets.len() == before {
        return Reply::internal_error();
    }
    Reply::empty(202)
}
