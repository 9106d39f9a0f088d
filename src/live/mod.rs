//! live: the proxy's servers as read from one `GET /v1/mcp/server`, and the
//! normalisation table that makes them comparable with the files.
//!
//! Knows nothing of YAML. The list response is kept as returned; [`normalise`] holds
//! every proxy quirk as one row of a table.

pub mod normalise;
mod timestamp;

pub(crate) use timestamp::{canonical_timestamp, rfc3339};

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::proxy::{MANAGED_BY, MANAGED_BY_VALUE, OWNER_MARKER, PREVENT_DESTROY_MARKER};

/// One live server, as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveServer {
    raw: Map<String, Value>,
    listed: bool,
}

impl LiveServer {
    /// A server from one element of the list response.
    pub fn from_json(value: Value) -> Result<LiveServer, String> {
        let Value::Object(mut raw) = value else {
            return Err(format!("expected a server object, got {}", kind(&value)));
        };
        match raw.get("server_id") {
            Some(Value::String(_)) => {}
            // Ids are strings in the API; a number (a hand-written config entry) is read
            // as its text rather than reported as missing.
            Some(Value::Number(n)) => {
                let id = n.to_string();
                raw.insert("server_id".into(), Value::String(id));
            }
            Some(other) => {
                return Err(format!(
                    "a listed server has a `server_id` that is {}, not a string",
                    kind(other)
                ));
            }
            None => return Err("a listed server has no `server_id`".to_owned()),
        }
        Ok(LiveServer { raw, listed: true })
    }

    /// A server the list left out but `GET /v1/mcp/server/{id}` found (the proxy leaves
    /// OpenAPI servers whose spec it cannot load out of its list).
    pub(crate) fn unlisted(value: Value) -> Result<LiveServer, String> {
        let mut s = LiveServer::from_json(value)?;
        s.listed = false;
        Ok(s)
    }

    /// Whether the list showed it.
    pub fn listed(&self) -> bool {
        self.listed
    }

    /// The upstream health error the proxy recorded, if any.
    pub(crate) fn health_error(&self) -> Option<&str> {
        self.str_field("health_check_error")
    }

    /// The whole object as the proxy listed it.
    pub fn raw(&self) -> &Map<String, Value> {
        &self.raw
    }

    /// A field as listed.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.raw.get(field)
    }

    fn str_field(&self, field: &str) -> Option<&str> {
        self.raw.get(field).and_then(Value::as_str)
    }

    /// `server_id`.
    pub fn server_id(&self) -> &str {
        self.str_field("server_id").unwrap_or_default()
    }

    /// `server_name` (config servers and odd rows may lack one).
    pub fn server_name(&self) -> Option<&str> {
        self.str_field("server_name").filter(|s| !s.is_empty())
    }

    /// `alias`.
    pub fn alias(&self) -> Option<&str> {
        self.str_field("alias").filter(|s| !s.is_empty())
    }

    /// A name for messages: the server name, else the id.
    pub(crate) fn display_name(&self) -> &str {
        self.server_name().unwrap_or_else(|| self.server_id())
    }

    /// Defined in the proxy's config.yaml: read-only.
    pub fn is_config(&self) -> bool {
        self.raw.get("is_config").and_then(Value::as_bool) == Some(true)
    }

    /// BYOK on (absent on proxies before 1.82.1: off).
    pub fn is_byok(&self) -> bool {
        self.raw.get("is_byok").and_then(Value::as_bool) == Some(true)
    }

    /// Whether the proxy reports `is_byok` at all (1.82.1 and later do).
    pub(crate) fn reports_byok(&self) -> bool {
        self.raw.contains_key("is_byok")
    }

    /// `auth_type`.
    pub fn auth_type(&self) -> Option<&str> {
        self.str_field("auth_type")
    }

    /// The transport as mcpform names it: `http` with a `spec_path` is `openapi`.
    pub fn transport(&self) -> &str {
        match self.str_field("transport") {
            Some("http") if self.str_field("spec_path").is_some_and(|s| !s.is_empty()) => "openapi",
            Some(t) => t,
            None => "sse",
        }
    }

    /// `mcp_info`, if an object.
    pub fn mcp_info(&self) -> Option<&Map<String, Value>> {
        self.raw.get("mcp_info").and_then(Value::as_object)
    }

    /// One of mcpform's `mcp_info` markers.
    pub fn marker(&self, key: &str) -> Option<&Value> {
        self.mcp_info()?.get(key)
    }

    /// Carries `managed_by: mcpform`. Not proof of ownership on its own: anyone who can
    /// write `mcp_info` (a submission) can write it; see [`LiveServer::owner_proof`].
    pub(crate) fn has_managed_marker(&self) -> bool {
        self.marker(MANAGED_BY).and_then(Value::as_str) == Some(MANAGED_BY_VALUE)
    }

    /// The ownership proof mcpform recorded (`mcp_info.mcpform_owner`), if any.
    pub fn owner_proof(&self) -> Option<&str> {
        self.marker(OWNER_MARKER).and_then(Value::as_str)
    }

    /// Who submitted it for approval, when it came in as a non-admin submission.
    pub fn submitted_by(&self) -> Option<&str> {
        self.str_field("submitted_by").filter(|s| !s.is_empty())
    }

    /// Whether the row says it came in as a submission. `GET /v1/mcp/server/{id}` shows
    /// `submitted_by` and `submitted_at` of an approved submission; the list shows them
    /// null, so a listed server also needs the submissions queue
    /// ([`Facts::submitted`]).
    pub(crate) fn says_submitted(&self) -> bool {
        self.submitted_by().is_some()
            || self
                .raw
                .get("submitted_at")
                .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
    }

    /// When the proxy created it (`created_at`), in one canonical form; `None` when the
    /// proxy does not say (servers from `config.yaml`).
    pub fn created_at(&self) -> Option<String> {
        self.str_field("created_at")
            .filter(|s| !s.trim().is_empty())
            .map(canonical_timestamp)
    }

    /// Whether `lifecycle.prevent_destroy` was recorded on the proxy.
    pub(crate) fn prevents_destroy(&self) -> bool {
        self.marker(PREVENT_DESTROY_MARKER).and_then(Value::as_bool) == Some(true)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Every server on the proxy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveState {
    /// In the proxy's order.
    pub servers: Vec<LiveServer>,
}

impl LiveState {
    /// From the list response body.
    pub(crate) fn from_list(body: Value) -> Result<LiveState, String> {
        let Value::Array(items) = body else {
            return Err(format!("expected a list of servers, got {}", kind(&body)));
        };
        let servers = items
            .into_iter()
            .map(LiveServer::from_json)
            .collect::<Result<_, _>>()?;
        Ok(LiveState { servers })
    }

    /// Whether the proxy knows BYOK (older than 1.82.1 it silently drops `is_byok`).
    /// With no servers listed there is nothing to tell by: assume it does.
    pub fn supports_byok(&self) -> bool {
        self.servers.iter().all(LiveServer::reports_byok)
    }
}

/// How many users hold stored BYOK keys on a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialCount {
    /// Counted with `GET /v1/mcp/server/{id}/user-credentials`.
    Known(usize),
    /// The proxy cannot say (older than 1.103: the endpoint is missing). Never zero.
    Unsupported,
    /// The proxy answered something mcpform cannot read as a list of credentials.
    /// Never zero.
    Unreadable,
    /// Not asked (the change does not need it, or the planner's first pass).
    NotChecked,
}

impl serde::Serialize for CredentialCount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CredentialCount::Known(n) => s.serialize_u64(*n as u64),
            CredentialCount::Unsupported => s.serialize_str("unknown"),
            CredentialCount::Unreadable => s.serialize_str("unreadable"),
            CredentialCount::NotChecked => s.serialize_str("not_checked"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for CredentialCount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_u64()
                .map(|n| CredentialCount::Known(n as usize))
                .ok_or_else(|| serde::de::Error::custom("a count is a whole number")),
            Value::String(s) if s == "unknown" => Ok(CredentialCount::Unsupported),
            Value::String(s) if s == "not_checked" => Ok(CredentialCount::NotChecked),
            Value::String(s) if s == "unreadable" => Ok(CredentialCount::Unreadable),
            other => Err(serde::de::Error::custom(format!(
                "a count is a number, `unknown` or `not_checked`, not {}",
                kind(&other)
            ))),
        }
    }
}

impl std::fmt::Display for CredentialCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialCount::Known(n) => write!(f, "{n}"),
            CredentialCount::Unsupported => f.write_str("unknown"),
            CredentialCount::Unreadable => f.write_str("unreadable"),
            CredentialCount::NotChecked => f.write_str("not checked"),
        }
    }
}

/// Credential counts by `server_id`, gathered before planning.
pub(crate) type CredentialFacts = BTreeMap<String, CredentialCount>;

/// A server submitted by a non-admin and not approved (awaiting review, or rejected):
/// the list leaves it out, but it owns its id, name and alias (the proxy refuses creates
/// that clash with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingServer {
    /// Its id.
    pub server_id: String,
    /// Its name.
    pub server_name: Option<String>,
    /// Its alias.
    pub alias: Option<String>,
    /// Who submitted it.
    pub submitted_by: Option<String>,
    /// `pending_review` or `rejected`.
    pub status: String,
}

impl PendingServer {
    /// One item of `GET /v1/mcp/server/submissions`, unless it was approved (approved
    /// ones are in the list). `None` for anything else.
    pub(crate) fn from_submission(item: &Value) -> Option<PendingServer> {
        let text = |k: &str| {
            item.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let status = text("approval_status")?;
        if !matches!(status.as_str(), "pending_review" | "rejected") {
            return None;
        }
        Some(PendingServer {
            server_id: text("server_id")?,
            server_name: text("server_name"),
            alias: text("alias"),
            submitted_by: text("submitted_by"),
            status,
        })
    }
}

/// Facts a planner asks for before it can finish: gathered, then the planner runs again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// Ids to read one by one (OpenAPI creates: the list may leave such servers out).
    pub lookups: Vec<String>,
    /// Ids whose users' stored-key count a guard needs.
    pub credential_counts: Vec<String>,
}

/// Everything besides the list that the planner may need, gathered before planning.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Submissions awaiting approval.
    pub pending: Vec<PendingServer>,
    /// Every id in the submissions queue, whatever its status, with who submitted it:
    /// these came in as a non-admin's submission, and an approved one looks, in the
    /// list, like any other server.
    pub submitted: BTreeMap<String, Option<String>>,
    /// Stored-key counts of the servers whose change strands keys.
    pub credentials: CredentialFacts,
    /// Ids the list does not show and whose by-id read failed, with the proxy's answer
    /// (an OpenAPI server whose spec the proxy cannot load answers 503): nothing is
    /// planned for them.
    pub unreadable: BTreeMap<String, String>,
    /// Ids the list does not show whose by-id read answered a server with another id:
    /// the proxy resolves a path id by name or alias too, so a server with this name
    /// exists under that id (hidden from the list).
    pub namesakes: BTreeMap<String, String>,
    /// Ids already looked up one by one (found ones are added to the live state).
    pub looked_up: std::collections::BTreeSet<String>,
    /// The proxy's LiteLLM version, when it said (what it stores and does:
    /// [`crate::model::support`]).
    pub version: Option<crate::model::support::ProxyVersion>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn server(v: Value) -> LiveServer {
        LiveServer::from_json(v).unwrap()
    }

    #[test]
    fn openapi_reads_back_from_http_with_spec_path() {
        assert_eq!(
            server(json!({"server_id": "a", "transport": "http", "spec_path": "x"})).transport(),
            "openapi"
        );
        assert_eq!(
            server(json!({"server_id": "a", "transport": "http", "spec_path": null})).transport(),
            "http"
        );
        assert_eq!(
            server(json!({"server_id": "a", "transport": "sse"})).transport(),
            "sse"
        );
    }

    #[test]
    fn ownership_and_markers() {
        let s = server(
            json!({"server_id": "a", "mcp_info": {"managed_by": "mcpform", "mcpform_prevent_destroy": true}}),
        );
        assert!(s.has_managed_marker() && s.prevents_destroy());
        assert!(
            !server(json!({"server_id": "a", "mcp_info": {"managed_by": "terraform"}}))
                .has_managed_marker()
        );
    }

    #[test]
    fn numeric_ids_are_read_as_text_and_other_ids_are_named() {
        assert_eq!(server(json!({"server_id": 42})).server_id(), "42");
        let err = LiveServer::from_json(json!({"server_id": ["x"]})).unwrap_err();
        assert!(err.contains("a list, not a string"), "{err}");
    }

    #[test]
    fn credential_counts_round_trip() {
        for c in [
            CredentialCount::Known(3),
            CredentialCount::Unsupported,
            CredentialCount::Unreadable,
            CredentialCount::NotChecked,
        ] {
            let v = serde_json::to_value(c).unwrap();
            assert_eq!(serde_json::from_value::<CredentialCount>(v).unwrap(), c);
        }
        assert!(serde_json::from_value::<CredentialCount>(json!(-1)).is_err());
    }

    #[test]
    fn byok_support_is_detected_from_the_list() {
        let old = LiveState::from_list(json!([{"server_id": "a"}])).unwrap();
        assert!(!old.supports_byok());
        let new = LiveState::from_list(json!([{"server_id": "a", "is_byok": false}])).unwrap();
        assert!(new.supports_byok());
        assert!(LiveState::from_list(json!({"detail": "x"})).is_err());
        assert!(LiveState::from_list(json!([{"no_id": 1}])).is_err());
    }
}
