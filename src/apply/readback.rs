//! Settling a write whose outcome is unknown (a timeout, a lost answer, a 5xx,
//! "already exists" on a create) by reading the server by id, and checking a write's
//! answer field by field.
//!
//! ```text
//!   read by id ──▶ as sent: done
//!              ├▶ as before: try again
//!              ├▶ a submission holds the id: failed, never written over
//!              └▶ neither: failed, someone else wrote it
//! ```

use std::sync::atomic::Ordering;

use serde_json::{Map, Value};

use super::Attempt;
use super::resume::{Why, cleared_fields};
use super::retry::Verdict;
use super::write::{
    Before, Ctx, Ended, Request, Step, UNREACHABLE_LIMIT, Writer, already_exists, dropped_fields,
    someone_else,
};
use crate::client::ClientError;
use crate::escape::terminal_line;
use crate::live::LiveServer;
use crate::plan::precondition::differences;
use crate::plan::verify::mismatches;
use crate::plan::{Action, ActionKind, Precondition};

impl Writer<'_> {
    /// Settles an unknown outcome by reading the server.
    pub(super) async fn read_back(
        &self,
        cx: &Ctx<'_>,
        req: &Request<'_>,
        e: &ClientError,
        attempts: &mut Vec<Attempt>,
        seen: &mut Option<LiveServer>,
    ) -> Verdict {
        let (a, step, body, before) = (cx.a, req.step, req.body, &req.before);
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
        if let Some(l) = &row {
            *seen = Some(l.clone());
        }
        let retry = Verdict::Retry {
            why: format!("{why}; the proxy does not hold the write, trying again"),
            wait: None,
            unknown: false,
        };
        // A create never writes over a row that came in as a submission, however much
        // of it looks like the body (anyone who reads a plan can copy the body).
        if a.action == ActionKind::Create
            && let Some(l) = &row
            && l.says_submitted()
        {
            return Verdict::Settled(submission(a, l));
        }
        match (a.action, row) {
            (ActionKind::Delete, None) => Verdict::Settled(Ended::Done),
            (ActionKind::Delete, Some(l)) => {
                if unchanged(before, &l, self) {
                    retry
                } else {
                    Verdict::Settled(someone_else(a))
                }
            }
            (ActionKind::Create, None) if step == Step::Main => {
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
                        Why::Refused,
                    ));
                }
                retry
            }
            (_, None) => Verdict::Settled(Ended::failed(
                "the server was deleted while apply was writing it",
                Some("someone else deleted it"),
                false,
                Why::Moved,
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
pub(super) fn check_answer(
    a: &Action,
    step: Step,
    body: Option<&Map<String, Value>>,
    row: Option<&LiveServer>,
) -> Verdict {
    // An answer that is not a server row: the list read after all writes checks it.
    let (Some(body), Some(l)) = (body, row) else {
        return Verdict::Settled(Ended::Done);
    };
    let dropped = missing(a, step, body, l);
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
        Step::TempNames | Step::PutBack => true,
        Step::Main => a.temp_names.is_none(),
        Step::Proof | Step::RestoreOauth => false,
    };
    let cleared = if first {
        cleared_fields(a, body)
    } else {
        Vec::new()
    };
    mismatches(body, l)
        .into_iter()
        .filter(|f| !cleared.contains(f))
        .collect()
}

/// Whether the server still looks as before the step.
pub(super) fn unchanged(before: &Before<'_>, l: &LiveServer, w: &Writer<'_>) -> bool {
    match before {
        Before::Planned(Precondition::Unchanged { fields }) => {
            differences(fields, l, w.s.key).is_empty()
        }
        Before::Planned(Precondition::Absent { .. }) => false,
        Before::Written(body) => mismatches(body, l).is_empty(),
    }
}

/// A create's id held by a row that came in as a submission.
fn submission(a: &Action, l: &LiveServer) -> Ended {
    let by = l
        .submitted_by()
        .map(|u| format!(" by `{}`", terminal_line(u)))
        .unwrap_or_default();
    Ended::failed(
        format!(
            "server_id `{}` is held by a server that came in as a submission{by}: mcpform does not write over it",
            a.server_id
        ),
        Some(
            "a team member submitted a server under the planned id (anyone who can read the plan can copy its body); delete it on the proxy, or declare another id",
        ),
        false,
        Why::Moved,
    )
}
