//! apply: executes a plan document through the client, exactly as reviewed.
//!
//! ```text
//!  preflight ──▶ free_names ──▶ apply ──▶ delete ──▶ verify
//!  (re-read,     (freeing      (creates,  (other     (one list, by-id reads,
//!   stale?,       deletes,      updates    deletes)   a re-plan of what was
//!   guards,       temporary     by their              touched: must be empty)
//!   budget)       names)        `after`)
//! ```
//!
//! Before the first write, apply re-reads the proxy and checks every precondition the
//! plan recorded, re-resolves the secrets and re-counts stored keys; anything that moved
//! is refused by server and field. Writes run `parallelism` at a time, each after the
//! writes that free the names it takes. A write whose outcome is unknown (timeout, lost
//! answer, 5xx, "already exists") is settled by reading the server back, never by
//! guessing. Knows nothing of rendering: it reports through an [`Observer`] and returns
//! an [`ApplyReport`].

mod check;
mod preflight;
mod readback;
mod report;
mod resume;
mod retry;
mod schedule;
mod steps;
mod verify;
mod write;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use report::{ApplyReport, REPORT_VERSION, ReportMeta, render_report, summary_line};
pub use resume::{Held, Next};

use crate::client::Client;
use crate::gather::Gathered;
use crate::live::CredentialCount;
use crate::plan::{Action, ActionKind, Plan, PlanDocument};
use crate::secret::FingerprintKey;

/// How to apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Writes in flight at once.
    pub parallelism: usize,
    /// Refuse before any write when the plan deletes more servers than this.
    pub max_deletes: usize,
    /// Apply the actions whose preconditions still hold, instead of refusing them all.
    pub skip_stale: bool,
    /// Time one action may take, retries and read-backs included.
    pub action_budget: Duration,
    /// First backoff between attempts (full jitter, doubling).
    pub backoff: Duration,
}

impl Default for ApplyOptions {
    fn default() -> ApplyOptions {
        ApplyOptions {
            parallelism: 4,
            max_deletes: 5,
            skip_stale: false,
            action_budget: Duration::from_secs(120),
            backoff: Duration::from_millis(250),
        }
    }
}

/// What became of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Written and verified.
    Applied,
    /// The proxy already held it (a rerun, or someone made the same change).
    AlreadyApplied,
    /// Refused by the proxy, or written differently; see the message.
    Failed,
    /// Stopped between its writes: the proxy holds the first and not the second (see
    /// [`ActionResult::partial`]).
    Partial,
    /// A guard stopped it: users hold stored keys and the file does not allow it.
    SkippedGuard,
    /// The proxy moved since the plan; nothing was written for it.
    Stale,
    /// Waits on an action that did not succeed.
    Blocked,
    /// Writes stopped (401/403, the proxy unreachable, a refused plan) before its turn.
    NotAttempted,
    /// An interrupt stopped apply before its turn.
    Interrupted,
}

impl Status {
    /// Whether the proxy holds what the plan wanted.
    pub fn succeeded(self) -> bool {
        matches!(self, Status::Applied | Status::AlreadyApplied)
    }

    /// The word people read.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::AlreadyApplied => "already_applied",
            Status::Failed => "failed",
            Status::Partial => "partial",
            Status::SkippedGuard => "skipped_guard",
            Status::Stale => "stale",
            Status::Blocked => "blocked",
            Status::NotAttempted => "not_attempted",
            Status::Interrupted => "interrupted",
        }
    }
}

/// One request apply made for an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// `temp_names`, `write`, `restore_oauth` or `read_back`.
    pub step: String,
    /// The HTTP status, when the proxy answered.
    pub status: Option<u16>,
    /// What happened, in a few words.
    pub outcome: String,
}

/// A field that moved since the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    /// The field.
    pub field: String,
    /// Its value when planned (`None` for fields that can hold secrets).
    pub planned: Option<serde_json::Value>,
    /// Its value now (`None` for fields that can hold secrets).
    pub now: Option<serde_json::Value>,
}

/// The outcome of one action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResult {
    /// Its id on the proxy.
    pub server_id: String,
    /// Its name.
    pub server_name: String,
    /// Create, update or delete.
    pub action: ActionKind,
    /// What became of it.
    pub status: Status,
    /// Why, in the proxy's words where it gave some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The likely cause of a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// A failure whose outcome on the proxy is unknown (it may or may not have written).
    #[serde(default)]
    pub outcome_unknown: bool,
    /// Fields that moved since the plan (`stale`), or that the proxy did not keep.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Moved>,
    /// What the proxy holds of an action stopped between its writes (`partial`), or of a
    /// swap whose temporary names could not be put back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<Held>,
    /// What a rerun would meet of what stopped it; read by [`Next`].
    #[serde(skip)]
    pub(crate) why: resume::Why,
    /// For a BYOK change allowed by the file: the users' stored keys, which the proxy
    /// keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_keys: Option<CredentialCount>,
    /// Every request made for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
}

impl ActionResult {
    fn new(a: &Action, status: Status) -> ActionResult {
        ActionResult {
            server_id: a.server_id.clone(),
            server_name: a.server_name.clone(),
            action: a.action,
            status,
            message: None,
            cause: None,
            outcome_unknown: false,
            fields: Vec::new(),
            partial: None,
            why: resume::Why::Unknown,
            kept_keys: None,
            attempts: Vec::new(),
        }
    }

    fn with_message(mut self, message: impl Into<String>) -> ActionResult {
        self.message = Some(message.into());
        self
    }
}

/// What the read after all writes found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Whether it ran (it does whenever something was written).
    pub ran: bool,
    /// Servers the read or the re-plan found not as planned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Everything apply did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Set when apply refused the plan before any write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// One per action, in plan order.
    pub results: Vec<ActionResult>,
    /// The check after all writes.
    pub verification: Verification,
    /// Whether an interrupt stopped it.
    pub interrupted: bool,
    /// What finishes the job, when something is left.
    #[serde(default)]
    pub next: Next,
    /// Milliseconds spent in each stage.
    #[serde(default)]
    pub durations_ms: Durations,
}

/// Milliseconds spent in each stage of an apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    /// Reading the proxy and checking the plan before the first write.
    pub preflight: u64,
    /// The writes, all phases.
    pub writes: u64,
    /// The read and re-plan after the writes.
    pub verification: u64,
}

impl Outcome {
    /// Whether apply changed anything on the proxy: an action `applied`, or one that
    /// failed after a write the proxy accepted (verification found it otherwise) or may
    /// have carried out (its outcome unknown). `already_applied`, skipped, stale and
    /// refused actions wrote nothing.
    pub fn wrote(&self) -> bool {
        self.results.iter().any(|r| {
            matches!(r.status, Status::Applied | Status::Partial)
                || r.outcome_unknown
                || r.attempts.iter().any(|t| {
                    t.step != "read_back" && t.status.is_some_and(|s| (200..300).contains(&s))
                })
        })
    }

    /// Counts by status.
    pub fn counts(&self) -> BTreeMap<Status, usize> {
        let mut out = BTreeMap::new();
        for r in &self.results {
            *out.entry(r.status).or_insert(0) += 1;
        }
        out
    }

    /// 0 everything applied; 1 any failure, stale action, refusal, interrupt or a
    /// verification that could not run; 3 nothing failed but a guard skipped something
    /// (or blocked what waited on it).
    pub(crate) fn exit_code(&self) -> u8 {
        // Every problem verification finds fails its action, except a read that did not
        // happen: then nothing was verified.
        let bad = self.refused.is_some()
            || self.interrupted
            || !self.verification.problems.is_empty()
            || self.results.iter().any(|r| {
                matches!(
                    r.status,
                    Status::Failed
                        | Status::Partial
                        | Status::Stale
                        | Status::NotAttempted
                        | Status::Interrupted
                )
            });
        let blocked_by_failure = self.results.iter().any(|r| {
            r.status == Status::Blocked && !r.message.as_deref().is_some_and(is_guard_block)
        });
        if bad || blocked_by_failure {
            crate::cli::exit::ERROR
        } else if self
            .results
            .iter()
            .any(|r| matches!(r.status, Status::SkippedGuard | Status::Blocked))
        {
            crate::cli::exit::GUARDED
        } else {
            crate::cli::exit::OK
        }
    }
}

const GUARD_BLOCK: &str = "waits on a change a guard skipped";

pub(super) fn is_guard_block(message: &str) -> bool {
    message.starts_with(GUARD_BLOCK)
}

/// Hears what apply does, as it does it (progress bars, lines in CI logs).
pub trait Observer: Sync {
    /// An action starts its first write.
    fn started(&self, _action: &Action) {}
    /// An action is settled.
    fn finished(&self, _result: &ActionResult) {}
    /// Something worth a line on stderr (a wait, a retry).
    fn note(&self, _text: &str) {}
}

/// An observer that hears nothing.
pub struct Silent;

impl Observer for Silent {}

/// Set by the first interrupt: no new writes start; in-flight ones finish.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Asks apply to stop starting writes.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether it was asked.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Everything one apply needs.
pub struct Session<'a> {
    /// The proxy.
    pub client: &'a Client,
    /// The reviewed plan.
    pub doc: &'a PlanDocument,
    /// Reads `${env:…}` variables.
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Keys the fingerprints (the same key the plan was made with).
    pub key: &'a FingerprintKey,
    /// With the files at hand: plans again from what verification gathered, so a
    /// touched server must come out with nothing to do.
    pub replan: Option<&'a (dyn Fn(&Gathered) -> Plan + Sync)>,
    /// Options.
    pub options: ApplyOptions,
    /// Progress.
    pub observer: &'a dyn Observer,
    /// Interrupts.
    pub cancel: &'a Cancel,
}

/// Applies the plan: preflight, writes phase by phase, verification.
pub async fn apply(s: &Session<'_>) -> Outcome {
    let started = std::time::Instant::now();
    let ms =
        |since: std::time::Instant| u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
    let prepared = match preflight::prepare(s).await {
        Ok(p) => p,
        Err(mut refusal) => {
            refusal.durations_ms.preflight = ms(started);
            return refusal;
        }
    };
    let preflight = ms(started);
    let writing = std::time::Instant::now();
    let bodies = prepared.bodies.clone();
    let mut outcome = schedule::run(s, prepared).await;
    let writes = ms(writing);
    let verifying = std::time::Instant::now();
    if outcome.results.iter().any(|r| r.status.succeeded()) {
        verify::verify(s, &bodies, &mut outcome).await;
    }
    outcome.next = Next::of(&outcome, s.replan.is_some());
    outcome.durations_ms = Durations {
        preflight,
        writes,
        verification: ms(verifying),
    };
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: Status, attempts: &[(&str, Option<u16>)]) -> ActionResult {
        ActionResult {
            server_id: "wiki".into(),
            server_name: "wiki".into(),
            action: ActionKind::Update,
            status,
            message: None,
            cause: None,
            outcome_unknown: false,
            fields: Vec::new(),
            partial: None,
            why: resume::Why::Unknown,
            kept_keys: None,
            attempts: attempts
                .iter()
                .map(|(step, status)| Attempt {
                    step: (*step).into(),
                    status: *status,
                    outcome: String::new(),
                })
                .collect(),
        }
    }

    fn outcome(results: Vec<ActionResult>) -> Outcome {
        Outcome {
            refused: None,
            results,
            verification: Verification::default(),
            interrupted: false,
            next: Next::default(),
            durations_ms: Durations::default(),
        }
    }

    #[test]
    fn wrote_is_true_only_for_a_write_the_proxy_took() {
        let nothing = [
            result(Status::AlreadyApplied, &[]),
            result(Status::SkippedGuard, &[]),
            result(Status::Stale, &[("read_back", Some(200))]),
            result(Status::Failed, &[("write", Some(422))]),
            result(Status::NotAttempted, &[]),
        ];
        assert!(!outcome(nothing.to_vec()).wrote());
        assert!(!outcome(Vec::new()).wrote());
        assert!(outcome(vec![result(Status::Applied, &[("write", Some(200))])]).wrote());
        // Written, then found otherwise by verification.
        assert!(outcome(vec![result(Status::Failed, &[("write", Some(200))])]).wrote());
        let mut unknown = result(Status::Failed, &[("write", None)]);
        unknown.outcome_unknown = true;
        assert!(outcome(vec![unknown]).wrote());
    }
}
