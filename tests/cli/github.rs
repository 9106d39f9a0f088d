//! `--github` on lint, plan and apply, with the runner's variables pointing at a fake
//! GitHub API: annotations, the job summary, the outputs and the sticky comment, and
//! secrets (the admin key, the GitHub token) in none of it, even when the API repeats
//! the token back.

use std::path::PathBuf;
use std::process::Output;

use serde_json::json;

use crate::support::cli::{Workspace, code, stderr, stdout};
use crate::support::fake_github::{FakeGithub, Identity};
use crate::support::fake_proxy::{FakeConfig, FakeProxy};

const ADMIN_KEY: &str = "sk-canary-gh-cli-1a2b3c4d";
const TOKEN: &str = "ghs_canaryCliToken9f8e7d";

const GOOD: &str = "version: 1\nservers:\n  - server_name: wiki\n    transport: http\n    url: https://wiki.example.invalid/mcp\n";
const BAD: &str = "version: 1\nservers:\n  - server_name: my-wiki\n    transport: http\n    url: https://wiki.example.invalid/mcp\n    colour: blue\n";

struct Env {
    proxy: FakeProxy,
    github: FakeGithub,
    ws: Workspace,
    runner: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let github = FakeGithub::start();
        github.add_token(TOKEN, Identity::App("github-actions[bot]".into()), false);
        let runner = tempfile::tempdir().unwrap();
        std::fs::write(
            runner.path().join("event.json"),
            json!({"number": 7, "pull_request": {"number": 7,
                "head": {"sha": "abcdef0123456789abcdef0123456789abcdef01", "repo": {"full_name": "acme/servers"}},
                "base": {"repo": {"full_name": "acme/servers"}}}})
            .to_string(),
        )
        .unwrap();
        Env {
            proxy: FakeProxy::start(FakeConfig {
                master_key: ADMIN_KEY.into(),
                ..FakeConfig::default()
            }),
            github,
            ws: Workspace::new(),
            runner,
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.runner.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.ws
            .mcpform(&self.proxy.base_url(), ADMIN_KEY)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", self.github.url())
            .env("GITHUB_REPOSITORY", "acme/servers")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", self.file("event.json"))
            .env("GITHUB_STEP_SUMMARY", self.file("summary.md"))
            .env("GITHUB_OUTPUT", self.file("output"))
            .args(args)
            .output()
            .unwrap()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_default()
    }

    fn reset_files(&self) {
        for f in ["summary.md", "output"] {
            let _ = std::fs::remove_file(self.file(f));
        }
    }

    /// Every text a person or a later step could read holds no secret.
    fn assert_clean(&self, out: &Output) {
        let mut texts = vec![
            stdout(out),
            stderr(out),
            self.read("summary.md"),
            self.read("output"),
        ];
        texts.extend(self.github.comments(7).into_iter().map(|c| c.body));
        for text in texts {
            for secret in [ADMIN_KEY, TOKEN] {
                assert!(!text.contains(secret), "a secret leaked:\n{text}");
            }
        }
    }
}

fn outputs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line.split_once("<<").expect("multi-line form");
        let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
        out.push((name.to_owned(), value.join("\n")));
    }
    out
}

#[test]
fn lint_with_github_annotates_summarises_outputs_and_comments() {
    let e = Env::new();
    e.ws.write("servers/bad.yaml", BAD);
    let out = e.run(&["lint", "--github", "servers"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("::error file=servers/bad.yaml,line=3,col=18"),
        "{text}"
    );
    let summary = e.read("summary.md");
    insta::assert_snapshot!("lint_summary", summary);
    let o = outputs(&e.read("output"));
    let names: Vec<&str> = o.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["has-changes", "guarded", "summary-json", "comment-url"]
    );
    let counts: serde_json::Value = serde_json::from_str(&o[2].1).unwrap();
    assert_eq!(counts["errors"], 2);
    let comments = e.github.comments(7);
    assert_eq!(comments.len(), 1);
    assert!(comments[0].body.starts_with("<!-- mcpform:lint:"));
    assert!(
        o[3].1
            .ends_with(&format!("#issuecomment-{}", comments[0].id))
    );
    e.assert_clean(&out);

    // Fixed: the same comment now says so.
    e.ws.write("servers/bad.yaml", GOOD);
    e.reset_files();
    let out = e.run(&["lint", "--github", "servers"]);
    assert_eq!(code(&out), 0);
    let comments = e.github.comments(7);
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0].body.contains("**No problems**"),
        "{}",
        comments[0].body
    );
}

#[test]
fn a_plan_that_stops_on_file_errors_says_so_in_its_comment() {
    let e = Env::new();
    e.ws.write("servers/wiki.yaml", GOOD);
    let out = e.run(&["plan", "--github", "servers"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(e.github.comments(7)[0].body.contains("Plan: 1 to create"));
    e.ws.write("servers/wiki.yaml", BAD);
    e.reset_files();
    let out = e.run(&["plan", "--github", "servers"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("::error file=servers/wiki.yaml"),
        "annotations: {}",
        stdout(&out)
    );
    let comments = e.github.comments(7);
    assert_eq!(comments.len(), 1, "the plan's comment is updated");
    assert!(
        comments[0].body.contains("The files have errors"),
        "{}",
        comments[0].body
    );
    assert!(
        !comments[0].body.contains("Plan: 1 to create"),
        "no stale plan"
    );
    assert!(e.read("summary.md").contains("The files have errors"));
    e.assert_clean(&out);
}

#[test]
fn no_secret_reaches_any_github_surface_even_when_the_api_repeats_the_token() {
    let e = Env::new();
    e.ws.write("servers/wiki.yaml", GOOD);
    e.github.deny(403);
    e.github.echo_authorization();
    for args in [
        &["lint", "--github", "servers"][..],
        &["plan", "--github", "servers", "--out", "plan.json"],
        &["apply", "--github", "--auto-approve", "servers"],
    ] {
        e.reset_files();
        let out = e.run(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("::warning title=mcpform::no pull-request comment"),
            "{args:?}: {text}"
        );
        assert!(
            text.contains("****"),
            "the token is scrubbed, not dropped: {text}"
        );
        assert!(
            !text.lines().any(|l| l.starts_with("::error::injected")),
            "the API's text cannot start a workflow command: {text}"
        );
        e.assert_clean(&out);
    }
    assert_eq!(
        e.proxy.rows().len(),
        1,
        "apply ran despite the comment failing"
    );
}

#[test]
fn comment_flags_need_github() {
    let e = Env::new();
    let out = e.run(&["lint", "--no-comment", "."]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("--github"), "{}", stderr(&out));
    let out = e.run(&["plan", "--allow-fork-with-key", "."]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("--github"), "{}", stderr(&out));
}
