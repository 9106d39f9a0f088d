//! The GitHub Action (`action.yml`), offline: a static check of the file, then its steps
//! run as the runner runs them (`runner`) against the fake LiteLLM proxy and a fake
//! GitHub REST API (`support::fake_github`) on loopback.
//!
//! Every scenario ends with the canary check: neither the admin key nor the GitHub
//! token appears in the log, the summary, the outputs or any comment.

#[path = "../support/mod.rs"]
mod support;

mod comment;
mod events;
mod expr;
mod install;
mod limits;
mod readme;
mod release;
mod runner;
mod static_check;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use runner::{Job, Outcome};
use support::fake_github::{FakeGithub, Identity};
use support::fake_proxy::{FakeConfig, FakeProxy};

/// The proxy's admin key: a canary.
pub(crate) const ADMIN_KEY: &str = "sk-canary-action-4e5f6a7b";
/// The workflow's token (`github-actions[bot]`): a canary.
pub(crate) const TOKEN: &str = "ghs_canaryWorkflowToken1234";
/// A read-only token, as a fork's run (or `permissions: read-all`) has.
pub(crate) const READ_ONLY: &str = "ghs_canaryReadOnlyToken5678";
/// The repository.
pub(crate) const REPO: &str = "acme/servers";
/// The head commit of the pull requests.
pub(crate) const HEAD_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// One server, not on the proxy: a plan to create it.
pub(crate) const WIKI: &str = "version: 1
servers:
  - server_name: wiki
    transport: http
    url: https://wiki.example.invalid/mcp
    description: Team wiki
";

/// A fake proxy, a fake GitHub, a workspace and the runner's directories.
pub(crate) struct Setup {
    /// The fake LiteLLM.
    pub(crate) proxy: FakeProxy,
    /// The fake GitHub API (and release downloads).
    pub(crate) github: FakeGithub,
    /// `GITHUB_WORKSPACE`.
    pub(crate) workspace: tempfile::TempDir,
    /// `RUNNER_TEMP` and `HOME`.
    pub(crate) temp: tempfile::TempDir,
    /// `GITHUB_EVENT_PATH`.
    pub(crate) event: PathBuf,
    /// The `uses:` steps the stubs were asked to run, with their `with:`.
    pub(crate) used: RefCell<Vec<(String, BTreeMap<String, String>)>>,
    /// Overrides of the runner's variables.
    pub(crate) env: RefCell<BTreeMap<String, String>>,
    /// Overrides of `github.*` in expressions.
    pub(crate) github_context: RefCell<BTreeMap<String, String>>,
}

impl Setup {
    /// Fakes started, a pull request event (#7, not a fork).
    pub(crate) fn new() -> Setup {
        let proxy = FakeProxy::start(FakeConfig {
            master_key: ADMIN_KEY.into(),
            ..FakeConfig::default()
        });
        let github = FakeGithub::start();
        github.add_token(TOKEN, Identity::App("github-actions[bot]".into()), false);
        github.add_token(READ_ONLY, Identity::App("github-actions[bot]".into()), true);
        let workspace = tempfile::tempdir().unwrap();
        let temp = tempfile::tempdir().unwrap();
        let event = temp.path().join("event.json");
        let setup = Setup {
            proxy,
            github,
            workspace,
            temp,
            event,
            used: RefCell::default(),
            env: RefCell::default(),
            github_context: RefCell::default(),
        };
        setup.pull_request(7, false);
        setup
    }

    /// Writes a file into the workspace.
    pub(crate) fn write(&self, name: &str, text: &str) {
        let path = self.workspace.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// The event is a pull request (from a fork, or not).
    pub(crate) fn pull_request(&self, number: u64, fork: bool) {
        let head = if fork { "someone/servers" } else { REPO };
        self.set_event(
            "pull_request",
            json!({"action": "synchronize", "number": number, "pull_request": {
                "number": number,
                "head": {"sha": HEAD_SHA, "repo": {"full_name": head, "fork": fork}},
                "base": {"repo": {"full_name": REPO}}}}),
        );
    }

    /// The event is `pull_request_target`: the base's workflow, with its secrets and a
    /// token that can write, on a pull request (from a fork, or not).
    pub(crate) fn pull_request_target(&self, number: u64, fork: bool) {
        self.pull_request(number, fork);
        self.env
            .borrow_mut()
            .insert("GITHUB_EVENT_NAME".into(), "pull_request_target".into());
    }

    /// The event is a push of `sha`.
    pub(crate) fn push(&self, sha: &str) {
        self.set_event("push", json!({"ref": "refs/heads/main", "after": sha}));
        self.env
            .borrow_mut()
            .insert("GITHUB_SHA".into(), sha.into());
    }

    fn set_event(&self, name: &str, payload: Value) {
        std::fs::write(&self.event, payload.to_string()).unwrap();
        self.env
            .borrow_mut()
            .insert("GITHUB_EVENT_NAME".into(), name.into());
    }

    /// The runner's variables for every step.
    pub(crate) fn runner_env(&self) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        let mut set = |k: &str, v: &str| {
            env.insert(k.to_owned(), v.to_owned());
        };
        set("PATH", &std::env::var("PATH").unwrap_or_default());
        set("HOME", &self.temp.path().display().to_string());
        set("CI", "true");
        set("GITHUB_ACTIONS", "true");
        set(
            "GITHUB_WORKSPACE",
            &self.workspace.path().display().to_string(),
        );
        set("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"));
        set("GITHUB_EVENT_NAME", "pull_request");
        set("GITHUB_EVENT_PATH", &self.event.display().to_string());
        set("GITHUB_REPOSITORY", REPO);
        set("GITHUB_API_URL", &self.github.url());
        set("GITHUB_SERVER_URL", &self.github.url());
        set("GITHUB_SHA", "fedcba9876543210fedcba9876543210fedcba98");
        set("GITHUB_RUN_ID", "42");
        set("RUNNER_OS", "Linux");
        set("RUNNER_ARCH", "X64");
        set("RUNNER_TEMP", &self.temp.path().display().to_string());
        set("NO_PROXY", "127.0.0.1,localhost");
        set("no_proxy", "127.0.0.1,localhost");
        set("NO_COLOR", "1");
        env.extend(self.env.borrow().clone());
        env
    }

    /// Runs the action with these `with:` inputs (plus `mcpform-path`, the binary under
    /// test, unless given).
    pub(crate) fn run(&self, inputs: &[(&str, &str)]) -> Outcome {
        let mut with: BTreeMap<String, String> = inputs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        with.entry("mcpform-path".into())
            .or_insert_with(|| env!("CARGO_BIN_EXE_mcpform").to_owned());
        let mut github = BTreeMap::from([("token".to_owned(), TOKEN.to_owned())]);
        github.extend(self.github_context.borrow().clone());
        let stub = |uses: &str, with: &BTreeMap<String, String>| {
            self.used.borrow_mut().push((uses.to_owned(), with.clone()));
            let mut out = BTreeMap::new();
            if uses.starts_with("actions/cache/restore@") {
                out.insert("cache-hit".to_owned(), "false".to_owned());
            }
            out
        };
        let outcome = runner::run(&Job {
            inputs: with,
            env: self.runner_env(),
            github,
            workspace: self.workspace.path().to_path_buf(),
            stub: &stub,
        });
        self.assert_clean(&outcome);
        outcome
    }

    /// A plan, with the proxy and key of the fake.
    pub(crate) fn plan(&self, extra: &[(&str, &str)]) -> Outcome {
        let url = self.proxy.base_url();
        let mut inputs = vec![
            ("command", "plan"),
            ("paths", "servers"),
            ("proxy-url", url.as_str()),
            ("api-key", ADMIN_KEY),
        ];
        inputs.extend_from_slice(extra);
        self.run(&inputs)
    }

    /// No secret anywhere a person or another step could read it.
    pub(crate) fn assert_clean(&self, o: &Outcome) {
        let mut texts = vec![
            ("log", o.log.clone()),
            ("summary", o.summary.clone()),
            ("outputs", o.output_files.clone()),
        ];
        for c in self
            .github
            .comments(7)
            .into_iter()
            .chain(self.github.comments(8))
        {
            texts.push(("comment", c.body));
        }
        for (what, text) in texts {
            for secret in [ADMIN_KEY, TOKEN, READ_ONLY] {
                assert!(!text.contains(secret), "the {what} holds a secret:\n{text}");
            }
        }
    }

    /// Only comments carrying mcpform's marker.
    pub(crate) fn ours(&self, issue: u64) -> Vec<support::fake_github::StoredComment> {
        self.github
            .comments(issue)
            .into_iter()
            .filter(|c| c.body.starts_with("<!-- mcpform:"))
            .collect()
    }

    /// A text with the run's variable parts replaced, for snapshots.
    pub(crate) fn stable(&self, text: &str) -> String {
        let mut out = text
            .replace(&self.proxy.base_url(), "[PROXY]")
            .replace(&self.github.url(), "[GITHUB]");
        for prefix in [
            "sha256:",
            "<!-- mcpform:plan:",
            "<!-- mcpform:apply:",
            "<!-- mcpform:lint:",
        ] {
            let mut rebuilt = String::new();
            let mut rest = out.as_str();
            while let Some(at) = rest.find(prefix) {
                let start = at + prefix.len();
                let hex = rest[start..]
                    .chars()
                    .take_while(char::is_ascii_hexdigit)
                    .count();
                rebuilt.push_str(&rest[..start]);
                rebuilt.push_str("[hash]");
                rest = &rest[start + hex..];
            }
            rebuilt.push_str(rest);
            out = rebuilt;
        }
        out
    }
}

/// The outputs' file must exist at the path an output names.
pub(crate) fn assert_file(path: &str) {
    assert!(Path::new(path).is_file(), "no file at `{path}`");
}
