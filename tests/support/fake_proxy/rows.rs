//! `LiteLLM_ObjectPermissionTable` rows as the fake keeps them for keys, teams and users:
//! the columns written (the rest read as their defaults), the per-field merge of the
//! update endpoints, the Prisma errors a `null` list field causes, and the two ways a row
//! is shown: the database's column order without relations (`/team/info`, `/key/list`)
//! and the pydantic model's order with the relation stubs (`/key/info`, `/v2/user/info`,
//! the `/team/update` and `/key/update` answers). Recorded from the real 1.87.5, 1.108.7
//! and 1.110.2 (`tests/fixtures/litellm-access-*.json`).

use serde_json::{Map, Value, json};

use super::FakeConfig;
use super::reply::Reply;
use super::version;

/// The `text[]` columns: never null in the database, so a `null` sent for one fails the
/// upsert (Prisma: "A value is required but not set").
pub(crate) const LIST_COLUMNS: &[&str] = &[
    "mcp_servers",
    "mcp_access_groups",
    "vector_stores",
    "agents",
    "agent_access_groups",
    "models",
    "blocked_tools",
    "mcp_toolsets",
    "search_tools",
    "skills",
];

/// The MCP grant fields of a row.
pub(crate) const MCP_FIELDS: &[&str] = &[
    "mcp_servers",
    "mcp_access_groups",
    "mcp_tool_permissions",
    "mcp_toolsets",
];

/// Columns and their defaults in the pydantic model's order (the order of `/key/info`).
fn model_columns(cfg: &FakeConfig) -> Vec<(&'static str, Value)> {
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
    if cfg.since(version::MODERN) {
        columns.push(("mcp_tool_search_enabled", Value::Null));
        columns.push(("skills", json!([])));
    }
    columns
}

/// Columns in the database's order (the order of `/team/info` and `/key/list`): the real
/// 1.87.5 has no `models`, `mcp_tool_search_enabled` or `skills` column there.
fn db_columns(cfg: &FakeConfig) -> Vec<(&'static str, Value)> {
    let modern = cfg.since(version::MODERN);
    let mut columns = vec![
        ("mcp_servers", json!([])),
        ("mcp_access_groups", json!([])),
        ("mcp_tool_permissions", Value::Null),
        ("vector_stores", json!([])),
        ("agents", json!([])),
        ("agent_access_groups", json!([])),
    ];
    if modern {
        columns.push(("models", json!([])));
    }
    columns.push(("mcp_toolsets", json!([])));
    columns.push(("blocked_tools", json!([])));
    columns.push(("search_tools", json!([])));
    if modern {
        columns.push(("mcp_tool_search_enabled", Value::Null));
        columns.push(("skills", json!([])));
    }
    columns
}

/// Whether this version's request model knows the field (unknown ones are dropped).
fn known(field: &str, cfg: &FakeConfig) -> bool {
    model_columns(cfg).iter().any(|(c, _)| *c == field)
}

/// How a row is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Database order, no relations.
    Db,
    /// Model order, then the relation stubs (all null).
    Model,
}

/// The row with id `id` as `shape` shows it: the written fields over the defaults.
pub(crate) fn render(
    id: &str,
    written: &Map<String, Value>,
    shape: Shape,
    cfg: &FakeConfig,
) -> Value {
    let mut row = Map::new();
    row.insert("object_permission_id".into(), Value::from(id));
    let columns = match shape {
        Shape::Db => db_columns(cfg),
        Shape::Model => model_columns(cfg),
    };
    for (column, default) in columns {
        let value = written.get(column).cloned().unwrap_or(default);
        row.insert(column.into(), value);
    }
    if shape == Shape::Model {
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
    }
    Value::Object(row)
}

/// A stable uuid-shaped id for the row of `owner` (`key:…`, `team:…`, a user id): the
/// real ids are uuid4s nobody compares, and deriving them keeps seeding O(1).
pub(crate) fn row_id(owner: &str) -> String {
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

/// Lower-case hex SHA-256, which is also how the proxy hashes a key into its token.
pub(crate) fn sha256_hex(s: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, s.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `set_object_permission` on create: the known fields of the request, nulls dropped.
pub(crate) fn on_create(sent: &Map<String, Value>, cfg: &FakeConfig) -> Map<String, Value> {
    sent.iter()
        .filter(|(k, v)| !v.is_null() && known(k, cfg))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The first `text[]` field sent as `null`: the upsert's `create` branch fails on it.
pub(crate) fn null_list_field<'a>(
    sent: &'a Map<String, Value>,
    cfg: &FakeConfig,
) -> Option<&'a str> {
    sent.iter()
        .find(|(k, v)| v.is_null() && LIST_COLUMNS.contains(&k.as_str()) && known(k, cfg))
        .map(|(k, _)| k.as_str())
}

/// `{**existing_row_without_nulls, **sent_fields}`: each sent field replaces the stored one
/// whole (a map too), the others stay. Callers refuse a `null` list field first.
pub(crate) fn merge(
    existing: Option<&Map<String, Value>>,
    sent: &Map<String, Value>,
    cfg: &FakeConfig,
) -> Map<String, Value> {
    let mut row = existing.cloned().unwrap_or_default();
    for (k, v) in sent {
        if known(k, cfg) {
            row.insert(k.clone(), v.clone());
        }
    }
    row
}

/// Prisma's error for a `null` list field, as the upsert reports it (twice per branch).
pub(crate) fn null_field_message(field: &str) -> String {
    let inner = format!(
        "Unable to match input value to any allowed input type for the field. Parse errors: [`create.{field}`: A value is required but not set, `create.{field}`: A value is required but not set]"
    );
    format!(
        "Unable to match input value to any allowed input type for the field. Parse errors: [{inner}, {inner}]"
    )
}

/// Prisma's error for `"object_permission": null` on a team update (the column is a
/// relation, not a field of the team).
pub(crate) const NULL_TEAM_ROW_MESSAGE: &str = "Unable to match input value to any allowed input type for the field. Parse errors: [`data.object_permission`: A value is required but not set, `updateOneLiteLLM_TeamTable.data.object_permission`: Field does not exist in enclosing type.]";

/// The `ProxyException` body of the management endpoints: `param` is the string "None"
/// before 1.105 (1.87.5) and where `kind` says so, JSON null otherwise.
pub(crate) fn proxy_error(status: u16, message: &str, kind: &str, param_none: bool) -> Reply {
    let param = if param_none {
        Value::from("None")
    } else {
        Value::Null
    };
    Reply::json(
        status,
        json!({"error": {"message": message, "type": kind, "param": param, "code": status.to_string()}}),
    )
}

/// A string list field of a row (absent or not a list: empty).
pub(crate) fn strings<'a>(row: &'a Map<String, Value>, field: &str) -> Vec<&'a str> {
    row.get(field)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The server ids keyed in `mcp_tool_permissions`.
pub(crate) fn tool_permission_servers(row: &Map<String, Value>) -> Vec<&str> {
    row.get("mcp_tool_permissions")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Whether a row sets any MCP grant (a non-empty list or map).
pub(crate) fn has_mcp_grants(row: &Map<String, Value>) -> bool {
    MCP_FIELDS.iter().any(|f| match row.get(*f) {
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(m)) => !m.is_empty(),
        _ => false,
    })
}
