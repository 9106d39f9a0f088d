//! Field-by-field comparison of a declared server with its live twin, through the
//! normalisation table; and the change list of a create.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Action, ActionKind, FieldChange, Guard, GuardReason, KeyChanges, Notice, Shown, body};
use crate::live::normalise::{Context, canonical};
use crate::live::{CredentialCount, CredentialFacts, LiveServer};
use crate::model::proxy::{
    CREDENTIALS_MARKER, OAUTH_MINT_FIELDS, SECRET_CAPABLE_FIELDS as SECRET_CAPABLE, is_mcpform_key,
};
use crate::model::{ALWAYS_MANAGED, AuthType, Transport};
use crate::resolve::ResolvedServer;
use crate::secret::redact_url_userinfo;

/// Fields not compared as values (credentials by fingerprint; identity).
const NOT_COMPARED: &[&str] = &["server_id", "credentials"];

/// The fields a plan compares for `d`: the declared ones not ignored, plus the always
/// managed ones, in a stable order.
pub(super) fn compared_fields(d: &ResolvedServer) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in d.public.keys() {
        let managed = ALWAYS_MANAGED.contains(&k.as_str());
        let ignored = !managed && d.lifecycle.ignore_changes.iter().any(|f| f == k);
        if !ignored && !NOT_COMPARED.contains(&k.as_str()) {
            out.push(k.clone());
        }
    }
    for f in ALWAYS_MANAGED {
        if !out.iter().any(|o| o == f) {
            out.push((*f).to_owned());
        }
    }
    out
}

/// Compares a matched pair: `None` when there is nothing to do.
pub(super) fn update(
    d: &ResolvedServer,
    l: &LiveServer,
    facts: &CredentialFacts,
) -> Option<(Action, Vec<Notice>)> {
    let fields = compared_fields(d);
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
    let mut changes = Vec::new();
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
            changes.push(change(f, lv, dv, d.is_sensitive(f)));
        }
    }
    let sends_credentials = credentials_change(d, l, &changes);
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
    if changes.is_empty() {
        return None;
    }
    let mut notes = Vec::new();
    if !l.is_owned() {
        notes.push(
            "made outside mcpform: this update adopts it (adds `mcp_info.managed_by: mcpform`)"
                .to_owned(),
        );
    }
    let guard = guard(d, l, facts);
    let warnings = oauth_purge(d, l, &changes).into_iter().collect();
    let body = body::update(d, l, &fields, sends_credentials);
    let action = Action {
        action: ActionKind::Update,
        server_name: d.name.clone(),
        server_id: l.server_id().to_owned(),
        origin: Some(d.origin.clone()),
        changes,
        guard,
        notes,
        body: Some(body),
        sends_credentials,
        secrets_fingerprint: d.secrets_fingerprint.clone(),
        live_fingerprint: Some(l.fingerprint()),
    };
    Some((action, warnings))
}

/// Credentials are sent when declared, not ignored, and either their fingerprint differs
/// from the one mcpform recorded, or `auth_type` changes (the proxy drops stored
/// credentials when the kind of auth changes).
fn credentials_change(d: &ResolvedServer, l: &LiveServer, changes: &[FieldChange]) -> bool {
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
    let recorded = l.marker(CREDENTIALS_MARKER).and_then(Value::as_str);
    recorded != Some(fp.as_str()) || changes.iter().any(|c| c.field == "auth_type")
}

fn guard(d: &ResolvedServer, l: &LiveServer, facts: &CredentialFacts) -> Option<Guard> {
    if !l.is_byok() {
        return None;
    }
    let reason = if d.transport == Transport::Stdio && l.transport() != "stdio" {
        GuardReason::TransportStdio
    } else if d.value("is_byok") != Some(&Value::Bool(true)) {
        GuardReason::ByokDisabled
    } else {
        return None;
    };
    Some(Guard {
        reason,
        count: facts
            .get(l.server_id())
            .copied()
            .unwrap_or(CredentialCount::NotChecked),
        allowed: d.lifecycle.allow_byok_disable,
    })
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
        .filter(|f| OAUTH_MINT_FIELDS.contains(f))
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
    })
}

/// A create: every field of the body is a change from nothing.
pub(super) fn create(d: &ResolvedServer, id: &str) -> Action {
    let body = body::create(d, id);
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
        let sensitive = d.is_sensitive(k) || SECRET_CAPABLE.contains(&k.as_str());
        changes.push(FieldChange {
            field: k.clone(),
            old: Shown::Absent,
            new: if sensitive {
                Shown::Sensitive
            } else {
                shown(shown_value)
            },
            keys: if sensitive {
                key_changes(k, &Value::Null, d.value(k).unwrap_or(v))
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
    Action {
        action: ActionKind::Create,
        server_name: d.name.clone(),
        server_id: id.to_owned(),
        origin: Some(d.origin.clone()),
        changes,
        guard: None,
        notes: Vec::new(),
        sends_credentials: d.declares("credentials"),
        body: Some(body),
        secrets_fingerprint: d.secrets_fingerprint.clone(),
        live_fingerprint: None,
    }
}

fn change(field: &str, old: Value, new: Value, sensitive: bool) -> FieldChange {
    let hidden = sensitive || SECRET_CAPABLE.contains(&field);
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
            keys: key_changes(field, &old, &new),
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

fn shown(v: Value) -> Shown {
    match v {
        Value::Null => Shown::Absent,
        Value::String(s) => Shown::Value(Value::String(redact_url_userinfo(&s))),
        other => Shown::Value(other),
    }
}

/// Names of the entries of a hidden map (or of an `env_vars` list) that change.
fn key_changes(field: &str, old: &Value, new: &Value) -> Option<KeyChanges> {
    let entries = |v: &Value| -> Vec<(String, Value)> {
        match v {
            Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Value::Array(items) if field == "env_vars" => items
                .iter()
                .filter_map(|i| Some((i.get("name")?.as_str()?.to_owned(), i.clone())))
                .collect(),
            _ => Vec::new(),
        }
    };
    if !matches!(new, Value::Object(_) | Value::Array(_))
        && !matches!(old, Value::Object(_) | Value::Array(_))
    {
        return None;
    }
    let (o, n) = (entries(old), entries(new));
    let old_keys: BTreeSet<&String> = o.iter().map(|(k, _)| k).collect();
    let new_keys: BTreeSet<&String> = n.iter().map(|(k, _)| k).collect();
    let changes = KeyChanges {
        added: new_keys
            .difference(&old_keys)
            .map(|k| (*k).clone())
            .collect(),
        removed: old_keys
            .difference(&new_keys)
            .map(|k| (*k).clone())
            .collect(),
        changed: n
            .iter()
            .filter(|(k, v)| o.iter().any(|(ok, ov)| ok == k && ov != v))
            .map(|(k, _)| k.clone())
            .collect(),
    };
    Some(changes)
}
