//! live: the proxy's servers as read from one `GET /v1/mcp/server`, and the
//! normalisation table that makes them comparable with the files.
//!
//! Knows nothing of YAML. The list response is kept as returned; [`normalise`] holds
//! every proxy quirk as one row of a table.

pub mod normalise;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::secret::digest;

use crate::model::proxy::{MANAGED_BY, MANAGED_BY_VALUE, PREVENT_DESTROY_MARKER, VOLATILE_FIELDS};

/// One live server, as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveServer {
    raw: Map<String, Value>,
    listed: bool,
}

impl LiveServer {
    /// A server from one element of the list response.
    pub fn from_json(value: Value) -> Result<LiveServer, String> {
        match value {
            Value::Object(raw) if raw.get("server_id").is_some_and(Value::is_string) => {
                Ok(LiveServer { raw, listed: true })
            }
            Value::Object(_) => Err("a listed server has no `server_id`".to_owned()),
            other => Err(format!("expected a server object, got {}", kind(&other))),
        }
    }

    /// A server the list left out but `GET /v1/mcp/server/{id}` found (the proxy leaves
    /// OpenAPI servers whose spec it cannot load out of its list).
    pub fn unlisted(value: Value) -> Result<LiveServer, String> {
        let mut s = LiveServer::from_json(value)?;
        s.listed = false;
        Ok(s)
    }

    /// Whether the list showed it.
    pub fn listed(&self) -> bool {
        self.listed
    }

    /// The upstream health error the proxy recorded, if any.
    pub fn health_error(&self) -> Option<&str> {
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
    pub fn display_name(&self) -> &str {
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
    pub fn reports_byok(&self) -> bool {
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

    /// Created (or adopted) by mcpform.
    pub fn is_owned(&self) -> bool {
        self.marker(MANAGED_BY).and_then(Value::as_str) == Some(MANAGED_BY_VALUE)
    }

    /// Whether `lifecycle.prevent_destroy` was recorded on the proxy.
    pub fn prevents_destroy(&self) -> bool {
        self.marker(PREVENT_DESTROY_MARKER).and_then(Value::as_bool) == Some(true)
    }

    /// SHA-256 of the object without its volatile fields: a saved plan records it, and
    /// apply refuses when it changed.
    pub fn fingerprint(&self) -> String {
        let mut stable = self.raw.clone();
        stable.retain(|k, _| !VOLATILE_FIELDS.contains(&k.as_str()));
        digest(&Value::Object(stable))
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
    pub fn from_list(body: Value) -> Result<LiveState, String> {
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
    /// Not asked (the change does not need it, or the planner's first pass).
    NotChecked,
}

impl std::fmt::Display for CredentialCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialCount::Known(n) => write!(f, "{n}"),
            CredentialCount::Unsupported => f.write_str("unknown"),
            CredentialCount::NotChecked => f.write_str("not checked"),
        }
    }
}

/// Credential counts by `server_id`, gathered before planning.
pub type CredentialFacts = BTreeMap<String, CredentialCount>;

/// Everything besides the list that the planner may need, gathered before planning.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Stored-key counts of the servers whose change strands keys.
    pub credentials: CredentialFacts,
    /// Ids the list does not show but that exist and cannot be read back, with the
    /// proxy's answer (an OpenAPI server whose spec the proxy cannot load).
    pub unreadable: BTreeMap<String, String>,
    /// Ids already looked up one by one (found ones are added to the live state).
    pub looked_up: std::collections::BTreeSet<String>,
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
        assert!(s.is_owned() && s.prevents_destroy());
        assert!(
            !server(json!({"server_id": "a", "mcp_info": {"managed_by": "terraform"}})).is_owned()
        );
    }

    #[test]
    fn fingerprint_ignores_health_noise() {
        let a = server(
            json!({"server_id": "a", "url": "u", "status": null, "has_user_credential": false}),
        );
        let b = server(
            json!({"server_id": "a", "url": "u", "status": "healthy", "has_user_credential": true}),
        );
        let c = server(json!({"server_id": "a", "url": "v"}));
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
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
