//! Live servers no file declares: deletes under `--prune` (owned ones only), the rest
//! listed as left alone with the reason.

use super::ownership::{Ownership, ownership};
use super::precondition::expected_fields;
use super::{
    Action, ActionKind, Guard, GuardReason, Notice, Phase, Plan, PlanOptions, Precondition, Seen,
    Unmanaged, UnmanagedReason, matching,
};
use crate::live::{CredentialCount, Facts, LiveServer, LiveState};
use crate::model::{always_managed, is_secret_capable};
use crate::secret::FingerprintKey;

pub(super) fn undeclared(
    live: &LiveState,
    matches: &[matching::Match],
    options: PlanOptions,
    facts: &Facts,
    key: &FingerprintKey,
    plan: &mut Plan,
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
        } else {
            match ownership(l, key, &facts.submitted) {
                Ownership::NotOwned => UnmanagedReason::NotOwned,
                Ownership::Submitted if !l.has_managed_marker() => UnmanagedReason::NotOwned,
                Ownership::ForeignMarker | Ownership::IdOnlyProof | Ownership::Submitted => {
                    UnmanagedReason::ForeignMarker
                }
                Ownership::Owned if l.prevents_destroy() => UnmanagedReason::Protected,
                Ownership::Owned if !options.prune => UnmanagedReason::OwnedNotDeclared,
                Ownership::Owned if !deletable(l.server_id()) => {
                    plan.errors.push(undeletable(l));
                    continue;
                }
                Ownership::Owned => {
                    deletes.push(delete(l, facts, key));
                    continue;
                }
            }
        };
        plan.unmanaged.push(Unmanaged {
            server_id: l.server_id().to_owned(),
            server_name: l.server_name().map(str::to_owned),
            reason,
        });
    }
    deletes.sort_by(|a, b| a.server_name.cmp(&b.server_name));
    deletes
}

/// Whether `DELETE /v1/mcp/server/{id}` can name this server: the proxy accepts ids
/// with `/` (and empty ids) on create, but no route can address them afterwards.
fn deletable(id: &str) -> bool {
    !id.is_empty() && !id.contains('/')
}

fn undeletable(l: &LiveServer) -> Notice {
    Notice {
        server: Some(l.display_name().to_owned()),
        message: format!(
            "`--prune` would delete server_id `{}`, but the proxy's API cannot address an id that is empty or contains `/`: delete it in the proxy's database, or keep it declared",
            l.server_id()
        ),
        origin: None,
        source: None,
    }
}

fn delete(l: &LiveServer, facts: &Facts, key: &FingerprintKey) -> Action {
    let guard = l.is_byok().then(|| Guard {
        reason: GuardReason::ServerDeleted,
        count: facts
            .credentials
            .get(l.server_id())
            .copied()
            .unwrap_or(CredentialCount::NotChecked),
        allowed: false,
    });
    let watched = always_managed().chain(["mcp_info"]);
    let precondition = Precondition::Unchanged {
        fields: expected_fields(l, watched, &is_secret_capable, key),
    };
    let seen = if l.listed() { Seen::Listed } else { Seen::ById };
    Action {
        guard,
        phase: Phase::Delete,
        ..Action::new(
            ActionKind::Delete,
            l.display_name().to_owned(),
            l.server_id().to_owned(),
            precondition,
            seen,
        )
    }
}
