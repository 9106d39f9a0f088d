//! Preconditions: what a saved plan expects to find on the proxy, so apply can refuse a
//! stale plan precisely (server and field, old → new). Values of fields that can hold
//! secrets are kept as keyed fingerprints, never as text.

use std::collections::BTreeMap;

use serde_json::Value;

use super::action::Expected;
use crate::live::LiveServer;
use crate::live::normalise::{Context, canonical};
use crate::model::proxy::is_injected_key;
use crate::secret::FingerprintKey;
use crate::secret::urls::value_has_url_secrets;

/// The expected value of each of `fields` on `live`; `secret(field)` says which to keep
/// as a fingerprint. Apply computes the same for the server it reads again and compares.
pub(crate) fn expected_fields<'a>(
    live: &LiveServer,
    fields: impl IntoIterator<Item = &'a str>,
    secret: &dyn Fn(&str) -> bool,
    key: &FingerprintKey,
) -> BTreeMap<String, Expected> {
    let sibling = |f: &str| live.get(f);
    let ctx = Context {
        server_name: live.server_name().unwrap_or_else(|| live.server_id()),
        sibling: &sibling,
    };
    fields
        .into_iter()
        .map(|f| {
            let value = observed(live, f, &ctx);
            // A URL with secret parts (a user and password, query values; set in the
            // dashboard) is a secret too: the plan shows it redacted, so its document
            // and apply's report must not show it either.
            let expected = if secret(f) || value_has_url_secrets(&value) {
                Expected::Hmac(key.fingerprint(&value))
            } else {
                Expected::Value(value)
            };
            (f.to_owned(), expected)
        })
        .collect()
}

/// A field as a precondition sees it: normalised like the planner compares it, except
/// `mcp_info`, whose mcpform markers matter here (ownership, `prevent_destroy`) and only
/// the keys the proxy injects are dropped.
fn observed(live: &LiveServer, field: &str, ctx: &Context<'_>) -> Value {
    if field == "mcp_info" {
        let mut info = live.mcp_info().cloned().unwrap_or_default();
        info.retain(|k, _| !is_injected_key(k));
        return Value::Object(info);
    }
    canonical(field, live.get(field), ctx)
}

/// Differences between what a plan expected and what `live` holds now, as
/// `(field, expected, found)`; secret fields (and URLs with secret parts on either side)
/// compare by fingerprint and are reported by name only (both values `None`).
pub fn differences(
    expected: &BTreeMap<String, Expected>,
    live: &LiveServer,
    key: &FingerprintKey,
) -> Vec<(String, Option<Value>, Option<Value>)> {
    let secret = |f: &str| matches!(expected.get(f), Some(Expected::Hmac(_)));
    let now = expected_fields(live, expected.keys().map(String::as_str), &secret, key);
    expected
        .iter()
        .filter(|(f, e)| now.get(*f) != Some(*e))
        .map(|(f, e)| match (e, now.get(f)) {
            (Expected::Value(old), Some(Expected::Value(new))) => {
                (f.clone(), Some(old.clone()), Some(new.clone()))
            }
            _ => (f.clone(), None, None),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use serde_json::json;

    fn server(v: Value) -> LiveServer {
        LiveServer::from_json(v).unwrap()
    }

    #[test]
    fn secret_fields_are_fingerprints_and_changes_are_named() {
        let key = FingerprintKey::new(&Secret::new("k"));
        let before = server(
            json!({"server_id": "a", "server_name": "a", "url": "https://a.invalid",
            "static_headers": {"X-Key": "tok-canary"}, "mcp_info": {"server_name": "a", "logo_url": "l"}}),
        );
        let secret = |f: &str| f == "static_headers";
        let expected = expected_fields(
            &before,
            ["url", "static_headers", "mcp_info", "alias"],
            &secret,
            &key,
        );
        let text = serde_json::to_string(&expected).unwrap();
        assert!(!text.contains("tok-canary"), "{text}");
        assert_eq!(expected["alias"], Expected::Value(json!("a")), "normalised");
        assert_eq!(
            expected["mcp_info"],
            Expected::Value(json!({"logo_url": "l"}))
        );
        assert!(differences(&expected, &before, &key).is_empty());
        let after = server(
            json!({"server_id": "a", "server_name": "a", "url": "https://b.invalid",
            "static_headers": {"X-Key": "rotated"}, "mcp_info": {"logo_url": "l"}}),
        );
        let diff = differences(&expected, &after, &key);
        assert_eq!(
            diff,
            [
                ("static_headers".to_owned(), None, None),
                (
                    "url".to_owned(),
                    Some(json!("https://a.invalid")),
                    Some(json!("https://b.invalid"))
                ),
            ]
        );
    }
}
