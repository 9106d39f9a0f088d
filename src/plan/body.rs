//! The bodies apply sends, with `${env:…}` references still symbolic.
//!
//! Updates carry the full managed set (proxies without partial updates reset omitted
//! fields, and a `server_name` without `alias` resets the alias on every version), always
//! `alias` and `is_byok`; `credentials` only when they change. On a proxy without partial
//! updates they also carry the live value of every unmanaged field it would reset. No body ever carries a
//! field the proxy does not store or list. `mcp_info` always carries mcpform's
//! markers, on top of the declared metadata or, when none is declared, the live one.

use serde_json::{Map, Value};

use super::matching::effective_alias;
use super::ownership::owner_proof;
use super::versions::Support;
use crate::live::LiveServer;
use crate::model::proxy::{
    CREDENTIALS_MARKER, DERIVED_MCP_INFO_KEYS, MANAGED_BY, MANAGED_BY_VALUE, OWNER_MARKER,
    PREVENT_DESTROY_MARKER, SECRET_FIELDS_MARKER, is_injected_key, is_mcpform_key,
};
use crate::resolve::ResolvedServer;
use crate::secret::FingerprintKey;

/// The body of a create's first write: never a field the proxy does not store or list,
/// and no ownership proof yet (it is bound to the creation time the proxy sets; apply
/// adds it with [`with_proof`] for the second write).
pub(super) fn create(d: &ResolvedServer, id: &str, support: &Support) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("server_id".into(), Value::String(id.to_owned()));
    for (k, v) in &d.public {
        if k != "server_id" && support.stores(k) {
            body.insert(k.clone(), v.clone());
        }
    }
    body.insert("alias".into(), Value::String(effective_alias(d)));
    if support.stores("is_byok") {
        body.entry("is_byok").or_insert(Value::Bool(false));
    }
    let declared = d
        .public
        .get("mcp_info")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    body.insert(
        "mcp_info".into(),
        Value::Object(with_markers(declared, d, None, Writing::Create)),
    );
    body
}

/// `body` with mcpform's ownership proof for the server `server_id` that the proxy
/// created at `created_at`: the second write of a create.
pub fn with_proof(
    body: &Map<String, Value>,
    server_id: &str,
    created_at: &str,
    key: &FingerprintKey,
) -> Map<String, Value> {
    let mut out = body.clone();
    let mut info = out
        .get("mcp_info")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    info.insert(
        OWNER_MARKER.into(),
        Value::String(owner_proof(server_id, created_at, key)),
    );
    out.insert("mcp_info".into(), Value::Object(info));
    out
}

/// What an update body carries besides the declared fields.
pub(super) struct UpdateExtras<'a> {
    /// Live values a proxy without partial updates would otherwise reset.
    pub carried: &'a [(String, Value)],
    /// Whether `credentials` are sent.
    pub sends_credentials: bool,
    /// Whether mcpform owns the live server (its recorded fingerprint may be kept).
    pub owned: bool,
}

/// The body of an update of `fields` (the compared set, which has `server_name`).
pub(super) fn update(
    d: &ResolvedServer,
    l: &LiveServer,
    fields: &[String],
    extras: &UpdateExtras<'_>,
    key: &FingerprintKey,
    support: &Support,
) -> Map<String, Value> {
    let UpdateExtras {
        carried,
        sends_credentials,
        owned,
    } = *extras;
    let mut body = Map::new();
    body.insert("server_id".into(), Value::String(l.server_id().to_owned()));
    for f in fields {
        if f == "mcp_info" || f == "credentials" {
            continue;
        }
        body.insert(f.clone(), support.sendable(f, desired_or_default(d, f)));
    }
    for (f, v) in carried {
        body.insert(f.clone(), v.clone());
    }
    let metadata = if fields.iter().any(|f| f == "mcp_info") {
        d.public
            .get("mcp_info")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    } else {
        // Not managed here: keep what others set, minus what the proxy injects (writing
        // the listed `description` back would freeze the listed description).
        let mut live = l.mcp_info().cloned().unwrap_or_default();
        live.retain(|k, _| !is_injected_key(k) && !is_mcpform_key(k));
        live
    };
    let proof = l
        .created_at()
        .map(|at| owner_proof(l.server_id(), &at, key));
    // A fingerprint on a server mcpform cannot prove is its own was written by someone
    // else: it is never carried over into a server that will carry mcpform's proof.
    let writing = Writing::Update {
        owned: Some(l).filter(|_| owned),
    };
    body.insert(
        "mcp_info".into(),
        Value::Object(with_markers(metadata, d, proof, writing)),
    );
    if sends_credentials && let Some(c) = d.public.get("credentials") {
        body.insert("credentials".into(), c.clone());
    }
    body
}

/// The declared value of a field, or what "not declared" means for an always-managed one.
pub(super) fn desired_or_default(d: &ResolvedServer, field: &str) -> Value {
    match (field, d.public.get(field)) {
        ("alias", _) => Value::String(effective_alias(d)),
        (_, Some(v)) => v.clone(),
        ("is_byok", None) => Value::Bool(false),
        _ => Value::Null,
    }
}

/// What a body is for.
enum Writing<'a> {
    /// A create: the credentials are sent, even when later ignored.
    Create,
    /// An update of a server; `owned` is that server when mcpform owns it (its recorded
    /// credentials fingerprint may then be kept).
    Update { owned: Option<&'a LiveServer> },
}

/// mcpform's markers on top of `info`.
fn with_markers(
    mut info: Map<String, Value>,
    d: &ResolvedServer,
    proof: Option<String>,
    writing: Writing<'_>,
) -> Map<String, Value> {
    // The proxy derives these itself; a declared `description`/`server_name` may stay.
    info.retain(|k, _| !DERIVED_MCP_INFO_KEYS.contains(&k.as_str()));
    info.insert(MANAGED_BY.into(), Value::String(MANAGED_BY_VALUE.into()));
    if let Some(proof) = proof {
        info.insert(OWNER_MARKER.into(), Value::String(proof));
    }
    // Fields filled from references, so that their old values (and `env_vars` names)
    // stay hidden after a file stops using a reference. `credentials` are write-only.
    let secret_fields: Vec<Value> = d
        .sensitive
        .iter()
        .filter(|f| f.as_str() != "credentials")
        .map(|f| Value::String(f.clone()))
        .collect();
    if !secret_fields.is_empty() {
        info.insert(SECRET_FIELDS_MARKER.into(), Value::Array(secret_fields));
    }
    let (credentials_ignored, live) = match writing {
        Writing::Create => (false, None),
        Writing::Update { owned } => (
            d.lifecycle
                .ignore_changes
                .iter()
                .any(|f| f == "credentials"),
            owned,
        ),
    };
    let marker = match (&d.credentials_fingerprint, credentials_ignored) {
        (Some(fp), false) => Some(Value::String(fp.clone())),
        _ => live.and_then(|l| l.marker(CREDENTIALS_MARKER)).cloned(),
    };
    if let Some(m) = marker {
        info.insert(CREDENTIALS_MARKER.into(), m);
    }
    if d.lifecycle.prevent_destroy {
        info.insert(PREVENT_DESTROY_MARKER.into(), Value::Bool(true));
    }
    info
}
