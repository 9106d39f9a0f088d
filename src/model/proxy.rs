//! What mcpform knows about the LiteLLM proxy's MCP registry besides its fields (whose
//! facts are rows of [`SERVER_FIELDS`](super::SERVER_FIELDS)), each fact written once:
//! the `mcp_info` keys the proxy injects and the ones mcpform owns, the alias default,
//! reserved ids and the stdio allow-list.
//!
//! lint, live, plan, render and export read these from here; none of them
//! spells a key or a default itself. Facts come from `../shared/reference/litellm-mcp-api.md`
//! and were checked against a real LiteLLM 1.108.7.

/// The `mcp_info` key that marks servers mcpform created or adopted.
pub(crate) const MANAGED_BY: &str = "managed_by";
/// Its value.
pub(crate) const MANAGED_BY_VALUE: &str = "mcpform";
/// Prefix of every other `mcp_info` key mcpform writes.
pub(crate) const MCPFORM_KEY_PREFIX: &str = "mcpform_";
/// `mcp_info` key with the fingerprint of the credentials mcpform last sent.
pub(crate) const CREDENTIALS_MARKER: &str = "mcpform_credentials_hmac";
/// `mcp_info` key with mcpform's proof of ownership: a keyed HMAC bound to the server's
/// id. `managed_by: mcpform` alone can be written by anyone who can write `mcp_info` (a
/// non-admin's submission); only the holder of the fingerprint key can write this.
pub(crate) const OWNER_MARKER: &str = "mcpform_owner";
/// `mcp_info` key listing the top-level fields mcpform last filled from `${env:…}`
/// references, so their old values stay hidden after a file stops using a reference.
pub(crate) const SECRET_FIELDS_MARKER: &str = "mcpform_secret_fields";
/// `mcp_info` key recording `lifecycle.prevent_destroy`, so that the protection holds
/// after the server is removed from the files.
pub(crate) const PREVENT_DESTROY_MARKER: &str = "mcpform_prevent_destroy";

/// Whether an `mcp_info` key is mcpform's own bookkeeping (never user metadata).
pub(crate) fn is_mcpform_key(key: &str) -> bool {
    key == MANAGED_BY || key.starts_with(MCPFORM_KEY_PREFIX)
}

/// `mcp_info` keys the proxy adds to what it lists: `server_name` and `description`
/// (the list shows `mcp_info.description` as the server's description), and the two
/// public flags it derives from its own settings (1.105+).
pub(crate) const INJECTED_MCP_INFO_KEYS: &[&str] = &[
    "server_name",
    "description",
    "is_public",
    "is_public_explicit",
];

/// The injected keys the proxy derives from its own settings: never sent, even when a
/// file declares them (a declared `server_name`/`description` in `mcp_info` is the user's).
pub(crate) const DERIVED_MCP_INFO_KEYS: &[&str] = &["is_public", "is_public_explicit"];

/// Whether an `mcp_info` key is one the proxy injects into its list.
pub(crate) fn is_injected_key(key: &str) -> bool {
    INJECTED_MCP_INFO_KEYS.contains(&key)
}

/// The proxy's name normalisation: spaces become `_` (it does this to aliases).
pub(crate) fn normalise_name(name: &str) -> String {
    name.replace(' ', "_")
}

/// The alias the proxy stores: the given one (normalised), else the server name.
pub(crate) fn effective_alias(alias: Option<&str>, server_name: &str) -> String {
    match alias {
        Some(a) if !a.is_empty() => normalise_name(a),
        _ => normalise_name(server_name),
    }
}

/// Ids the proxy reserves for its own virtual servers.
pub(crate) const RESERVED_SERVER_IDS: &[&str] = &["all-team-mcpservers", "all-proxy-mcpservers"];

/// Commands the proxy runs for stdio servers unless configured otherwise
/// (`LITELLM_MCP_STDIO_EXTRA_COMMANDS` adds more).
pub(crate) const STDIO_ALLOWED_COMMANDS: &[&str] =
    &["npx", "uvx", "python", "python3", "node", "docker", "deno"];

/// A LiteLLM version, `major.minor.patch`, as the proxy reports it. What each version
/// stores and does is in [`super::support`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProxyVersion(pub u32, pub u32, pub u32);

impl ProxyVersion {
    /// A version from its parts.
    pub const fn new(major: u32, minor: u32, patch: u32) -> ProxyVersion {
        ProxyVersion(major, minor, patch)
    }

    /// `1.108.7` (a suffix such as `.post1` or `-rc1` on the patch is ignored).
    pub fn parse(text: &str) -> Option<ProxyVersion> {
        let mut parts = text.trim().trim_start_matches('v').split('.');
        let num = |p: Option<&str>| -> Option<u32> {
            let digits: String = p?.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        };
        Some(ProxyVersion(
            num(parts.next())?,
            num(parts.next())?,
            num(parts.next()).unwrap_or(0),
        ))
    }
}

impl ProxyVersion {
    /// The version as a message names a release line: `1.103` for 1.103.0, in full
    /// (`1.82.1`) otherwise.
    pub fn short(self) -> String {
        match self {
            ProxyVersion(major, minor, 0) => format!("{major}.{minor}"),
            full => full.to_string(),
        }
    }
}

impl std::fmt::Display for ProxyVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_parse_and_order() {
        use super::ProxyVersion;
        assert_eq!(
            ProxyVersion::parse("1.108.7"),
            Some(ProxyVersion::new(1, 108, 7))
        );
        assert_eq!(
            ProxyVersion::parse("1.82.3.post1"),
            Some(ProxyVersion::new(1, 82, 3))
        );
        assert!(ProxyVersion::new(1, 87, 5) < ProxyVersion::new(1, 90, 0));
        assert!(ProxyVersion::new(1, 108, 7) > ProxyVersion::new(1, 90, 0));
        assert_eq!(ProxyVersion::parse("garbage"), None);
        assert_eq!(ProxyVersion::new(1, 103, 0).short(), "1.103");
        assert_eq!(ProxyVersion::new(1, 82, 1).short(), "1.82.1");
    }

    use super::*;

    #[test]
    fn mcpform_keys_and_injected_keys_are_disjoint() {
        for k in INJECTED_MCP_INFO_KEYS {
            assert!(!is_mcpform_key(k), "{k}");
        }
        assert!(is_mcpform_key(CREDENTIALS_MARKER) && is_mcpform_key(PREVENT_DESTROY_MARKER));
        assert!(is_mcpform_key(MANAGED_BY) && !is_mcpform_key("logo_url"));
        assert!(DERIVED_MCP_INFO_KEYS.iter().all(|k| is_injected_key(k)));
    }

    #[test]
    fn the_alias_defaults_to_the_name_with_spaces_as_underscores() {
        assert_eq!(effective_alias(None, "a b"), "a_b");
        assert_eq!(effective_alias(Some(""), "n"), "n");
        assert_eq!(effective_alias(Some("my alias"), "n"), "my_alias");
    }
}
