//! gather: the facts a plan needs, read from the proxy before the planner runs: one
//! list, by-id look-ups of servers the list may leave out, users' stored-key counts for
//! the changes that can strand them. Shared by plan, apply and export.
//!
//! Knows nothing of plans: the caller says what else it needs ([`Needs`]) from what is
//! gathered so far, and gathering stops when nothing more is needed.

use crate::client::{Caller, Client, ClientError, Role, StoredCredentials};
use crate::live::{CredentialCount, Facts, LiveServer, LiveState, Needs, PendingServer};
use crate::model::support::{Behaviour, ProxyVersion};

/// Everything read from the proxy for one plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gathered {
    /// The listed servers, plus those found by id.
    pub live: LiveState,
    /// Everything else the planner asked for.
    pub facts: Facts,
}

/// What a command will do with the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Read and plan.
    Plan,
    /// Write (apply).
    Write,
}

/// The proxy's facts about the caller, read before anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Admitted {
    /// Who the key belongs to.
    pub caller: Caller,
    /// The LiteLLM version, when the proxy says.
    pub version: Option<String>,
    /// A warning for the plan, when the key may plan but with a caveat.
    pub warning: Option<String>,
}

/// Why a key cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GatherError {
    /// A request failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The key is not a `proxy_admin` key (or is a viewer, and the command writes or
    /// the proxy sanitises what a viewer sees), or the proxy scopes what it lists.
    #[error("{0}")]
    NotAdmin(String),
}

/// Checks the key before anything is planned or written: only a `proxy_admin` key sees
/// the list as it is (other keys get a filtered, sanitised list without any error) and
/// may write. A `proxy_admin_viewer` may plan only on proxies without
/// [`Behaviour::ViewerSanitised`], which still showed viewers every field; it never
/// writes. An admin key the proxy scopes
/// ([`scoped`]) is refused too: its list is partial, again without any error. plan,
/// apply (again before its first write) and export all come through here.
pub(crate) async fn admit(client: &Client, access: Access) -> Result<Admitted, GatherError> {
    let caller = client.caller().await?;
    let role = caller.role.clone();
    let who = match &caller.user_id {
        Some(u) => format!("the key (user `{u}`) has role `{role}`"),
        None => format!("the key has role `{role}`"),
    };
    if matches!(role, Role::Other(_) | Role::Unknown) {
        return Err(GatherError::NotAdmin(format!(
            "{who}; mcpform needs a proxy_admin key (the master key or an admin user's key): other keys see a filtered, sanitised list and would plan creates for servers that exist"
        )));
    }
    // An unreadable version is "unknown" and planning goes on; a refused key is not.
    let (version, unreadable) = match client.proxy_version().await {
        Ok(v) => (v, None),
        Err(e @ ClientError::Auth { .. }) => return Err(e.into()),
        Err(e) => (None, Some(e)),
    };
    let parsed = version.as_deref().and_then(ProxyVersion::parse);
    let warning = match (&role, access) {
        (Role::ProxyAdminViewer, Access::Plan)
            if parsed.is_some_and(|v| !v.has(Behaviour::ViewerSanitised)) =>
        {
            Some(format!(
                "{who}: it can plan on this proxy ({}) but apply will refuse it",
                version.as_deref().unwrap_or("?")
            ))
        }
        (Role::ProxyAdminViewer, Access::Plan) => {
            return Err(GatherError::NotAdmin(format!(
                "{who}: LiteLLM {} and later show a proxy_admin_viewer a sanitised list (url, headers and other fields hidden), so a plan made with it would be wrong; use a proxy_admin key (the master key or an admin user's key)",
                Behaviour::ViewerSanitised.since().short()
            )));
        }
        (Role::ProxyAdminViewer, Access::Write) => {
            return Err(GatherError::NotAdmin(format!(
                "{who}, which can read but not write; apply needs a proxy_admin key (the master key or an admin user's key)"
            )));
        }
        _ => match (unreadable, version.as_deref()) {
            (Some(e), _) => Some(format!(
                "the proxy's version could not be read ({e}); {UNKNOWN_VERSION}"
            )),
            // Said, but not as major.minor.patch: the support table cannot place it.
            (None, Some(said)) if parsed.is_none() => Some(format!(
                "the proxy says its version is `{said}`, which is not major.minor.patch; {UNKNOWN_VERSION}"
            )),
            (None, None) => Some(format!(
                "the proxy did not say its version (neither /health/readiness/details nor /health/readiness has `litellm_version`); {UNKNOWN_VERSION}"
            )),
            _ => None,
        },
    };
    if let Some(reasons) = scoped(&caller, parsed) {
        return Err(GatherError::NotAdmin(format!(
            "{who}, but LiteLLM shows this key only part of the registry, without an error (a plan would create servers that exist, an export would leave them out): {reasons}. Use the master key, or a proxy_admin key made without `team_id` and without `object_permission`, whose user sets no MCP grants"
        )));
    }
    Ok(Admitted {
        caller,
        version,
        warning,
    })
}

/// The dashboard's own team: its session keys keep the admin's full view.
const DASHBOARD_TEAM: &str = "litellm-dashboard";

/// Why the proxy scopes an admin key's list (`MCPRequestHandler.admin_view_unscoped`,
/// `litellm-access-api.md` §6), when it does: its own permission row on every version,
/// whatever the row holds; a team (not the dashboard's) from
/// [`Behaviour::TeamBoundAdminScoped`], and when the version is unknown, since a newer
/// proxy may be behind it; its user's own MCP grants from [`Behaviour::UserMcpCeiling`]
/// (and when unknown: a user row that holds them belongs to a proxy that has them).
fn scoped(caller: &Caller, version: Option<ProxyVersion>) -> Option<String> {
    let applies = |b: Behaviour| version.is_none_or(|v| v.has(b));
    let since = |b: Behaviour| match version {
        Some(v) => format!("LiteLLM `{}` and later (this proxy is `{v}`)", b.since()),
        None => format!(
            "LiteLLM `{}` and later (this proxy's version is unknown, so mcpform assumes it is one)",
            b.since()
        ),
    };
    let scope = &caller.scope;
    let mut reasons = Vec::new();
    if scope.permission_row {
        reasons.push(
            "the key has its own permission row (`/key/info` shows an `object_permission_id`): every LiteLLM version checked lists such a key only the servers the row grants and the `allow_all_keys` ones, even when the row grants nothing or sets only `vector_stores`".to_owned(),
        );
    }
    if let Some(team) = scope.team_id.as_deref().filter(|t| *t != DASHBOARD_TEAM)
        && applies(Behaviour::TeamBoundAdminScoped)
    {
        reasons.push(format!(
            "the key is bound to team `{team}`: {} list a team-bound admin key only its team's servers (unless the proxy sets `general_settings.user_mcp_management_mode: view_all`, which mcpform cannot see)",
            since(Behaviour::TeamBoundAdminScoped)
        ));
    }
    if !scope.user_mcp_grants.is_empty() && applies(Behaviour::UserMcpCeiling) {
        let fields: Vec<String> = scope
            .user_mcp_grants
            .iter()
            .map(|f| format!("`{f}`"))
            .collect();
        reasons.push(format!(
            "the key's user sets {} in its own permission row: {} cap every key of the user by them",
            fields.join(", "),
            since(Behaviour::UserMcpCeiling)
        ));
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// What planning does without a version it can place in the support table.
const UNKNOWN_VERSION: &str =
    "planning goes on with it unknown (updates carry the live values an older proxy would reset)";

/// Reads the list, then whatever `needs` asks for, until it asks for nothing new.
/// Each round can only add facts, so it ends; three rounds cover look-ups, then the
/// counts of what the look-ups found.
pub async fn gather(
    client: &Client,
    needs: &dyn Fn(&Gathered) -> Needs,
) -> Result<Gathered, ClientError> {
    let body = client.list_servers().await?;
    let live = LiveState::from_list(body).map_err(|reason| ClientError::Decode {
        method: "GET".into(),
        url: format!("{}/v1/mcp/server", client.shown_base()),
        reason,
    })?;
    let mut g = Gathered {
        live,
        facts: Facts::default(),
    };
    // Submissions awaiting approval hold names and ids the list does not show; proxies
    // without the workflow have none.
    if let Some(items) = client.list_submissions().await? {
        g.facts.pending = items
            .iter()
            .filter_map(PendingServer::from_submission)
            .collect();
        g.facts.submitted = items.iter().filter_map(submitted).collect();
    }
    for _ in 0..3 {
        let wanted = needs(&g);
        let lookups: Vec<String> = wanted
            .lookups
            .into_iter()
            .filter(|id| !g.facts.looked_up.contains(id))
            .collect();
        let counts: Vec<String> = wanted
            .credential_counts
            .into_iter()
            .filter(|id| !g.facts.credentials.contains_key(id))
            .collect();
        if lookups.is_empty() && counts.is_empty() {
            break;
        }
        for id in lookups {
            look_up(client, &id, &mut g).await?;
        }
        for id in counts {
            let count = byok_count(client.user_credentials(&id).await?);
            g.facts.credentials.insert(id, count);
        }
    }
    Ok(g)
}

/// The id and submitter of one item of the submissions queue, whatever its status.
fn submitted(item: &serde_json::Value) -> Option<(String, Option<String>)> {
    let text = |k: &str| {
        item.get(k)
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Some((text("server_id")?, text("submitted_by")))
}

/// Reads one server by id (the list leaves out OpenAPI servers whose spec the proxy
/// cannot load). Found: added to the live state. Absent (404): nothing. Any other
/// answer: recorded as unreadable, so the plan refuses to guess.
async fn look_up(client: &Client, id: &str, g: &mut Gathered) -> Result<(), ClientError> {
    match client.get_server(id).await {
        Ok(Some(row)) => match LiveServer::unlisted(row) {
            Ok(server) if server.server_id() == id => g.live.servers.push(server),
            // The proxy resolves a path id by name or alias too: this is a namesake.
            Ok(server) => {
                g.facts
                    .namesakes
                    .insert(id.to_owned(), server.server_id().to_owned());
            }
            Err(reason) => {
                g.facts
                    .unreadable
                    .insert(id.to_owned(), format!("an unreadable server ({reason})"));
            }
        },
        Ok(None) => {}
        Err(ClientError::Status {
            status, message, ..
        }) => {
            g.facts
                .unreadable
                .insert(id.to_owned(), format!("{status}: {message}"));
        }
        Err(e) => return Err(e),
    }
    g.facts.looked_up.insert(id.to_owned());
    Ok(())
}

/// Users holding stored BYOK keys, failing closed: every entry that is not clearly an
/// OAuth token (`credential_type` exactly `oauth2`) counts, so a missing, null or
/// differently spelled type guards the change rather than hiding a key.
fn byok_count(list: StoredCredentials) -> CredentialCount {
    match list {
        StoredCredentials::Listed(items) => CredentialCount::Known(
            items
                .iter()
                .filter(|c| c.credential_type.as_deref() != Some("oauth2"))
                .count(),
        ),
        StoredCredentials::Unsupported => CredentialCount::Unsupported,
        StoredCredentials::Unreadable => CredentialCount::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::StoredCredential;

    fn cred(t: Option<&str>) -> StoredCredential {
        StoredCredential {
            user_id: "u".into(),
            credential_type: t.map(str::to_owned),
        }
    }

    fn admin(scope: crate::client::KeyScope) -> Caller {
        Caller {
            role: Role::ProxyAdmin,
            master_key: false,
            user_id: Some("ada".into()),
            admin_view: None,
            scope,
        }
    }

    #[test]
    fn which_admin_keys_the_proxy_scopes_by_version() {
        use crate::client::KeyScope;
        let v = |s: &str| ProxyVersion::parse(s);
        let row = admin(KeyScope {
            permission_row: true,
            ..KeyScope::default()
        });
        let team = |t: &str| {
            admin(KeyScope {
                team_id: Some(t.into()),
                ..KeyScope::default()
            })
        };
        let user = admin(KeyScope {
            user_mcp_grants: vec!["mcp_access_groups"],
            ..KeyScope::default()
        });
        // A permission row scopes on every version.
        for at in [v("1.87.5"), v("1.108.7"), v("1.110.2"), None] {
            assert!(scoped(&row, at).is_some(), "{at:?}");
        }
        // A team from 1.109 (and when unknown); the dashboard's team never.
        assert!(scoped(&team("t1"), v("1.108.14")).is_none());
        assert!(scoped(&team("t1"), v("1.109.0")).is_some());
        assert!(scoped(&team("t1"), None).is_some());
        assert!(scoped(&team(DASHBOARD_TEAM), v("1.110.2")).is_none());
        // The user's own grants from 1.100 (and when unknown).
        assert!(scoped(&user, v("1.95.0")).is_none());
        assert!(scoped(&user, v("1.100.0")).is_some());
        assert!(scoped(&user, None).is_some());
        assert!(scoped(&admin(KeyScope::default()), v("1.110.2")).is_none());
        let why = scoped(&team("t1"), None).unwrap_or_default();
        assert!(
            why.contains("`t1`") && why.contains("`1.109.0`") && why.contains("unknown"),
            "{why}"
        );
    }

    #[test]
    fn anything_not_clearly_oauth_counts_as_a_stored_key() {
        let list = vec![
            cred(Some("byok")),
            cred(Some("oauth2")),
            cred(None),
            cred(Some("BYOK")),
            cred(Some("OAuth2")),
        ];
        assert_eq!(
            byok_count(StoredCredentials::Listed(list)),
            CredentialCount::Known(4)
        );
        assert_eq!(
            byok_count(StoredCredentials::Unsupported),
            CredentialCount::Unsupported
        );
        assert_eq!(
            byok_count(StoredCredentials::Unreadable),
            CredentialCount::Unreadable
        );
    }
}
