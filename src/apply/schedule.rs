//! Runs the writes phase by phase, `parallelism` at a time, each action after the
//! writes that free the names it takes. An action whose partner did not succeed is
//! `blocked`; after a 401/403 or an unreachable proxy nothing new starts
//! (`not_attempted`); after an interrupt nothing new starts (`interrupted`) while the
//! writes in flight finish.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::{Map, Value};

use super::preflight::Prepared;
use super::write::{Before, Ended, Step, Writer, secret_values};
use super::{ActionResult, GUARD_BLOCK, Outcome, Session, Status, Verification};
use crate::plan::{Action, Phase};

/// A unit of work: an action's temporary write, or the rest of the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    Temp(usize),
    Main(usize),
}

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
    // Whether an action's temporary write succeeded (it frees its names).
    let mut temp_ok: Vec<Option<bool>> = vec![None; actions.len()];
    let mut attempts: Vec<Vec<super::Attempt>> = vec![Vec::new(); actions.len()];
    let mut interrupted = false;
    for phase in [Phase::FreeNames, Phase::Apply, Phase::Delete] {
        let mut queue: Vec<Work> = Vec::new();
        for (i, a) in actions.iter().enumerate() {
            if results[i].is_some() {
                continue;
            }
            if phase == Phase::FreeNames && a.temp_names.is_some() {
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
                let i = match work {
                    Work::Temp(i) | Work::Main(i) => i,
                };
                if results[i].is_some() {
                    queue.remove(k);
                    continue;
                }
                match readiness(work, actions, &index, &results, &temp_ok) {
                    Ready::Wait => {
                        k += 1;
                        continue;
                    }
                    Ready::Blocked(message) => {
                        queue.remove(k);
                        let r =
                            ActionResult::new(&actions[i], Status::Blocked).with_message(message);
                        s.observer.finished(&r);
                        results[i] = Some(r);
                        continue;
                    }
                    Ready::Go => {}
                }
                if s.cancel.is_cancelled() || stop.load(Ordering::SeqCst) {
                    break;
                }
                queue.remove(k);
                if matches!(work, Work::Temp(_)) || actions[i].temp_names.is_none() {
                    s.observer.started(&actions[i]);
                }
                let body = p.bodies[i].clone();
                let writer = &writer;
                running.push(async move {
                    let mut log = Vec::new();
                    let ended = run_work(writer, &actions[i], work, body.as_ref(), &mut log).await;
                    (work, ended, log)
                });
            }
            let Some((work, ended, log)) = running.next().await else {
                break;
            };
            let i = match work {
                Work::Temp(i) | Work::Main(i) => i,
            };
            attempts[i].extend(log);
            match (work, ended) {
                (Work::Temp(_), Ended::Done) => temp_ok[i] = Some(true),
                (_, ended) => {
                    if let Work::Temp(_) = work {
                        temp_ok[i] = Some(false);
                    }
                    let mut r = settle(&actions[i], ended);
                    r.attempts = std::mem::take(&mut attempts[i]);
                    r.kept_keys = p.kept_keys[i];
                    s.observer.finished(&r);
                    results[i] = Some(r);
                }
            }
        }
        if s.cancel.is_cancelled() {
            interrupted = true;
        }
    }
    let results = actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            results[i].take().unwrap_or_else(|| {
                let status = if interrupted {
                    Status::Interrupted
                } else {
                    Status::NotAttempted
                };
                let mut r = ActionResult::new(a, status);
                r.attempts = std::mem::take(&mut attempts[i]);
                if status == Status::NotAttempted {
                    r.message = Some(
                        "writes stopped: the key was refused or the proxy could not be reached"
                            .into(),
                    );
                }
                r
            })
        })
        .collect();
    Outcome {
        refused: None,
        results,
        verification: Verification::default(),
        durations_ms: super::Durations::default(),
        interrupted,
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

/// The steps of one unit, within the action's budget.
async fn run_work(
    w: &Writer<'_>,
    a: &Action,
    work: Work,
    body: Option<&Map<String, Value>>,
    log: &mut Vec<super::Attempt>,
) -> Ended {
    let deadline = Instant::now() + w.s.options.action_budget;
    let secrets = secret_values(a, body);
    if let Work::Temp(_) = work {
        let temp = temp_body(a, body);
        return w
            .step(
                a,
                Step::TempNames,
                temp.as_ref(),
                Before::Planned(&a.precondition),
                deadline,
                &secrets,
                log,
            )
            .await;
    }
    let temp = temp_body(a, body);
    let before = match &temp {
        Some(t) if a.temp_names.is_some() => Before::Written(t),
        _ => Before::Planned(&a.precondition),
    };
    let ended = w
        .step(a, Step::Main, body, before, deadline, &secrets, log)
        .await;
    if ended != Ended::Done || !a.restores_oauth {
        return ended;
    }
    let Some(b) = body else { return ended };
    w.step(
        a,
        Step::RestoreOauth,
        body,
        Before::Written(b),
        deadline,
        &secrets,
        log,
    )
    .await
}

/// The body of a temporary write: the final body with the clashing names replaced.
fn temp_body(a: &Action, body: Option<&Map<String, Value>>) -> Option<Map<String, Value>> {
    let (Some(names), Some(body)) = (&a.temp_names, body) else {
        return None;
    };
    let mut temp = body.clone();
    for (field, value) in names {
        temp.insert(field.clone(), Value::String(value.clone()));
    }
    Some(temp)
}

/// The result of a settled action.
fn settle(a: &Action, ended: Ended) -> ActionResult {
    match ended {
        Ended::Done => ActionResult::new(a, Status::Applied),
        Ended::Failed {
            message,
            cause,
            unknown,
            fields,
        } => {
            let mut r = ActionResult::new(a, Status::Failed).with_message(message);
            r.cause = cause;
            r.outcome_unknown = unknown;
            r.fields = fields;
            r
        }
    }
}
