//! Secrets as a type: values that must never be printed, logged or written to a plan.
//!
//! [`Secret`] shows as `****` in `Debug` and `Display`; the raw text is only reachable
//! through `Secret::expose`, which the HTTP client and the fingerprint call. Keyed
//! fingerprints (HMAC-SHA256) let a plan say "changed" without knowing the value.

use std::fmt;

use ring::hmac;
use serde_json::Value;

pub(crate) mod urls;

/// A secret string (an admin key, a credential, a value read from `${env:…}`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The raw value: only for the wire and for fingerprints.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// The key of credential fingerprints.
#[derive(Clone)]
pub struct FingerprintKey(hmac::Key);

impl fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FingerprintKey(****)")
    }
}

/// Prefix of every fingerprint, so a future scheme can be told apart.
pub(crate) const FINGERPRINT_PREFIX: &str = "hmac-sha256:";

impl FingerprintKey {
    /// A key from secret material (`MCPFORM_FINGERPRINT_KEY`, else the admin key).
    pub fn new(material: &Secret) -> FingerprintKey {
        FingerprintKey(hmac::Key::new(
            hmac::HMAC_SHA256,
            material.expose().as_bytes(),
        ))
    }

    /// HMAC-SHA256 over the canonical JSON of `value` (sorted keys, no spaces).
    pub fn fingerprint(&self, value: &Value) -> String {
        let tag = hmac::sign(&self.0, canonical_json(value).as_bytes());
        format!("{FINGERPRINT_PREFIX}{}", hex(tag.as_ref()))
    }
}

/// SHA-256 over the canonical JSON of `value` (for fingerprints of public data, such as
/// the live object a plan was computed against).
pub fn digest(value: &Value) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, canonical_json(value).as_bytes());
    format!("sha256:{}", hex(d.as_ref()))
}

/// JSON with object keys sorted at every level and no whitespace.
pub(crate) fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write_canonical(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "**** Secret(****)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a = json!({"b": 1, "a": {"d": [1, {"z": 1, "y": 2}], "c": "x"}});
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}"#
        );
    }

    #[test]
    fn fingerprints_depend_on_key_and_value_not_key_order() {
        let k1 = FingerprintKey::new(&Secret::new("k1"));
        let k2 = FingerprintKey::new(&Secret::new("k2"));
        let v = json!({"auth_value": "s", "scopes": ["a"]});
        let reordered = json!({"scopes": ["a"], "auth_value": "s"});
        assert_eq!(k1.fingerprint(&v), k1.fingerprint(&reordered));
        assert_ne!(k1.fingerprint(&v), k2.fingerprint(&v));
        assert_ne!(
            k1.fingerprint(&v),
            k1.fingerprint(&json!({"auth_value": "t"}))
        );
        // The fingerprint is the prefix and 64 hex digits: nothing of the value in it.
        let secret = json!({"auth_value": "hunter2-canary"});
        let fp = k1.fingerprint(&secret);
        let hex = fp.strip_prefix(FINGERPRINT_PREFIX).expect("prefixed");
        assert_eq!(hex.len(), 64);
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert!(!fp.contains("hunter2"), "{fp}");
    }
}
