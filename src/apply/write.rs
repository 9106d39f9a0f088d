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
use std::time::Instant;

use serde_json::{Map, Value};

use super::resume::Why;
use super::retry::{Verdict, backoff};
use super::{Attempt, Moved, Session};
use crate::client::{ClientError, scrub};
use crate::escape::terminal_line;
use crate::live::LiveServer;
use crate::plan::verify::likely_cause;
use crate::plan::{Action, ActionKind, Precondition};

/// Consecutive requests that could not reach the proxy before apply stops writing.
pub(super) const UNREACHABLE_LIMIT: usize = 3;

/// Which request of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// The temporary write that frees names for a swap.
    TempNames,
    /// The action's write (a create's first write).
    Main,
    /// A create's second write: the same body with mcpform's ownership proof, bound to
    /// the creation time the proxy set.
    Proof,
    /// The second write that sets OAuth fields the first one cleared.
    RestoreOauth,
    /// A swap member's write back to the names it had, when its own write cannot follow
    /// its temporary one.
    PutBack,
}

impl Step {
    fn as_str(self) -> &'static str {
        match self {
            Step::TempNames => "temp_names",
            Step::Main => "write",
            Step::Proof => "ownership_proof",
            Step::RestoreOauth => "restore_oauth",
            Step::PutBack => "put_back_names",
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
        why: Why,
    },
}

impl Ended {
    pub(super) fn failed(
        message: impl Into<String>,
        cause: Option<&str>,
        unknown: bool,
        why: Why,
    ) -> Ended {
        Ended::Failed {
            message: message.into(),
            cause: cause.map(str::to_owned),
            unknown,
            fields: Vec::new(),
            why,
        }
    }
}

/// One step to run: what it sends, and what the server held before it.
pub(super) struct Request<'b> {
    pub step: Step,
    pub body: Option<&'b Map<String, Value>>,
    pub before: Before<'b>,
}

/// What every step of one action shares: the action, its budget, and the values its
/// bodies carry that must never be shown (a proxy may echo a request's values in its
/// error, a validation error's `input`).
pub(super) struct Ctx<'b> {
    pub a: &'b Action,
    pub deadline: Instant,
    pub secrets: &'b [String],
}

/// A settled step, with the server as the proxy last showed it (the write's answer or
/// the read-back), when it did.
pub(super) struct Stepped {
    pub ended: Ended,
    pub row: Option<LiveServer>,
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
    /// Consecutive requests that could not reach the proxy.
    pub(super) unreachable: AtomicUsize,
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
    pub(super) async fn step(
        &self,
        cx: &Ctx<'_>,
        req: Request<'_>,
        attempts: &mut Vec<Attempt>,
    ) -> Stepped {
        let mut log = Vec::new();
        let mut row = None;
        let ended = self.step_raw(cx, &req, &mut log, &mut row).await;
        let clean = |text: &str| cx.secrets.iter().fold(text.to_owned(), |t, s| scrub(&t, s));
        attempts.extend(log.into_iter().map(|mut at| {
            at.outcome = clean(&at.outcome);
            at
        }));
        let ended = match ended {
            Ended::Done => Ended::Done,
            Ended::Failed {
                message,
                cause,
                unknown,
                fields,
                why,
            } => Ended::Failed {
                message: clean(&message),
                cause,
                unknown,
                fields,
                why,
            },
        };
        Stepped { ended, row }
    }

    async fn step_raw(
        &self,
        cx: &Ctx<'_>,
        req: &Request<'_>,
        attempts: &mut Vec<Attempt>,
        seen: &mut Option<LiveServer>,
    ) -> Ended {
        let (a, step, body) = (cx.a, req.step, req.body);
        let mut tries: u32 = 0;
        // Whether an earlier attempt may have been carried out (its outcome unknown).
        let mut maybe_done = false;
        loop {
            tries += 1;
            let sent = self.send(a, step, body).await;
            let (status, verdict) = match sent {
                Ok(answer) => {
                    self.unreachable.store(0, Ordering::SeqCst);
                    let row = answer.and_then(|v| LiveServer::from_json(v).ok());
                    let verdict = super::readback::check_answer(a, step, body, row.as_ref());
                    if row.is_some() {
                        *seen = row;
                    }
                    (Some(200), verdict)
                }
                // A delete sent again after one whose outcome was unknown: that one did it.
                Err(e)
                    if maybe_done && a.action == ActionKind::Delete && e.status() == Some(404) =>
                {
                    (Some(404), Verdict::Settled(Ended::Done))
                }
                Err(e) => (
                    e.status(),
                    self.after_error(cx, req, &e, attempts, seen).await,
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
                    if Instant::now() + wait > cx.deadline || self.stop.load(Ordering::SeqCst) {
                        return Ended::failed(
                            format!("gave up after {tries} attempt(s): {why}"),
                            None,
                            unknown,
                            Why::Transient,
                        );
                    }
                    let why = cx.secrets.iter().fold(why, |t, s| scrub(&t, s));
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
        step: Step,
        body: Option<&Map<String, Value>>,
    ) -> Result<Option<Value>, ClientError> {
        let client = self.s.client;
        match (a.action, step, body) {
            (ActionKind::Delete, _, _) => client.delete(&a.server_id).await.map(|()| None),
            (ActionKind::Create, Step::Main, Some(b)) => client.create(b).await.map(Some),
            // Every other write of a create (its proof) and of an update is a PUT.
            (_, _, Some(b)) => client.update(b).await.map(Some),
            (_, _, None) => Err(ClientError::Decode {
                method: "apply".into(),
                url: a.server_id.clone(),
                reason: "the plan has no body for this write".into(),
            }),
        }
    }

    async fn after_error(
        &self,
        cx: &Ctx<'_>,
        req: &Request<'_>,
        e: &ClientError,
        attempts: &mut Vec<Attempt>,
        seen: &mut Option<LiveServer>,
    ) -> Verdict {
        let a = cx.a;
        let creating = a.action == ActionKind::Create && req.step == Step::Main;
        match e {
            ClientError::Auth { .. } => {
                self.stop.store(true, Ordering::SeqCst);
                Verdict::Settled(Ended::failed(e.to_string(), None, false, Why::Refused))
            }
            ClientError::Status { status: 429, .. } => Verdict::Retry {
                why: "429 rate limited".into(),
                wait: None,
                unknown: false,
            },
            ClientError::Status {
                status, message, ..
            } if *status < 500 && !(creating && already_exists(message)) => {
                Verdict::Settled(Ended::failed(
                    format!("{status}: {message}"),
                    cause_of(a, *status, message).as_deref(),
                    false,
                    Why::Refused,
                ))
            }
            _ => {
                if matches!(e, ClientError::Connect { .. }) {
                    self.unreachable.fetch_add(1, Ordering::SeqCst);
                }
                self.read_back(cx, req, e, attempts, seen).await
            }
        }
    }
}

pub(super) fn someone_else(a: &Action) -> Ended {
    Ended::failed(
        format!(
            "server_id `{}` holds neither what apply sent nor what the plan expected",
            a.server_id
        ),
        Some("someone else wrote it at the same time"),
        false,
        Why::Moved,
    )
}

pub(super) fn dropped_fields(fields: &[String]) -> Ended {
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
        why: Why::Refused,
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

pub(super) fn already_exists(message: &str) -> bool {
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
        "the proxy's version rejects a field or value (check the supported versions: docs/litellm-versions.md)"
    } else {
        return None;
    };
    Some(cause.to_owned())
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
