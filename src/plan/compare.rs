//! Field-by-field comparison of a declared server with its live twin, through the
//! normalisation table; and the change list of a create.

use std::collections::BTreeSet;

use serde_json::Value;

use super::ownership::{Ownership, ownership};
use super::precondition::expected_fields;
use super::versions::Support;
use super::{
    Action, ActionKind, FieldChange, Guard, KeyChanges, Notice, Precondition, Seen, Shown, body,
    matching,
};
use crate::live::normalise::{Context, canonical};
use crate::live::{CredentialCount, Facts, LiveServer};
use crate::model::proxy::{CREDENTIALS_MARKER, SECRET_FIELDS_MARKER, is_mcpform_key};
use crate::model::{
    AuthType, always_managed, is_always_managed, is_compared_as_value, is_secret_capable,
    mints_oauth,
};
use crate::resolve::ResolvedServer;
use crate::secret::FingerprintKey;
use crate::secret::urls::redact_value;

/// The fields a plan compares for `d`: the declared ones not ignored, plus the always
/// managed ones, in a stable order; never one the proxy does not store or list.
pub(super) fn compared_fields(d: &ResolvedServer, support: &Support) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in d.public.keys() {
        let managed = is_always_managed(k);
        let ignored = !managed && d.lifecycle.ignore_changes.iter().any(|f| f == k);
        if !ignored && is_compared_as_value(k) {
            out.push(k.clone());
        }
    }
    for f in always_managed() {
        if !out.iter().any(|o| o == f) {
            out.push(f.to_owned());
        }
    }
    out.retain(|f| support.stores(f));
    out
}

/// Whether the proxy recorded that mcpform last filled `field` from a reference.
fn was_secret(l: &LiveServer, field: &str) -> bool {
    l.marker(SECRET_FIELDS_MARKER)
        .and_then(Value::as_array)
        .is_some_and(|fields| fields.iter().any(|f| f.as_str() == Some(field)))
}

/// Names only the live side has (removed entries) may have come from references last
/// time (an `env_vars` name): shown as a count.
fn hide_live_names(c: &mut FieldChange) {
    if let Some(k) = &mut c.keys
        && !k.removed.is_empty()
    {
        k.removed = vec![format!("({} hidden)", k.removed.len())];
    }
}

/// What an update changes: `(field, old, new)`, canonical.
pub(super) type Changed = Vec<(String, Value, Value)>;

/// Compares a matched pair: `None` when there is nothing to do. Besides the action, the
/// warnings it brings and the changed values (for [`Support::check_clears`]).
pub(super) fn update(
    d: &ResolvedServer,
    l: &LiveServer,
    facts: &Facts,
    key: &FingerprintKey,
    support: &Support,
) -> Option<(Action, Vec<Notice>, Changed)> {
    let owner = ownership(l, key, &facts.submitted);
    let fields = compared_fields(d, support);
    let d_sibling = |f: &str| d.value(f);
    let l_sibling = |f: &str| l.get(f);
    let d_ctx = Context {
        server_name: &d.name,
        sibling: &d_sibling,
    };
    let l_ctx = Context {
        server_name: l.server_name().unwrap_or(&d.name),
        sibling: &l_sibling,
    };
    // A field that is, or was, filled from a reference is hidden on both sides.
    let hidden = |f: &str| d.is_sensitive(f) || was_secret(l, f) || is_secret_capable(f);
    let mut changes = Vec::new();
    let mut changed = Changed::new();
    for f in &fields {
        let (dv, lv) = if f == "server_name" {
            (
                Value::String(d.name.clone()),
                l.get(f).cloned().unwrap_or(Value::Null),
            )
        } else {
            (
                canonical(f, d.value(f), &d_ctx),
                canonical(f, l.get(f), &l_ctx),
            )
        };
        if dv != lv {
            changed.push((f.clone(), lv.clone(), dv.clone()));
            let public = canonical(f, d.public.get(f), &d_ctx);
            let mut c = change(f, lv, dv, &public, hidden(f));
            if was_secret(l, f) {
                hide_live_names(&mut c);
            }
            changes.push(c);
        }
    }
    let sends_credentials = credentials_change(d, l, &changes, owner == Ownership::Owned);
    if sends_credentials {
        changes.push(FieldChange {
            field: "credentials".into(),
            old: Shown::Sensitive,
            new: Shown::Sensitive,
            keys: None,
        });
    }
    if l.prevents_destroy() != d.lifecycle.prevent_destroy {
        changes.push(FieldChange {
            field: "lifecycle.prevent_destroy".into(),
            old: Shown::Value(Value::Bool(l.prevents_destroy())),
            new: Shown::Value(Value::Bool(d.lifecycle.prevent_destroy)),
            keys: None,
        });
    }
    // A declared server that says it is mcpform's without proving it (its own create
    // stopped before the proof, an older proof, another fingerprint key) gets its proof
    // written: until then it is neither pruned nor trusted.
    let proof_was = match owner {
        Ownership::IdOnlyProof => Some("bound to the id"),
        Ownership::ForeignMarker => Some("not mcpform's"),
        _ => None,
    };
    if let Some(was) = proof_was
        && l.created_at().is_some()
    {
        changes.push(FieldChange {
            field: "mcp_info.mcpform_owner".into(),
            old: Shown::Value(Value::String(was.into())),
            new: Shown::Value(Value::String("bound to the id and creation time".into())),
            keys: None,
        });
    }
    if changes.is_empty() {
        return None;
    }
    let notes: Vec<String> = super::ownership::note(owner)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let warnings = oauth_purge(d, l, &changes)
        .into_iter()
        .chain(support.blind_reset(d, &fields))
        .collect();
    let carried = support.carried(&fields, l);
    // A carried value that can hold secrets (a stdio server's `env`) stays out of the
    // plan: apply sends it back from its own read of the server, whose fingerprint the
    // precondition checks.
    let (from_live, sent): (Vec<_>, Vec<_>) = carried.iter().cloned().partition(|(f, _)| hidden(f));
    let from_live: Vec<String> = from_live.into_iter().map(|(f, _)| f).collect();
    let extras = body::UpdateExtras {
        carried: &sent,
        sends_credentials,
        owned: owner == Ownership::Owned,
    };
    let body = body::update(d, l, &fields, &extras, key, support);
    let guard = super::guard::stranding(l, &body).map(|reason| Guard {
        reason,
        count: facts
            .credentials
            .get(l.server_id())
            .copied()
            .unwrap_or(CredentialCount::NotChecked),
        allowed: d.lifecycle.allow_byok_disable,
    });
    let (references, secrets_fingerprint) = d.references_in(&body);
    // What the body carries from the live server must still be there at apply time.
    let resettable: Vec<&str> = support.resettable(&fields).collect();
    let watched = fields
        .iter()
        .map(String::as_str)
        .chain(resettable)
        .chain(["mcp_info"]);
    let precondition = Precondition::Unchanged {
        fields: expected_fields(l, watched, &hidden, key),
    };
    let seen = if l.listed() { Seen::Listed } else { Seen::ById };
    let action = Action {
        origin: Some(d.origin.clone()),
        changes,
        guard,
        notes,
        body: Some(body),
        references,
        sends_credentials,
        secrets_fingerprint,
        from_live,
        ..Action::new(
            ActionKind::Update,
            d.name.clone(),
            l.server_id().to_owned(),
            precondition,
            seen,
        )
    };
    Some((action, warnings, changed))
}

/// Credentials are sent when declared, not ignored, and either their fingerprint differs
/// from the one mcpform recorded, or `auth_type` changes (the proxy drops stored
/// credentials when the kind of auth changes). The recorded fingerprint counts only on a
/// server mcpform owns: anyone who can read a plan can copy it onto a server of theirs.
fn credentials_change(
    d: &ResolvedServer,
    l: &LiveServer,
    changes: &[FieldChange],
    owned: bool,
) -> bool {
    let Some(fp) = &d.credentials_fingerprint else {
        return false;
    };
    if d.lifecycle
        .ignore_changes
        .iter()
        .any(|f| f == "credentials")
    {
        return false;
    }
    let recorded = l
        .marker(CREDENTIALS_MARKER)
        .and_then(Value::as_str)
        .filter(|_| owned);
    recorded != Some(fp.as_str()) || changes.iter().any(|c| c.field == "auth_type")
}

fn oauth_purge(d: &ResolvedServer, l: &LiveServer, changes: &[FieldChange]) -> Option<Notice> {
    let auth = l.auth_type()?;
    let stores_tokens = serde_json::from_value::<AuthType>(Value::String(auth.to_owned()))
        .is_ok_and(AuthType::stores_user_oauth_tokens);
    if !stores_tokens {
        return None;
    }
    let fields: Vec<&str> = changes
        .iter()
        .map(|c| c.field.as_str())
        .filter(|f| mints_oauth(f))
        .collect();
    if fields.is_empty() {
        return None;
    }
    Some(Notice {
        server: Some(d.name.clone()),
        message: format!(
            "changing {} of this `{auth}` server makes the proxy delete users' stored OAuth tokens; they will have to sign in again",
            fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        origin: Some(d.origin.clone()),
        source: None,
    })
}

/// Why a create is two writes.
const CREATE_TWO_WRITES: &str = "two writes: mcpform's ownership proof is bound to the creation time the proxy sets, so a second write (PUT) records it";

/// A create: every field of the body is a change from nothing. The body is the first
/// write's; apply adds the ownership proof for the second.
pub(super) fn create(d: &ResolvedServer, id: &str, support: &Support) -> Action {
    let body = body::create(d, id, support);
    let mut changes = Vec::new();
    for (k, v) in &body {
        if k == "server_id" || (k == "mcp_info" && !d.declares("mcp_info")) {
            continue;
        }
        let mut shown_value = v.clone();
        if k == "transport" {
            // The body says `http` for openapi; show the file's word.
            shown_value = Value::String(d.transport.as_str().to_owned());
        }
        if k == "mcp_info"
            && let Value::Object(m) = &mut shown_value
        {
            m.retain(|key, _| !is_mcpform_key(key));
        }
        let sensitive = d.is_sensitive(k) || is_secret_capable(k);
        changes.push(FieldChange {
            field: k.clone(),
            old: Shown::Absent,
            new: if sensitive {
                Shown::Sensitive
            } else {
                shown(shown_value)
            },
            keys: if sensitive {
                key_changes(k, &Value::Null, d.value(k).unwrap_or(v), v)
            } else {
                None
            },
        });
    }
    if d.lifecycle.prevent_destroy {
        changes.push(FieldChange {
            field: "lifecycle.prevent_destroy".into(),
            old: Shown::Absent,
            new: Shown::Value(Value::Bool(true)),
            keys: None,
        });
    }
    let (references, secrets_fingerprint) = d.references_in(&body);
    let mut names = vec![d.name.clone()];
    let alias = matching::effective_alias(d);
    if !alias.eq_ignore_ascii_case(&d.name) {
        names.push(alias);
    }
    Action {
        origin: Some(d.origin.clone()),
        changes,
        notes: vec![if d.declares("credentials") {
            format!("{CREATE_TWO_WRITES}, and sends the credentials again")
        } else {
            CREATE_TWO_WRITES.to_owned()
        }],
        sends_credentials: d.declares("credentials"),
        body: Some(body),
        references,
        secrets_fingerprint,
        ..Action::new(
            ActionKind::Create,
            d.name.clone(),
            id.to_owned(),
            Precondition::Absent { names },
            Seen::New,
        )
    }
}

/// A field's change; `public` is the desired value with references unresolved, where
/// the names of hidden entries are read (an `env_vars` name may be a reference).
fn change(field: &str, old: Value, new: Value, public: &Value, hidden: bool) -> FieldChange {
    if hidden {
        FieldChange {
            field: field.to_owned(),
            old: if old.is_null() {
                Shown::Absent
            } else {
                Shown::Sensitive
            },
            new: if new.is_null() {
                Shown::Absent
            } else {
                Shown::Sensitive
            },
            keys: key_changes(field, &old, &new, public),
        }
    } else {
        FieldChange {
            field: field.to_owned(),
            old: shown(old),
            new: shown(new),
            keys: None,
        }
    }
}

/// A value as the plan shows it: the secret parts of URLs in it (user-info, query
/// values) as `****`, at any depth (`args`, `mcp_info.logo_url`); a whole number as
/// one (`timeout: 30` is a float to the model and the proxy, but the file wrote `30`).
fn shown(v: Value) -> Shown {
    match v {
        Value::Null => Shown::Absent,
        other => Shown::Value(whole_numbers(redact_value(other))),
    }
}

/// `v` with every float that holds a whole number (exactly, within ±2^53) as an
/// integer.
fn whole_numbers(v: Value) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() <= EXACT => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, whole_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Names of the entries of a hidden map (or of an `env_vars` list) that change. Values
/// are compared resolved; names of desired entries are read from `public`, so a name
/// written as a reference is shown as the reference, never as its value.
fn key_changes(field: &str, old: &Value, new: &Value, public: &Value) -> Option<KeyChanges> {
    if !matches!(new, Value::Object(_) | Value::Array(_))
        && !matches!(old, Value::Object(_) | Value::Array(_))
    {
        return None;
    }
    let name_of = |i: usize, item: &Value| -> Option<String> {
        let shown = public.as_array().and_then(|p| p.get(i)).unwrap_or(item);
        Some(shown.get("name")?.as_str()?.to_owned())
    };
    let entries = |v: &Value, names_from_public: bool| -> Vec<(String, String, Value)> {
        match v {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| (k.clone(), k.clone(), v.clone()))
                .collect(),
            Value::Array(items) if field == "env_vars" => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let id = item.get("name")?.as_str()?.to_owned();
                    let shown = if names_from_public {
                        name_of(i, item)?
                    } else {
                        id.clone()
                    };
                    Some((id, shown, item.clone()))
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let (o, n) = (entries(old, false), entries(new, true));
    let old_ids: BTreeSet<&String> = o.iter().map(|(id, _, _)| id).collect();
    let new_ids: BTreeSet<&String> = n.iter().map(|(id, _, _)| id).collect();
    Some(KeyChanges {
        added: n
            .iter()
            .filter(|(id, _, _)| !old_ids.contains(id))
            .map(|(_, shown, _)| shown.clone())
            .collect(),
        removed: o
            .iter()
            .filter(|(id, _, _)| !new_ids.contains(id))
            .map(|(_, shown, _)| shown.clone())
            .collect(),
        changed: n
            .iter()
            .filter(|(id, _, v)| o.iter().any(|(oid, _, ov)| oid == id && ov != v))
            .map(|(_, shown, _)| shown.clone())
            .collect(),
    })
}
