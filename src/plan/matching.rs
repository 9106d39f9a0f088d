//! Which live server each declared server is: by `server_id` when declared, else by
//! `server_name` ignoring case. Also the name clashes the proxy would refuse.

use std::collections::HashMap;

use serde_json::Value;

use super::Notice;
use crate::live::{LiveState, PendingServer};
use crate::model::proxy;
use crate::resolve::ResolvedServer;

/// What a declared server is on the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Match {
    /// The live server at this index.
    Live(usize),
    /// Nothing yet: a create.
    New,
    /// It cannot be planned (an error says why).
    Unusable,
}

/// Lookups into the live list, built once: a plan of 10,000 servers must not scan the
/// list for each of them.
pub(super) struct Index<'a> {
    by_id: HashMap<&'a str, usize>,
    /// Lower-case `server_name` → positions, in list order.
    by_name: HashMap<String, Vec<usize>>,
}

impl<'a> Index<'a> {
    pub(super) fn new(live: &'a LiveState) -> Index<'a> {
        let mut index = Index {
            by_id: HashMap::with_capacity(live.servers.len()),
            by_name: HashMap::with_capacity(live.servers.len()),
        };
        for (i, l) in live.servers.iter().enumerate() {
            index.by_id.entry(l.server_id()).or_insert(i);
            if let Some(name) = l.server_name() {
                index
                    .by_name
                    .entry(name.to_lowercase())
                    .or_default()
                    .push(i);
            }
        }
        index
    }
}

/// For each declared server, its live server. Problems (read-only servers, two files
/// claiming one server) become errors, and the server is left out of the plan.
pub(super) fn match_servers(
    desired: &[ResolvedServer],
    live: &LiveState,
    index: &Index<'_>,
    errors: &mut Vec<Notice>,
) -> Vec<Match> {
    let mut claimed: Vec<Option<&str>> = vec![None; live.servers.len()];
    let mut out = Vec::with_capacity(desired.len());
    for d in desired {
        let found = match &d.server_id {
            Some(id) => index.by_id.get(id.as_str()).copied(),
            None => by_name(d, live, index),
        };
        let Some(i) = found else {
            out.push(Match::New);
            continue;
        };
        let l = &live.servers[i];
        if l.is_config() {
            errors.push(error(
                d,
                format!(
                    "`{}` is defined in the proxy's config.yaml and is read-only; remove it from these files or from config.yaml",
                    l.display_name()
                ),
            ));
            out.push(Match::Unusable);
            continue;
        }
        if let Some(other) = claimed[i] {
            errors.push(error(
                d,
                format!(
                    "`{}` and `{other}` both match the live server `{}`",
                    d.name,
                    l.server_id()
                ),
            ));
            out.push(Match::Unusable);
            continue;
        }
        claimed[i] = Some(&d.name);
        out.push(Match::Live(i));
    }
    out
}

/// Name match ignoring case; an exact match wins over a case-insensitive one.
fn by_name(d: &ResolvedServer, live: &LiveState, index: &Index<'_>) -> Option<usize> {
    let candidates = index.by_name.get(&d.name.to_lowercase())?;
    candidates
        .iter()
        .copied()
        .find(|&i| live.servers[i].server_name() == Some(d.name.as_str()))
        .or_else(|| candidates.first().copied())
}

/// The alias a declared server will have on the proxy.
pub(super) fn effective_alias(d: &ResolvedServer) -> String {
    proxy::effective_alias(d.public.get("alias").and_then(Value::as_str), &d.name)
}

/// Errors for a create (`id`) or rename that a pending submission already claims: the
/// proxy keeps names, aliases and ids of submissions awaiting approval. Returns whether
/// one was found.
pub(super) fn check_pending(
    d: &ResolvedServer,
    id: Option<&str>,
    pending: &[PendingServer],
    errors: &mut Vec<Notice>,
) -> bool {
    let mine = [d.name.to_lowercase(), effective_alias(d).to_lowercase()];
    let Some(p) = pending.iter().find(|p| {
        id == Some(p.server_id.as_str())
            || [p.server_name.as_deref(), p.alias.as_deref()]
                .into_iter()
                .flatten()
                .any(|n| mine.contains(&n.to_lowercase()))
    }) else {
        return false;
    };
    let by = p
        .submitted_by
        .as_deref()
        .map(|u| format!(", submitted by `{u}`"))
        .unwrap_or_default();
    errors.push(error(
        d,
        format!(
            "a submission the proxy has not approved ({}) already claims this server's id or name (server_id `{}`, name `{}`{by}); the proxy would refuse the write. Do not approve it for this: mcpform never takes over a submission. Delete it on the proxy (a rejected submission still holds its id and name), or declare another `server_id` and name",
            p.status,
            p.server_id,
            p.server_name.as_deref().unwrap_or("")
        ),
    ));
    true
}

fn error(d: &ResolvedServer, message: String) -> Notice {
    Notice {
        server: Some(d.name.clone()),
        message,
        origin: Some(d.origin.clone()),
        source: None,
    }
}
