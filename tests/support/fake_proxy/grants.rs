//! The write-time check of a key's MCP grants (`validate_key_mcp_servers_against_team`,
//! reference §2.3), run by `/key/generate` and `/key/update` even for the master key.
//! Team writes are never checked. Recorded from the real 1.87.5, 1.108.7 and 1.110.2
//! (`tests/fixtures/litellm-access-*.json`, "key: …"):
//!
//! * from 1.103, identifiers that name no server (id, alias or name) are dropped from
//!   `mcp_servers` and `mcp_tool_permissions` first, `all-team-mcpservers` included;
//!   before, they reach the check as written and fail it;
//! * a team key's servers (`mcp_servers` and the keys of `mcp_tool_permissions`) must be
//!   granted by the team (ids, tagged servers, tool-permission keys) or `allow_all_keys`;
//!   its groups must be the team's; its toolsets the team's when the team lists some;
//! * a teamless key may hold anything from 1.100; before, only `allow_all_keys` servers
//!   and no groups;
//! * `no-mcp-servers` is never refused.
//!
//! The lists in the messages are sorted (the recordings hold one-element lists, or lists
//! already in order: the order itself is the fake's choice).

use serde_json::{Map, Value};

use super::access::Registry;
use super::rows::{strings, tool_permission_servers};
use super::state::State;
use super::util::py_repr;
use super::{FakeConfig, version};

/// Sentinels the check lets through.
const OPT_OUT: &str = "no-mcp-servers";

fn repr(items: &[String]) -> String {
    py_repr(&Value::Array(
        items.iter().map(|s| Value::from(s.as_str())).collect(),
    ))
}

fn sorted(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = items.into_iter().collect();
    v.sort();
    v.dedup();
    v
}

/// From 1.103: the row without identifiers that match no server.
pub(crate) fn drop_unknown(sent: &mut Map<String, Value>, state: &State, cfg: &FakeConfig) {
    if !cfg.since(version::ACCESS_1_103) {
        return;
    }
    let reg = Registry::of(state);
    if let Some(Value::Array(servers)) = sent.get_mut("mcp_servers") {
        servers.retain(|s| {
            s.as_str()
                .is_some_and(|s| s == OPT_OUT || reg.resolve(s).is_some())
        });
    }
    if let Some(Value::Object(perms)) = sent.get_mut("mcp_tool_permissions") {
        perms.retain(|server, _| reg.resolve(server).is_some());
    }
}

/// The check; `Err` is the message the 403 wraps.
pub(crate) fn check(
    sent: &Map<String, Value>,
    team_id: Option<&str>,
    state: &State,
    cfg: &FakeConfig,
) -> Result<(), String> {
    let reg = Registry::of(state);
    let global = reg.allow_all_ids();
    let mut servers: Vec<String> = strings(sent, "mcp_servers")
        .into_iter()
        .chain(tool_permission_servers(sent))
        .filter(|s| *s != OPT_OUT)
        .map(str::to_owned)
        .collect();
    servers.dedup();
    let groups: Vec<String> = strings(sent, "mcp_access_groups")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let Some(team_id) = team_id else {
        if cfg.since(version::ACCESS_1_100) {
            return Ok(());
        }
        let disallowed: Vec<String> = servers
            .iter()
            .filter(|s| !global.contains(s))
            .cloned()
            .collect();
        if !disallowed.is_empty() {
            return Err(format!(
                "Key is not in a team. Only globally available (allow_all_keys) MCP servers can be assigned: {}. Disallowed servers: {}.",
                repr(&global),
                repr(&disallowed)
            ));
        }
        if !groups.is_empty() {
            return Err(format!(
                "Key is not in a team. MCP access groups cannot be assigned to keys outside of a team. Disallowed groups: {}.",
                repr(&groups)
            ));
        }
        return Ok(());
    };
    let empty = Map::new();
    let team_row = state
        .teams
        .get(team_id)
        .and_then(|t| t.permission.as_ref())
        .unwrap_or(&empty);
    let team_groups = strings(team_row, "mcp_access_groups");
    let every = cfg.since(version::ACCESS_1_100)
        && strings(team_row, "mcp_servers").contains(&"all-proxy-mcpservers");
    let allowed: Vec<String> = if every {
        sorted(reg.all_ids().map(str::to_owned))
    } else {
        sorted(
            strings(team_row, "mcp_servers")
                .into_iter()
                .chain(reg.tagged(&team_groups))
                .chain(tool_permission_servers(team_row))
                .map(str::to_owned),
        )
    };
    let disallowed: Vec<String> = servers
        .iter()
        .filter(|s| {
            let id = reg.resolve(s).unwrap_or(s).to_owned();
            !allowed.contains(&id) && !global.contains(&id)
        })
        .cloned()
        .collect();
    if !disallowed.is_empty() {
        return Err(format!(
            "Key requests MCP servers not allowed by team '{team_id}': {}. Team allows: {}. Global (allow_all_keys) servers: {}.",
            repr(&disallowed),
            repr(&allowed),
            repr(&global)
        ));
    }
    let team_groups: Vec<String> = team_groups.into_iter().map(str::to_owned).collect();
    let bad_groups: Vec<String> = groups
        .iter()
        .filter(|g| !team_groups.contains(g))
        .cloned()
        .collect();
    if !bad_groups.is_empty() {
        return Err(format!(
            "Key requests MCP access groups not allowed by team '{team_id}': {}. Team allows: {}.",
            repr(&bad_groups),
            repr(&team_groups)
        ));
    }
    let team_toolsets: Vec<String> = strings(team_row, "mcp_toolsets")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let bad_toolsets: Vec<String> = strings(sent, "mcp_toolsets")
        .into_iter()
        .filter(|t| !team_toolsets.is_empty() && !team_toolsets.iter().any(|x| x == t))
        .map(str::to_owned)
        .collect();
    if !bad_toolsets.is_empty() {
        // Reference §1.4 (the real 1.108.7 and 1.87.5, not recorded here).
        return Err(format!(
            "Key requests MCP toolsets not allowed by team '{team_id}': {}. Team allows: {}",
            repr(&bad_toolsets),
            repr(&team_toolsets)
        ));
    }
    Ok(())
}
