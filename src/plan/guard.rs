//! Which changes strand users' stored BYOK keys. The planner guards them; apply judges a
//! saved plan's bodies by the same rule against the live server, whatever guard the
//! document carries.

use serde_json::{Map, Value};

use super::GuardReason;
use crate::live::LiveServer;
use crate::model::Transport;

/// How writing `body` over the live BYOK server `l` strands its users' stored keys, if
/// it does: BYOK off, a move to stdio, or an `auth_type` that sends no key (with `none`
/// the proxy still looks the stored key up, but puts it in no header). Apply judges a
/// saved plan's body by the same rule, whatever guard the document carries.
pub(crate) fn stranding(l: &LiveServer, body: &Map<String, Value>) -> Option<GuardReason> {
    if !l.is_byok() {
        return None;
    }
    let text = |f: &str| body.get(f).and_then(Value::as_str);
    let sends_no_key = |auth: Option<&str>| matches!(auth, None | Some("none"));
    if text("transport") == Some(Transport::Stdio.as_str()) && l.transport() != "stdio" {
        Some(GuardReason::TransportStdio)
    } else if body.get("is_byok") != Some(&Value::Bool(true)) {
        Some(GuardReason::ByokDisabled)
    } else if body.contains_key("auth_type")
        && sends_no_key(text("auth_type"))
        && !sends_no_key(l.auth_type())
    {
        Some(GuardReason::AuthTypeNone)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn byok_off_stdio_and_an_auth_type_that_sends_no_key_strand_keys() {
        let live = |v: Value| LiveServer::from_json(v).unwrap();
        let byok = live(
            json!({"server_id": "a", "transport": "http", "is_byok": true,
            "auth_type": "bearer_token"}),
        );
        let body = |v: Value| v.as_object().unwrap().clone();
        let on = json!({"transport": "http", "is_byok": true, "auth_type": "bearer_token"});
        assert_eq!(stranding(&byok, &body(on.clone())), None);
        let mut off = on.clone();
        off["is_byok"] = json!(false);
        assert_eq!(
            stranding(&byok, &body(off)),
            Some(GuardReason::ByokDisabled)
        );
        let mut stdio = on.clone();
        stdio["transport"] = json!("stdio");
        assert_eq!(
            stranding(&byok, &body(stdio)),
            Some(GuardReason::TransportStdio)
        );
        let mut none = on.clone();
        none["auth_type"] = json!("none");
        assert_eq!(
            stranding(&byok, &body(none.clone())),
            Some(GuardReason::AuthTypeNone)
        );
        // Already sending no key: nothing changes for the stored keys.
        let unsent = live(json!({"server_id": "a", "is_byok": true, "auth_type": "none"}));
        assert_eq!(stranding(&unsent, &body(none.clone())), None);
        // Not BYOK: no keys to strand.
        let plain = live(json!({"server_id": "a", "is_byok": false}));
        assert_eq!(stranding(&plain, &body(none)), None);
    }
}
