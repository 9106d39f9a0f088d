//! Whether mcpform owns a live server. `managed_by: mcpform` alone proves nothing:
//! anyone who can write `mcp_info` (a non-admin's submission, another tool copying a
//! server) can write it. mcpform also records a keyed HMAC bound to the server's id,
//! which only the holder of the fingerprint key can produce.

use serde_json::json;

use crate::live::LiveServer;
use crate::model::proxy::MANAGED_BY_VALUE;
use crate::secret::FingerprintKey;

/// The ownership proof mcpform writes to `mcp_info.mcpform_owner` of a server it creates
/// or adopts.
pub fn owner_proof(server_id: &str, key: &FingerprintKey) -> String {
    key.fingerprint(&json!({"owner": MANAGED_BY_VALUE, "server_id": server_id}))
}

/// Who a live server belongs to, as far as mcpform can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ownership {
    /// mcpform made or adopted it: the marker and a valid proof.
    Owned,
    /// It carries `managed_by: mcpform` without a valid proof, or came in as a
    /// submission: someone else wrote the marker (or the fingerprint key changed).
    ForeignMarker,
    /// Made elsewhere, no marker.
    NotOwned,
}

pub(crate) fn ownership(l: &LiveServer, key: &FingerprintKey) -> Ownership {
    if !l.has_managed_marker() {
        return Ownership::NotOwned;
    }
    let proven = l.owner_proof() == Some(owner_proof(l.server_id(), key).as_str());
    if proven && l.submitted_by().is_none() {
        Ownership::Owned
    } else {
        Ownership::ForeignMarker
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

    #[test]
    fn only_a_proof_made_with_the_key_for_this_id_is_ownership() {
        let key = FingerprintKey::new(&Secret::new("k"));
        let other = FingerprintKey::new(&Secret::new("other"));
        let owned = |id: &str, proof: String| {
            server(
                json!({"server_id": id, "mcp_info": {"managed_by": "mcpform", "mcpform_owner": proof}}),
            )
        };
        assert_eq!(
            ownership(&owned("a", owner_proof("a", &key)), &key),
            Ownership::Owned
        );
        assert_eq!(
            ownership(&owned("b", owner_proof("a", &key)), &key),
            Ownership::ForeignMarker,
            "a proof copied from another server"
        );
        assert_eq!(
            ownership(&owned("a", owner_proof("a", &other)), &key),
            Ownership::ForeignMarker
        );
        let bare = server(json!({"server_id": "a", "mcp_info": {"managed_by": "mcpform"}}));
        assert_eq!(ownership(&bare, &key), Ownership::ForeignMarker);
        let submitted = server(json!({"server_id": "a", "submitted_by": "mallory",
            "mcp_info": {"managed_by": "mcpform", "mcpform_owner": owner_proof("a", &key)}}));
        assert_eq!(ownership(&submitted, &key), Ownership::ForeignMarker);
        assert_eq!(
            ownership(&server(json!({"server_id": "a"})), &key),
            Ownership::NotOwned
        );
    }
}
