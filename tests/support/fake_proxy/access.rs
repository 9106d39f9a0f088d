//! Which servers a key reaches, computed from the rows as the real proxies do it
//! (reference `litellm-access-api.md` §4.1), with the fake's own version switches. This
//! is what `GET /v1/mcp/server` lists to a non-admin or scoped admin key and what
//! `GET /v1/mcp/server/{id}` lets it read; recorded through team keys on 1.87.5, 1.108.7
//! and 1.110.2 (`tests/fixtures/litellm-access-*.json`, "access: list through …").
//!
//! 1. a key whose `mcp_servers` holds `no-mcp-servers` reaches nothing, not even
//!    `allow_all_keys` servers;
//! 2. K (the key's row) and T (its team's) are each the union of `mcp_servers`, the
//!    servers tagged with one of `mcp_access_groups`, the keys of `mcp_tool_permissions`
//!    and, from 1.100, the servers of `mcp_toolsets`; a team's `all-proxy-mcpservers`
//!    means every server from 1.100 (a literal id before);
//! 3. an empty level does not restrict: T empty → K, K empty → T, both → K ∩ T (both
//!    empty: nothing);
//! 4. a user's own MCP grants cap the result (from 1.100);
//! 5. plus every `allow_all_keys` server.
//!
//! From 1.100 a team toolset that resolves to nothing (unknown id, or no tools) makes
//! the team grant nothing, not "no restriction" (reference §1.3: the real 1.108.7 denied,
//! not recorded here). On 1.87.5 a `/team/update` leaves the team granting nothing for
//! up to 60 s, which [`super::FakeConfig::team_cache_gap`] imitates when set.

use std::collections::HashSet;

use mcpform::model::support::Behaviour;
use serde_json::{Map, Value};

use super::rows::{self, strings, tool_permission_servers};
use super::state::{KeyInfo, State};
use super::{FakeConfig, version};

/// What a key may list and read.
#[derive(Clone, Debug, Default)]
pub(crate) struct Reach {
    /// Every server (a team's `all-proxy-mcpservers`, or an unscoped admin).
    pub(crate) all: bool,
    /// The server ids granted (raw ids as written, names resolved to ids).
    pub(crate) servers: HashSet<String>,
    /// `no-mcp-servers`: nothing at all, `allow_all_keys` servers included.
    pub(crate) opted_out: bool,
}

impl Reach {
    /// Whether the key reaches a server (`allow_all`: the server's `allow_all_keys`).
    pub(crate) fn reaches(&self, server_id: &str, allow_all: bool) -> bool {
        !self.opted_out && (self.all || allow_all || self.servers.contains(server_id))
    }
}

/// The registry as the access rule reads it: ids, names and tags of listed servers.
pub(crate) struct Registry {
    servers: Vec<Entry>,
}

struct Entry {
    id: String,
    names: Vec<String>,
    groups: Vec<String>,
    allow_all: bool,
}

impl Registry {
    /// The servers the list could show (DB rows in the registry and config servers).
    pub(crate) fn of(state: &State) -> Registry {
        let views = state
            .servers()
            .iter()
            .filter(|s| super::handlers::in_registry(&s.row))
            .map(|s| &s.row)
            .chain(state.config_servers.iter());
        let servers = views
            .map(|v| {
                let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
                Entry {
                    id: text("server_id").unwrap_or_default(),
                    names: ["alias", "server_name"]
                        .iter()
                        .filter_map(|k| text(k))
                        .collect(),
                    groups: rows::strings(v, "mcp_access_groups")
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                    allow_all: v.get("allow_all_keys") == Some(&Value::Bool(true)),
                }
            })
            .collect();
        Registry { servers }
    }

    /// The id an identifier names: an id, else an alias or server name; `None`: no server.
    pub(crate) fn resolve(&self, ident: &str) -> Option<&str> {
        self.servers
            .iter()
            .find(|e| e.id == ident)
            .or_else(|| {
                self.servers
                    .iter()
                    .find(|e| e.names.iter().any(|n| n == ident))
            })
            .map(|e| e.id.as_str())
    }

    /// Ids of the servers tagged with one of `groups`.
    pub(crate) fn tagged<'a>(&'a self, groups: &'a [&str]) -> impl Iterator<Item = &'a str> {
        self.servers
            .iter()
            .filter(|e| e.groups.iter().any(|g| groups.contains(&g.as_str())))
            .map(|e| e.id.as_str())
    }

    /// Ids of the `allow_all_keys` servers, sorted.
    pub(crate) fn allow_all_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .servers
            .iter()
            .filter(|e| e.allow_all)
            .map(|e| e.id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Every id.
    pub(crate) fn all_ids(&self) -> impl Iterator<Item = &str> {
        self.servers.iter().map(|e| e.id.as_str())
    }
}

/// One level's grant (a key's, a team's or a user's row).
#[derive(Default)]
struct Level {
    all: bool,
    servers: HashSet<String>,
    /// A team toolset that resolves to nothing (from 1.100): the team grants nothing.
    denied: bool,
}

impl Level {
    fn restricts(&self) -> bool {
        self.all || self.denied || !self.servers.is_empty()
    }
}

/// The servers one row grants.
fn level(
    row: &Map<String, Value>,
    team: bool,
    reg: &Registry,
    state: &State,
    cfg: &FakeConfig,
) -> Level {
    let modern = cfg.since(version::ACCESS_1_100);
    let mut out = Level::default();
    let add = |ident: &str, out: &mut Level| {
        let id = reg.resolve(ident).unwrap_or(ident);
        out.servers.insert(id.to_owned());
    };
    for s in strings(row, "mcp_servers") {
        if team && modern && s == "all-proxy-mcpservers" {
            out.all = true;
        } else {
            add(s, &mut out);
        }
    }
    let groups = strings(row, "mcp_access_groups");
    for id in reg.tagged(&groups) {
        out.servers.insert(id.to_owned());
    }
    for s in tool_permission_servers(row) {
        add(s, &mut out);
    }
    if modern {
        for ts in strings(row, "mcp_toolsets") {
            let tools = state.toolset(ts).map(|t| t.tools.as_slice()).unwrap_or(&[]);
            if tools.is_empty() && team {
                out.denied = true;
            }
            for tool in tools {
                if let Some(s) = tool.get("server_id").and_then(Value::as_str) {
                    add(s, &mut out);
                }
            }
        }
    }
    out
}

/// The team's row as the MCP auth reads it: none while 1.87.5's cache blackout lasts.
fn team_row<'a>(
    state: &'a State,
    cfg: &FakeConfig,
    team_id: Option<&str>,
) -> Option<&'a Map<String, Value>> {
    let team = state.teams.get(team_id?)?;
    if let (Some(gap), Some(at)) = (cfg.team_cache_gap, team.last_update)
        && at.elapsed() < gap
    {
        return None;
    }
    team.permission.as_ref()
}

/// What a key (not an unscoped admin) reaches.
pub(crate) fn reach(state: &State, cfg: &FakeConfig, info: &KeyInfo) -> Reach {
    let empty = Map::new();
    let key_row = info.permission.as_ref().unwrap_or(&empty);
    if strings(key_row, "mcp_servers").contains(&"no-mcp-servers") {
        return Reach {
            opted_out: true,
            ..Reach::default()
        };
    }
    let reg = Registry::of(state);
    let k = level(key_row, false, &reg, state, cfg);
    let t = team_row(state, cfg, info.team_id.as_deref())
        .map(|row| level(row, true, &reg, state, cfg))
        .unwrap_or_default();
    let mut reach = if t.denied {
        Reach::default()
    } else if !t.restricts() {
        Reach {
            all: k.all,
            servers: k.servers,
            opted_out: false,
        }
    } else if !k.restricts() {
        Reach {
            all: t.all,
            servers: t.servers,
            opted_out: false,
        }
    } else if t.all {
        Reach {
            all: false,
            servers: k.servers,
            opted_out: false,
        }
    } else {
        Reach {
            all: false,
            servers: k.servers.intersection(&t.servers).cloned().collect(),
            opted_out: false,
        }
    };
    if cfg.has(Behaviour::UserMcpCeiling)
        && let Some(user_row) = state.user_permissions.get(&info.user_id)
        && rows::has_mcp_grants(user_row)
    {
        let u = level(user_row, false, &reg, state, cfg);
        if reach.all {
            reach.all = false;
            reach.servers = u.servers;
        } else {
            reach.servers.retain(|s| u.servers.contains(s));
        }
    }
    reach
}

/// The toolset ids a non-admin key may read: its own row's, else (from 1.100) its team's.
pub(crate) fn granted_toolsets(state: &State, cfg: &FakeConfig, info: &KeyInfo) -> Vec<String> {
    let own: Vec<String> = info
        .permission
        .as_ref()
        .map(|r| {
            strings(r, "mcp_toolsets")
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if !own.is_empty() || !cfg.since(version::ACCESS_1_100) {
        return own;
    }
    info.team_id
        .as_deref()
        .and_then(|t| state.teams.get(t))
        .and_then(|t| t.permission.as_ref())
        .map(|r| {
            strings(r, "mcp_toolsets")
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A toolset entry's tool name as this version matches it against the server's tools:
/// before 1.100 a `<server prefix>-` is stripped (`split_server_prefix_from_name`), from
/// 1.100 names are used as written.
pub(crate) fn toolset_tool_name(
    tool_name: &str,
    server_prefixes: &[&str],
    cfg: &FakeConfig,
) -> String {
    if cfg.since(version::ACCESS_1_100) {
        return tool_name.to_owned();
    }
    server_prefixes
        .iter()
        .filter(|p| !p.is_empty())
        .find_map(|p| tool_name.strip_prefix(&format!("{p}-")))
        .unwrap_or(tool_name)
        .to_owned()
}
