//! Which live server each declared server is: by `server_id` when declared, else by
//! `server_name` ignoring case. Also the name clashes the proxy would refuse.

use serde_json::Value;

use super::Notice;
use crate::live::LiveState;
use crate::model::normalise_name;
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

/// For each declared server, its live server. Problems (read-only servers, two files
/// claiming one server) become errors, and the server is left out of the plan.
pub(super) fn match_servers(
    desired: &[ResolvedServer],
    live: &LiveState,
    errors: &mut Vec<Notice>,
) -> Vec<Match> {
    let mut claimed: Vec<Option<&str>> = vec![None; live.servers.len()];
    let mut out = Vec::with_capacity(desired.len());
    for d in desired {
        let found = match &d.server_id {
            Some(id) => live.servers.iter().position(|l| l.server_id() == id),
            None => by_name(d, live),
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
fn by_name(d: &ResolvedServer, live: &LiveState) -> Option<usize> {
    let name = d.name.to_lowercase();
    live.servers
        .iter()
        .position(|l| l.server_name() == Some(d.name.as_str()))
        .or_else(|| {
            live.servers
                .iter()
                .position(|l| l.server_name().is_some_and(|n| n.to_lowercase() == name))
        })
}

/// The alias a declared server will have on the proxy.
pub(super) fn effective_alias(d: &ResolvedServer) -> String {
    match d.public.get("alias").and_then(Value::as_str) {
        Some(a) if !a.is_empty() => normalise_name(a),
        _ => normalise_name(&d.name),
    }
}

/// Errors for names or aliases that another live server already uses (the proxy keeps
/// names and aliases unique, ignoring case).
pub(super) fn check_names(
    d: &ResolvedServer,
    live: &LiveState,
    matched: Option<usize>,
    errors: &mut Vec<Notice>,
) {
    let mine = [d.name.to_lowercase(), effective_alias(d).to_lowercase()];
    for (i, l) in live.servers.iter().enumerate() {
        if Some(i) == matched {
            continue;
        }
        let theirs = [l.server_name(), l.alias()];
        if let Some(clash) = theirs
            .iter()
            .flatten()
            .find(|n| mine.contains(&n.to_lowercase()))
        {
            errors.push(error(
                d,
                format!(
                    "`{clash}` is already a name or alias of the live server `{}` (server_id `{}`); the proxy would refuse it",
                    l.display_name(),
                    l.server_id()
                ),
            ));
            return;
        }
    }
}

fn error(d: &ResolvedServer, message: String) -> Notice {
    Notice {
        server: Some(d.name.clone()),
        message,
        origin: Some(d.origin.clone()),
    }
}
