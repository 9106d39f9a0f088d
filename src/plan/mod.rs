//! plan: desired × live × gathered facts → [`Plan`]. A pure function: no I/O, no
//! clock, no environment. Everything it needs is gathered first (the live list, pending
//! submissions, the credential counts of the servers whose change needs one, by-id
//! look-ups) and passed in; [`Plan::needs`] says what else to gather, and the caller runs
//! it again with more facts until nothing is needed.
//!
//! [`document`] turns a plan into the versioned plan document that `--out` writes and
//! apply reads back.

mod action;
mod body;
mod compare;
pub mod document;
mod guard;
mod matching;
mod order;
mod ownership;
pub mod precondition;
mod prune;
pub mod verify;
mod versions;

use std::collections::HashSet;

pub use crate::resolve::Reference;
pub use action::{
    Action, ActionKind, Expected, FieldChange, Guard, GuardReason, KeyChanges, Notice, Phase,
    Precondition, Seen, Shown, Summary, Unchanged, Unmanaged, UnmanagedReason,
};
pub use body::with_proof;
pub use document::{PlanDocument, PlanMeta};
pub(crate) use guard::stranding;
pub use ownership::owner_proof;
pub(crate) use ownership::{Ownership, ownership};

use crate::live::{CredentialCount, Facts, LiveServer, LiveState, Needs};
use crate::model::support::Behaviour;
use crate::resolve::ResolvedServer;
use crate::secret::FingerprintKey;
use crate::secret::urls::redact_urls;

/// Options of a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanOptions {
    /// Delete owned servers that no file declares.
    pub prune: bool,
}

/// The whole plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Creates, then updates, then deletes, each in file order (deletes by name).
    pub actions: Vec<Action>,
    /// Declared servers with nothing to do.
    pub unchanged: Vec<Unchanged>,
    /// Live servers left alone.
    pub unmanaged: Vec<Unmanaged>,
    /// Things to know.
    pub warnings: Vec<Notice>,
    /// Things that make the plan unusable (exit 1).
    pub errors: Vec<Notice>,
    /// Planned ids of OpenAPI creates to look up one by one first.
    pub(crate) lookups: Vec<String>,
}

impl Plan {
    /// Counts by kind.
    pub fn summary(&self) -> Summary {
        summarise(&self.actions, self.unchanged.len())
    }

    /// What must be gathered before this plan is final.
    pub fn needs(&self) -> Needs {
        Needs {
            lookups: self.lookups.clone(),
            credential_counts: self
                .actions
                .iter()
                .filter(|a| {
                    a.guard
                        .as_ref()
                        .is_some_and(|g| g.count == CredentialCount::NotChecked)
                })
                .map(|a| a.server_id.clone())
                .collect(),
        }
    }
}

/// Counts of actions by kind.
pub(crate) fn summarise(actions: &[Action], unchanged: usize) -> Summary {
    let mut s = Summary {
        unchanged,
        ..Summary::default()
    };
    for a in actions {
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

/// Plans `desired` against `live`. `key` keys the fingerprints the plan records (live
/// values of secret-capable fields, ownership proofs); it is an input, so planning stays
/// a pure function.
pub fn plan(
    desired: &[ResolvedServer],
    live: &LiveState,
    facts: &Facts,
    options: PlanOptions,
    key: &FingerprintKey,
) -> Plan {
    let mut plan = Plan::default();
    let index = matching::Index::new(live);
    let matches = matching::match_servers(desired, live, &index, &mut plan.errors);
    let support = versions::Support::new(facts, live);
    let mut taken_ids: HashSet<String> = live
        .servers
        .iter()
        .map(|l| l.server_id().to_owned())
        .chain(facts.pending.iter().map(|p| p.server_id.clone()))
        .collect();
    taken_ids.extend(desired.iter().filter_map(|d| d.server_id.clone()));
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    for (d, m) in desired.iter().zip(&matches) {
        support.check(d, &mut plan.errors);
        plan.warnings.extend(support.ignored(d));
        match m {
            matching::Match::Unusable => {}
            matching::Match::Live(i) => {
                let l = &live.servers[*i];
                if ownership(l, key, &facts.submitted) == Ownership::Submitted {
                    plan.errors
                        .push(notice(d, submitted_error(l, &facts.submitted)));
                    continue;
                }
                if renames(d, l) {
                    matching::check_pending(d, None, &facts.pending, &mut plan.errors);
                }
                if !l.listed() {
                    plan.warnings.push(notice(d, unlisted_warning(l)));
                }
                match compare::update(d, l, facts, key, &support) {
                    Some((mut action, warnings, cleared)) => {
                        support.check_clears(d, &cleared, &mut plan.errors);
                        support.check_written(
                            d,
                            action.body.as_ref(),
                            &mut plan.errors,
                            &mut plan.warnings,
                        );
                        if order::restores_oauth(&action) {
                            action.restores_oauth = true;
                            action.notes.push(OAUTH_TWO_WRITES.to_owned());
                        }
                        updates.push(action);
                        plan.warnings.extend(warnings);
                    }
                    None => plan.unchanged.push(Unchanged {
                        server_name: d.name.clone(),
                        server_id: l.server_id().to_owned(),
                    }),
                }
            }
            matching::Match::New => {
                let id = d
                    .server_id
                    .clone()
                    .unwrap_or_else(|| free_id(&d.name, &taken_ids));
                taken_ids.insert(id.clone());
                if matching::check_pending(d, Some(&id), &facts.pending, &mut plan.errors) {
                    continue;
                }
                if let Some(other) = facts.namesakes.get(&id) {
                    plan.errors.push(notice(d, namesake_error(other)));
                    continue;
                }
                if let Some(answer) = facts.unreadable.get(&id) {
                    plan.errors.push(notice(d, unreadable_error(&id, answer)));
                    continue;
                }
                if d.transport == crate::model::Transport::Stdio
                    && support.has(Behaviour::StdioOptIn) != Some(false)
                    && stdio_may_be_refused(live)
                {
                    plan.warnings.push(notice(d, stdio_warning()));
                }
                let action = compare::create(d, &id, &support);
                if is_openapi(&action) && !facts.looked_up.contains(&id) {
                    plan.lookups.push(id.clone());
                }
                creates.push(action);
            }
        }
    }
    let deletes = prune::undeclared(live, &matches, options, facts, key, &mut plan);
    for a in &deletes {
        let gone = live.servers.iter().find(|l| l.server_id() == a.server_id);
        if let Some(w) = gone.and_then(|l| versions::kept_keys_warning(&support, l)) {
            plan.warnings.push(Notice {
                server: Some(a.server_name.clone()),
                message: w,
                origin: None,
                source: None,
            });
        }
    }
    plan.unmanaged
        .extend(facts.pending.iter().map(|p| Unmanaged {
            server_id: p.server_id.clone(),
            server_name: p.server_name.clone(),
            reason: UnmanagedReason::Pending,
        }));
    plan.actions.extend(creates);
    plan.actions.extend(updates);
    plan.actions.extend(deletes);
    order::arrange(&mut plan, live, &facts.pending);
    plan
}

const OAUTH_TWO_WRITES: &str = "two writes: the proxy clears the OAuth endpoint fields when `url`, `issuer` or the auth type changes in the same request, so the second write sets them again";

fn stdio_warning() -> String {
    format!(
        "LiteLLM {} and later refuse stdio servers unless the proxy runs with `LITELLM_ENABLE_MCP_STDIO=true`; no stdio server on this proxy shows that it does, so the create may be refused (422)",
        Behaviour::StdioOptIn.since().short()
    )
}

/// Whether a stdio create may meet a proxy that has stdio switched off: nothing on the
/// proxy shows that it runs stdio servers.
fn stdio_may_be_refused(live: &LiveState) -> bool {
    !live
        .servers
        .iter()
        .any(|l| !l.is_config() && l.transport() == "stdio")
}

fn is_openapi(create: &Action) -> bool {
    create
        .body
        .as_ref()
        .and_then(|b| b.get("spec_path"))
        .is_some_and(|p| p.as_str().is_some_and(|p| !p.is_empty()))
}

fn unlisted_warning(l: &LiveServer) -> String {
    // The upstream's error may quote its URL, token and all.
    let why = l
        .health_error()
        .map(|e| format!(" (its health check says: {})", redact_urls(e)))
        .unwrap_or_default();
    format!(
        "the proxy does not list this server: it leaves OpenAPI servers whose spec it cannot load out of its list{why}; mcpform read it by id"
    )
}

fn unreadable_error(id: &str, answer: &str) -> String {
    format!(
        "could not tell whether server_id `{id}` already exists: the list does not show it and reading it by id answered {answer}. The proxy leaves OpenAPI servers whose spec it cannot load out of its list; nothing is planned for this server until the proxy can show it (make `spec_path` loadable by the proxy, or check the proxy's log)"
    )
}

/// A declared server that came in as a non-admin's submission: mcpform does not take
/// it over, because what the files do not declare (headers, access, metadata) stays as
/// the submitter wrote it, and the markers it carries may be copied.
fn submitted_error(
    l: &LiveServer,
    submitted: &std::collections::BTreeMap<String, Option<String>>,
) -> String {
    let by = submitted
        .get(l.server_id())
        .cloned()
        .flatten()
        .or_else(|| l.submitted_by().map(str::to_owned))
        .map(|u| format!(" by `{u}`"))
        .unwrap_or_default();
    format!(
        "server_id `{}` came in as a submission{by}, not from an admin: mcpform does not take it over (what the files do not declare stays as the submitter wrote it, and its markers may be copies). Delete it on the proxy and plan again to create it, or declare another `server_id` and `server_name`",
        l.server_id()
    )
}

fn namesake_error(other: &str) -> String {
    format!(
        "the proxy holds a server with this name under server_id `{other}`, which its list does not show (an OpenAPI server whose spec it cannot load); a create would be refused: declare `server_id: {other}` to manage that server, or delete it"
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
        source: None,
    }
}

#[cfg(test)]
mod tests;
