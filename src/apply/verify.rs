//! After all writes: one list (plus by-id reads for servers the list may leave out) and
//! a check of every server apply touched. With the files at hand, a re-plan too: a
//! touched server must come out with nothing to do. Anything left is `failed`, its
//! fields named.

use serde_json::{Map, Value};

use super::{Moved, Outcome, Session, Status};
use crate::gather::{Gathered, gather};
use crate::live::Needs;
use crate::plan::verify::{likely_cause, mismatches};
use crate::plan::{ActionKind, Seen};

pub(super) async fn verify(
    s: &Session<'_>,
    bodies: &[Option<Map<String, Value>>],
    outcome: &mut Outcome,
) {
    outcome.verification.ran = true;
    let doc = s.doc;
    let needs = |_: &Gathered| Needs {
        lookups: doc
            .actions
            .iter()
            .filter(|a| {
                a.seen == Seen::ById
                    || a.body
                        .as_ref()
                        .and_then(|b| b.get("spec_path"))
                        .is_some_and(|v| v.as_str().is_some_and(|p| !p.is_empty()))
            })
            .map(|a| a.server_id.clone())
            .collect(),
        credential_counts: Vec::new(),
    };
    let gathered = match gather(s.client, &needs).await {
        Ok(g) => g,
        Err(e) => {
            outcome
                .verification
                .problems
                .push(format!("the list could not be read after the writes: {e}"));
            return;
        }
    };
    let replanned = s.replan.map(|replan| replan(&gathered));
    for (i, a) in doc.actions.iter().enumerate() {
        let r = &mut outcome.results[i];
        if !r.status.succeeded() {
            continue;
        }
        let live = gathered
            .live
            .servers
            .iter()
            .find(|l| l.server_id() == a.server_id);
        let mut left: Vec<String> = match (a.action, live, &bodies[i]) {
            (ActionKind::Delete, Some(_), _) => vec!["(the server is still there)".into()],
            (ActionKind::Delete, None, _) => Vec::new(),
            (_, None, _) => vec!["(the server is not on the proxy)".into()],
            (_, Some(l), Some(body)) => mismatches(body, l),
            (_, Some(_), None) => Vec::new(),
        };
        if let Some(p) = &replanned
            && let Some(again) = p.actions.iter().find(|x| x.server_id == a.server_id)
        {
            for c in &again.changes {
                if !left.contains(&c.field) {
                    left.push(c.field.clone());
                }
            }
        }
        if left.is_empty() {
            continue;
        }
        let cause = likely_cause(&left[0]).to_owned();
        outcome
            .verification
            .problems
            .push(format!("`{}`: {}", a.server_name, left.join(", ")));
        r.status = Status::Failed;
        r.why = super::resume::Why::Refused;
        r.message = Some(format!(
            "verification: after the writes the proxy does not hold {}",
            left.iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        r.cause = Some(cause);
        r.fields = left
            .into_iter()
            .map(|field| Moved {
                field,
                planned: None,
                now: None,
            })
            .collect();
    }
}
