//! Test helpers for the access API: seed teams, keys with rows and toolsets directly (no
//! HTTP, no validation, O(1) each, so a benchmark can hold 200 teams and 5,000 keys), and
//! read back what the fake stores and what a key reaches.

use serde_json::{Map, Value};

use super::server::lock;
use super::state::Toolset;
use super::util::{Micros, uuid4};
use super::{FakeProxy, access, keys, rows, teams, toolsets};

fn object(row: Option<Value>) -> Option<Map<String, Value>> {
    row.map(|r| r.as_object().cloned().unwrap_or_default())
}

impl FakeProxy {
    /// Adds a team, or replaces an existing team's row (its keys stay); `row` is its
    /// `object_permission` as written (e.g. `{"mcp_servers": ["s1"]}`), `None` for a team
    /// without a row. Never validated, like the real team writes.
    pub fn seed_team(&self, team_id: &str, row: Option<Value>) {
        let mut state = lock(&self.shared.state);
        match state.teams.get_mut(team_id) {
            Some(team) => team.permission = object(row),
            None => state.insert_team(teams::seeded(team_id, object(row))),
        }
    }

    /// Adds a virtual key (role `internal_user`, no user) on `team_id`, with `row` as its
    /// `object_permission` (`None`: no row). Skips `/key/generate`'s checks: a test can
    /// seed rows the real proxy would refuse.
    pub fn seed_key(&self, key: &str, team_id: Option<&str>, row: Option<Value>) {
        let info = keys::seeded(team_id, None, object(row));
        lock(&self.shared.state).insert_key(key, info);
    }

    /// Adds a toolset as the master key would create it (no name check) and returns its
    /// generated id. `tools` is the `[{"server_id", "tool_name"}]` list.
    pub fn seed_toolset(&self, name: &str, tools: Value) -> String {
        let now = Micros::now().to_db_precision();
        let id = uuid4();
        let toolset = Toolset {
            id: id.clone(),
            name: name.to_owned(),
            description: Value::Null,
            tools: tools.as_array().cloned().unwrap_or_default(),
            created_at: now,
            created_by: "default_user_id".to_owned(),
            updated_at: now,
            updated_by: "default_user_id".to_owned(),
        };
        lock(&self.shared.state).toolsets.push(toolset);
        id
    }

    /// A team's row as `GET /team/info` shows it (database order, id included); `None`
    /// when the team has no row or does not exist.
    pub fn team_row(&self, team_id: &str) -> Option<Value> {
        let state = lock(&self.shared.state);
        let team = state.teams.get(team_id)?;
        let row = teams::team_row(team, rows::Shape::Db, &self.shared.config);
        (!row.is_null()).then_some(row)
    }

    /// A key's row as `/key/list?return_full_object=true` shows it; `None` when the key
    /// has no row or does not exist.
    pub fn key_row(&self, key: &str) -> Option<Value> {
        let state = lock(&self.shared.state);
        let written = state.keys.get(key)?.permission.as_ref()?;
        let id = rows::row_id(&format!("key:{key}"));
        Some(rows::render(
            &id,
            written,
            rows::Shape::Db,
            &self.shared.config,
        ))
    }

    /// Every toolset as `GET /v1/mcp/toolset` answers the master key.
    pub fn toolsets(&self) -> Vec<Value> {
        lock(&self.shared.state)
            .toolsets
            .iter()
            .map(toolsets::view)
            .collect()
    }

    /// The server ids `GET /v1/mcp/server` lists through `key` (a key that is not an
    /// unscoped admin), sorted: the fake's own reading of the access rule, for comparing
    /// with what mcpform computes. Panics on an unknown key.
    pub fn reachable_servers(&self, key: &str) -> Vec<String> {
        let state = lock(&self.shared.state);
        let info = state
            .keys
            .get(key)
            .unwrap_or_else(|| panic!("reachable_servers: unknown key {key}"));
        let reach = access::reach(&state, &self.shared.config, info);
        let registry = access::Registry::of(&state);
        let allow_all = registry.allow_all_ids();
        let mut ids: Vec<String> = registry
            .all_ids()
            .filter(|id| reach.reaches(id, allow_all.iter().any(|a| a == id)))
            .map(str::to_owned)
            .collect();
        ids.sort();
        ids
    }

    /// A toolset's `(server_id, tool name)` pairs as this version matches them against
    /// the servers' tools: before 1.100 a leading `<alias or name or id>-` is stripped,
    /// from 1.100 names are used as written. Panics on an unknown toolset.
    pub fn toolset_tools(&self, toolset_id: &str) -> Vec<(String, String)> {
        let state = lock(&self.shared.state);
        let toolset = state
            .toolset(toolset_id)
            .unwrap_or_else(|| panic!("toolset_tools: unknown toolset {toolset_id}"));
        toolset
            .tools
            .iter()
            .map(|t| {
                let server = t["server_id"].as_str().unwrap_or_default();
                let row = state.server(server).map(|s| &s.row);
                let prefixes: Vec<&str> = ["alias", "server_name", "server_id"]
                    .iter()
                    .filter_map(|k| row.and_then(|r| r.get(*k)).and_then(Value::as_str))
                    .collect();
                let name = t["tool_name"].as_str().unwrap_or_default();
                let bare = access::toolset_tool_name(name, &prefixes, &self.shared.config);
                (server.to_owned(), bare)
            })
            .collect()
    }
}
