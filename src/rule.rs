//! The catalogue of diagnostic rules: one stable id, a default severity and a one-line
//! summary each. Every finding mcpform reports carries one of these ids; SARIF
//! `rules[]`, `mcpform rules` and `docs/reference/rules.md` (with a failing and a fixed
//! example of each, from `tests/fixtures/rules/`) are all made from this list.

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run, not even with `--strict`.
    Note,
    /// Fails only with `--strict`.
    Warning,
    /// Fails the run.
    Error,
}

impl Severity {
    /// Lower-case name, as in JSON output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $sev:ident, $summary:literal; )*) => {
        /// A rule id. The string form (`RuleId::id`) is part of mcpform's interface: it
        /// appears in every output format and never changes meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $( $(#[$doc])* $variant, )*
        }

        impl RuleId {
            /// Every rule, in catalogue order.
            pub const ALL: &'static [RuleId] = &[ $( RuleId::$variant, )* ];

            /// The stable kebab-case id.
            pub const fn id(self) -> &'static str {
                match self { $( RuleId::$variant => $id, )* }
            }

            /// The severity a finding of this rule has unless the run changes it.
            pub const fn default_severity(self) -> Severity {
                match self { $( RuleId::$variant => Severity::$sev, )* }
            }

            /// One line saying what the rule checks.
            pub const fn summary(self) -> &'static str {
                match self { $( RuleId::$variant => $summary, )* }
            }
        }
    };
}

rules! {
    /// A file or directory could not be read.
    FileRead = "file-read", Error, "a path that cannot be read: missing, not UTF-8, larger than 64 MiB, not a regular file, a symbolic link out of the searched tree, or a directory without YAML files";
    /// A file without any content.
    EmptyFile = "empty-file", Error, "a file with no YAML document (an mcpform file needs at least `version: 1`)";
    /// The YAML parser rejected the file.
    YamlSyntax = "yaml-syntax", Error, "YAML that does not parse, a character YAML does not allow (a raw control character), an alias bomb, nesting over 64 levels, an unsupported tag, or a second document";
    /// Same key twice in one mapping.
    DuplicateKey = "duplicate-key", Error, "a key given twice in one mapping";
    /// Plain yes/no/on/off.
    AmbiguousBool = "ambiguous-bool", Warning, "a plain `yes`/`no`/`on`/`off`/`y`/`n`: a string in YAML 1.2 but a boolean to YAML 1.1 tools";
    /// JSON Schema violation.
    Schema = "schema", Error, "a JSON Schema violation: wrong type, unknown value, missing or unknown field";
    /// BYOK on stdio.
    ByokTransport = "byok-transport", Error, "`is_byok: true` with `transport: stdio` (BYOK is for http, sse and openapi)";
    /// BYOK fields without BYOK.
    ByokFieldsWithoutByok = "byok-fields-without-byok", Warning, "`byok_description` or `byok_api_key_help_url` while `is_byok` is not true";
    /// BYOK with an auth type that cannot carry a user key.
    ByokAuthType = "byok-auth-type", Warning, "BYOK with an `auth_type` the proxy cannot inject a user's key with (not bearer_token, api_key, token, basic or authorization)";
    /// BYOK with a shared credential.
    ByokSharedCredential = "byok-shared-credential", Warning, "a BYOK server that also sets `credentials.auth_value` (not used for users' tool calls)";
    /// Name charset.
    NameCharset = "name-charset", Error, "`server_name` or `alias` outside `[A-Za-z0-9._]{1,128}` (the proxy rejects `-` and other characters)";
    /// Name or alias uniqueness.
    NameUnique = "name-unique", Error, "a `server_name` or `alias` equal, ignoring case, to another server's name or alias (across all files)";
    /// server_id uniqueness and shape.
    ServerId = "server-id", Error, "a `server_id` given twice, reserved by the proxy, or with characters that cannot be used in a URL path";
    /// URL or spec_path missing.
    UrlRequired = "url-required", Error, "http/sse without `url`; openapi without `spec_path`";
    /// spec_path with a transport that has no spec.
    SpecPathTransport = "spec-path-transport", Error, "`spec_path` with transport `sse` or `stdio` (a spec makes an OpenAPI server, which the proxy runs over http)";
    /// An OpenAPI server written the API's way.
    HttpSpecPath = "http-spec-path", Warning, "`transport: http` with `spec_path`: the API's way of writing an OpenAPI server, read as `transport: openapi`";
    /// stdio without command/args.
    StdioCommand = "stdio-command", Error, "stdio without `command` and non-empty `args`";
    /// stdio command not on the proxy's default allow-list.
    StdioCommandAllowed = "stdio-command-allowed", Warning, "a stdio `command` outside the proxy's default allow-list (npx, uvx, python, python3, node, docker, deno)";
    /// Secret given in plain text.
    PlaintextSecret = "plaintext-secret", Error, "a secret `credentials` value that is not a `${env:…}` reference";
    /// Malformed or unset env reference.
    EnvRef = "env-ref", Error, "a malformed `${env:…}` reference; with `--require-env`, an unset variable";
    /// A reference to mcpform's or CI's own credentials.
    EnvReserved = "env-reserved", Error, "a `${env:…}` reference to the admin key's variable (`LITELLM_API_KEY` or `--api-key-env`), `LITELLM_MASTER_KEY`, `MCPFORM_FINGERPRINT_KEY`, `GITHUB_TOKEN`, `GH_TOKEN`, `GH_ENTERPRISE_TOKEN`, `ACTIONS_*`, `RUNNER_*`, `INPUT_*` or `MCPFORM_ACTION_*`";
    /// Cleartext URL to a remote host.
    InsecureUrl = "insecure-url", Warning, "an `http://` URL to a host that is not loopback";
    /// Display names the proxy rejects.
    DisplayName = "display-name", Error, "a `tool_name_to_display_name` value outside `[A-Za-z0-9_-]+` (the proxy rejects it)";
    /// Protocol version not allowed with the transport.
    ProtocolTransport = "protocol-transport", Error, "`mcp_info.protocol_version: 2026-07-28` with `transport: sse` (the proxy rejects it)";
    /// OAuth flag combinations the proxy rejects.
    OauthFlags = "oauth-flags", Error, "`dcr_bridge` without true_passthrough/oauth_delegate, or `per_server_oauth_discovery` without oauth2 + authorization_code";
    /// mcp_info keys that mcpform or the proxy own.
    McpInfoReserved = "mcp-info-reserved", Error, "an `mcp_info` key mcpform manages itself (`managed_by`, `mcpform_*`)";
    /// mcp_info.description that differs from description.
    McpInfoDescription = "mcp-info-description", Warning, "`mcp_info.description` differs from `description`: the proxy lists the former as the description";
    /// A field the LiteLLM version given with `--proxy-version` does not store.
    ProxyVersion = "proxy-version", Error, "with `--proxy-version`, a field that LiteLLM version does not store, or does not show in its list (see Supported LiteLLM versions); a warning for one it ignores";
    /// ignore_changes naming a field that is always sent.
    IgnoreChanges = "ignore-changes", Warning, "`lifecycle.ignore_changes` naming a field mcpform must always manage, or one the server does not declare";
}

/// The page that documents every rule, with a failing and a fixed example each:
/// `docs/reference/rules.md` as the release this binary was built from has it.
///
/// An absolute URL, not a relative one: SARIF's `helpUri` must be absolute, and the
/// SARIF file is uploaded to the user's repository, where a relative path would point
/// into their tree; and `mcpform rules` prints it far from any checkout. The repository
/// is Cargo.toml's `repository` (one place to change), the tag the release's, so the page
/// matches the rules of this very binary.
pub const RULES_PAGE: &str = concat!(
    env!("CARGO_PKG_REPOSITORY"),
    "/blob/v",
    env!("CARGO_PKG_VERSION"),
    "/docs/reference/rules.md"
);

impl RuleId {
    /// The rule's section of [`RULES_PAGE`] (SARIF `helpUri`).
    pub fn help_uri(self) -> String {
        format!("{RULES_PAGE}#{}", self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for rule in RuleId::ALL {
            let id = rule.id();
            assert!(seen.insert(id), "duplicate rule id {id}");
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id} is not kebab-case"
            );
            assert!(!rule.summary().is_empty());
        }
    }
}
