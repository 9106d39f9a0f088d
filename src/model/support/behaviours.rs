//! The behaviours mcpform depends on that changed between LiteLLM versions, each with
//! the first version that has it (see the module above for how they were found).

use super::{ProxyVersion, v};
use crate::model::{RequestDefault, SERVER_FIELDS, ServerField};

/// The fields a PUT resets when it omits them, on a proxy without
/// [`Behaviour::PartialUpdate`] (its `exclude_none` dump keeps defaults): each field whose
/// request default is not `null` and that such a proxy stores, in declaration order.
/// The proxy writes the row's [`request_default`](ServerField::request_default). Read
/// from 1.87.5's request model, and seen on the real 1.87.5 (a PUT with only
/// `server_id` and `url` turned an http server into `sse`). `alias` is written as `null`
/// unless the PUT carries one.
pub fn reset_when_omitted() -> impl Iterator<Item = &'static ServerField> {
    let partial = Behaviour::PartialUpdate.since();
    SERVER_FIELDS.iter().filter(move |f| {
        f.request_default != RequestDefault::Null
            && f.introduced.is_none_or(|i| i.stored_from() < partial)
    })
}

/// A behaviour mcpform depends on that changed between versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// `is_byok`, `byok_description`, `byok_api_key_help_url` and users' stored keys.
    Byok,
    /// `GET /health/readiness/details` (the version, for admins), `/v2/user/info` and
    /// the submission routes.
    ReadinessDetails,
    /// A PUT changes only the fields it carries.
    PartialUpdate,
    /// A create answers once the row is saved, whatever the registry makes of it.
    CreateIgnoresRegistry,
    /// Deleting a server deletes its users' stored keys.
    DeletePurgesStoredKeys,
    /// A `proxy_admin_viewer` key sees the sanitised view, like every non-admin.
    ViewerSanitised,
    /// A user's own MCP grants (its user row's `object_permission`) cap what the user's
    /// keys list, admin keys included.
    UserMcpCeiling,
    /// The admin `GET /v1/mcp/server/{id}/user-credentials`.
    AdminCredentialList,
    /// Server names and aliases are unique, ignoring case.
    UniqueNames,
    /// stdio servers only with `LITELLM_ENABLE_MCP_STDIO=true` on the proxy.
    StdioOptIn,
    /// An admin key bound to a team (other than the dashboard's `litellm-dashboard`)
    /// lists only what its team may use.
    TeamBoundAdminScoped,
    /// `mcp_info.skip_tool_output_validation` takes effect, and a write refuses any value
    /// but `true` or `false` (422).
    SkipToolOutputValidation,
}

/// One row of the behaviour table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BehaviourSupport {
    /// Which.
    pub behaviour: Behaviour,
    /// The first version that behaves so.
    pub since: ProxyVersion,
    /// The newest version checked that does not.
    pub last_without: ProxyVersion,
    /// What changed, older versions first.
    pub what: &'static str,
    /// What mcpform does about it.
    pub mcpform: &'static str,
}

const fn behaviour(
    behaviour: Behaviour,
    since: ProxyVersion,
    last_without: ProxyVersion,
    what: &'static str,
    mcpform: &'static str,
) -> BehaviourSupport {
    BehaviourSupport {
        behaviour,
        since,
        last_without,
        what,
        mcpform,
    }
}

/// Every behaviour row, oldest first.
pub const BEHAVIOURS: &[BehaviourSupport] = &[
    behaviour(
        Behaviour::Byok,
        v(1, 82, 1),
        v(1, 82, 0),
        "BYOK: `is_byok` and users' stored keys; before, the BYOK fields are dropped",
        "plan refuses a file that sets them (they would be dropped)",
    ),
    behaviour(
        Behaviour::ReadinessDetails,
        v(1, 85, 0),
        v(1, 82, 1),
        "`/health/readiness/details` (the version, for admins), `/v2/user/info` and the submission routes",
        "reads the version from the public `/health/readiness` before; \"unknown\" when neither says",
    ),
    behaviour(
        Behaviour::PartialUpdate,
        v(1, 88, 0),
        v(1, 87, 5),
        "a PUT changes only the fields it carries; before, it resets every omitted field that has a default (`transport`, `allow_all_keys`, `is_byok`, …) and ignores `null`",
        "updates carry every field the proxy would reset, from the live server when the file does not manage it; clearing a field to `null` is a plan error before; a field it stores without listing (`delegate_auth_to_upstream` on 1.85.0 to 1.87.4) cannot be carried, and plan warns that the update resets it",
    ),
    behaviour(
        Behaviour::CreateIgnoresRegistry,
        v(1, 89, 0),
        v(1, 88, 6),
        "a create answers once the row is saved; before, the proxy loads the new server (an OpenAPI server's spec) first and answers 500 when it cannot, although the row is saved",
        "apply reads a create that answered 5xx back by id: saved as sent is applied",
    ),
    behaviour(
        Behaviour::DeletePurgesStoredKeys,
        v(1, 90, 0),
        v(1, 89, 0),
        "deleting a server deletes its users' stored keys; before, they are kept, and a server created later with the same id takes them over",
        "plan warns on a delete of a BYOK server before",
    ),
    behaviour(
        Behaviour::ViewerSanitised,
        v(1, 90, 0),
        v(1, 88, 0),
        "a `proxy_admin_viewer` key sees the sanitised list; before (from 1.85), it sees every field",
        "plan accepts a viewer key before, with a warning; apply never does",
    ),
    behaviour(
        Behaviour::UserMcpCeiling,
        v(1, 100, 0),
        v(1, 95, 0),
        "an admin key whose user sets MCP grants in its own row (`object_permission` of `/user/update`) lists only what they allow, without an error; before, a user row has no MCP grants",
        "plan, apply and export refuse such a key",
    ),
    behaviour(
        Behaviour::AdminCredentialList,
        v(1, 103, 0),
        v(1, 102, 0),
        "the admin list of a server's stored keys (`GET …/user-credentials`); before, a 404",
        "stored-key counts are \"unknown\" before, and the change is guarded",
    ),
    behaviour(
        Behaviour::UniqueNames,
        v(1, 105, 0),
        v(1, 103, 0),
        "names and aliases unique, ignoring case; before, duplicates are accepted, even exact ones",
        "lint's `name-unique` on every version; plan refuses a create that clashes with a live server",
    ),
    behaviour(
        Behaviour::StdioOptIn,
        v(1, 105, 0),
        v(1, 103, 0),
        "stdio servers only with `LITELLM_ENABLE_MCP_STDIO=true`; before, always",
        "plan warns on a stdio create from this version on",
    ),
    behaviour(
        Behaviour::TeamBoundAdminScoped,
        v(1, 109, 0),
        v(1, 108, 14),
        "an admin key bound to a team other than `litellm-dashboard` lists only its team's servers, without an error (unless `general_settings.user_mcp_management_mode: view_all`); before, it lists every server",
        "plan, apply and export refuse such a key, also when the version is unknown",
    ),
    behaviour(
        Behaviour::SkipToolOutputValidation,
        v(1, 110, 0),
        v(1, 109, 3),
        "`mcp_info.skip_tool_output_validation` takes effect, and a write whose value is not `true` or `false` is refused (422, `null` and `\"yes\"` too); before, it is stored and does nothing",
        "lint (`--proxy-version`) and plan warn that it does nothing before; the schema allows only a boolean; plan refuses an update that would write back a stored value that is not one",
    ),
];

impl Behaviour {
    /// Its row.
    pub const fn support(self) -> &'static BehaviourSupport {
        // The rows are in the enum's order (tested).
        &BEHAVIOURS[self as usize]
    }

    /// The first version that behaves so.
    pub const fn since(self) -> ProxyVersion {
        self.support().since
    }
}
