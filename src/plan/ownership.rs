//! Whether mcpform owns a live server. `managed_by: mcpform` alone proves nothing:
//! anyone who can write `mcp_info` (a non-admin's submission, another tool copying a
//! server) can write it. mcpform also records a keyed HMAC, which only the holder of the
//! fingerprint key can produce, bound to the server's id and to the time the proxy
//! created it. The creation time is set by the proxy and a submitter cannot choose it,
//! so a proof copied from one server (or from a deleted server whose id is reused)
//! proves nothing about another; the price is that a create writes its proof in a
//! second write, once the proxy has said when it created the row.

use std::collections::BTreeMap;

use serde_json::json;

use crate::live::{LiveServer, canonical_timestamp};
use crate::model::proxy::MANAGED_BY_VALUE;
use crate::secret::FingerprintKey;

/// The ownership proof mcpform writes to `mcp_info.mcpform_owner` of a server it created
/// or adopted: an HMAC over the owner, the id and the proxy's `created_at`.
pub fn owner_proof(server_id: &str, created_at: &str, key: &FingerprintKey) -> String {
    key.fingerprint(&json!({
        "owner": MANAGED_BY_VALUE,
        "server_id": server_id,
        "created_at": canonical_timestamp(created_at),
    }))
}

/// The proof mcpform 0.1 wrote: bound to the id alone, so it can be copied to a new
/// server under the same id. Recognised only to rewrite it.
fn id_only_proof(server_id: &str, key: &FingerprintKey) -> String {
    key.fingerprint(&json!({"owner": MANAGED_BY_VALUE, "server_id": server_id}))
}

/// Who a live server belongs to, as far as mcpform can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ownership {
    /// mcpform made or adopted it: the marker and a valid proof for this row.
    Owned,
    /// The marker and mcpform's older proof, bound to the id alone: it proves nothing any
    /// more (it can be copied to a new server with the same id). A declared server is
    /// rewritten with a proof of today's kind; an undeclared one is left alone.
    IdOnlyProof,
    /// It carries `managed_by: mcpform` without a valid proof: someone else wrote the
    /// marker (or the fingerprint key changed).
    ForeignMarker,
    /// It came in as a non-admin's submission (whatever its status now): never
    /// mcpform's, whatever it carries.
    Submitted,
    /// Made elsewhere, no marker.
    NotOwned,
}

/// The ownership of `l`; `submitted` holds every id of the proxy's submissions queue.
pub(crate) fn ownership(
    l: &LiveServer,
    key: &FingerprintKey,
    submitted: &BTreeMap<String, Option<String>>,
) -> Ownership {
    if submitted.contains_key(l.server_id()) || l.says_submitted() {
        return Ownership::Submitted;
    }
    if !l.has_managed_marker() {
        return Ownership::NotOwned;
    }
    let Some(proof) = l.owner_proof() else {
        return Ownership::ForeignMarker;
    };
    if let Some(created) = l.created_at()
        && proof == owner_proof(l.server_id(), &created, key)
    {
        Ownership::Owned
    } else if proof == id_only_proof(l.server_id(), key) {
        Ownership::IdOnlyProof
    } else {
        Ownership::ForeignMarker
    }
}

/// What an update says about who owns the server it writes.
pub(super) fn note(owner: Ownership) -> Option<&'static str> {
    match owner {
        Ownership::Owned | Ownership::Submitted => None,
        Ownership::NotOwned => Some(
            "made outside mcpform: this update adopts it (adds `mcp_info.managed_by: mcpform`)",
        ),
        Ownership::ForeignMarker => Some(
            "carries `managed_by: mcpform` without mcpform's proof of ownership (written by someone else, or made with another fingerprint key): this update adopts it, and sends the credentials the file declares",
        ),
        Ownership::IdOnlyProof => Some(
            "carries mcpform's older ownership proof, bound to the id alone (anyone who can read `mcp_info` could copy it to a new server with this id): this update rewrites it bound to the server's creation time, and sends the credentials the file declares",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use serde_json::Value;

    fn server(v: Value) -> LiveServer {
        LiveServer::from_json(v).unwrap()
    }

    const AT: &str = "2026-12-08T00:27:40.655000Z";

    fn owned(id: &str, created_at: &str, proof: &str) -> LiveServer {
        server(json!({"server_id": id, "created_at": created_at,
            "mcp_info": {"managed_by": "mcpform", "mcpform_owner": proof}}))
    }

    #[test]
    fn only_a_proof_made_with_the_key_for_this_row_is_ownership() {
        let key = FingerprintKey::new(&Secret::new("k"));
        let other = FingerprintKey::new(&Secret::new("other"));
        let none = BTreeMap::new();
        let of = |l: &LiveServer| ownership(l, &key, &none);
        assert_eq!(
            of(&owned("a", AT, &owner_proof("a", AT, &key))),
            Ownership::Owned
        );
        // The proxy writes the same instant in another form: still the same proof.
        assert_eq!(
            of(&owned(
                "a",
                "2026-12-08T00:27:40.655+00:00",
                &owner_proof("a", AT, &key)
            )),
            Ownership::Owned
        );
        assert_eq!(
            of(&owned("b", AT, &owner_proof("a", AT, &key))),
            Ownership::ForeignMarker,
            "a proof copied from another server"
        );
        assert_eq!(
            of(&owned(
                "a",
                "2026-12-09T00:00:00Z",
                &owner_proof("a", AT, &key)
            )),
            Ownership::ForeignMarker,
            "a proof copied from a deleted server whose id was reused"
        );
        assert_eq!(
            of(&owned("a", AT, &owner_proof("a", AT, &other))),
            Ownership::ForeignMarker
        );
        assert_eq!(
            of(&owned("a", AT, &id_only_proof("a", &key))),
            Ownership::IdOnlyProof
        );
        let no_time = server(json!({"server_id": "a",
            "mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof("a", "", &key)}}));
        assert_eq!(of(&no_time), Ownership::ForeignMarker);
        let bare = server(json!({"server_id": "a", "mcp_info": {"managed_by": "mcpform"}}));
        assert_eq!(of(&bare), Ownership::ForeignMarker);
        assert_eq!(of(&server(json!({"server_id": "a"}))), Ownership::NotOwned);
    }

    #[test]
    fn a_submission_is_never_owned_whatever_it_carries() {
        let key = FingerprintKey::new(&Secret::new("k"));
        let proven = owned("a", AT, &owner_proof("a", AT, &key));
        let queue = BTreeMap::from([("a".to_owned(), Some("mallory".to_owned()))]);
        assert_eq!(ownership(&proven, &key, &queue), Ownership::Submitted);
        // Read by id, the row itself says so.
        let read = server(
            json!({"server_id": "a", "created_at": AT, "submitted_at": AT,
            "submitted_by": null, "mcp_info": {"managed_by": "mcpform",
            "mcpform_owner": owner_proof("a", AT, &key)}}),
        );
        assert_eq!(
            ownership(&read, &key, &BTreeMap::new()),
            Ownership::Submitted
        );
        let plain = server(json!({"server_id": "a"}));
        assert_eq!(ownership(&plain, &key, &queue), Ownership::Submitted);
    }
}
