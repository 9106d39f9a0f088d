//! The planner's vocabulary: actions, field changes, guards, preconditions and the
//! references apply may substitute. Every type here is written to and read back from
//! the plan document, so each derives both `Serialize` and `Deserialize`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::live::CredentialCount;
use crate::model::Origin;
use crate::resolve::Reference;

/// What to do to one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// `POST /v1/mcp/server`.
    Create,
    /// `PUT /v1/mcp/server`.
    Update,
    /// `DELETE /v1/mcp/server/{id}`.
    Delete,
}

impl ActionKind {
    /// The word people read: `create`, `update`, `delete`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ActionKind::Create => "create",
            ActionKind::Update => "update",
            ActionKind::Delete => "delete",
        }
    }
}

/// A value as a plan may show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Shown {
    /// Not set.
    Absent,
    /// Shown as is.
    Value(Value),
    /// Hidden: a secret, or a field that can hold one.
    Sensitive,
}

/// One field's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field (`description`, `credentials`, `lifecycle.prevent_destroy`).
    pub field: String,
    /// The live value.
    pub old: Shown,
    /// The value that will be sent.
    pub new: Shown,
    /// For hidden maps: which keys are added, removed or changed (names only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<KeyChanges>,
}

/// Names of the keys of a hidden map that change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyChanges {
    /// New keys.
    pub added: Vec<String>,
    /// Keys that go away.
    pub removed: Vec<String>,
    /// Keys whose value changes.
    pub changed: Vec<String>,
}

/// Why a change touches users' stored keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardReason {
    /// `is_byok` goes from true to false: stored keys stay but are no longer used.
    ByokDisabled,
    /// The transport becomes `stdio`: BYOK no longer works.
    TransportStdio,
    /// The server is deleted: the proxy deletes its users' stored keys.
    ServerDeleted,
    /// `auth_type` becomes `none` while BYOK stays on: the proxy still looks each user's
    /// stored key up, but sends it in no header.
    AuthTypeNone,
}

/// The credential check of a change that strands users' keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guard {
    /// What the change does to stored keys.
    pub reason: GuardReason,
    /// How many users hold stored BYOK keys.
    pub count: CredentialCount,
    /// `lifecycle.allow_byok_disable: true` in the file.
    pub allowed: bool,
}

impl Guard {
    /// Whether apply must skip the change: keys are (or may be) stranded and the file
    /// does not allow it.
    pub fn blocks(&self) -> bool {
        !self.allowed && !matches!(self.count, CredentialCount::Known(0))
    }
}

/// What one field held when the plan was made: the value, or, for fields that can hold
/// secrets, a keyed fingerprint of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// The normalised live value.
    Value(Value),
    /// HMAC-SHA256 of the normalised live value (keyed like the credential fingerprints).
    Hmac(String),
}

/// What must still hold on the proxy for apply to carry an action out as planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Precondition {
    /// A create: no server with this id, and no other server whose name or alias equals
    /// one of `names`, ignoring case.
    Absent {
        /// The names and alias the create claims.
        names: Vec<String>,
    },
    /// An update or delete: every managed field still as it was.
    Unchanged {
        /// Field → its value when planned.
        fields: BTreeMap<String, Expected>,
    },
}

/// How the planner saw the live server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seen {
    /// Nothing to see: a create.
    New,
    /// In the one list response.
    Listed,
    /// Read by id because the list leaves it out (an OpenAPI server whose spec the proxy
    /// cannot load); apply must read it by id again.
    ById,
}

/// When an action's main write runs. Names and aliases are unique on the proxy, so an
/// action that takes a name another server gives up must wait for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Deletes that free a name another action takes (and, for every action with
    /// `temp_names`, its temporary write).
    FreeNames,
    /// Creates and updates, each after the actions in its `after`.
    #[default]
    Apply,
    /// Deletes nothing waits for.
    Delete,
}

/// One planned change to one server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// Create, update or delete.
    pub action: ActionKind,
    /// `server_name`.
    pub server_name: String,
    /// The id on the proxy (for creates: the id that will be sent).
    pub server_id: String,
    /// Where the server is declared (not for deletes); not written to the document.
    #[serde(skip)]
    pub origin: Option<Origin>,
    /// `file:line` of the declaration, filled in when the document is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Changed fields (for creates: every field sent).
    pub changes: Vec<FieldChange>,
    /// Set when the change strands users' stored keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<Guard>,
    /// Remarks (adoption, OAuth tokens purged, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The body apply will send, with `${env:…}` references unresolved (no secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Map<String, Value>>,
    /// Where the body holds references written in the files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Whether `credentials` are part of the body.
    pub sends_credentials: bool,
    /// Keyed fingerprint of the values the references resolved to, so apply can tell
    /// that the environment still holds the same secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets_fingerprint: Option<String>,
    /// Fields an update must send back at their live value (a proxy without partial
    /// updates resets them when omitted) whose value can hold secrets: left out of `body`, watched by
    /// fingerprint in the precondition, and filled in by apply from the live server it
    /// reads again before the first write.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_live: Vec<String>,
    /// What must still hold on the proxy.
    pub precondition: Precondition,
    /// How the live server was seen.
    pub seen: Seen,
    /// When the main write runs.
    pub phase: Phase,
    /// Position in the execution order (phase by phase; within a phase, dependencies
    /// first).
    pub order: usize,
    /// Servers (by id) whose write frees a name or alias this action takes: it runs
    /// after them, and is `blocked` if one of them does not succeed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// A first write (in the `free_names` phase) with these identifiers replaced by
    /// temporary ones: it breaks a cycle of renames (two servers swapping aliases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temp_names: Option<BTreeMap<String, String>>,
    /// A second write of the same body after the first: the proxy clears OAuth endpoint
    /// fields when `url`, `issuer` or the auth class changes in the same request.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restores_oauth: bool,
    /// How many requests the action makes.
    pub writes: u8,
    /// Whether apply will skip it (derived from the guard when the document is made,
    /// for readers of the JSON).
    #[serde(default)]
    pub blocked: bool,
}

impl Action {
    /// An action with only what every action has (which, on what server, what must
    /// still hold, how the server was seen): no changes, guard, notes or body; one
    /// write in the default phase, ordered and linked later. The planner sets the rest
    /// with struct update syntax.
    pub(crate) fn new(
        action: ActionKind,
        server_name: String,
        server_id: String,
        precondition: Precondition,
        seen: Seen,
    ) -> Action {
        Action {
            action,
            server_name,
            server_id,
            origin: None,
            source: None,
            changes: Vec::new(),
            guard: None,
            notes: Vec::new(),
            body: None,
            references: Vec::new(),
            sends_credentials: false,
            secrets_fingerprint: None,
            from_live: Vec::new(),
            precondition,
            seen,
            phase: Phase::default(),
            order: 0,
            after: Vec::new(),
            temp_names: None,
            restores_oauth: false,
            writes: 1,
            blocked: false,
        }
    }

    /// Whether apply will skip it.
    pub(crate) fn is_blocked(&self) -> bool {
        self.guard.as_ref().is_some_and(Guard::blocks)
    }
}

/// Why a live server is left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmanagedReason {
    /// Made elsewhere (dashboard, curl) and not declared.
    NotOwned,
    /// Defined in the proxy's config.yaml (read-only).
    Config,
    /// Made by mcpform, no longer declared; `--prune` would delete it.
    OwnedNotDeclared,
    /// Made by mcpform, not declared, but recorded `prevent_destroy`.
    Protected,
    /// Carries `managed_by: mcpform` without mcpform's proof of ownership (written by
    /// someone else, e.g. in a submission): never pruned.
    ForeignMarker,
    /// A submission awaiting approval: it owns its name and id but is not in the list.
    Pending,
}

/// A live server no file declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unmanaged {
    /// Its id.
    pub server_id: String,
    /// Its name, if it has one.
    pub server_name: Option<String>,
    /// Why it is not touched.
    pub reason: UnmanagedReason,
}

/// A declared server with nothing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unchanged {
    /// `server_name`.
    pub server_name: String,
    /// Its id on the proxy.
    pub server_id: String,
}

/// A warning or error about the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The server it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// What.
    pub message: String,
    /// Where the server is declared; not written to the document.
    #[serde(skip)]
    pub origin: Option<Origin>,
    /// `file:line` of the declaration, filled in when the document is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Servers to create.
    pub create: usize,
    /// Servers to update.
    pub update: usize,
    /// Servers to delete.
    pub delete: usize,
    /// Of those, changes apply will skip (guarded).
    pub guarded: usize,
    /// Declared servers already as declared.
    pub unchanged: usize,
}
