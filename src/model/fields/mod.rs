//! The fields of a server: one table owned by the model, one row per field with every
//! fact mcpform knows about it (what it holds, the proxy's defaults, which LiteLLM
//! versions store it, whether it can hold a secret, …). The rooms that work with field
//! names rather than with [`ServerSpec`](super::ServerSpec)'s members (normalisation,
//! the planner's compared and sent sets, `ignore_changes`, lint's rules, export) read
//! the facts through the functions below, never through lists of their own.
//!
//! Written by hand beside the struct: the tests check it against serde's own field
//! list and against what the model accepts, and `tests/schema_sync.rs` against the
//! generated schema. Facts about the proxy come from
//! `../shared/reference/litellm-mcp-api.md` and the wheels listed in
//! [`super::support`].

use serde_json::Value;

use super::support::{Absent, Introduced};

mod table;
#[cfg(test)]
mod tests;

pub use table::SERVER_FIELDS;

/// What a field holds, as far as the rooms reading the table care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A string, number, boolean or enum value: empty is `null`.
    Scalar,
    /// A list: empty is `[]` (the proxy stores and returns `[]` for a missing one).
    List,
    /// A free-form mapping: empty is `{}` (the proxy returns `{}` or `null` alike).
    Map,
    /// A structured object with known keys (`credentials`, `lifecycle`): empty is `null`.
    Record,
}

/// The value LiteLLM's request model (`NewMCPServerRequest`, `UpdateMCPServerRequest`)
/// gives a field that a request leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestDefault {
    /// `null` (the field is optional).
    Null,
    /// A string.
    Str(&'static str),
    /// A boolean.
    Bool(bool),
    /// `[]`.
    EmptyList,
    /// `{}`.
    EmptyMap,
}

impl RequestDefault {
    /// The default as JSON.
    pub fn to_json(self) -> Value {
        match self {
            RequestDefault::Null => Value::Null,
            RequestDefault::Str(s) => Value::String(s.to_owned()),
            RequestDefault::Bool(b) => Value::Bool(b),
            RequestDefault::EmptyList => Value::Array(Vec::new()),
            RequestDefault::EmptyMap => Value::Object(serde_json::Map::new()),
        }
    }
}

/// JSON text: `"sse"`, `false`, `[]`.
impl std::fmt::Display for RequestDefault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

/// How the planner compares a field of a declared server with the live one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    /// As a value, both sides put through the normalisation table.
    Value,
    /// By the keyed fingerprint mcpform records when it sends them: the proxy never
    /// returns them (`credentials`).
    Fingerprint,
    /// Never: it is what a declared server is matched by (`server_id`).
    Identity,
    /// Never: mcpform's own policy, not sent to the proxy (`lifecycle`).
    Policy,
}

/// Why a field is compared and sent whatever a file says. Updates send them in this
/// order (then each in declaration order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Managed {
    /// It says what the server is: its name, its transport and where it is.
    Server,
    /// The alias: a PUT that carries `server_name` without it resets it to the name.
    Alias,
    /// `is_byok`: whether users' stored keys are used; a PUT of a proxy without partial
    /// updates turns it off when the body leaves it out.
    Byok,
}

/// Which OAuth set a field belongs to that the proxy clears on an update that changes
/// `url`, `issuer` or the auth class. Listed in this order (then each in declaration
/// order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AuthSet {
    /// The OAuth 2 flow: issuer, endpoints, grant and DCR bridge.
    Flow,
    /// Token exchange (RFC 8693).
    TokenExchange,
}

/// One server field and every fact about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerField {
    /// The name in files and in the API.
    pub name: &'static str,
    /// What it holds.
    pub kind: FieldKind,
    /// What the proxy stores when a request leaves it out.
    pub request_default: RequestDefault,
    /// What the proxy's list shows when it stores nothing, when that is not `null` (or
    /// the kind's empty value).
    pub listed_default: Option<&'static str>,
    /// Values that mean "not set": a proxy without the field behaves the same.
    pub absent: Absent,
    /// The first LiteLLM version that stores and lists it, and what older ones do;
    /// `None`: every version checked stores and lists it.
    pub introduced: Option<Introduced>,
    /// Compared and sent whatever a file says, and why: it decides what the server is
    /// and whether users' keys are safe.
    pub always_managed: Option<Managed>,
    /// Whether `lifecycle.ignore_changes` may name it (not a field that identifies a
    /// server or holds mcpform's policy).
    pub ignorable: bool,
    /// How the planner compares it.
    pub compared: Compared,
    /// The proxy returns it in plain text to an admin although it can hold secrets (a
    /// token set in the dashboard), or it is the write-only `credentials`: shown by key
    /// names only.
    pub secret_capable: bool,
    /// A change makes the proxy delete users' stored OAuth tokens (its "mint-relevant"
    /// fields).
    pub mints_oauth: bool,
    /// The proxy clears it on an update that changes `url`, `issuer` or the auth class,
    /// unless the same request sends a value different from the stored one (an
    /// unchanged `token_url` sent with a new `url` is cleared): the OAuth set it belongs
    /// to. Checked in the proxy's `update_mcp_server` and against a real 1.108.7.
    pub cleared_on_auth_change: Option<AuthSet>,
    /// It holds a URL the proxy or users will call.
    pub holds_url: bool,
    /// Part of BYOK: proxies without BYOK drop it, and list no `is_byok` on any server.
    pub byok: bool,
}

/// The field called `name`.
pub fn server_field(name: &str) -> Option<&'static ServerField> {
    SERVER_FIELDS.iter().find(|f| f.name == name)
}

/// The names of the fields with a fact, in declaration order.
fn names_where(fact: fn(&ServerField) -> bool) -> impl Iterator<Item = &'static str> {
    SERVER_FIELDS
        .iter()
        .filter(move |f| fact(f))
        .map(|f| f.name)
}

/// The names of the fields with a grouped fact, group by group, each in declaration
/// order.
fn names_by<G: Ord>(group: fn(&ServerField) -> Option<G>) -> impl Iterator<Item = &'static str> {
    let mut rows: Vec<(G, &'static str)> = SERVER_FIELDS
        .iter()
        .filter_map(|f| Some((group(f)?, f.name)))
        .collect();
    // Stable: declaration order within a group.
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|(_, name)| name)
}

/// Whether the field called `name` has a fact (`false` for a name that is no field).
fn has(name: &str, fact: fn(&ServerField) -> bool) -> bool {
    server_field(name).is_some_and(fact)
}

/// Whether `lifecycle.ignore_changes` may name this field.
pub fn is_ignorable(name: &str) -> bool {
    has(name, |f| f.ignorable)
}

/// The fields `lifecycle.ignore_changes` may name, in declaration order.
pub fn ignorable_fields() -> impl Iterator<Item = &'static str> {
    names_where(|f| f.ignorable)
}

/// The fields compared and sent whatever a file says, in the order updates send them
/// (by [`Managed`]).
pub fn always_managed() -> impl Iterator<Item = &'static str> {
    names_by(|f| f.always_managed)
}

/// Whether the field is compared and sent whatever a file says.
pub fn is_always_managed(name: &str) -> bool {
    has(name, |f| f.always_managed.is_some())
}

/// Whether the planner compares the field as a value (a name that is no field is,
/// as any key a body may hold).
pub fn is_compared_as_value(name: &str) -> bool {
    server_field(name).is_none_or(|f| f.compared == Compared::Value)
}

/// Whether the field can hold secrets although the proxy returns it (or is the
/// write-only `credentials`).
pub fn is_secret_capable(name: &str) -> bool {
    has(name, |f| f.secret_capable)
}

/// Whether changing the field makes the proxy delete users' stored OAuth tokens.
pub fn mints_oauth(name: &str) -> bool {
    has(name, |f| f.mints_oauth)
}

/// The fields the proxy clears on an update that changes `url`, `issuer` or the auth
/// class, set by set (by [`AuthSet`]).
pub fn cleared_on_auth_change() -> impl Iterator<Item = &'static str> {
    names_by(|f| f.cleared_on_auth_change)
}

/// Whether the field is one of BYOK's.
pub fn is_byok_field(name: &str) -> bool {
    has(name, |f| f.byok)
}

/// The fields that hold URLs the proxy or users will call, in declaration order.
pub fn url_fields() -> impl Iterator<Item = &'static str> {
    names_where(|f| f.holds_url)
}

/// The boolean fields outside BYOK whose request default is not `null`, with that
/// default: a missing one is that value to the proxy. (`is_byok` is left to the
/// normalisation row of its own, which says why a proxy may not list it.)
pub fn flag_defaults() -> impl Iterator<Item = (&'static str, bool)> {
    SERVER_FIELDS
        .iter()
        .filter_map(|f| match f.request_default {
            RequestDefault::Bool(b) if !f.byok => Some((f.name, b)),
            _ => None,
        })
}

/// The value the proxy's list shows for `name` when it stores nothing, when that is
/// not `null` (`token_exchange_profile: rfc8693`).
pub fn listed_default(name: &str) -> Option<&'static str> {
    server_field(name)?.listed_default
}
