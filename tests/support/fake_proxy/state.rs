//! The fake's database and registry: server rows (with their write-only credential blobs),
//! config-defined servers, virtual keys, teams, toolsets and per-user credentials.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Map, Value};

use super::util::Micros;
use super::{CredentialKind, Role};

/// One `LiteLLM_MCPServerTable` row plus its credentials blob, which no endpoint returns.
#[derive(Clone, Debug)]
pub(crate) struct StoredServer {
    /// Every column in response order (`credentials` is always null here).
    pub(crate) row: Map<String, Value>,
    /// The `credentials` column as stored (secrets included); `None` is SQL NULL.
    pub(crate) blob: Option<Map<String, Value>>,
}

impl StoredServer {
    /// The row's `server_id`.
    pub(crate) fn id(&self) -> &str {
        self.row
            .get("server_id")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// A column as a string, if it is one.
    pub(crate) fn str(&self, column: &str) -> Option<&str> {
        self.row.get(column).and_then(Value::as_str)
    }
}

/// A virtual key the fake accepts.
#[derive(Clone, Debug)]
pub(crate) struct KeyInfo {
    pub(crate) user_id: String,
    pub(crate) role: Role,
    /// The key's team, if any (team-scoped keys may submit servers for review).
    pub(crate) team_id: Option<String>,
    /// `key_alias`.
    pub(crate) alias: Option<String>,
    /// The key's own `object_permission` row, as written (the fields it sets); `None`:
    /// the key has none (`/key/info` shows `object_permission_id: null`).
    pub(crate) permission: Option<Map<String, Value>>,
    /// `created_at`.
    pub(crate) created_at: Micros,
}

impl KeyInfo {
    /// A key of `user_id` (empty: no user) with `role`, no team, alias or row.
    pub(crate) fn new(user_id: &str, role: Role) -> KeyInfo {
        KeyInfo {
            user_id: user_id.to_string(),
            role,
            team_id: None,
            alias: None,
            permission: None,
            created_at: Micros::now().to_db_precision(),
        }
    }
}

/// One `LiteLLM_TeamTable` row, with its permission row.
#[derive(Clone, Debug)]
pub(crate) struct Team {
    pub(crate) team_id: String,
    pub(crate) alias: Option<String>,
    /// The team's `object_permission` row as written; `None`: no row
    /// (`object_permission_id: null`).
    pub(crate) permission: Option<Map<String, Value>>,
    pub(crate) max_budget: Value,
    pub(crate) created_at: Micros,
    pub(crate) updated_at: Micros,
    /// When `/team/update` last ran: the start of 1.87.5's blackout (`FakeConfig::team_cache_gap`).
    pub(crate) last_update: Option<Instant>,
}

/// One `LiteLLM_MCPToolsetTable` row.
#[derive(Clone, Debug)]
pub(crate) struct Toolset {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Value,
    /// `[{server_id, tool_name}]` as stored.
    pub(crate) tools: Vec<Value>,
    pub(crate) created_at: Micros,
    pub(crate) created_by: String,
    pub(crate) updated_at: Micros,
    pub(crate) updated_by: String,
}

/// One `LiteLLM_MCPUserCredentials` row (the secret itself is not kept).
#[derive(Clone, Debug)]
pub(crate) struct StoredCredential {
    pub(crate) user_id: String,
    pub(crate) server_id: String,
    pub(crate) kind: CredentialKind,
    pub(crate) updated_at: Micros,
    pub(crate) connected_at: Option<String>,
}

/// A collision of an incoming `server_name`/`alias` with another row (`McpIdentifierConflict`).
#[derive(Clone, Debug)]
pub(crate) struct Conflict {
    pub(crate) field: &'static str,
    pub(crate) value: String,
    pub(crate) server_id: String,
}

/// Everything the fake remembers.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// DB rows in insertion order (Prisma's `find_first` order for conflicts).
    servers: Vec<StoredServer>,
    /// server_id → position in `servers`.
    by_id: HashMap<String, usize>,
    /// lower-cased server_name/alias → ids of rows owning it, so uniqueness checks stay fast
    /// with 10,000 rows.
    by_identifier: HashMap<String, Vec<String>>,
    /// Config-defined servers, already in registry (list) form.
    pub(crate) config_servers: Vec<Map<String, Value>>,
    pub(crate) keys: HashMap<String, KeyInfo>,
    /// Keys in creation order (`/key/list` pages through it).
    key_order: Vec<String>,
    /// token (SHA-256 of the key) → key, for `/key/info?key=<hash>`.
    by_token: HashMap<String, String>,
    /// team_id → team.
    pub(crate) teams: HashMap<String, Team>,
    /// Team ids in creation order (`/team/list`).
    team_order: Vec<String>,
    /// Toolsets in last-write order: the table has no ORDER BY and the real list showed an
    /// updated row moving to the end.
    pub(crate) toolsets: Vec<Toolset>,
    /// `LiteLLM_UserTable`: user_id → `user_role` as stored (any text).
    pub(crate) users: HashMap<String, String>,
    /// user_id → the user's own `object_permission` row, as written (1.100 and later).
    pub(crate) user_permissions: HashMap<String, Map<String, Value>>,
    /// Credential rows in last-write order (PostgreSQL's heap order for a small table).
    credentials: Vec<StoredCredential>,
    /// How many `GET /v1/mcp/server/{id}` calls were answered (each runs a health check).
    pub(crate) get_by_id_calls: usize,
    /// server_id → when its row was last written (a counter): the list's order before 1.105.
    written: HashMap<String, u64>,
    writes: u64,
}

impl State {
    /// Adds (or replaces) a virtual key.
    pub(crate) fn insert_key(&mut self, key: &str, info: KeyInfo) {
        if self.keys.insert(key.to_string(), info).is_none() {
            self.key_order.push(key.to_string());
            self.by_token
                .insert(super::rows::sha256_hex(key), key.to_string());
        }
    }

    /// Removes a virtual key.
    pub(crate) fn remove_key(&mut self, key: &str) -> Option<KeyInfo> {
        let removed = self.keys.remove(key)?;
        self.key_order.retain(|k| k != key);
        self.by_token.remove(&super::rows::sha256_hex(key));
        Some(removed)
    }

    /// Removes every key for which `doomed` holds, in one pass.
    pub(crate) fn remove_keys_where(&mut self, doomed: impl Fn(&KeyInfo) -> bool) {
        let gone: Vec<String> = self
            .key_order
            .iter()
            .filter(|k| self.keys.get(*k).is_some_and(&doomed))
            .cloned()
            .collect();
        for k in &gone {
            self.keys.remove(k);
            self.by_token.remove(&super::rows::sha256_hex(k));
        }
        let gone: std::collections::HashSet<String> = gone.into_iter().collect();
        self.key_order.retain(|k| !gone.contains(k));
    }

    /// The key a `/key/info?key=` value names: the key itself or its token (hash).
    pub(crate) fn find_key(&self, key_or_token: &str) -> Option<&str> {
        if let Some((k, _)) = self.keys.get_key_value(key_or_token) {
            return Some(k.as_str());
        }
        self.by_token.get(key_or_token).map(String::as_str)
    }

    /// Keys in creation order.
    pub(crate) fn key_order(&self) -> &[String] {
        &self.key_order
    }

    /// Adds a team (the caller checked the id is free).
    pub(crate) fn insert_team(&mut self, team: Team) {
        self.team_order.push(team.team_id.clone());
        self.teams.insert(team.team_id.clone(), team);
    }

    /// Removes a team and every key on it (the real proxies deleted the team's keys).
    pub(crate) fn remove_team(&mut self, team_id: &str) -> Option<Team> {
        let team = self.teams.remove(team_id)?;
        self.team_order.retain(|t| t != team_id);
        self.remove_keys_where(|k| k.team_id.as_deref() == Some(team_id));
        Some(team)
    }

    /// Teams in creation order.
    pub(crate) fn teams_in_order(&self) -> impl Iterator<Item = &Team> {
        self.team_order.iter().filter_map(|t| self.teams.get(t))
    }

    /// The toolset with this id.
    pub(crate) fn toolset(&self, id: &str) -> Option<&Toolset> {
        self.toolsets.iter().find(|t| t.id == id)
    }

    /// All DB rows, in insertion order.
    pub(crate) fn servers(&self) -> &[StoredServer] {
        &self.servers
    }

    /// The DB row with this id.
    pub(crate) fn server(&self, id: &str) -> Option<&StoredServer> {
        self.by_id.get(id).and_then(|i| self.servers.get(*i))
    }

    /// The config server with this id (its registry view).
    pub(crate) fn config_server(&self, id: &str) -> Option<&Map<String, Value>> {
        self.config_servers
            .iter()
            .find(|s| s.get("server_id").and_then(Value::as_str) == Some(id))
    }

    /// Whether a DB row or a config server has this id.
    pub(crate) fn id_taken(&self, id: &str) -> bool {
        self.server(id).is_some() || self.config_server(id).is_some()
    }

    /// When a row was last written (0: never, or a config server).
    pub(crate) fn written(&self, id: &str) -> u64 {
        self.written.get(id).copied().unwrap_or(0)
    }

    fn touch(&mut self, id: &str) {
        self.writes += 1;
        self.written.insert(id.to_string(), self.writes);
    }

    /// Adds a new DB row.
    pub(crate) fn insert(&mut self, server: StoredServer) {
        let id = server.id().to_string();
        self.touch(&id);
        self.index_identifiers(&server);
        self.by_id.insert(id, self.servers.len());
        self.servers.push(server);
    }

    /// Replaces a DB row (same id).
    pub(crate) fn replace(&mut self, server: StoredServer) {
        let Some(&i) = self.by_id.get(server.id()) else {
            return;
        };
        self.touch(server.id());
        let old = std::mem::replace(&mut self.servers[i], server);
        self.unindex_identifiers(&old);
        let new = self.servers[i].clone();
        self.index_identifiers(&new);
    }

    /// Deletes a DB row and, when `purge` (1.90 and later), its per-user credentials.
    pub(crate) fn remove(&mut self, id: &str, purge: bool) -> Option<StoredServer> {
        let i = self.by_id.remove(id)?;
        let removed = self.servers.remove(i);
        self.unindex_identifiers(&removed);
        for (pos, s) in self.servers.iter().enumerate().skip(i) {
            self.by_id.insert(s.id().to_string(), pos);
        }
        if purge {
            self.credentials.retain(|c| c.server_id != id);
        }
        self.written.remove(id);
        Some(removed)
    }

    fn identifiers(server: &StoredServer) -> Vec<String> {
        let mut out: Vec<String> = ["server_name", "alias"]
            .iter()
            .filter_map(|c| server.str(c))
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
            .collect();
        out.dedup();
        out
    }

    fn index_identifiers(&mut self, server: &StoredServer) {
        for ident in Self::identifiers(server) {
            self.by_identifier
                .entry(ident)
                .or_default()
                .push(server.id().to_string());
        }
    }

    fn unindex_identifiers(&mut self, server: &StoredServer) {
        for ident in Self::identifiers(server) {
            if let Some(ids) = self.by_identifier.get_mut(&ident) {
                ids.retain(|id| id != server.id());
            }
        }
    }

    /// `_find_mcp_server_identifier_conflict`: alias first, then server_name, each compared
    /// case-insensitively with the name AND alias of every other row.
    pub(crate) fn identifier_conflict(
        &self,
        server_name: Option<&str>,
        alias: Option<&str>,
        exclude: Option<&str>,
    ) -> Option<Conflict> {
        let candidates = [("alias", alias), ("server_name", server_name)];
        for (field, value) in candidates {
            let Some(value) = value.filter(|v| !v.is_empty()) else {
                continue;
            };
            if let Some(owner) = self.first_owner(&value.to_lowercase(), exclude) {
                return Some(Conflict {
                    field,
                    value: value.to_string(),
                    server_id: owner,
                });
            }
        }
        None
    }

    fn first_owner(&self, ident: &str, exclude: Option<&str>) -> Option<String> {
        self.by_identifier
            .get(ident)?
            .iter()
            .filter(|id| Some(id.as_str()) != exclude)
            .min_by_key(|id| self.by_id.get(id.as_str()).copied().unwrap_or(usize::MAX))
            .cloned()
    }

    /// Upserts a user's credential for a server; the write moves it to the end.
    pub(crate) fn upsert_credential(
        &mut self,
        user_id: &str,
        server_id: &str,
        kind: CredentialKind,
    ) {
        self.delete_credential(user_id, server_id);
        let connected_at = match kind {
            CredentialKind::OAuth2 => Some(super::util::isoformat_utc(Micros::now())),
            CredentialKind::Byok => None,
        };
        self.credentials.push(StoredCredential {
            user_id: user_id.to_string(),
            server_id: server_id.to_string(),
            kind,
            updated_at: Micros::now().to_db_precision(),
            connected_at,
        });
    }

    /// Removes a user's credential for a server, if any.
    pub(crate) fn delete_credential(&mut self, user_id: &str, server_id: &str) {
        self.credentials
            .retain(|c| !(c.user_id == user_id && c.server_id == server_id));
    }

    /// Every user's credential for one server.
    pub(crate) fn credentials_for_server(&self, server_id: &str) -> Vec<&StoredCredential> {
        self.credentials
            .iter()
            .filter(|c| c.server_id == server_id)
            .collect()
    }

    /// Every credential one user stored.
    pub(crate) fn credentials_of_user(&self, user_id: &str) -> Vec<&StoredCredential> {
        self.credentials
            .iter()
            .filter(|c| c.user_id == user_id)
            .collect()
    }

    /// Whether the user has any stored credential row for the server.
    pub(crate) fn has_credential(&self, user_id: &str, server_id: &str) -> bool {
        self.credentials
            .iter()
            .any(|c| c.user_id == user_id && c.server_id == server_id)
    }
}
