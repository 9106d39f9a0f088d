//! Who the key belongs to and what the proxy is: facts for the planner's policy (only a
//! `proxy_admin` key sees the list unsanitised), found with the fewest read-only
//! requests that answer reliably on every proxy version.
//!
//! Checked against a real LiteLLM 1.108.7 with keys of every role
//! (`tests/fixtures/litellm-roles-transcript.json`):
//!
//! * `GET /key/info` answers the caller's own key row (`info.user_id`, no role); the
//!   master key is not in the database: 404 `Key not found in database`.
//! * `GET /v2/user/info` answers the caller's user row with `user_role`. Not for the
//!   master key: its user `default_user_id` has no row, or one that `/team/new` created
//!   with role `internal_user`, although the master key is always `proxy_admin`.
//! * `GET /v1/mcp/server/{id}/user-credentials` answers 200 (even for an unknown id) to
//!   `proxy_admin` and `proxy_admin_viewer` keys, 403 to every other; before 1.103 the
//!   route is missing (404 `{"detail":"Not Found"}`).
//! * `GET /health/readiness/details` answers `litellm_version` to admins and admin
//!   viewers (401 to others); 1.82 has no such route but its public `/health/readiness`
//!   carries `litellm_version`.
//! * `GET /v1/mcp/server/submissions` (1.87.0 has it, 1.82.0 not: there the path is
//!   taken for a server id, 404).
//!
//! What scopes an admin key's list, checked on real 1.87.5, 1.108.7 and 1.110.2
//! (`tests/fixtures/litellm-scoped-admins-*.json`): `/key/info` shows the key's
//! `team_id` and, when the key has its own permission row, `object_permission_id` and
//! the row; `/v2/user/info` shows the user's own row as `object_permission` (from 1.100;
//! 1.87.5 has no such key, and refuses to write one).

use std::fmt;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use super::transport::Answer;
use super::{Client, ClientError, SERVERS, route_missing};
use crate::escape::terminal_line;

/// The role a key acts with, as the proxy names it (`LitellmUserRoles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// `proxy_admin`: the master key or an admin user's key. The only role that sees
    /// every field of the list and may write.
    ProxyAdmin,
    /// `proxy_admin_viewer`: reads everything, but from 1.90 the list hides `url`,
    /// `static_headers` and the other secret-capable fields, so a plan made with it
    /// would be wrong; it cannot write.
    ProxyAdminViewer,
    /// Any other role the proxy names (`internal_user`, `internal_user_viewer`,
    /// `org_admin`, `team`, `customer`, …), escaped.
    Other(String),
    /// The proxy did not say: a key without a user, a user row without a role, or a
    /// proxy that answers none of the identity routes.
    Unknown,
}

impl Role {
    fn from_name(name: &str) -> Role {
        match name {
            "proxy_admin" => Role::ProxyAdmin,
            "proxy_admin_viewer" => Role::ProxyAdminViewer,
            other => Role::Other(terminal_line(other).into_owned()),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::ProxyAdmin => "proxy_admin",
            Role::ProxyAdminViewer => "proxy_admin_viewer",
            Role::Other(name) => name,
            Role::Unknown => "unknown",
        })
    }
}

/// Who the key belongs to, as the proxy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The key's role.
    pub role: Role,
    /// The key is not a virtual key of the database: the master key (or a key of a
    /// custom or JWT authentication, which the admin-view answer then confirms).
    pub master_key: bool,
    /// The user the key belongs to (escaped); `None` for the master key and for a key
    /// made without a user.
    pub user_id: Option<String>,
    /// The admin credential list's answer, when [`Client::caller`] had to ask it:
    /// `Some(true)` proxy_admin or proxy_admin_viewer, `Some(false)` neither, `None` not
    /// asked or a proxy before 1.103.
    pub admin_view: Option<bool>,
    /// What may narrow the key's list although its role is an admin's.
    pub scope: KeyScope,
}

/// The facts about a key that make the proxy narrow its list of servers, whatever the
/// key's role, without an error: the key's own permission row, its team, its user's own
/// MCP grants. Which of them narrow on which version is the planner's business
/// (`gather::admit`); all are empty for the master key, which is not in the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyScope {
    /// The key has its own `object_permission` row (`/key/info` shows an
    /// `object_permission_id`), whatever it holds: even an empty one scopes an admin.
    pub permission_row: bool,
    /// The key's `team_id` (escaped), if it is bound to a team.
    pub team_id: Option<String>,
    /// The MCP fields the key's user sets in its own row (`mcp_servers`,
    /// `mcp_access_groups`, `mcp_tool_permissions`, `mcp_toolsets`), non-empty ones only.
    pub user_mcp_grants: Vec<&'static str>,
}

/// The permission-row fields that grant MCP servers.
const MCP_GRANT_FIELDS: [&str; 4] = [
    "mcp_servers",
    "mcp_access_groups",
    "mcp_tool_permissions",
    "mcp_toolsets",
];

impl Caller {
    /// Whether the key is a `proxy_admin` key: the only kind that can plan and apply.
    pub fn is_proxy_admin(&self) -> bool {
        self.role == Role::ProxyAdmin
    }
}

/// An id no server needs to have: the admin credential list answers it 200 `[]` to
/// admins and admin viewers, 403 to everyone else.
const PROBE_ID: &str = "mcpform-role-probe";

impl Client {
    /// Who the key belongs to and its role, with two read-only requests (three on a
    /// proxy without `/v2/user/info`):
    ///
    /// 1. `GET /key/info`: a 404 means the key is not in the database, so it is the
    ///    master key; otherwise it names the key's user.
    /// 2. For a user's key, `GET /v2/user/info` (or `/user/info?user_id=` before it
    ///    existed): the user's `user_role`, which is the role the proxy acts on. For the
    ///    master key and a key without a user, the admin credential list on a probe id
    ///    (`admin_view`): the master key is then `proxy_admin`; a key without a user is
    ///    [`Role::Unknown`].
    ///
    /// A refused key (401) is an error; everything else the proxy cannot tell is
    /// [`Role::Unknown`], never a guess.
    pub async fn caller(&self) -> Result<Caller, ClientError> {
        let url = self.endpoint(&["key", "info"])?;
        let answer = self.request(Method::GET, &url, None).await?;
        self.refuse_auth(&Method::GET, &url, &answer)?;
        if answer.status == StatusCode::NOT_FOUND && !route_missing(&answer) {
            let admin_view = self.admin_view().await?;
            let role = match admin_view {
                Some(false) => Role::Unknown,
                // Only the master key authenticates without a database row; before 1.103
                // there is no route to confirm it with.
                Some(true) | None => Role::ProxyAdmin,
            };
            return Ok(Caller {
                role,
                master_key: true,
                user_id: None,
                admin_view,
                scope: KeyScope::default(),
            });
        }
        let info = json(&answer)
            .filter(|_| answer.status.is_success())
            .and_then(|v| v.get("info").cloned())
            .unwrap_or(Value::Null);
        let mut scope = KeyScope {
            // Either says the row is there; a row is never null once made.
            permission_row: !info["object_permission_id"].is_null()
                || info["object_permission"].is_object(),
            team_id: info["team_id"]
                .as_str()
                .map(|t| terminal_line(t).into_owned()),
            user_mcp_grants: Vec::new(),
        };
        let Some(user_id) = info["user_id"].as_str().map(str::to_owned) else {
            let admin_view = self.admin_view().await?;
            return Ok(Caller {
                role: Role::Unknown,
                master_key: false,
                user_id: None,
                admin_view,
                scope,
            });
        };
        let (role, grants) = self.user_row(&user_id).await?;
        scope.user_mcp_grants = grants;
        Ok(Caller {
            role: role.map_or(Role::Unknown, |r| Role::from_name(&r)),
            master_key: false,
            user_id: Some(terminal_line(&user_id).into_owned()),
            admin_view: None,
            scope,
        })
    }

    /// The proxy's LiteLLM version (`litellm_version` of `GET /health/readiness/details`,
    /// or of the public `/health/readiness` on proxies without the details route).
    /// `Ok(None)` when the key may not read it (non-admin keys get 401) or the proxy does
    /// not say.
    pub async fn proxy_version(&self) -> Result<Option<String>, ClientError> {
        let details = self.endpoint(&["health", "readiness", "details"])?;
        let answer = self.request(Method::GET, &details, None).await?;
        if answer.status.is_success() {
            return Ok(version_of(&answer));
        }
        // The route answers only admins and admin viewers: any other key is refused here
        // (401), and a key that was refused must stop a run, never read as "no version".
        if answer.status.is_server_error()
            || matches!(
                answer.status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            )
        {
            return Err(self.status_error(&Method::GET, &details, &answer));
        }
        if !route_missing(&answer) {
            return Ok(None);
        }
        let public = self.endpoint(&["health", "readiness"])?;
        let answer = self.request(Method::GET, &public, None).await?;
        Ok(if answer.status.is_success() {
            version_of(&answer)
        } else {
            None
        })
    }

    /// `GET /v1/mcp/server/submissions`: the servers non-admins submitted for review, raw
    /// (`approval_status` `pending_review`, `active` or `rejected`). A pending one is not
    /// in the list, yet owns its id, name and alias: a create that uses them fails.
    /// `Ok(None)` on a proxy without the submission workflow (1.82 takes the path for a
    /// server id and answers 404). Admin and admin viewer keys only (403 otherwise).
    pub async fn list_submissions(&self) -> Result<Option<Vec<Value>>, ClientError> {
        let mut segments = SERVERS.to_vec();
        segments.push("submissions");
        let url = self.endpoint(&segments)?;
        let answer = self.request(Method::GET, &url, None).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = self.success_json(&Method::GET, &url, &answer)?;
        match body.get("items") {
            Some(Value::Array(items)) => Ok(Some(items.clone())),
            _ => Err(self.decode_error(&Method::GET, &url, "expected `items`, a list")),
        }
    }

    /// The admin credential list on a probe id: `Some(true)` admin or admin viewer,
    /// `Some(false)` neither, `None` the route is missing (before 1.103).
    async fn admin_view(&self) -> Result<Option<bool>, ClientError> {
        let url = self.server_url(PROBE_ID, Some("user-credentials"))?;
        let answer = self.request(Method::GET, &url, None).await?;
        match answer.status {
            s if s.is_success() => Ok(Some(true)),
            StatusCode::FORBIDDEN => Ok(Some(false)),
            _ if route_missing(&answer) => Ok(None),
            _ => Err(self.status_error(&Method::GET, &url, &answer)),
        }
    }

    /// The `user_role` of a user's row, read as that user, and the MCP fields its own
    /// permission row sets: `/v2/user/info`, or `/user/info?user_id=` on proxies without
    /// it (they have no user-level grants). `None` when the proxy does not say the role.
    async fn user_row(
        &self,
        user_id: &str,
    ) -> Result<(Option<String>, Vec<&'static str>), ClientError> {
        let v2 = self.endpoint(&["v2", "user", "info"])?;
        let answer = self.request(Method::GET, &v2, None).await?;
        self.refuse_auth(&Method::GET, &v2, &answer)?;
        if answer.status.is_success() {
            let row = json(&answer).unwrap_or(Value::Null);
            return Ok((
                text_at(&answer, "/user_role"),
                mcp_grants(&row["object_permission"]),
            ));
        }
        if !route_missing(&answer) {
            return Ok((None, Vec::new()));
        }
        let mut v1: Url = self.endpoint(&["user", "info"])?;
        v1.query_pairs_mut().append_pair("user_id", user_id);
        let answer = self.request(Method::GET, &v1, None).await?;
        self.refuse_auth(&Method::GET, &v1, &answer)?;
        let role = if answer.status.is_success() {
            text_at(&answer, "/user_info/user_role")
        } else {
            None
        };
        Ok((role, Vec::new()))
    }

    /// A 401 is the key refused: an error, whatever was asked.
    fn refuse_auth(&self, method: &Method, url: &Url, answer: &Answer) -> Result<(), ClientError> {
        if answer.status == StatusCode::UNAUTHORIZED {
            return Err(self.status_error(method, url, answer));
        }
        Ok(())
    }
}

fn json(answer: &Answer) -> Option<Value> {
    serde_json::from_str(&answer.body).ok()
}

fn text_at(answer: &Answer, pointer: &str) -> Option<String> {
    json(answer)?.pointer(pointer)?.as_str().map(str::to_owned)
}

/// The MCP fields a permission row sets: a non-empty list or map. Any other value that
/// is not empty (a string, say) counts too: a row the proxy shows oddly must not pass
/// for an empty one.
fn mcp_grants(row: &Value) -> Vec<&'static str> {
    MCP_GRANT_FIELDS
        .into_iter()
        .filter(|f| match &row[*f] {
            Value::Null => false,
            Value::Array(a) => !a.is_empty(),
            Value::Object(m) => !m.is_empty(),
            Value::String(s) => !s.is_empty(),
            _ => true,
        })
        .collect()
}

fn version_of(answer: &Answer) -> Option<String> {
    text_at(answer, "/litellm_version").map(|v| terminal_line(&v).into_owned())
}
