//! Actions of two writes that stop between them, and what finishes the job.
//!
//! A create writes its ownership proof in a second write; an update that changes `url`,
//! `issuer` or the auth type of an OAuth server sets the endpoint fields again in a
//! second write; a swap's member first takes a temporary name. When the second write
//! fails or never runs, the report says what the proxy holds ([`Held`]), and a saved
//! plan applied again accepts "the state after this action's own first write" as the
//! start of the rest (see [`Start`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Outcome, Status, is_guard_block};
use crate::live::LiveServer;
use crate::model::cleared_on_auth_change;
use crate::plan::verify::mismatches;
use crate::plan::{Action, Expected, Precondition};

/// What the proxy holds of an action that stopped between its writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Held {
    /// Created, without mcpform's ownership proof (the second write did not happen).
    NoOwnershipProof,
    /// The first write cleared these OAuth endpoint fields; the second did not set them
    /// again.
    OauthFieldsCleared {
        /// The fields left empty.
        fields: Vec<String>,
    },
    /// The temporary names of a swap, still in place.
    TemporaryNames {
        /// Field (`alias`, `server_name`) → the temporary name it holds.
        names: BTreeMap<String, String>,
    },
}

impl Held {
    /// What the proxy holds, in a few words.
    pub fn describe(&self) -> String {
        match self {
            Held::NoOwnershipProof => {
                "created without ownership proof (the proof write did not happen)".to_owned()
            }
            Held::OauthFieldsCleared { fields } => format!(
                "the OAuth fields {} are left empty",
                fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Held::TemporaryNames { names } => format!(
                "it holds the temporary {}",
                names
                    .iter()
                    .map(|(field, name)| format!("{field} `{name}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        }
    }
}

/// Why an action failed, as far as what a rerun would meet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Why {
    /// Not failed, or nothing known.
    #[default]
    Unknown,
    /// Gave up on a proxy that did not answer, or an outcome nobody knows: a rerun may
    /// go through.
    Transient,
    /// The proxy refused it, or did not keep what it was sent: a rerun meets the same.
    Refused,
    /// Someone else wrote or deleted the server meanwhile: the plan no longer fits.
    Moved,
}

/// What finishes the job when something is left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Next {
    /// Nothing is left (or only what a guard skips).
    #[default]
    Done,
    /// A rerun of the same command finishes the job: what is left can start from what
    /// the proxy holds now (a saved plan resumes a half-done action).
    Rerun,
    /// The saved plan no longer fits the proxy: plan again from the files.
    PlanAgain,
    /// The proxy refused a write, and would refuse it again: fix the cause, then plan
    /// again from the files.
    FixThenPlan,
}

impl Next {
    /// What is left after `outcome`; `from_files` when the command planned from files
    /// (then a rerun plans again by itself).
    pub(super) fn of(outcome: &Outcome, from_files: bool) -> Next {
        if outcome.refused.is_some() {
            return Next::Done;
        }
        let moved = if from_files {
            Next::Rerun
        } else {
            Next::PlanAgain
        };
        let mut next = Next::Done;
        for r in &outcome.results {
            let this = match r.status {
                Status::Applied | Status::AlreadyApplied | Status::SkippedGuard => Next::Done,
                Status::Blocked if r.message.as_deref().is_some_and(is_guard_block) => Next::Done,
                Status::Blocked | Status::Interrupted | Status::NotAttempted | Status::Partial => {
                    Next::Rerun
                }
                Status::Stale => moved,
                Status::Failed if r.outcome_unknown => Next::Rerun,
                Status::Failed => match r.why {
                    Why::Transient => Next::Rerun,
                    Why::Moved => moved,
                    Why::Refused | Why::Unknown => Next::FixThenPlan,
                },
            };
            next = next.max(this);
        }
        if next == Next::Done && !outcome.verification.problems.is_empty() {
            // The read after the writes failed: nothing was verified, a rerun checks.
            next = Next::Rerun;
        }
        next
    }

    fn rank(self) -> u8 {
        match self {
            Next::Done => 0,
            Next::Rerun => 1,
            Next::PlanAgain => 2,
            Next::FixThenPlan => 3,
        }
    }

    fn max(self, other: Next) -> Next {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// The sentence the summary line ends with, if any.
    pub fn sentence(self) -> Option<&'static str> {
        match self {
            Next::Done => None,
            Next::Rerun => Some("A rerun of the same command finishes the job."),
            Next::PlanAgain => Some(
                "Plan again from the files to finish the job: this saved plan no longer fits what the proxy holds.",
            ),
            Next::FixThenPlan => Some(
                "A rerun would meet the same refusal: fix its cause, then plan again from the files.",
            ),
        }
    }
}

/// Where an action starts when apply begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Start {
    /// From the beginning.
    Fresh,
    /// After its temporary write (a swap): the proxy holds the temporary names.
    AfterTemp,
    /// After the first write of an OAuth update: only the second remains.
    AfterFirst,
    /// After a create's first write: only the proof write remains, for the row the
    /// proxy created at this time.
    Proof {
        /// The row's `created_at`.
        created_at: String,
    },
}

/// The OAuth fields a two-write update's first write is known to clear: those the body
/// sets (the proxy clears them in the request that changes `url`, `issuer` or the auth
/// type).
pub(super) fn cleared_fields(a: &Action, body: &Map<String, Value>) -> Vec<String> {
    if !a.restores_oauth {
        return Vec::new();
    }
    cleared_on_auth_change()
        .filter(|f| body.get(*f).is_some_and(|v| !v.is_null()))
        .map(str::to_owned)
        .collect()
}

/// The body of a swap's temporary write: the final body with the clashing names
/// replaced.
pub(super) fn temp_body(
    a: &Action,
    body: Option<&Map<String, Value>>,
) -> Option<Map<String, Value>> {
    let (Some(names), Some(body)) = (&a.temp_names, body) else {
        return None;
    };
    let mut temp = body.clone();
    for (field, value) in names {
        temp.insert(field.clone(), Value::String(value.clone()));
    }
    Some(temp)
}

/// The body that puts a swap's member back on the names it had (recorded in the plan's
/// precondition), when its own write cannot follow its temporary one.
pub(super) fn restore_body(
    a: &Action,
    body: Option<&Map<String, Value>>,
) -> Option<Map<String, Value>> {
    let (Some(names), Some(body)) = (&a.temp_names, body) else {
        return None;
    };
    let Precondition::Unchanged { fields } = &a.precondition else {
        return None;
    };
    let mut back = body.clone();
    for field in names.keys() {
        let Some(Expected::Value(Value::String(old))) = fields.get(field) else {
            return None;
        };
        back.insert(field.clone(), Value::String(old.clone()));
    }
    Some(back)
}

/// Whether `live` holds `body` except for fields in `allowed` (left empty).
fn holds_except(body: &Map<String, Value>, live: &LiveServer, allowed: &[String]) -> bool {
    mismatches(body, live).iter().all(|f| allowed.contains(f))
}

/// How far an update got, judged from the live server: its temporary write done, its
/// first OAuth write done, or its temporary names put back (start afresh, the other
/// fields written already). `None`: none of these, the plan's precondition decides.
pub(super) fn update_progress(
    a: &Action,
    body: &Map<String, Value>,
    live: &LiveServer,
) -> Option<(Start, &'static str)> {
    let cleared = cleared_fields(a, body);
    if let Some(temp) = temp_body(a, Some(body))
        && holds_except(&temp, live, &cleared)
    {
        return Some((
            Start::AfterTemp,
            "resumed after its temporary write, which the proxy holds",
        ));
    }
    if let Some(back) = restore_body(a, Some(body))
        && holds_except(&back, live, &cleared)
    {
        return Some((
            Start::Fresh,
            "its temporary names were put back after an earlier run; its other fields are written",
        ));
    }
    if a.temp_names.is_none() && !cleared.is_empty() && holds_except(body, live, &cleared) {
        return Some((
            Start::AfterFirst,
            "resumed after its first write, which the proxy holds (the OAuth fields it cleared are set again)",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::{ActionResult, Verification};
    use crate::plan::ActionKind;
    use serde_json::json;

    fn result(status: Status, why: Why, unknown: bool) -> ActionResult {
        ActionResult {
            server_id: "a".into(),
            server_name: "a".into(),
            action: ActionKind::Update,
            status,
            message: None,
            cause: None,
            outcome_unknown: unknown,
            fields: Vec::new(),
            partial: None,
            why,
            kept_keys: None,
            attempts: Vec::new(),
        }
    }

    fn next(results: Vec<ActionResult>, from_files: bool) -> Next {
        let outcome = Outcome {
            refused: None,
            results,
            verification: Verification::default(),
            interrupted: false,
            next: Next::Done,
            durations_ms: Default::default(),
        };
        Next::of(&outcome, from_files)
    }

    #[test]
    fn a_rerun_is_promised_only_when_it_finishes_the_job() {
        let r = |status, why| result(status, why, false);
        assert_eq!(
            next(vec![r(Status::Applied, Why::Unknown)], false),
            Next::Done
        );
        for status in [
            Status::Interrupted,
            Status::NotAttempted,
            Status::Partial,
            Status::Blocked,
        ] {
            assert_eq!(next(vec![r(status, Why::Unknown)], false), Next::Rerun);
        }
        assert_eq!(
            next(vec![r(Status::Failed, Why::Transient)], false),
            Next::Rerun
        );
        assert_eq!(
            next(vec![result(Status::Failed, Why::Refused, true)], false),
            Next::Rerun,
            "an unknown outcome"
        );
        // A refusal comes back; a moved proxy needs a new plan, unless the files replan.
        let refused = r(Status::Failed, Why::Refused);
        assert_eq!(next(vec![refused.clone()], true), Next::FixThenPlan);
        assert_eq!(
            next(vec![r(Status::Stale, Why::Unknown)], false),
            Next::PlanAgain
        );
        assert_eq!(
            next(vec![r(Status::Stale, Why::Unknown)], true),
            Next::Rerun
        );
        assert_eq!(
            next(vec![r(Status::Failed, Why::Moved)], false),
            Next::PlanAgain
        );
        // The worst wins.
        assert_eq!(
            next(vec![r(Status::Interrupted, Why::Unknown), refused], false),
            Next::FixThenPlan
        );
    }

    #[test]
    fn a_swap_member_is_put_back_on_the_names_its_precondition_recorded() {
        let body = json!({"server_id": "b", "server_name": "b", "alias": "x", "url": "u"});
        let body = body.as_object().unwrap();
        let a = Action {
            action: ActionKind::Update,
            server_name: "b".into(),
            server_id: "b".into(),
            origin: None,
            source: None,
            changes: Vec::new(),
            guard: None,
            notes: Vec::new(),
            body: Some(body.clone()),
            references: Vec::new(),
            sends_credentials: false,
            secrets_fingerprint: None,
            from_live: Vec::new(),
            precondition: Precondition::Unchanged {
                fields: [("alias".to_owned(), Expected::Value(json!("y")))].into(),
            },
            seen: crate::plan::Seen::Listed,
            phase: crate::plan::Phase::Apply,
            order: 0,
            after: Vec::new(),
            temp_names: Some([("alias".to_owned(), "x_mcpform_tmp".to_owned())].into()),
            restores_oauth: false,
            writes: 2,
            blocked: false,
        };
        assert_eq!(temp_body(&a, Some(body)).unwrap()["alias"], "x_mcpform_tmp");
        let back = restore_body(&a, Some(body)).unwrap();
        assert_eq!((&back["alias"], &back["url"]), (&json!("y"), &json!("u")));
    }
}
