//! One write, with retries inside the action's budget, and the rule for outcomes that
//! are unknown: a timeout, a lost answer, a 5xx or "already exists" are settled by
//! reading the server back, never by guessing.
//!
//! ```text
//!   answer ok ──▶ check the row field by field ──▶ done / failed (fields named)
//!   401, 403 ───▶ failed, and no new writes anywhere
//!   429 ────────▶ wait (Retry-After or backoff), retry
//!   other 4xx ──▶ failed, in the proxy's words
//!   unknown ────▶ read by id ──▶ as sent: done
//!                              ├▶ as before: retry
//!                              └▶ neither: failed, someone else wrote it
//! ```

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::{Attempt, Moved, Session};
use crate::client::{ClientError, scrub};
use crate::escape::terminal_line;
use crate::live::LiveServer;
use crate::model::proxy::CLEARED_ON_AUTH_CHANGE;
use crate::plan::precondition::differences;
use crate::plan::verify::{likely_cause, mismatches};
use crate::plan::{Action, ActionKind, Precondition};

/// Consecutive requests that could not reach the proxy before apply stops writing.
const UNREACHABLE_LIMIT: usize = 3;

/// Which request of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// The temporary write that frees names for a swap.
    TempNames,
    /// The action's write.
    Main,
    /// The second write that sets OAuth fields the first one cleared.
    RestoreOauth,
}

impl Step {
    fn as_str(self) -> &'static str {
        match self {
            Step::TempNames => "temp_names",
            Step::Main => "write",
            Step::RestoreOauth => "restore_oauth",
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Ended {
    /// The proxy holds what was sent.
    Done,
    /// It does not, or may not.
    Failed {
        message: String,
        cause: Option<String>,
        unknown: bool,
        fields: Vec<Moved>,
    },
}

impl Ended {
    fn failed(message: impl Into<String>, cause: Option<&str>, unknown: bool) -> Ended {
        Ended::Failed {
            message: message.into(),
            cause: cause.map(str::to_owned),
            unknown,
            fields: Vec::new(),
        }
    }
}

/// What the server held before this step: how a read-back tells "not written yet".
pub(super) enum Before<'a> {
    /// The plan's precondition (the first write of an action).
    Planned(&'a Precondition),
    /// A body an earlier step of the same action wrote.
    Written(&'a Map<String, Value>),
}

/// Shared by every write of one apply.
pub(super) struct Writer<'a> {
    pub s: &'a Session<'a>,
    /// Set after a 401/403 or when the proxy is unreachable: no new writes start.
    pub stop: &'a AtomicBool,
    unreachable: AtomicUsize,
}

impl<'a> Writer<'a> {
    pub(super) fn new(s: &'a Session<'a>, stop: &'a AtomicBool) -> Writer<'a> {
        Writer {
            s,
            stop,
            unreachable: AtomicUsize::new(0),
        }
    }

    /// Runs one step until it is settled or the action's budget is spent.
    /// `secrets` are the values this body carries that must never be shown: a proxy
    /// may echo a request's values in its error (a validation error's `input`).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn step(
        &self,
        a: &Action,
        step: Step,
        body: Option<&Map<String, Value>>,
        before: Before<'_>,
        deadline: Instant,
        secrets: &[String],
        attempts: &mut Vec<Attempt>,
    ) -> Ended {
        let mut log = Vec::new();
        let ended = self
            .step_raw(a, step, body, before, deadline, secrets, &mut log)
            .await;
        let clean = |text: &str| secrets.iter().fold(text.to_owned(), |t, s| scrub(&t, s));
        attempts.extend(log.into_iter().map(|mut at| {
            at.outcome = clean(&at.outcome);
            at
        }));
        match ended {
            Ended::Done => Ended::Done,
            Ended::Failed {
                message,
                cause,
                unknown,
                fields,
            } => Ended::Failed {
                message: clean(&message),
                cause,
                unknown,
                fields,
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn step_raw(
        &self,
        a: &Action,
        step: Step,
        body: Option<&Map<String, Value>>,
        before: Before<'_>,
        deadline: Instant,
        secrets: &[String],
        attempts: &mut Vec<Attempt>,
    ) -> Ended {
        let mut tries: u32 = 0;
        // Whether an earlier attempt may have been carried out (its outcome unknown).
        let mut maybe_done = false;
        loop {
            tries += 1;
            let sent = self.send(a, body).await;
            let (status, verdict) = match sent {
                Ok(row) => {
                    self.unreachable.store(0, Ordering::SeqCst);
                    (Some(200), check_answer(a, step, body, row))
                }
                // A delete sent again after one whose outcome was unknown: that one did it.
                Err(e)
                    if maybe_done && a.action == ActionKind::Delete && e.status() == Some(404) =>
                {
                    (Some(404), Verdict::Settled(Ended::Done))
                }
                Err(e) => (
                    e.status(),
                    self.after_error(a, step, body, &before, &e, attempts).await,
                ),
            };
            let outcome = match &verdict {
                Verdict::Settled(Ended::Done) => "done".to_owned(),
                Verdict::Settled(Ended::Failed { message, .. }) => message.clone(),
                Verdict::Retry { why, .. } => format!("retrying: {why}"),
            };
            attempts.push(Attempt {
                step: step.as_str().to_owned(),
                status,
                outcome: terminal_line(&outcome).into_owned(),
            });
            match verdict {
                Verdict::Settled(ended) => return ended,
                Verdict::Retry { why, wait, unknown } => {
                    maybe_done |= unknown;
                    let wait = wait.unwrap_or_else(|| backoff(self.s.options.backoff, tries));
                    if Instant::now() + wait > deadline || self.stop.load(Ordering::SeqCst) {
                        return Ended::failed(
                            format!("gave up after {tries} attempt(s): {why}"),
                            None,
                            unknown,
                        );
                    }
                    let why = secrets.iter().fold(why, |t, s| scrub(&t, s));
                    self.s.observer.note(&format!(
                        "{}: waiting {:.1} s before retrying ({why})",
                        terminal_line(&a.server_name),
                        wait.as_secs_f64()
                    ));
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn send(
        &self,
        a: &Action,
        body: Option<&Map<String, Value>>,
    ) -> Result<Option<Value>, ClientError> {
        let client = self.s.client;
        match (a.action, body) {
            (ActionKind::Create, Some(b)) => client.create(b).await.map(Some),
            (ActionKind::Update, Some(b)) => client.update(b).await.map(Some),
            (ActionKind::Delete, _) => client.delete(&a.server_id).await.map(|()| None),
            (_, None) => Err(ClientError::Decode {
                method: "apply".into(),
                url: a.server_id.clone(),
                reason: "the plan has no body for this write".into(),
            }),
        }
    }

    async fn after_error(
        &self,
        a: &Action,
        step: Step,
        body: Option<&Map<String, Value>>,
        before: &Before<'_>,
        e: &ClientError,
        attempts: &mut Vec<Attempt>,
    ) -> Verdict {
        match e {
            ClientError::Auth { .. } => {
                self.stop.store(true, Ordering::SeqCst);
                Verdict::Settled(Ended::failed(e.to_string(), None, false))
            }
            ClientError::Status { status: 429, .. } => Verdict::Retry {
                why: "429 rate limited".into(),
                wait: None,
                unknown: false,
            },
            ClientError::Status {
                status, message, ..
            } if *status < 500 && !(a.action == ActionKind::Create && already_exists(message)) => {
                Verdict::Settled(Ended::failed(
                    format!("{status}: {message}"),
                    cause_of(a, *status, message).as_deref(),
                    false,
                ))
            }
            _ => {
                if matches!(e, ClientError::Connect { .. }) {
                    self.unreachable.fetch_add(1, Ordering::SeqCst);
                }
                self.read_back(a, step, body, before, e, attempts).await
            }
        }
    }

    /// Settles an unknown outcome by reading the server.
    async fn read_back(
        &self,
        a: &Action,
        step: Step,
        body: Option<&Map<String, Value>>,
        before: &Before<'_>,
        e: &ClientError,
        attempts: &mut Vec<Attempt>,
    ) -> Verdict {
        let why = terminal_line(&e.to_string()).into_owned();
        let read = self.s.client.get_server(&a.server_id).await;
        // The proxy resolves a path id by name or alias too: a server answered under
        // another id is not ours (a namesake the list does not show).
        let mut namesake = None;
        let row = match read {
            Ok(row) => {
                self.unreachable.store(0, Ordering::SeqCst);
                match row.map(LiveServer::from_json) {
                    Some(Ok(l)) if l.server_id() == a.server_id => Some(l),
                    Some(Ok(other)) => {
                        namesake = Some(other.server_id().to_owned());
                        None
                    }
                    // A success that is not a server says nothing about it: never "absent".
                    Some(Err(reason)) => {
                        attempts.push(Attempt {
                            step: "read_back".into(),
                            status: Some(200),
                            outcome: terminal_line(&format!("not a server: {reason}")).into_owned(),
                        });
                        return Verdict::Retry {
                            why: format!("{why}; the read-back did not answer a server"),
                            wait: None,
                            unknown: true,
                        };
                    }
                    None => None,
                }
            }
            Err(read_error) => {
                if matches!(
                    read_error,
                    ClientError::Connect { .. } | ClientError::Timeout { .. }
                ) && self.unreachable.fetch_add(1, Ordering::SeqCst) + 1 >= UNREACHABLE_LIMIT
                {
                    self.stop.store(true, Ordering::SeqCst);
                }
                attempts.push(Attempt {
                    step: "read_back".into(),
                    status: read_error.status(),
                    outcome: terminal_line(&read_error.to_string()).into_owned(),
                });
                return Verdict::Retry {
                    why: format!("{why}; the read-back failed too"),
                    wait: None,
                    unknown: true,
                };
            }
        };
        attempts.push(Attempt {
            step: "read_back".into(),
            status: Some(if row.is_some() || namesake.is_some() {
                200
            } else {
                404
            }),
            outcome: match (&row, &namesake) {
                (Some(_), _) => "found".into(),
                (None, Some(other)) => format!(
                    "absent (another server, `{}`, has its name)",
                    terminal_line(other)
                ),
                (None, None) => "absent".into(),
            },
        });
        let retry = Verdict::Retry {
            why: format!("{why}; the proxy does not hold the write, trying again"),
            wait: None,
            unknown: false,
        };
        match (a.action, row) {
            (ActionKind::Delete, None) => Verdict::Settled(Ended::Done),
            (ActionKind::Delete, Some(l)) => {
                if unchanged(before, &l, self) {
                    retry
                } else {
                    Verdict::Settled(someone_else(a))
                }
            }
            (ActionKind::Create, None) => {
                if let ClientError::Status { message, .. } = e
                    && already_exists(message)
                {
                    let holder = namesake
                        .map(|id| {
                            format!(" (it shows one under server_id `{}`)", terminal_line(&id))
                        })
                        .unwrap_or_default();
                    return Verdict::Settled(Ended::failed(
                        format!(
                            "the proxy says a server with this id or name already exists ({message}), but cannot show server_id `{}`{holder}",
                            a.server_id
                        ),
                        Some(
                            "a server the list does not show holds the name or id: an OpenAPI server whose spec the proxy cannot load, or a submission awaiting approval",
                        ),
                        false,
                    ));
                }
                retry
            }
            (_, None) => Verdict::Settled(Ended::failed(
                "the server was deleted while apply was writing it",
                Some("someone else deleted it"),
                false,
            )),
            (_, Some(l)) => {
                let held = body.map(|b| missing(a, step, b, &l)).unwrap_or_default();
                if held.is_empty() {
                    Verdict::Settled(Ended::Done)
                } else if step != Step::Main || unchanged(before, &l, self) {
                    // A repeated write of the same body is harmless.
                    retry
                } else {
                    Verdict::Settled(someone_else(a))
                }
            }
        }
    }
}

/// A success answer: the row must hold every field sent, except the OAuth fields a
/// first write of a two-write update is known to clear (the second write sets them).
fn check_answer(
    a: &Action,
    step: Step,
    body: Option<&Map<String, Value>>,
    row: Option<Value>,
) -> Verdict {
    let (Some(body), Some(row)) = (body, row) else {
        return Verdict::Settled(Ended::Done);
    };
    // An answer that is not a server row: the list read after all writes checks it.
    let Ok(l) = LiveServer::from_json(row) else {
        return Verdict::Settled(Ended::Done);
    };
    let dropped = missing(a, step, body, &l);
    if dropped.is_empty() {
        Verdict::Settled(Ended::Done)
    } else {
        Verdict::Settled(dropped_fields(&dropped))
    }
}

/// Fields of `body` that `l` does not hold, less the ones this step is known to leave
/// to the next: the OAuth fields the proxy clears in the action's first write when it
/// changes `url`, `issuer` or the auth type (the temporary write, when there is one).
fn missing(a: &Action, step: Step, body: &Map<String, Value>, l: &LiveServer) -> Vec<String> {
    let first = match step {
        Step::TempNames => true,
        Step::Main => a.temp_names.is_none(),
        Step::RestoreOauth => false,
    };
    let cleared = a.restores_oauth && first;
    mismatches(body, l)
        .into_iter()
        .filter(|f| !(cleared && CLEARED_ON_AUTH_CHANGE.contains(&f.as_str())))
        .collect()
}

/// Whether the server still looks as before the step.
fn unchanged(before: &Before<'_>, l: &LiveServer, w: &Writer<'_>) -> bool {
    match before {
        Before::Planned(Precondition::Unchanged { fields }) => {
            differences(fields, l, w.s.key).is_empty()
        }
        Before::Planned(Precondition::Absent { .. }) => false,
        Before::Written(body) => mismatches(body, l).is_empty(),
    }
}

enum Verdict {
    Settled(Ended),
    Retry {
        why: String,
        wait: Option<Duration>,
        unknown: bool,
    },
}

fn someone_else(a: &Action) -> Ended {
    Ended::failed(
        format!(
            "server_id `{}` holds neither what apply sent nor what the plan expected",
            a.server_id
        ),
        Some("someone else wrote it at the same time"),
        false,
    )
}

fn dropped_fields(fields: &[String]) -> Ended {
    let cause = fields.first().map(|f| likely_cause(f)).unwrap_or_default();
    Ended::Failed {
        message: format!(
            "the proxy accepted the write but did not keep {}",
            fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        cause: Some(cause.to_owned()),
        unknown: false,
        fields: fields
            .iter()
            .map(|f| Moved {
                field: f.clone(),
                planned: None,
                now: None,
            })
            .collect(),
    }
}

fn already_exists(message: &str) -> bool {
    message.contains("already exists")
}

/// The likely cause of a refusal, where the proxy's words do not say it plainly.
fn cause_of(a: &Action, status: u16, message: &str) -> Option<String> {
    let cause = if message.contains("already exists") {
        "another server holds this name or alias (one the list may not show: an OpenAPI server whose spec the proxy cannot load, or a submission awaiting approval)"
    } else if message.contains("stdio MCP servers are disabled") {
        "the proxy runs without LITELLM_ENABLE_MCP_STDIO=true"
    } else if status == 404 && a.action != ActionKind::Create {
        "the server was deleted since the plan"
    } else if status == 422 {
        "the proxy's version rejects a field or value (check the supported versions in the README)"
    } else {
        return None;
    };
    Some(cause.to_owned())
}

/// Full jitter: a random wait between zero and the doubled base, capped at 30 s.
fn backoff(base: Duration, tries: u32) -> Duration {
    let ceiling = base
        .saturating_mul(1 << tries.min(16))
        .min(Duration::from_secs(30));
    ceiling.mul_f64(jitter())
}

fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() % 10_000) as f64 / 10_000.0
}

/// The values in a ready body that must never be shown: what the plan's references
/// resolved to, every `credentials` value, and the live values apply filled in
/// (`from_live`).
pub(super) fn secret_values(a: &Action, body: Option<&Map<String, Value>>) -> Vec<String> {
    let Some(body) = body else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let root = Value::Object(body.clone());
    for r in &a.references {
        if let Some(Value::String(v)) = root.pointer(&r.pointer) {
            out.push(v.clone());
        }
    }
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
            Value::Object(m) => m.values().for_each(|i| strings(i, out)),
            _ => {}
        }
    }
    if let Some(c) = body.get("credentials") {
        strings(c, &mut out);
    }
    for f in &a.from_live {
        if let Some(v) = body.get(f) {
            strings(v, &mut out);
        }
    }
    // Longest first, so a secret that contains another is scrubbed whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}
