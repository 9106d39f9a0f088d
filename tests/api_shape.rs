//! A body from the API docs or a curl command is the same server as mcpform's own
//! spelling of it: pasted as YAML it lints without errors, and resolves to the body
//! `transport: openapi` resolves to.

use mcpform::lint::{LintOptions, Linted, lint};
use mcpform::load::load_text;
use mcpform::model::Transport;
use mcpform::resolve::resolve;
use mcpform::rule::RuleId;
use mcpform::secret::{FingerprintKey, Secret};

/// The API docs' OpenAPI + BYOK example, unchanged.
const API_DOCS_BODY: &str = r#"{"server_id":"github_byok","server_name":"github_openapi","alias":"github","description":"GitHub REST API (OpenAPI)","transport":"http","spec_path":"https://example.invalid/github-openapi.json","url":"https://api.github.com","auth_type":"bearer_token","mcp_access_groups":["dev"],"is_byok":true,"byok_description":["Read repositories","Create issues"],"byok_api_key_help_url":"https://github.com/settings/tokens"}"#;

fn lint_server(server: &str) -> Linted {
    let none = |_: &str| None;
    let options = LintOptions {
        require_env: false,
        env: &none,
        reserved_env: &[],
        proxy_version: None,
    };
    lint(
        load_text(
            "servers.yaml",
            &format!("version: 1\nservers:\n  - {server}\n"),
        ),
        &options,
    )
}

#[test]
fn the_api_docs_body_lints_with_at_most_the_openapi_hint() {
    let linted = lint_server(API_DOCS_BODY);
    let rules: Vec<RuleId> = linted.diagnostics.iter().map(|d| d.rule).collect();
    assert_eq!(rules, [RuleId::HttpSpecPath]);
    assert!(!linted.has_errors());
    assert_eq!(linted.desired.servers[0].spec.transport, Transport::Openapi);
}

#[test]
fn both_spellings_resolve_to_the_same_server_and_body() {
    let ours = API_DOCS_BODY.replace(r#""transport":"http""#, r#""transport":"openapi""#);
    let key = FingerprintKey::new(&Secret::new("k"));
    let none = |_: &str| None;
    let resolved = |server: &str| {
        let linted = lint_server(server);
        assert!(!linted.has_errors(), "{:#?}", linted.diagnostics);
        let mut r = resolve(&linted.loaded, &linted.desired, &none, &key).expect("resolves");
        r.remove(0)
    };
    let (api, mcpform) = (resolved(API_DOCS_BODY), resolved(&ours));
    assert_eq!(api.transport, Transport::Openapi);
    assert_eq!(api.transport, mcpform.transport);
    assert_eq!(api.public, mcpform.public);
    assert_eq!(api.public["transport"], "http");
    for field in api.public.keys() {
        assert_eq!(api.value(field), mcpform.value(field), "{field}");
    }
}
