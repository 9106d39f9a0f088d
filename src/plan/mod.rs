//! plan: desired × live × credential facts → [`Plan`]. A pure function: no I/O, no
//! clock, no environment. Everything it needs is gathered first (the live list, the
//! credential counts of the servers whose change needs one) and passed in.
//!
//! Run it once with empty facts to learn which counts are needed
//! ([`Plan::credential_checks`]), fetch them, then run it again.

mod body;
mod compare;
mod matching;

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::live::{CredentialCount, CredentialFacts, Facts, LiveServer, LiveState};
use crate::model::Origin;
use crate::resolve::ResolvedServer;

/// Options of a plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Delete owned servers that no file declares.
    pub prune: bool,
}

/// What to do to one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// `POST /v1/mcp/server`.
    Create,
    /// `PUT /v1/mcp/server`.
    Update,
    /// `DELETE /v1/mcp/server/{id}`.
    Delete,
}

/// A value as a plan may show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Shown {
    /// Not set.
    Absent,
    /// Shown as is.
    Value(Value),
    /// Hidden: a secret, or a field that can hold one.
    Sensitive,
}

/// One field's change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field (`description`, `credentials`, `lifecycle.prevent_destroy`).
    pub field: String,
    /// The live value.
    pub old: Shown,
    /// The value that will be sent.
    pub new: Shown,
    /// For hidden maps: which keys are added, removed or changed (names only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys: Option<KeyChanges>,
}

/// Names of the keys of a hidden map that change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KeyChanges {
    /// New keys.
    pub added: Vec<String>,
    /// Keys that go away.
    pub removed: Vec<String>,
    /// Keys whose value changes.
    pub changed: Vec<String>,
}

/// Why a change touches users' stored keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardReason {
    /// `is_byok` goes from true to false: stored keys stay but are no longer used.
    ByokDisabled,
    /// The transport becomes `stdio`: BYOK no longer works.
    TransportStdio,
    /// The server is deleted: the proxy deletes its users' stored keys.
    ServerDeleted,
}

/// The credential check of a change that strands users' keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guard {
    /// What the change does to stored keys.
    pub reason: GuardReason,
    /// How many users hold stored BYOK keys.
    #[serde(serialize_with = "serialize_count")]
    pub count: CredentialCount,
    /// `lifecycle.allow_byok_disable: true` in the file.
    pub allowed: bool,
}

impl Guard {
    /// Whether apply must skip the change: keys are (or may be) stranded and the file
    /// does not allow it.
    pub fn blocks(&self) -> bool {
        !self.allowed && !matches!(self.count, CredentialCount::Known(0))
    }
}

fn serialize_count<S: serde::Serializer>(count: &CredentialCount, s: S) -> Result<S::Ok, S::Error> {
    match count {
        CredentialCount::Known(n) => s.serialize_u64(*n as u64),
        CredentialCount::Unsupported => s.serialize_str("unknown"),
        CredentialCount::NotChecked => s.serialize_str("not_checked"),
    }
}

/// One planned change to one server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// Create, update or delete.
    pub action: ActionKind,
    /// `server_name`.
    pub server_name: String,
    /// The id on the proxy (for creates: the id that will be sent).
    pub server_id: String,
    /// Where the server is declared (not for deletes).
    #[serde(skip)]
    pub origin: Option<Origin>,
    /// Changed fields (for creates: every field sent).
    pub changes: Vec<FieldChange>,
    /// Set when the change strands users' stored keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guard: Option<Guard>,
    /// Remarks (adoption, OAuth tokens purged, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The body apply will send, with `${env:…}` references unresolved (no secrets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Map<String, Value>>,
    /// Whether `credentials` are part of the body.
    pub sends_credentials: bool,
    /// Fingerprint of the env-derived values in the body, for apply to check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets_fingerprint: Option<String>,
    /// Fingerprint of the live object this was planned against (updates, deletes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_fingerprint: Option<String>,
}

impl Action {
    /// Whether apply will skip it.
    pub fn is_blocked(&self) -> bool {
        self.guard.as_ref().is_some_and(Guard::blocks)
    }
}

/// Why a live server is left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmanagedReason {
    /// Made elsewhere (dashboard, curl) and not declared.
    NotOwned,
    /// Defined in the proxy's config.yaml (read-only).
    Config,
    /// Made by mcpform, no longer declared; `--prune` would delete it.
    OwnedNotDeclared,
    /// Made by mcpform, not declared, but recorded `prevent_destroy`.
    Protected,
}

/// A live server no file declares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmanaged {
    /// Its id.
    pub server_id: String,
    /// Its name, if it has one.
    pub server_name: Option<String>,
    /// Why it is not touched.
    pub reason: UnmanagedReason,
}

/// A warning or error about the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// The server it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// What.
    pub message: String,
    /// Where the server is declared.
    #[serde(skip)]
    pub origin: Option<Origin>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Servers to create.
    pub create: usize,
    /// Servers to update.
    pub update: usize,
    /// Servers to delete.
    pub delete: usize,
    /// Of those, changes apply will skip (guarded).
    pub guarded: usize,
    /// Declared servers already as declared.
    pub unchanged: usize,
}

/// The whole plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// Creates, then updates, then deletes, each in file order (deletes by name).
    pub actions: Vec<Action>,
    /// Declared servers with nothing to do (`server_name`, `server_id`).
    pub unchanged: Vec<(String, String)>,
    /// Live servers left alone.
    pub unmanaged: Vec<Unmanaged>,
    /// Things to know.
    pub warnings: Vec<Notice>,
    /// Things that make the plan unusable (exit 1).
    pub errors: Vec<Notice>,
    /// Planned ids of OpenAPI creates to look up one by one first: the proxy leaves
    /// OpenAPI servers whose spec it cannot load out of its list.
    #[serde(skip)]
    pub lookups: Vec<String>,
}

impl Plan {
    /// Counts by kind.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            unchanged: self.unchanged.len(),
            ..Summary::default()
        };
        for a in &self.actions {
            match a.action {
                ActionKind::Create => s.create += 1,
                ActionKind::Update => s.update += 1,
                ActionKind::Delete => s.delete += 1,
            }
            if a.is_blocked() {
                s.guarded += 1;
            }
        }
        s
    }

    /// Whether there is anything to do.
    pub fn has_changes(&self) -> bool {
        !self.actions.is_empty()
    }

    /// Ids of live servers whose stored-key count the plan needs (first pass).
    pub fn credential_checks(&self) -> Vec<String> {
        self.actions
            .iter()
            .filter(|a| {
                a.guard
                    .as_ref()
                    .is_some_and(|g| g.count == CredentialCount::NotChecked)
            })
            .map(|a| a.server_id.clone())
            .collect()
    }
}

/// Plans `desired` against `live`.
pub fn plan(
    desired: &[ResolvedServer],
    live: &LiveState,
    facts: &Facts,
    options: PlanOptions,
) -> Plan {
    let mut plan = Plan::default();
    let index = matching::Index::new(live);
    let matches = matching::match_servers(desired, live, &index, &mut plan.errors);
    let byok_unsupported = !live.supports_byok();
    let mut taken_ids: HashSet<String> = live
        .servers
        .iter()
        .map(|l| l.server_id().to_owned())
        .collect();
    taken_ids.extend(desired.iter().filter_map(|d| d.server_id.clone()));
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    for (d, m) in desired.iter().zip(&matches) {
        if byok_unsupported && d.value("is_byok") == Some(&Value::Bool(true)) {
            plan.errors.push(notice(d, "the proxy does not know BYOK (older than 1.82.1): it would silently drop `is_byok`"));
        }
        match m {
            matching::Match::Unusable => {}
            matching::Match::Live(i) => {
                let l = &live.servers[*i];
                if renames(d, l) {
                    matching::check_names(d, live, &index, Some(*i), &mut plan.errors);
                }
                if !l.listed() {
                    plan.warnings.push(notice(d, unlisted_warning(l)));
                }
                match compare::update(d, l, &facts.credentials) {
                    Some((action, warnings)) => {
                        updates.push(action);
                        plan.warnings.extend(warnings);
                    }
                    None => plan
                        .unchanged
                        .push((d.name.clone(), l.server_id().to_owned())),
                }
            }
            matching::Match::New => {
                matching::check_names(d, live, &index, None, &mut plan.errors);
                let id = d
                    .server_id
                    .clone()
                    .unwrap_or_else(|| free_id(&d.name, &taken_ids));
                taken_ids.insert(id.clone());
                if let Some(answer) = facts.unreadable.get(&id) {
                    plan.errors.push(notice(d, unreadable_error(&id, answer)));
                    continue;
                }
                let action = compare::create(d, &id);
                if is_openapi(&action) && !facts.looked_up.contains(&id) {
                    plan.lookups.push(id.clone());
                }
                creates.push(action);
            }
        }
    }
    let deletes = undeclared(
        live,
        &matches,
        options,
        &facts.credentials,
        &mut plan.unmanaged,
    );
    plan.actions.extend(creates);
    plan.actions.extend(updates);
    plan.actions.extend(deletes);
    plan
}

fn is_openapi(create: &Action) -> bool {
    create
        .body
        .as_ref()
        .and_then(|b| b.get("spec_path"))
        .is_some_and(|p| p.as_str().is_some_and(|p| !p.is_empty()))
}

fn unlisted_warning(l: &LiveServer) -> String {
    let why = l
        .health_error()
        .map(|e| format!(" (its health check says: {e})"))
        .unwrap_or_default();
    format!(
        "the proxy does not list this server: it leaves OpenAPI servers whose spec it cannot load out of its list{why}; mcpform read it by id"
    )
}

fn unreadable_error(id: &str, answer: &str) -> String {
    format!(
        "server_id `{id}` already exists on the proxy, but the proxy neither lists it nor can show it ({answer}); it leaves out OpenAPI servers whose spec it cannot load. Make `spec_path` loadable by the proxy, or delete the server (DELETE /v1/mcp/server/{id})"
    )
}

/// Whether an update changes the server's name or alias (then clashes matter).
fn renames(d: &ResolvedServer, l: &LiveServer) -> bool {
    let alias = matching::effective_alias(d);
    l.server_name() != Some(d.name.as_str()) || l.alias().unwrap_or(d.name.as_str()) != alias
}

/// A `server_id` for a server that declares none: its name, made unique. Deterministic,
/// so a plan is reproducible and a retried create sends the same id.
fn free_id(name: &str, taken: &HashSet<String>) -> String {
    let mut id = name.to_owned();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{name}.{n}");
        n += 1;
    }
    id
}

fn notice(d: &ResolvedServer, message: impl Into<String>) -> Notice {
    Notice {
        server: Some(d.name.clone()),
        message: message.into(),
        origin: Some(d.origin.clone()),
    }
}

/// Live servers no file declares: deletes under `--prune` (owned ones only), the rest
/// listed.
fn undeclared(
    live: &LiveState,
    matches: &[matching::Match],
    options: PlanOptions,
    facts: &CredentialFacts,
    unmanaged: &mut Vec<Unmanaged>,
) -> Vec<Action> {
    let mut matched = vec![false; live.servers.len()];
    for m in matches {
        if let matching::Match::Live(i) = m {
            matched[*i] = true;
        }
    }
    let mut deletes = Vec::new();
    for (i, l) in live.servers.iter().enumerate() {
        if matched[i] {
            continue;
        }
        let reason = if l.is_config() {
            UnmanagedReason::Config
        } else if !l.is_owned() {
            UnmanagedReason::NotOwned
        } else if l.prevents_destroy() {
            UnmanagedReason::Protected
        } else if !options.prune {
            UnmanagedReason::OwnedNotDeclared
        } else {
            deletes.push(delete(l, facts));
            continue;
        };
        unmanaged.push(Unmanaged {
            server_id: l.server_id().to_owned(),
            server_name: l.server_name().map(str::to_owned),
            reason,
        });
    }
    deletes.sort_by(|a, b| a.server_name.cmp(&b.server_name));
    deletes
}

fn delete(l: &LiveServer, facts: &CredentialFacts) -> Action {
    let guard = l.is_byok().then(|| Guard {
        reason: GuardReason::ServerDeleted,
        count: facts
            .get(l.server_id())
            .copied()
            .unwrap_or(CredentialCount::NotChecked),
        allowed: false,
    });
    Action {
        action: ActionKind::Delete,
        server_name: l.display_name().to_owned(),
        server_id: l.server_id().to_owned(),
        origin: None,
        changes: Vec::new(),
        guard,
        notes: Vec::new(),
        body: None,
        sends_credentials: false,
        secrets_fingerprint: None,
        live_fingerprint: Some(l.fingerprint()),
    }
}

#[cfg(test)]
mod tests;
