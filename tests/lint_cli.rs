//! `mcpform lint` as a user runs it: the built binary on files in a temp dir, findings
//! read from `--format json`. Each test is one promise of `docs/commands/lint.md`.

use assert_cmd::Command;
use serde_json::Value;

/// Runs `mcpform lint FILE --format json EXTRA…` on `yaml`; returns the exit code and
/// the `(rule, severity, line)` of every finding.
fn lint(yaml: &str, extra: &[&str]) -> (i32, Vec<(String, String, u64)>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("servers.yaml");
    std::fs::write(&path, yaml).expect("write");
    let out = Command::cargo_bin("mcpform")
        .expect("binary")
        .env_clear()
        .arg("lint")
        .arg(&path)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("run");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let found = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or_default().to_owned(),
                d["severity"].as_str().unwrap_or_default().to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (out.status.code().unwrap_or(-1), found)
}

fn rules(found: &[(String, String, u64)]) -> Vec<&str> {
    found.iter().map(|(r, _, _)| r.as_str()).collect()
}

/// A server whose only credential is `${env:NAME}`.
fn server_reading(name: &str) -> String {
    format!(
        "version: 1\nservers:\n  - server_name: jira\n    transport: http\n    url: https://jira.example.invalid/mcp\n    auth_type: bearer_token\n    credentials:\n      auth_value: ${{env:{name}}}\n"
    )
}

#[test]
fn a_file_cannot_read_the_admin_key_or_ci_credentials() {
    for name in [
        "LITELLM_API_KEY",
        "LITELLM_MASTER_KEY",
        "MCPFORM_FINGERPRINT_KEY",
        "GITHUB_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "RUNNER_TEMP",
    ] {
        let (code, found) = lint(&server_reading(name), &[]);
        assert_eq!(code, 1, "{name}: {found:?}");
        assert_eq!(
            found,
            vec![("env-reserved".to_owned(), "error".to_owned(), 8)],
            "{name}"
        );
    }
    let (code, found) = lint(&server_reading("JIRA_TOKEN"), &[]);
    assert_eq!((code, found), (0, vec![]));
}

#[test]
fn lint_reserves_the_variable_named_by_api_key_env_as_plan_does() {
    let yaml = server_reading("TEAM_ADMIN_KEY");
    let (code, found) = lint(&yaml, &["--api-key-env", "TEAM_ADMIN_KEY"]);
    assert_eq!(code, 1, "{found:?}");
    assert_eq!(rules(&found), ["env-reserved"]);
    // Without the flag the name is an ordinary secret.
    assert_eq!(lint(&yaml, &[]), (0, vec![]));
}

/// The body of the API docs' OpenAPI + BYOK example, pasted as one server.
const API_DOCS_BODY: &str = r#"{"server_id":"github_byok","server_name":"github_openapi","alias":"github","description":"GitHub REST API (OpenAPI)","transport":"http","spec_path":"https://example.invalid/github-openapi.json","url":"https://api.github.com","auth_type":"bearer_token","mcp_access_groups":["dev"],"is_byok":true,"byok_description":["Read repositories","Create issues"],"byok_api_key_help_url":"https://github.com/settings/tokens"}"#;

#[test]
fn an_api_body_pastes_in_unchanged() {
    let yaml = format!("version: 1\nservers:\n  - {API_DOCS_BODY}\n");
    let (code, found) = lint(&yaml, &[]);
    assert_eq!(code, 0, "{found:?}");
    assert_eq!(
        found,
        vec![("http-spec-path".to_owned(), "warning".to_owned(), 3)]
    );
    // The API's shape without `url` is an OpenAPI server too, not a missing URL.
    let no_url = yaml.replace(r#""url":"https://api.github.com","#, "");
    let (code, found) = lint(&no_url, &[]);
    assert_eq!((code, rules(&found)), (0, vec!["http-spec-path"]));
    // A spec on an SSE server stays an error.
    let sse = yaml.replace(r#""transport":"http""#, r#""transport":"sse""#);
    assert_eq!(rules(&lint(&sse, &[]).1), ["spec-path-transport"]);
}

/// What a new user writes first: four mistakes, each a different rule.
const FOUR_MISTAKES: &str = "version: 1
servers:
  - server_name: my-tools
    transport: stdio
    command: npx
    args: [-y, my-tools-mcp]
    is_byok: true
    auth_type: bearer
    credentials:
      auth_value: sk-live-0123456789
";

#[test]
fn one_run_reports_every_mistake_even_with_a_schema_error() {
    let (code, found) = lint(FOUR_MISTAKES, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        [
            ("name-charset", 3),
            ("byok-transport", 7),
            ("schema", 8),
            ("plaintext-secret", 10),
        ]
        .map(|(r, l)| (r.to_owned(), "error".to_owned(), l))
        .to_vec()
    );
}

/// `--proxy-version` applies the field-support table offline: the same file is clean for
/// the reference proxy and an error for 1.87.5, at the field; a bad version is a usage error.
#[test]
fn proxy_version_reports_fields_that_version_does_not_store() {
    let yaml = "version: 1\nservers:\n  - server_name: weather\n    transport: sse\n    url: https://w.example.invalid/sse\n    rpm: 600\n";
    assert_eq!(lint(yaml, &[]), (0, vec![]));
    assert_eq!(lint(yaml, &["--proxy-version", "1.108.7"]), (0, vec![]));
    let (code, found) = lint(yaml, &["--proxy-version", "1.87.5"]);
    assert_eq!(code, 1);
    assert_eq!(found, [("proxy-version".to_owned(), "error".to_owned(), 6)]);
    let out = Command::cargo_bin("mcpform")
        .expect("binary")
        .env_clear()
        .args(["lint", "--proxy-version", "latest", "."])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("major.minor.patch"), "{err}");
}
