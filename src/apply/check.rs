//! Preflight's judgement of one action against the proxy as it is now. What matters is
//! re-derived from the live server, whatever the document says: a delete needs
//! mcpform's proof of ownership; a change that strands stored keys is recounted; a
//! create whose id exists is never taken for done unless the server is provably
//! mcpform's and the action sends no credentials; a precondition must cover every
//! field the action writes.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::preflight::{carry_resettable, name_taken, resolve_body, with_live_values};
use super::resume::{Start, update_progress};
use super::{ActionResult, Moved, Session, Status};
use crate::gather::Gathered;
use crate::live::{CredentialCount, LiveServer};
use crate::model::always_managed;
use crate::plan::precondition::differences;
use crate::plan::verify::mismatches;
use crate::plan::{
    Action, ActionKind, Guard, GuardReason, Ownership, Precondition, ownership, stranding,
    with_proof,
};
use crate::render::guard_sentence;

/// An action ready to write.
pub(super) struct Ready {
    pub body: Option<Map<String, Value>>,
    pub kept: Option<CredentialCount>,
    pub start: Start,
    pub resumed: Option<&'static str>,
}

pub(super) enum Checked {
    Ready(Ready),
    Settled(ActionResult),
}

type Stale = Box<ActionResult>;

pub(super) fn check(
    s: &Session<'_>,
    a: &Action,
    g: &Gathered,
    acting: &HashSet<&str>,
    by_id: &HashMap<String, Result<bool, String>>,
    carry: bool,
) -> Result<Checked, Stale> {
    let live = g.live.servers.iter().find(|l| l.server_id() == a.server_id);
    let stale =
        |message: String| Box::new(ActionResult::new(a, Status::Stale).with_message(message));
    if let Some(why) = incomplete(a) {
        return Err(stale(why));
    }
    let body = match &a.body {
        Some(body) => {
            let body = with_live_values(a, resolve_body(s, a, body).map_err(stale)?, live);
            Some(if carry && a.action == ActionKind::Update {
                carry_resettable(body, live)
            } else {
                body
            })
        }
        None => None,
    };
    let mut ready = Ready {
        body: None,
        kept: None,
        start: Start::Fresh,
        resumed: None,
    };
    match (a.action, live, &body) {
        (ActionKind::Create, Some(l), Some(b)) => {
            match existing_create(s, a, b, l, g, by_id).map_err(stale)? {
                Some((start, note)) => {
                    ready.start = start;
                    ready.resumed = Some(note);
                }
                None => {
                    return Ok(Checked::Settled(ActionResult::new(
                        a,
                        Status::AlreadyApplied,
                    )));
                }
            }
        }
        (ActionKind::Create, None, _) => {
            if let Precondition::Absent { names } = &a.precondition
                && let Some(message) = name_taken(names, a, g, acting)
            {
                return Err(stale(message));
            }
        }
        (ActionKind::Update, None, _) => {
            return Err(stale("the server is no longer on the proxy".to_owned()));
        }
        (ActionKind::Delete, None, _) => {
            return Ok(Checked::Settled(ActionResult::new(
                a,
                Status::AlreadyApplied,
            )));
        }
        (ActionKind::Update, Some(l), Some(b)) => {
            // Credentials cannot be read back: an action that sends them writes them.
            let held = mismatches(b, l).is_empty();
            if held && !a.sends_credentials {
                return Ok(Checked::Settled(ActionResult::new(
                    a,
                    Status::AlreadyApplied,
                )));
            }
            match update_progress(a, b, l) {
                _ if held => {
                    ready.resumed =
                        Some("the proxy held it already; the credentials were written again");
                }
                Some((start, note)) => {
                    ready.start = start;
                    ready.resumed = Some(note);
                }
                None => unchanged(s, a, l)?,
            }
        }
        (ActionKind::Delete, Some(l), _) => {
            if ownership(l, s.key, &g.facts.submitted) != Ownership::Owned {
                return Err(stale(
                    "mcpform cannot prove this server is its own any more (its ownership proof does not match, or it came in as a submission): a delete needs that proof; nothing was deleted".to_owned(),
                ));
            }
            unchanged(s, a, l)?;
            if l.prevents_destroy() {
                return Err(stale(
                    "`prevent_destroy` was recorded on the server since the plan".to_owned(),
                ));
            }
        }
        _ => return Err(stale("the plan has no body for this write".to_owned())),
    }
    match guard(a, live, body.as_ref(), g) {
        Err(why) => return Err(stale(why)),
        Ok(Some(now)) if now.blocks() => {
            return Ok(Checked::Settled(
                ActionResult::new(a, Status::SkippedGuard).with_message(guard_sentence(&now)),
            ));
        }
        Ok(Some(now)) if now.allowed => ready.kept = Some(now.count),
        Ok(_) => {}
    }
    ready.body = body;
    Ok(Checked::Ready(ready))
}

/// The plan's precondition, checked field by field.
fn unchanged(s: &Session<'_>, a: &Action, l: &LiveServer) -> Result<(), Stale> {
    let Precondition::Unchanged { fields } = &a.precondition else {
        return Ok(());
    };
    let moved = differences(fields, l, s.key);
    if moved.is_empty() {
        return Ok(());
    }
    let mut r =
        ActionResult::new(a, Status::Stale).with_message("the server changed since the plan");
    r.fields = moved
        .into_iter()
        .map(|(field, planned, now)| Moved {
            field,
            planned,
            now,
        })
        .collect();
    Err(Box::new(r))
}

/// Why the document cannot be acted on as it stands: a precondition of the wrong kind,
/// or one that does not record a field the action writes (then a change to that field
/// since the plan would go unnoticed). mcpform never writes such a plan.
fn incomplete(a: &Action) -> Option<String> {
    let fields = match (a.action, &a.precondition) {
        (ActionKind::Create, Precondition::Absent { .. }) => return None,
        (ActionKind::Create, _) => {
            return Some("the plan's precondition for a create is not `absent`: not a plan mcpform made; plan again".to_owned());
        }
        (_, Precondition::Absent { .. }) => {
            return Some("the plan records no live values for this update or delete: not a plan mcpform made; plan again".to_owned());
        }
        (_, Precondition::Unchanged { fields }) => fields,
    };
    let written: Vec<&str> = match (a.action, &a.body) {
        (ActionKind::Delete, _) => always_managed().chain(["mcp_info"]).collect(),
        (_, Some(body)) => body
            .keys()
            .map(String::as_str)
            .chain(a.from_live.iter().map(String::as_str))
            .filter(|f| !matches!(*f, "server_id" | "credentials"))
            .collect(),
        (_, None) => Vec::new(),
    };
    let missing: Vec<String> = written
        .into_iter()
        .filter(|f| !fields.contains_key(*f))
        .map(|f| format!("`{f}`"))
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "the plan's precondition does not record the live value of {}, which this {} writes: not a plan mcpform made; plan again",
            missing.join(", "),
            a.action.as_str()
        )
    })
}

/// A create whose id a server holds now: `Ok(None)` when it is mcpform's and as the
/// plan made it (already applied); `Ok(Some(start))` when only the proof write is left
/// (mcpform's own first write, or an owned server whose credentials are sent again);
/// `Err` when it is not provably mcpform's.
fn existing_create(
    s: &Session<'_>,
    a: &Action,
    body: &Map<String, Value>,
    l: &LiveServer,
    g: &Gathered,
    by_id: &HashMap<String, Result<bool, String>>,
) -> Result<Option<(Start, &'static str)>, String> {
    let id = &a.server_id;
    let read = by_id.get(id.as_str());
    if ownership(l, s.key, &g.facts.submitted) == Ownership::Submitted
        || matches!(read, Some(Ok(true)))
    {
        let by = g
            .facts
            .submitted
            .get(id.as_str())
            .cloned()
            .flatten()
            .or_else(|| l.submitted_by().map(str::to_owned))
            .map(|u| format!(" by `{u}`"))
            .unwrap_or_default();
        return Err(format!(
            "server_id `{id}` now exists on the proxy as a submission{by}: mcpform neither creates over it nor takes it for its own (anyone who can read the plan can copy its body and markers). Delete it on the proxy and plan again, or declare another id"
        ));
    }
    let created_at = l.created_at();
    if ownership(l, s.key, &g.facts.submitted) == Ownership::Owned
        && let Some(at) = &created_at
    {
        if !mismatches(&with_proof(body, id, at, s.key), l).is_empty() {
            return Err(format!(
                "server_id `{id}` now exists on the proxy with other fields"
            ));
        }
        // Credentials cannot be read back: an action that sends them writes them.
        return Ok(a.sends_credentials.then(|| {
            (
                Start::Proof {
                    created_at: at.clone(),
                },
                "the proxy held it already; the credentials were written again",
            )
        }));
    }
    let ours = l.owner_proof().is_none() && mismatches(body, l).is_empty();
    match (ours, read, created_at) {
        (true, Some(Ok(false)) | None, Some(at)) => Ok(Some((
            Start::Proof { created_at: at },
            "resumed after its first write: the proxy held the server without mcpform's ownership proof",
        ))),
        (true, Some(Err(why)), _) => Err(format!(
            "server_id `{id}` now exists on the proxy without mcpform's ownership proof, and reading it by id to tell whether it came in as a submission failed ({why})"
        )),
        _ => Err(format!(
            "server_id `{id}` now exists on the proxy, and mcpform cannot prove it made it (other fields, or a proof that is not its own)"
        )),
    }
}

/// The guard of the action judged against the live server: a delete of a BYOK server,
/// or a change that strands a BYOK server's stored keys, is recounted; `Err` when the
/// document carries no guard where the live server needs one.
fn guard(
    a: &Action,
    live: Option<&LiveServer>,
    body: Option<&Map<String, Value>>,
    g: &Gathered,
) -> Result<Option<Guard>, String> {
    let reason = match (a.action, live, body) {
        (ActionKind::Delete, Some(l), _) if l.is_byok() => Some(GuardReason::ServerDeleted),
        (ActionKind::Update, Some(l), Some(b)) => stranding(l, b),
        _ => None,
    };
    let count = g
        .facts
        .credentials
        .get(&a.server_id)
        .copied()
        .unwrap_or(CredentialCount::Unreadable);
    match (reason, &a.guard) {
        (Some(_), None) => Err(
            "the server is a BYOK server now, this change would strand its users' stored keys, and the plan carries no guard for them: not a plan mcpform made; plan again".to_owned(),
        ),
        (Some(reason), Some(planned)) => Ok(Some(Guard {
            reason,
            count,
            allowed: planned.allowed,
        })),
        (None, Some(planned)) => Ok(Some(Guard {
            count,
            ..planned.clone()
        })),
        (None, None) => Ok(None),
    }
}
