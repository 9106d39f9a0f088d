//! env: every environment variable mcpform reads ([`ALL`]), and the ones a file's
//! `${env:…}` may never name ([`RESERVED`]).
//!
//! Ground floor: uses no other room, so `lint` (a library room) and `cli` both read the
//! names from here. Nothing here reads the environment. `docs/reference/environment.md`
//! is generated from these two lists, and a test (`tests/docs`) fails when code in `src/`
//! reads a variable by a name that [`ALL`] does not list.

/// Base URL of the LiteLLM proxy (`--proxy-url` wins).
pub(crate) const PROXY_URL: &str = "LITELLM_PROXY_URL";
/// Default name of the variable holding the proxy_admin key (`--api-key-env` picks another).
pub(crate) const API_KEY: &str = "LITELLM_API_KEY";
/// Key of the credential fingerprints (so that several operators agree); the admin key
/// is used when unset.
pub const FINGERPRINT_KEY: &str = "MCPFORM_FINGERPRINT_KEY";
/// Disables colour (<https://no-color.org>), read by anstream.
pub const NO_COLOR: &str = "NO_COLOR";
/// Set by CI services (GitHub Actions among them): apply's progress is lines, not a bar.
pub const CI: &str = "CI";
/// The proxy's own master key, as LiteLLM's docs and most CI set-ups name it.
pub(crate) const MASTER_KEY: &str = "LITELLM_MASTER_KEY";

/// Who reads a variable of [`ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// mcpform's own code, on every run of the commands named.
    Mcpform,
    /// mcpform's own code, only with `--github` (set by the GitHub Actions runner).
    Github,
    /// A library mcpform is built with (named), with its own rules.
    Library(&'static str),
}

/// One variable mcpform (or a library in it) reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Var {
    /// The name (libraries also read the lower-case form where they say so).
    pub name: &'static str,
    /// Who reads it.
    pub reader: Reader,
    /// The commands that read it.
    pub commands: &'static str,
    /// What it does, as a sentence for the reference page.
    pub what: &'static str,
}

const fn var(
    name: &'static str,
    reader: Reader,
    commands: &'static str,
    what: &'static str,
) -> Var {
    Var {
        name,
        reader,
        commands,
        what,
    }
}

/// The commands that talk to the proxy.
const PROXY_COMMANDS: &str = "plan, apply, export";

/// Every variable mcpform reads by a fixed name. Besides these, plan and apply read the
/// variables a file's `${env:NAME}` references name (and `lint --require-env` checks
/// they are set), and the admin key from the variable `--api-key-env` names instead of
/// `LITELLM_API_KEY`.
pub const ALL: &[Var] = &[
    var(
        PROXY_URL,
        Reader::Mcpform,
        PROXY_COMMANDS,
        "The proxy's base URL (`http://` or `https://`, a host, an optional port and path prefix), when `--proxy-url` is not given.",
    ),
    var(
        API_KEY,
        Reader::Mcpform,
        PROXY_COMMANDS,
        "A `proxy_admin` key (the master key, or an admin user's key). Never a flag value; `--api-key-env NAME` reads the key from `NAME` instead.",
    ),
    var(
        FINGERPRINT_KEY,
        Reader::Mcpform,
        PROXY_COMMANDS,
        "Keys the credential fingerprints, the ownership proofs and the plan digest, so that several operators and CI agree; the admin key when unset or empty.",
    ),
    var(
        NO_COLOR,
        Reader::Mcpform,
        "every command",
        "Set and not empty: no colour, unless `--color always`.",
    ),
    var(
        CI,
        Reader::Mcpform,
        "apply",
        "Set and not empty: `--progress auto` prints a line per server instead of a progress bar. (anstream also takes it as leave to colour a terminal whose `TERM` says nothing.)",
    ),
    var(
        "GITHUB_EVENT_NAME",
        Reader::Github,
        "lint, plan, apply",
        "The event that started the workflow (`pull_request`, `push`, …).",
    ),
    var(
        "GITHUB_EVENT_PATH",
        Reader::Github,
        "lint, plan, apply",
        "The event's payload: the pull request, and whether it comes from a fork.",
    ),
    var(
        "GITHUB_STEP_SUMMARY",
        Reader::Github,
        "lint, plan, apply",
        "The file the job summary is appended to.",
    ),
    var(
        "GITHUB_OUTPUT",
        Reader::Github,
        "lint, plan, apply",
        "The file the step outputs are written to.",
    ),
    var(
        "GITHUB_API_URL",
        Reader::Github,
        "lint, plan, apply",
        "The REST API the pull-request comment goes through (`https://api.github.com` when unset).",
    ),
    var(
        "GITHUB_REPOSITORY",
        Reader::Github,
        "lint, plan, apply",
        "`owner/name` of the repository whose pull request gets the comment.",
    ),
    var(
        "GITHUB_TOKEN",
        Reader::Github,
        "lint, plan, apply",
        "The token the pull-request comment is written with (the Action passes its `github-token` input); no comment without it.",
    ),
    var(
        "GITHUB_SHA",
        Reader::Github,
        "lint, plan, apply",
        "The commit the run is about when the event names no pull request's head (the comment's footer names it).",
    ),
    var(
        "CLICOLOR",
        Reader::Library("anstream"),
        "lint, plan, apply",
        "`0`: no colour with `--color auto`; `1`: colour on a terminal whatever `TERM` says.",
    ),
    var(
        "CLICOLOR_FORCE",
        Reader::Library("anstream"),
        "lint, plan, apply",
        "Set and not empty: colour with `--color auto` even when not on a terminal (`NO_COLOR` wins).",
    ),
    var(
        "TERM",
        Reader::Library("anstream"),
        "lint, plan, apply",
        "Unset or `dumb` (not on Windows): no colour with `--color auto`, unless `CLICOLOR` is `1` or `CI` is set.",
    ),
    var(
        "HTTPS_PROXY",
        Reader::Library("reqwest"),
        "plan, apply, export; `--github`",
        "The HTTP proxy for `https://` requests (also `https_proxy`). The admin key is sent through it.",
    ),
    var(
        "HTTP_PROXY",
        Reader::Library("reqwest"),
        "plan, apply, export; `--github`",
        "The HTTP proxy for `http://` requests (also `http_proxy`; ignored when `REQUEST_METHOD` is set, as in a CGI script).",
    ),
    var(
        "ALL_PROXY",
        Reader::Library("reqwest"),
        "plan, apply, export; `--github`",
        "The HTTP proxy for requests that neither of the above covers (also `all_proxy`).",
    ),
    var(
        "NO_PROXY",
        Reader::Library("reqwest"),
        "plan, apply, export; `--github`",
        "Hosts reached without the HTTP proxy, comma-separated (also `no_proxy`).",
    ),
    var(
        "REQUEST_METHOD",
        Reader::Library("reqwest"),
        "plan, apply, export; `--github`",
        "Set (a CGI environment): `HTTP_PROXY` is ignored, since a request's `Proxy:` header could set it.",
    ),
    var(
        "SSL_CERT_FILE",
        Reader::Library("rustls-native-certs"),
        "plan, apply, export; `--github`",
        "Linux and other Unix but macOS: a PEM file of the CA certificates to trust instead of the system's (a private CA in front of the proxy).",
    ),
    var(
        "SSL_CERT_DIR",
        Reader::Library("rustls-native-certs"),
        "plan, apply, export; `--github`",
        "Likewise: directories of CA certificates to trust instead of the system's, separated by `:`.",
    ),
    var(
        "COLUMNS",
        Reader::Library("clap"),
        "`--help`",
        "The width help is wrapped at (at most 100) when the terminal's size cannot be read.",
    ),
    var(
        "LINES",
        Reader::Library("clap"),
        "`--help`",
        "Read along with `COLUMNS`; no effect on mcpform's help.",
    ),
];

/// Variables (or families of variables) that hold mcpform's or CI's own credentials.
///
/// Whoever writes the YAML (in GitOps: the author of a pull request) chooses what
/// `${env:…}` reads, while plan and apply run where these are set; a reference to one
/// would send its value to the proxy, and from there to any upstream URL the same file
/// names. So a file may not read them, whatever it does with them.
pub const RESERVED: &[Reserved] = &[
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
pub struct Reserved {
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
