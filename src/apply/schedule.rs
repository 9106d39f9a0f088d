//! Runs the writes phase by phase, `parallelism` at a time, each action after the
//! writes that free the names it takes. An action whose partner did not succeed is
//! `blocked` (a swap member that took its temporary names first puts its old ones
//! back); after a 401/403 or an unreachable proxy nothing new starts
//! (`not_attempted`); after an interrupt nothing new starts (`interrupted`) while the
//! writes in flight finish. An action left between its writes is `partial`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::preflight::Prepared;
use super::resume::{Held, Start};
use super::steps::{Work, WorkEnd, run_work};
use super::write::{Ended, Writer};
use super::{ActionResult, GUARD_BLOCK, Outcome, Session, Status, Verification};
use crate::plan::{Action, Phase};

pub(super) async fn run(s: &Session<'_>, p: Prepared) -> Outcome {
    let actions = &s.doc.actions;
    let stop = AtomicBool::new(false);
    let writer = Writer::new(s, &stop);
    let index: HashMap<&str, usize> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.server_id.as_str(), i))
        .collect();
    let mut results: Vec<Option<ActionResult>> = p.results;
    // Whether an action's temporary write succeeded (it frees its names); a saved plan
    // resumed after it starts with it done.
    let mut temp_ok: Vec<Option<bool>> = p
        .starts
        .iter()
        .map(|st| (*st == Start::AfterTemp).then_some(true))
        .collect();
    // Why a swap member is putting its old names back instead of taking its new ones.
    let mut blocked_by: Vec<Option<String>> = vec![None; actions.len()];
    let mut attempts: Vec<Vec<super::Attempt>> = vec![Vec::new(); actions.len()];
    let mut interrupted = false;
    for phase in [Phase::FreeNames, Phase::Apply, Phase::Delete] {
        let mut queue: Vec<Work> = Vec::new();
        for (i, a) in actions.iter().enumerate() {
            if results[i].is_some() {
                continue;
            }
            if phase == Phase::FreeNames && a.temp_names.is_some() && temp_ok[i].is_none() {
                queue.push(Work::Temp(i));
            }
            if a.phase == phase {
                queue.push(Work::Main(i));
            }
        }
        let mut running = FuturesUnordered::new();
        loop {
            // Settle what can no longer run, start what can.
            let mut k = 0;
            while k < queue.len() && running.len() < s.options.parallelism.max(1) {
                let work = queue[k];
                let i = work.index();
                if results[i].is_some() {
                    queue.remove(k);
                    continue;
                }
                let work = match readiness(work, actions, &index, &results, &temp_ok) {
                    Ready::Wait => {
                        k += 1;
                        continue;
                    }
                    Ready::Blocked(message) if temp_ok[i] == Some(true) => {
                        // Its temporary write took names; give them back before going.
                        blocked_by[i] = Some(message);
                        Work::PutBack(i)
                    }
                    Ready::Blocked(message) => {
                        queue.remove(k);
                        let r =
                            ActionResult::new(&actions[i], Status::Blocked).with_message(message);
                        s.observer.finished(&r);
                        results[i] = Some(r);
                        continue;
                    }
                    Ready::Go => work,
                };
                if s.cancel.is_cancelled() || stop.load(Ordering::SeqCst) {
                    break;
                }
                queue.remove(k);
                // An action is announced once: at its first write this run.
                let first = match work {
                    Work::Temp(_) => true,
                    Work::Main(_) => temp_ok[i].is_none() || p.starts[i] == Start::AfterTemp,
                    Work::PutBack(_) => false,
                };
                if first {
                    s.observer.started(&actions[i]);
                }
                let body = p.bodies[i].clone();
                let start = &p.starts[i];
                let writer = &writer;
                running.push(async move {
                    let mut log = Vec::new();
                    let end =
                        run_work(writer, &actions[i], work, body.as_ref(), start, &mut log).await;
                    (work, end, log)
                });
            }
            let Some((work, end, log)) = running.next().await else {
                break;
            };
            let i = work.index();
            attempts[i].extend(log);
            let mut r = match (work, end) {
                (
                    Work::Temp(_),
                    WorkEnd {
                        ended: Ended::Done, ..
                    },
                ) => {
                    temp_ok[i] = Some(true);
                    continue;
                }
                (Work::PutBack(_), end) => put_back_result(&actions[i], blocked_by[i].take(), end),
                (work, end) => {
                    if let Work::Temp(_) = work {
                        temp_ok[i] = Some(false);
                    }
                    settle(&actions[i], end)
                }
            };
            if r.status == Status::Applied
                && let Some(note) = p.resumed[i]
            {
                r.message = Some(note.to_owned());
            }
            r.attempts = std::mem::take(&mut attempts[i]);
            r.kept_keys = p.kept_keys[i];
            s.observer.finished(&r);
            results[i] = Some(r);
        }
        if s.cancel.is_cancelled() {
            interrupted = true;
        }
    }
    let results = actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            results[i]
                .take()
                .unwrap_or_else(|| unstarted(a, interrupted, temp_ok[i] == Some(true)))
        })
        .zip(attempts)
        .map(|(mut r, log)| {
            if r.attempts.is_empty() {
                r.attempts = log;
            }
            r
        })
        .collect();
    Outcome {
        refused: None,
        results,
        verification: Verification::default(),
        durations_ms: super::Durations::default(),
        interrupted,
        next: super::Next::Done,
    }
}

/// An action that never got its turn; one whose temporary write is done holds its
/// temporary names.
fn unstarted(a: &Action, interrupted: bool, temp_done: bool) -> ActionResult {
    let status = if interrupted {
        Status::Interrupted
    } else {
        Status::NotAttempted
    };
    let mut r = ActionResult::new(a, status);
    if status == Status::NotAttempted {
        r.message =
            Some("writes stopped: the key was refused or the proxy could not be reached".into());
    }
    if temp_done && let Some(names) = a.temp_names.clone() {
        let held = Held::TemporaryNames { names };
        let why = if interrupted {
            "an interrupt stopped it after its temporary write"
        } else {
            "writes stopped after its temporary write"
        };
        r.message = Some(format!("{why}: {}", held.describe()));
        r.status = Status::Partial;
        r.partial = Some(held);
    }
    r
}

/// A blocked swap member after its write back to its old names.
fn put_back_result(a: &Action, blocked: Option<String>, end: WorkEnd) -> ActionResult {
    let blocked = blocked.unwrap_or_default();
    match end.held {
        None => ActionResult::new(a, Status::Blocked)
            .with_message(format!("{blocked}; its temporary names were put back")),
        Some(held) => {
            let mut r = ActionResult::new(a, Status::Partial).with_message(format!(
                "{blocked}; putting its old names back failed: {}",
                held.describe()
            ));
            r.partial = Some(held);
            r
        }
    }
}

enum Ready {
    Go,
    Wait,
    Blocked(String),
}

/// Whether a unit can start: a temporary write always can; an action's write once every
/// server in its `after` has freed the names it takes.
fn readiness(
    work: Work,
    actions: &[Action],
    index: &HashMap<&str, usize>,
    results: &[Option<ActionResult>],
    temp_ok: &[Option<bool>],
) -> Ready {
    let Work::Main(i) = work else {
        return Ready::Go;
    };
    if actions[i].temp_names.is_some() && temp_ok[i] != Some(true) {
        return Ready::Wait;
    }
    for dep in &actions[i].after {
        let Some(&j) = index.get(dep.as_str()) else {
            continue;
        };
        // The write that frees the name: the temporary one when there is one.
        let freed = if actions[j].temp_names.is_some() {
            match (temp_ok[j], &results[j]) {
                (Some(true), _) => Some(true),
                (Some(false), _) => Some(false),
                (None, Some(r)) => Some(r.status.succeeded()),
                (None, None) => None,
            }
        } else {
            results[j].as_ref().map(|r| r.status.succeeded())
        };
        match freed {
            Some(true) => {}
            None => return Ready::Wait,
            Some(false) => {
                let partner = results[j].as_ref().map(|r| r.status);
                let message = if matches!(partner, Some(Status::SkippedGuard))
                    || results[j]
                        .as_ref()
                        .and_then(|r| r.message.as_deref())
                        .is_some_and(|m| m.starts_with(GUARD_BLOCK))
                {
                    format!(
                        "{GUARD_BLOCK} (`{}` frees a name this server takes)",
                        actions[j].server_name
                    )
                } else {
                    format!(
                        "waits on `{}`, which did not succeed ({}): it frees a name this server takes",
                        actions[j].server_name,
                        partner.map_or("its temporary write failed", Status::as_str)
                    )
                };
                return Ready::Blocked(message);
            }
        }
    }
    Ready::Go
}

/// The result of a settled action: `partial` when it stopped between its writes.
fn settle(a: &Action, end: WorkEnd) -> ActionResult {
    match end.ended {
        Ended::Done => ActionResult::new(a, Status::Applied),
        Ended::Failed {
            message,
            cause,
            unknown,
            fields,
            why,
        } => {
            let status = if end.held.is_some() {
                Status::Partial
            } else {
                Status::Failed
            };
            let message = match &end.held {
                Some(h) => format!("{message}; {}", h.describe()),
                None => message,
            };
            let mut r = ActionResult::new(a, status).with_message(message);
            r.cause = cause;
            r.outcome_unknown = unknown;
            r.fields = fields;
            r.partial = end.held;
            r.why = why;
            r
        }
    }
}
