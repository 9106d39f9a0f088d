//! The writes of one unit of work, in order: a swap member's temporary write; a
//! create's first write and its proof; an update and its second OAuth write; a delete;
//! a swap member's write back to its old names. A unit that stops between its writes
//! says what the proxy holds ([`Held`]).

use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::{Map, Value};

use super::Attempt;
use super::resume::{Held, Start, Why, cleared_fields, restore_body, temp_body};
use super::write::{Before, Ctx, Ended, Request, Step, Writer, secret_values};
use crate::live::LiveServer;
use crate::plan::{Action, ActionKind, with_proof};

/// A unit of work: an action's temporary write, the rest of the action, or a swap
/// member's write back to its old names when its own write will not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Work {
    Temp(usize),
    Main(usize),
    PutBack(usize),
}

impl Work {
    /// The action it belongs to.
    pub(super) fn index(self) -> usize {
        match self {
            Work::Temp(i) | Work::Main(i) | Work::PutBack(i) => i,
        }
    }
}

/// How a unit ended, and what the proxy holds when it stopped between writes.
pub(super) struct WorkEnd {
    pub ended: Ended,
    pub held: Option<Held>,
}

impl WorkEnd {
    fn of(ended: Ended) -> WorkEnd {
        WorkEnd { ended, held: None }
    }
}

/// The steps of one unit, within the action's budget.
pub(super) async fn run_work(
    w: &Writer<'_>,
    a: &Action,
    work: Work,
    body: Option<&Map<String, Value>>,
    start: &Start,
    log: &mut Vec<Attempt>,
) -> WorkEnd {
    let secrets = secret_values(a, body);
    let cx = Ctx {
        a,
        deadline: Instant::now() + w.s.options.action_budget,
        secrets: &secrets,
    };
    let temp = temp_body(a, body);
    match work {
        Work::Temp(_) => {
            let req = Request {
                step: Step::TempNames,
                body: temp.as_ref(),
                before: Before::Planned(&a.precondition),
            };
            WorkEnd::of(w.step(&cx, req, log).await.ended)
        }
        Work::PutBack(_) => put_back(w, &cx, body, temp.as_ref(), log).await,
        Work::Main(_) => match (a.action, body) {
            (ActionKind::Create, Some(body)) => create(w, &cx, body, start, log).await,
            (ActionKind::Update, Some(body)) => {
                update(w, &cx, body, temp.as_ref(), start, log).await
            }
            _ => {
                let req = Request {
                    step: Step::Main,
                    body,
                    before: Before::Planned(&a.precondition),
                };
                WorkEnd::of(w.step(&cx, req, log).await.ended)
            }
        },
    }
}

/// A create: the body, then the same body with the ownership proof bound to the
/// creation time the proxy set (from its answer, else read by id).
async fn create(
    w: &Writer<'_>,
    cx: &Ctx<'_>,
    body: &Map<String, Value>,
    start: &Start,
    log: &mut Vec<Attempt>,
) -> WorkEnd {
    let created_at = match start {
        Start::Proof { created_at } => Some(created_at.clone()),
        _ => {
            let req = Request {
                step: Step::Main,
                body: Some(body),
                before: Before::Planned(&cx.a.precondition),
            };
            let stepped = w.step(cx, req, log).await;
            if stepped.ended != Ended::Done {
                return WorkEnd::of(stepped.ended);
            }
            match stepped.row.and_then(|l| l.created_at()) {
                Some(at) => Some(at),
                None => read_created_at(w, cx.a, log).await,
            }
        }
    };
    let Some(created_at) = created_at else {
        return WorkEnd {
            ended: Ended::failed(
                "the proxy did not say when it created the server, so mcpform cannot write its ownership proof",
                Some("the proxy's answer and its read by id carry no `created_at`"),
                false,
                Why::Refused,
            ),
            held: Some(Held::NoOwnershipProof),
        };
    };
    if let Some(stopped) = stopped(w) {
        return WorkEnd {
            ended: stopped,
            held: Some(Held::NoOwnershipProof),
        };
    }
    let proven = with_proof(body, &cx.a.server_id, &created_at, w.s.key);
    let req = Request {
        step: Step::Proof,
        body: Some(&proven),
        before: Before::Written(body),
    };
    let ended = w.step(cx, req, log).await.ended;
    let held = (ended != Ended::Done).then_some(Held::NoOwnershipProof);
    WorkEnd { ended, held }
}

/// `created_at` of the server just created, read by id (its answer did not say).
async fn read_created_at(w: &Writer<'_>, a: &Action, log: &mut Vec<Attempt>) -> Option<String> {
    let read = w.s.client.get_server(&a.server_id).await;
    let found = match &read {
        Ok(Some(v)) => LiveServer::from_json(v.clone())
            .ok()
            .filter(|l| l.server_id() == a.server_id)
            .and_then(|l| l.created_at()),
        _ => None,
    };
    log.push(Attempt {
        step: "read_created_at".into(),
        status: read.as_ref().err().and_then(|e| e.status()).or(Some(200)),
        outcome: if found.is_some() {
            "found".into()
        } else {
            "no creation time".into()
        },
    });
    found
}

/// An update: its write (after its temporary one, if any), then the second OAuth write.
async fn update(
    w: &Writer<'_>,
    cx: &Ctx<'_>,
    body: &Map<String, Value>,
    temp: Option<&Map<String, Value>>,
    start: &Start,
    log: &mut Vec<Attempt>,
) -> WorkEnd {
    if *start != Start::AfterFirst {
        let before = match temp {
            Some(t) => Before::Written(t),
            None => Before::Planned(&cx.a.precondition),
        };
        let req = Request {
            step: Step::Main,
            body: Some(body),
            before,
        };
        let ended = w.step(cx, req, log).await.ended;
        if let Ended::Failed { unknown, .. } = &ended
            && let Some(t) = temp
        {
            // Its temporary write is done and its own did not happen: put the old names
            // back if they are free, else say where it was left.
            if *unknown {
                return WorkEnd::of(ended);
            }
            let back = put_back(w, cx, Some(body), Some(t), log).await;
            return WorkEnd {
                ended: with_note(ended, &back),
                held: back.held,
            };
        }
        if ended != Ended::Done || !cx.a.restores_oauth {
            return WorkEnd::of(ended);
        }
    }
    let req = Request {
        step: Step::RestoreOauth,
        body: Some(body),
        before: Before::Written(body),
    };
    let ended = match stopped(w) {
        Some(stopped) => stopped,
        None => w.step(cx, req, log).await.ended,
    };
    let held = (ended != Ended::Done).then(|| Held::OauthFieldsCleared {
        fields: cleared_fields(cx.a, body),
    });
    WorkEnd { ended, held }
}

/// A swap member's write back to the names it had. Done: nothing is held; else it holds
/// its temporary names.
async fn put_back(
    w: &Writer<'_>,
    cx: &Ctx<'_>,
    body: Option<&Map<String, Value>>,
    temp: Option<&Map<String, Value>>,
    log: &mut Vec<Attempt>,
) -> WorkEnd {
    let held =
        cx.a.temp_names
            .clone()
            .map(|names| Held::TemporaryNames { names });
    if let Some(stopped) = stopped(w) {
        return WorkEnd {
            ended: stopped,
            held,
        };
    }
    let (Some(back), Some(temp)) = (restore_body(cx.a, body), temp) else {
        return WorkEnd {
            ended: Ended::failed("no record of the names it had", None, false, Why::Refused),
            held,
        };
    };
    let req = Request {
        step: Step::PutBack,
        body: Some(&back),
        before: Before::Written(temp),
    };
    let ended = w.step(cx, req, log).await.ended;
    let held = if ended == Ended::Done { None } else { held };
    WorkEnd { ended, held }
}

/// Set when writes stopped (a 401/403, an unreachable proxy): an action's next write
/// is a new write, and none starts.
fn stopped(w: &Writer<'_>) -> Option<Ended> {
    w.stop.load(Ordering::SeqCst).then(|| {
        Ended::failed(
            "writes stopped (the key was refused or the proxy could not be reached) before its next write",
            None,
            false,
            Why::Transient,
        )
    })
}

/// A failure's message, with what became of the write back to the old names.
fn with_note(ended: Ended, back: &WorkEnd) -> Ended {
    let Ended::Failed {
        message,
        cause,
        unknown,
        fields,
        why,
    } = ended
    else {
        return ended;
    };
    let note = match &back.ended {
        Ended::Done => "; its temporary names were put back".to_owned(),
        Ended::Failed { message, .. } => {
            format!("; putting its old names back failed too ({message})")
        }
    };
    Ended::Failed {
        message: format!("{message}{note}"),
        cause,
        unknown,
        fields,
        why,
    }
}
