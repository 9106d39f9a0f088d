//! The semantic rules. Each is a unit struct implementing [`Rule`];
//! [`ALL`] is the list `lint` runs.

mod byok;
mod display_name;
mod lifecycle;
mod mcp_info;
mod names;
mod secrets;
mod transport;
mod urls;
mod versions;

#[cfg(test)]
pub(crate) mod test_support;

use super::Rule;

/// Every semantic rule, in the order they run.
pub static ALL: &[&dyn Rule] = &[
    &byok::ByokTransport,
    &byok::ByokFieldsWithoutByok,
    &byok::ByokAuthType,
    &byok::ByokSharedCredential,
    &names::NameCharset,
    &names::NameUnique,
    &names::ServerIdRule,
    &transport::UrlRequired,
    &transport::SpecPathTransport,
    &transport::HttpSpecPath,
    &transport::StdioCommand,
    &transport::StdioCommandAllowed,
    &transport::ProtocolTransport,
    &transport::OauthFlags,
    &secrets::PlaintextSecret,
    &secrets::EnvRefRule,
    &secrets::EnvReserved,
    &urls::InsecureUrl,
    &display_name::DisplayName,
    &mcp_info::McpInfoReserved,
    &mcp_info::McpInfoDescription,
    &lifecycle::IgnoreChanges,
    &versions::ProxyVersionRule,
];
