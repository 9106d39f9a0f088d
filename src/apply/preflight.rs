//! Before the first write: the plan's own checks (errors, delete budget), then one more
//! read of the proxy against which every precondition is checked, every secret
//! re-resolved and every guard re-counted. Nothing here writes.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::check::{Checked, check};
use super::resume::Start;
use super::{ActionResult, Outcome, Session, Status, Verification};
use crate::gather::{Access, GatherError, Gathered, admit, gather};
use crate::live::{CredentialCount, LiveServer, Needs};
use crate::model::support::{Behaviour, ProxyVersion, reset_when_omitted};
use crate::plan::{Action, ActionKind, PlanDocument, Seen, stranding};
use crate::resolve::{SubstituteError, references_fingerprint, substitute_references};

/// What the writes start from.
pub(super) struct Prepared {
    /// Actions settled before any write (already applied, stale under `--skip-stale`,
    /// skipped by a guard), by index.
    pub results: Vec<Option<ActionResult>>,
    /// Bodies ready to send (references resolved), by index; `None` for deletes.
    pub bodies: Vec<Option<Map<String, Value>>>,
    /// Stored keys kept by a BYOK change the file allows, by index.
    pub kept_keys: Vec<Option<CredentialCount>>,
    /// Where each action starts: a saved plan applied again resumes an action from what
    /// its own first write left on the proxy.
    pub starts: Vec<Start>,
    /// What the report says of an action that resumed, by index.
    pub resumed: Vec<Option<&'static str>>,
}

/// Checks everything; `Err` is the refusal, with every action not attempted.
pub(super) async fn prepare(s: &Session<'_>) -> Result<Prepared, Outcome> {
    let doc = s.doc;
    if !doc.errors.is_empty() {
        return Err(refuse(
            s,
            "the plan has errors; fix them and plan again".to_owned(),
            Vec::new(),
        ));
    }
    let deletes = doc
        .actions
        .iter()
        .filter(|a| a.action == ActionKind::Delete)
        .count();
    if deletes > s.options.max_deletes {
        return Err(refuse(
            s,
            format!(
                "the plan deletes {deletes} servers, more than --max-deletes {}; nothing was written",
                s.options.max_deletes
            ),
            Vec::new(),
        ));
    }
    // A viewer's or user's key cannot write: refuse before the first request that would.
    let carry = match admit(s.client, Access::Write).await {
        Ok(admitted) => resets_now(doc, admitted.version.as_deref()),
        Err(GatherError::NotAdmin(why)) => return Err(refuse(s, why, Vec::new())),
        Err(GatherError::Client(e)) => {
            return Err(refuse(
                s,
                format!("cannot check the key before writing: {e}"),
                Vec::new(),
            ));
        }
    };
    if deletes > 0 && doc.declared_servers == 0 {
        return Err(refuse(
            s,
            "the plan deletes servers while the files declare none (an empty or wrong path?); nothing was written".to_owned(),
            Vec::new(),
        ));
    }
    let gathered = match gather(s.client, &|g: &Gathered| needs(doc, g)).await {
        Ok(g) => g,
        Err(e) => {
            return Err(refuse(
                s,
                format!("cannot read the proxy before writing: {e}"),
                Vec::new(),
            ));
        }
    };
    let n = doc.actions.len();
    let mut p = Prepared {
        results: vec![None; n],
        bodies: vec![None; n],
        kept_keys: vec![None; n],
        starts: vec![Start::Fresh; n],
        resumed: vec![None; n],
    };
    let by_id = submitted_by_id(s, &gathered).await;
    let acting: HashSet<&str> = doc.actions.iter().map(|a| a.server_id.as_str()).collect();
    for (i, a) in doc.actions.iter().enumerate() {
        match check(s, a, &gathered, &acting, &by_id, carry) {
            Ok(Checked::Ready(ready)) => {
                p.bodies[i] = ready.body;
                p.kept_keys[i] = ready.kept;
                p.starts[i] = ready.start;
                p.resumed[i] = ready.resumed;
            }
            Ok(Checked::Settled(result)) => p.results[i] = Some(result),
            Err(stale) => p.results[i] = Some(*stale),
        }
    }
    let stale: Vec<ActionResult> = p
        .results
        .iter()
        .flatten()
        .filter(|r| r.status == Status::Stale)
        .cloned()
        .collect();
    if !stale.is_empty() && !s.options.skip_stale {
        let names: Vec<String> = stale
            .iter()
            .map(|r| format!("`{}`", r.server_name))
            .collect();
        return Err(refuse(
            s,
            format!(
                "the proxy changed since the plan ({}); nothing was written. Plan again, or apply the rest with --skip-stale",
                names.join(", ")
            ),
            p.results.into_iter().collect(),
        ));
    }
    Ok(p)
}

/// Whether the updates must carry what a PUT before 1.88 resets although the plan did
/// not: the plan was made against a version whose PUT changes only what it carries, and
/// the version read now is older (or not said). That is what a rolling upgrade from
/// before 1.88 looks like from here (replicas of both versions behind one URL; the two
/// reads reached different ones), and a write may reach either: so every update carries
/// those fields at the values this preflight reads, which changes nothing on a newer
/// replica and resets nothing on an older one. (A plan made against an older or unknown
/// version carries them already.)
fn resets_now(doc: &PlanDocument, now: Option<&str>) -> bool {
    let partial = |v: Option<&str>| {
        v.and_then(ProxyVersion::parse)
            .is_some_and(|v| v.has(Behaviour::PartialUpdate))
    };
    partial(doc.proxy.version.as_deref()) && !partial(now)
}

/// An update's body with every field a PUT before 1.88 resets when omitted, at its live
/// value, unless the body sets it (or the server holds nothing there).
pub(super) fn carry_resettable(
    mut body: Map<String, Value>,
    live: Option<&LiveServer>,
) -> Map<String, Value> {
    for f in reset_when_omitted().map(|r| &r.name) {
        if body.contains_key(*f) {
            continue;
        }
        if let Some(v) = live.and_then(|l| l.get(f)).filter(|v| !v.is_null()) {
            body.insert((*f).to_owned(), v.clone());
        }
    }
    body
}

/// What preflight reads besides the list: servers the plan saw by id, OpenAPI creates
/// (the list may leave them out), and the stored-key counts of guarded changes and of
/// every change that strands the keys of a server that is BYOK now, whatever guard the
/// document carries.
fn needs(doc: &PlanDocument, g: &Gathered) -> Needs {
    let mut n = Needs::default();
    for a in &doc.actions {
        let live = g.live.servers.iter().find(|l| l.server_id() == a.server_id);
        let strands = match (a.action, live, &a.body) {
            (ActionKind::Delete, Some(l), _) => l.is_byok(),
            (ActionKind::Update, Some(l), Some(body)) => stranding(l, body).is_some(),
            _ => false,
        };
        let openapi = a
            .body
            .as_ref()
            .and_then(|b| b.get("spec_path"))
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()));
        if a.seen == Seen::ById || (a.action == ActionKind::Create && openapi) {
            n.lookups.push(a.server_id.clone());
        }
        if a.guard.is_some() || strands {
            n.credential_counts.push(a.server_id.clone());
        }
    }
    n
}

/// For each create whose id a listed server holds: whether that server, read by id,
/// says it came in as a submission (the list shows `submitted_by` and `submitted_at`
/// null, and the submissions queue holds only the newest 500). `Err` names why it could
/// not be told. Never for anything else: a read by id health-checks the upstream.
async fn submitted_by_id(s: &Session<'_>, g: &Gathered) -> HashMap<String, Result<bool, String>> {
    let mut out = HashMap::new();
    for a in &s.doc.actions {
        let listed = g
            .live
            .servers
            .iter()
            .any(|l| l.server_id() == a.server_id && l.listed());
        if a.action != ActionKind::Create || !listed || out.contains_key(&a.server_id) {
            continue;
        }
        let told = match s.client.get_server(&a.server_id).await {
            Ok(Some(v)) => match LiveServer::from_json(v) {
                Ok(l) if l.server_id() == a.server_id => Ok(l.says_submitted()),
                _ => Err("the read by id did not answer this server".to_owned()),
            },
            Ok(None) => Err("the read by id found no such server".to_owned()),
            Err(e) => Err(e.to_string()),
        };
        out.insert(a.server_id.clone(), told);
    }
    out
}

/// The body with its references resolved; refused when the environment no longer
/// holds the secrets the plan was made with.
pub(super) fn resolve_body(
    s: &Session<'_>,
    a: &Action,
    body: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let (resolved, hmacs) =
        substitute_references(body, &a.references, s.env, s.key).map_err(|e| match e {
            SubstituteError::Unset { name, .. } => {
                format!("environment variable `{name}` is not set")
            }
            other => other.to_string(),
        })?;
    let now = references_fingerprint(hmacs.iter().map(|(p, h)| (p.as_str(), h.as_str())));
    if now != a.secrets_fingerprint {
        let vars: Vec<String> = a
            .references
            .iter()
            .flat_map(|r| r.vars.iter().map(|v| format!("`{v}`")))
            .collect();
        return Err(format!(
            "the secrets in the environment differ from the plan's ({}); plan again (or set the same MCPFORM_FINGERPRINT_KEY as when planning)",
            vars.join(", ")
        ));
    }
    Ok(resolved)
}

/// The body with the fields the plan leaves to apply (`from_live`) at the value the
/// server holds now; the precondition checks by fingerprint that it is the planned one.
pub(super) fn with_live_values(
    a: &Action,
    mut body: Map<String, Value>,
    live: Option<&LiveServer>,
) -> Map<String, Value> {
    for f in &a.from_live {
        if let Some(v) = live.and_then(|l| l.get(f)) {
            body.insert(f.clone(), v.clone());
        }
    }
    body
}

/// A create's name or alias now held by a server this plan does not touch.
pub(super) fn name_taken(
    names: &[String],
    a: &Action,
    g: &Gathered,
    acting: &HashSet<&str>,
) -> Option<String> {
    for n in names {
        let lower = n.to_lowercase();
        let holder = g.live.servers.iter().find(|l: &&LiveServer| {
            l.server_id() != a.server_id
                && !acting.contains(l.server_id())
                && [l.server_name(), l.alias()]
                    .into_iter()
                    .flatten()
                    .any(|x| x.to_lowercase() == lower)
        });
        if let Some(l) = holder {
            return Some(format!(
                "`{n}` is now a name or alias of `{}` (server_id `{}`)",
                l.display_name(),
                l.server_id()
            ));
        }
    }
    None
}

/// A refusal before any write: the given settled results, everything else not attempted.
fn refuse(s: &Session<'_>, why: String, settled: Vec<Option<ActionResult>>) -> Outcome {
    let results = s
        .doc
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            settled
                .get(i)
                .cloned()
                .flatten()
                .unwrap_or_else(|| ActionResult::new(a, Status::NotAttempted))
        })
        .collect();
    Outcome {
        refused: Some(why),
        results,
        verification: Verification::default(),
        durations_ms: super::Durations::default(),
        interrupted: false,
        next: super::Next::Done,
    }
}
