//! env: every environment variable mcpform reads, and the ones a file's `${env:…}` may
//! never name.
//!
//! Ground floor: uses no other room, so `lint` (a library room) and `cli` both read the
//! names from here. Nothing here reads the environment.

/// Base URL of the LiteLLM proxy (`--proxy-url` wins).
pub(crate) const PROXY_URL: &str = "LITELLM_PROXY_URL";
/// Default name of the variable holding the proxy_admin key (`--api-key-env` picks another).
pub(crate) const API_KEY: &str = "LITELLM_API_KEY";
/// Key of the credential fingerprints (so that several operators agree); the admin key
/// is used when unset.
pub const FINGERPRINT_KEY: &str = "MCPFORM_FINGERPRINT_KEY";
/// Disables colour (<https://no-color.org>), read by anstream.
pub const NO_COLOR: &str = "NO_COLOR";
/// The proxy's own master key, as LiteLLM's docs and most CI set-ups name it.
pub(crate) const MASTER_KEY: &str = "LITELLM_MASTER_KEY";

/// Variables (or families of variables) that hold mcpform's or CI's own credentials.
///
/// Whoever writes the YAML (in GitOps: the author of a pull request) chooses what
/// `${env:…}` reads, while plan and apply run where these are set; a reference to one
/// would send its value to the proxy, and from there to any upstream URL the same file
/// names. So a file may not read them, whatever it does with them.
pub(crate) const RESERVED: &[Reserved] = &[
    Reserved::name(API_KEY, "it holds the proxy_admin key mcpform uses"),
    Reserved::name(MASTER_KEY, "it holds the proxy's master key"),
    Reserved::name(FINGERPRINT_KEY, "it keys mcpform's credential fingerprints"),
    Reserved::name("GITHUB_TOKEN", "it holds the workflow's GitHub token"),
    Reserved::name("GH_TOKEN", "the GitHub CLI reads its token from it"),
    Reserved::name(
        "GH_ENTERPRISE_TOKEN",
        "the GitHub CLI reads its GitHub Enterprise token from it",
    ),
    // What the mcpform Action exposes: it passes its inputs (the admin key, the
    // fingerprint key and the GitHub token among them) as `MCPFORM_ACTION_*`, and
    // JavaScript and Docker actions get theirs as `INPUT_*`. The rest of `GITHUB_*` is
    // names and paths, and stays readable: `GITHUB_MCP_TOKEN` is a fair name for the
    // token of a GitHub MCP server.
    Reserved::prefix(
        "MCPFORM_ACTION_",
        "the mcpform Action passes its inputs, keys included, in `MCPFORM_ACTION_*`",
    ),
    Reserved::prefix(
        "INPUT_",
        "GitHub passes an action's inputs, tokens included, in `INPUT_*`",
    ),
    Reserved::prefix(
        "ACTIONS_",
        "GitHub Actions keeps its runtime tokens in `ACTIONS_*`",
    ),
    Reserved::prefix(
        "RUNNER_",
        "the CI runner keeps its own settings in `RUNNER_*`",
    ),
];

/// One row of [`RESERVED`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reserved {
    /// The name, or the prefix of every name in the family.
    pub pattern: &'static str,
    /// Whether `pattern` is a prefix.
    pub prefix: bool,
    /// Why a file may not read it, as a clause for the diagnostic.
    pub why: &'static str,
}

impl Reserved {
    const fn name(pattern: &'static str, why: &'static str) -> Reserved {
        Reserved {
            pattern,
            prefix: false,
            why,
        }
    }

    const fn prefix(pattern: &'static str, why: &'static str) -> Reserved {
        Reserved {
            pattern,
            prefix: true,
            why,
        }
    }

    /// Whether `name` is this variable or one of this family. ASCII case is ignored:
    /// Windows runners read `github_token` as `GITHUB_TOKEN`.
    pub(crate) fn matches(&self, name: &str) -> bool {
        if self.prefix {
            name.get(..self.pattern.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(self.pattern))
        } else {
            name.eq_ignore_ascii_case(self.pattern)
        }
    }
}

/// Why a file may not read the variable `name` (`None`: it may): a row of `RESERVED`,
/// or one of `extra` (the variable `--api-key-env` names, which holds the admin key).
pub fn reserved(name: &str, extra: &[&str]) -> Option<&'static str> {
    if extra.iter().any(|e| e.eq_ignore_ascii_case(name)) {
        return Some("`--api-key-env` names it: it holds the proxy_admin key");
    }
    RESERVED.iter().find(|r| r.matches(name)).map(|r| r.why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_names_and_families() {
        for name in [
            "LITELLM_API_KEY",
            "LITELLM_MASTER_KEY",
            "MCPFORM_FINGERPRINT_KEY",
            "GITHUB_TOKEN",
            "github_token",
            "ACTIONS_RUNTIME_TOKEN",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "RUNNER_TEMP",
            "GH_TOKEN",
            "gh_enterprise_token",
            "MCPFORM_ACTION_API_KEY",
            "MCPFORM_ACTION_GITHUB_TOKEN",
            "INPUT_GITHUB-TOKEN",
            "input_api-key",
        ] {
            assert!(reserved(name, &[]).is_some(), "{name}");
        }
        for name in [
            "GITHUB_MCP_TOKEN",
            "MY_GITHUB_TOKEN",
            "ACTIONS",
            "RUNNER",
            "LITELLM_API_KEY_2",
            "TOKEN",
            "GITHUB_SHA",
            "MCPFORM_ACTION",
            "INPUT",
            "MY_GH_TOKEN",
        ] {
            assert_eq!(reserved(name, &[]), None, "{name}");
        }
    }

    #[test]
    fn the_chosen_admin_key_variable_is_reserved_too() {
        assert_eq!(reserved("TEAM_ADMIN", &[]), None);
        assert!(reserved("TEAM_ADMIN", &["TEAM_ADMIN"]).is_some());
        // The default stays reserved when another is chosen: CI may still set it.
        assert!(reserved(API_KEY, &["TEAM_ADMIN"]).is_some());
    }
}
