//! The table itself: one row per field of [`ServerSpec`](crate::model::ServerSpec), in
//! declaration order. A row names only the facts that differ from a plain optional
//! scalar that every version stores, is compared as a value and may be ignored.

use super::AuthSet::{Flow, TokenExchange};
use super::Compared::{Fingerprint, Identity, Policy};
use super::FieldKind::{List, Map, Record, Scalar};
use super::Managed::{Alias, Byok, Server};
use super::RequestDefault::{Bool, EmptyList, EmptyMap, Str};
use super::{AuthSet, Compared, FieldKind, Managed, RequestDefault, ServerField};
use crate::model::support::{ANY, Absent, Introduced, Older, ProxyVersion, v};

/// Dropped by every version before the one that stores and lists it.
const DROPPED: &[(ProxyVersion, Older)] = &[(ANY, Older::Dropped)];
/// Stored from 1.82.1, listed from 1.93.0.
const TOOL_MAPS: &[(ProxyVersion, Older)] =
    &[(v(1, 82, 1), Older::Unlisted), (ANY, Older::Dropped)];
/// Stored from 1.85.0, listed later.
const UNLISTED_FROM_1_85: &[(ProxyVersion, Older)] =
    &[(v(1, 85, 0), Older::Unlisted), (ANY, Older::Dropped)];
/// In the request model from 1.85.0 without a column (a 500), stored from 1.89.0,
/// listed from 1.93.0.
const OAUTH2_FLOW: &[(ProxyVersion, Older)] = &[
    (v(1, 89, 0), Older::Unlisted),
    (v(1, 85, 0), Older::Refused),
    (ANY, Older::Dropped),
];

/// The proxy's default `subject_token_type`, shown in its list when none is stored.
const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";

/// Every field of [`ServerSpec`](crate::model::ServerSpec), in declaration order, with
/// every fact about it.
#[rustfmt::skip]
pub const SERVER_FIELDS: &[ServerField] = &[
    field("server_id",                    Scalar).compared(Identity).not_ignorable(),
    field("server_name",                  Scalar).managed(Server).not_ignorable(),
    field("alias",                        Scalar).managed(Alias),
    field("description",                  Scalar),
    field("transport",                    Scalar).default(Str("sse")).managed(Server),
    field("auth_type",                    Scalar).mints_oauth(),
    field("credentials",                  Record).compared(Fingerprint).secret().mints_oauth(),
    field("url",                          Scalar).managed(Server).url().mints_oauth(),
    field("spec_path",                    Scalar).managed(Server).url().mints_oauth().since(v(1, 82, 1), v(1, 80, 0)),
    // Free-form metadata to the proxy, though the model knows some of its keys.
    field("mcp_info",                     Map),
    field("mcp_access_groups",            List).default(EmptyList),
    field("allowed_tools",                List),
    field("tool_name_to_display_name",    Map).since_with(v(1, 93, 0), v(1, 92, 2), TOOL_MAPS),
    field("tool_name_to_description",     Map).since_with(v(1, 93, 0), v(1, 92, 2), TOOL_MAPS),
    field("extra_headers",                List),
    field("static_headers",               Map).secret(),
    field("env_vars",                     List).secret().since(v(1, 89, 0), v(1, 88, 6)),
    field("instructions",                 Scalar).since(v(1, 85, 0), v(1, 82, 1)),
    field("command",                      Scalar),
    field("args",                         List).default(EmptyList),
    field("env",                          Map).default(EmptyMap).secret(),
    field("issuer",                       Scalar).url().mints_oauth().cleared(Flow).since(v(1, 94, 0), v(1, 93, 2)),
    field("authorization_url",            Scalar).url().mints_oauth().cleared(Flow).since(v(1, 82, 1), v(1, 80, 0)),
    field("token_url",                    Scalar).url().mints_oauth().cleared(Flow).since(v(1, 82, 1), v(1, 80, 0)),
    field("registration_url",             Scalar).url().mints_oauth().cleared(Flow).since(v(1, 82, 1), v(1, 80, 0)),
    field("oauth2_flow",                  Scalar).mints_oauth().cleared(Flow).since_with(v(1, 93, 0), v(1, 92, 2), OAUTH2_FLOW),
    field("token_exchange_endpoint",      Scalar).url().mints_oauth().cleared(TokenExchange).since(v(1, 93, 0), v(1, 92, 2)),
    field("audience",                     Scalar).cleared(TokenExchange).since(v(1, 93, 0), v(1, 92, 2)),
    field("subject_token_type",           Scalar).cleared(TokenExchange).listed(ACCESS_TOKEN).since(v(1, 93, 0), v(1, 92, 2)),
    field("token_exchange_profile",       Scalar).cleared(TokenExchange).listed("rfc8693").since(v(1, 93, 0), v(1, 92, 2)),
    field("allow_all_keys",               Scalar).default(Bool(false)).since(v(1, 82, 1), v(1, 80, 0)),
    field("available_on_public_internet", Scalar).default(Bool(true)).since(v(1, 82, 1), v(1, 80, 0)),
    field("delegate_auth_to_upstream",    Scalar).default(Bool(false)).since_with(v(1, 87, 5), v(1, 85, 0), UNLISTED_FROM_1_85),
    field("oauth_passthrough",            Scalar).default(Bool(false)).since(v(1, 89, 0), v(1, 88, 6)),
    // A nullable boolean: `false` is as good as `null` to a proxy without it.
    field("dcr_bridge",                   Scalar).absent(Absent::False).cleared(Flow).since(v(1, 93, 0), v(1, 92, 2)),
    field("per_server_oauth_discovery",   Scalar).default(Bool(false)).since(v(1, 102, 0), v(1, 101, 6)),
    field("is_byok",                      Scalar).default(Bool(false)).managed(Byok).byok().since(v(1, 82, 1), v(1, 82, 0)),
    field("byok_description",             List).default(EmptyList).byok().since(v(1, 82, 1), v(1, 82, 0)),
    field("byok_api_key_help_url",        Scalar).url().byok().since(v(1, 82, 1), v(1, 82, 0)),
    field("source_url",                   Scalar).since_with(v(1, 88, 0), v(1, 87, 5), UNLISTED_FROM_1_85),
    field("timeout",                      Scalar).since(v(1, 89, 0), v(1, 88, 6)),
    field("max_concurrent_requests",      Scalar).since(v(1, 93, 0), v(1, 92, 2)),
    field("rpm",                          Scalar).since(v(1, 106, 0), v(1, 105, 7)),
    field("lifecycle",                    Record).compared(Policy).not_ignorable(),
];

/// A plain field: optional (`null` by default), stored and listed by every version,
/// compared as a value, ignorable, no secret, no OAuth, no URL, not BYOK.
const fn field(name: &'static str, kind: FieldKind) -> ServerField {
    ServerField {
        name,
        kind,
        request_default: RequestDefault::Null,
        listed_default: None,
        absent: match kind {
            FieldKind::List => Absent::EmptyList,
            FieldKind::Map => Absent::EmptyMap,
            FieldKind::Scalar | FieldKind::Record => Absent::Null,
        },
        introduced: None,
        always_managed: None,
        ignorable: true,
        compared: Compared::Value,
        secret_capable: false,
        mints_oauth: false,
        cleared_on_auth_change: None,
        holds_url: false,
        byok: false,
    }
}

// The builder steps, one per fact. Private: only the table above calls them.
impl ServerField {
    /// The request model's default; a boolean one is also what "not set" means.
    const fn default(mut self, default: RequestDefault) -> Self {
        self.request_default = default;
        if let RequestDefault::Bool(b) = default {
            self.absent = if b { Absent::True } else { Absent::False };
        }
        self
    }

    const fn absent(mut self, absent: Absent) -> Self {
        self.absent = absent;
        self
    }

    const fn listed(mut self, value: &'static str) -> Self {
        self.listed_default = Some(value);
        self
    }

    /// Stored and listed from `since`, dropped by every older version.
    const fn since(self, since: ProxyVersion, last_without: ProxyVersion) -> Self {
        self.since_with(since, last_without, DROPPED)
    }

    const fn since_with(
        mut self,
        since: ProxyVersion,
        last_without: ProxyVersion,
        older: &'static [(ProxyVersion, Older)],
    ) -> Self {
        self.introduced = Some(Introduced {
            since,
            last_without,
            older,
        });
        self
    }

    const fn managed(mut self, why: Managed) -> Self {
        self.always_managed = Some(why);
        self
    }

    const fn not_ignorable(mut self) -> Self {
        self.ignorable = false;
        self
    }

    const fn compared(mut self, how: Compared) -> Self {
        self.compared = how;
        self
    }

    const fn secret(mut self) -> Self {
        self.secret_capable = true;
        self
    }

    const fn mints_oauth(mut self) -> Self {
        self.mints_oauth = true;
        self
    }

    const fn cleared(mut self, set: AuthSet) -> Self {
        self.cleared_on_auth_change = Some(set);
        self
    }

    const fn url(mut self) -> Self {
        self.holds_url = true;
        self
    }

    const fn byok(mut self) -> Self {
        self.byok = true;
        self
    }
}
