//! Events and permissions: a fork's pull request (no secrets, read-only token), a token
//! without `pull-requests: write`, and apply on `push` after a merge.

use serde_json::json;

use super::{ADMIN_KEY, READ_ONLY, Setup, WIKI};

#[test]
fn a_fork_gets_lint_and_the_summary_a_notice_and_no_failure() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    s.pull_request(7, true);
    // As GitHub runs a fork's pull request: no secrets (the api-key input is empty),
    // and a read-only token.
    s.github_context
        .borrow_mut()
        .insert("token".into(), READ_ONLY.into());
    let url = s.proxy.base_url();
    let o = s.run(&[
        ("command", "plan"),
        ("paths", "servers"),
        ("proxy-url", &url),
        ("github-token", READ_ONLY),
    ]);
    assert!(!o.failed(), "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "0");
    assert_eq!(o.outputs["has-changes"], "false");
    assert!(
        o.log
            .contains("::notice title=mcpform::a pull request from a fork"),
        "{}",
        o.log
    );
    assert!(
        o.log
            .contains("no pull-request comment: a pull request from a fork"),
        "{}",
        o.log
    );
    assert!(o.summary.contains("### mcpform lint"), "{}", o.summary);
    assert!(
        s.github.calls().is_empty(),
        "no comment call: {:?}",
        s.github.calls()
    );
    assert!(s.proxy.journal().is_empty(), "the proxy is never contacted");
}

#[test]
fn a_forks_lint_errors_still_fail_with_annotations() {
    let s = Setup::new();
    s.write("servers/bad.yaml", "version: 1\nservers:\n  - server_name: my-tools\n    transport: http\n    url: https://x.example.invalid/mcp\n");
    s.pull_request(7, true);
    let o = s.run(&[
        ("command", "plan"),
        ("paths", "servers"),
        ("github-token", READ_ONLY),
    ]);
    assert_eq!(o.exit_code, 1, "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "1");
    assert!(
        o.log.contains("::error file=servers/bad.yaml,line=3"),
        "{}",
        o.log
    );
    assert!(o.summary.contains("name-charset"), "{}", o.summary);
}

#[test]
fn missing_permissions_are_a_warning_naming_pull_requests_write_and_never_an_exit_code() {
    for status in [403, 404, 401] {
        let s = Setup::new();
        s.write("servers/wiki.yaml", WIKI);
        s.github.deny(status);
        let o = s.plan(&[]);
        assert!(!o.failed(), "{status}: {}", o.log);
        assert_eq!(o.outputs["exit-code"], "2", "{status}");
        assert_eq!(o.outputs["comment-url"], "");
        let expected = if status == 401 {
            "the GitHub token was refused"
        } else {
            "needs `pull-requests: write`"
        };
        assert!(
            o.log
                .contains("::warning title=mcpform::no pull-request comment")
                && o.log.contains(expected),
            "{status}: {}",
            o.log
        );
        assert!(
            o.summary.contains("### mcpform plan"),
            "the summary is there: {status}"
        );
    }
}

#[test]
fn a_read_only_token_on_this_repository_is_the_same_warning() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    let url = s.proxy.base_url();
    let o = s.run(&[
        ("command", "plan"),
        ("paths", "servers"),
        ("proxy-url", &url),
        ("api-key", ADMIN_KEY),
        ("github-token", READ_ONLY),
    ]);
    assert!(!o.failed(), "{}", o.log);
    assert!(
        o.log.contains("403") && o.log.contains("pull-requests: write"),
        "{}",
        o.log
    );
}

#[test]
fn apply_on_push_reports_to_the_summary_and_the_merged_pull_request() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    let merge = "89abcdef0123456789abcdef0123456789abcdef";
    s.push(merge);
    s.github.set_pulls_of_commit(
        merge,
        json!([{"number": 5, "merged_at": null, "merge_commit_sha": "x"},
               {"number": 8, "merged_at": "2026-12-01T10:00:00Z", "merge_commit_sha": merge}]),
    );
    let url = s.proxy.base_url();
    let o = s.run(&[
        ("command", "apply"),
        ("paths", "servers"),
        ("proxy-url", &url),
        ("api-key", ADMIN_KEY),
    ]);
    assert!(!o.failed(), "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "0");
    assert_eq!(s.proxy.rows().len(), 1, "applied");
    assert!(o.summary.contains("### mcpform apply"), "{}", o.summary);
    assert!(o.summary.contains("1 applied"), "{}", o.summary);
    let comments = s.ours(8);
    assert_eq!(comments.len(), 1, "{}", o.log);
    assert!(comments[0].body.starts_with("<!-- mcpform:apply:"));
    insta::assert_snapshot!("apply_comment", s.stable(&comments[0].body));
    assert!(s.ours(5).is_empty());
    let summary: serde_json::Value = serde_json::from_str(&o.outputs["summary-json"]).unwrap();
    assert_eq!(summary["summary"]["applied"], 1);
}

#[test]
fn plan_on_a_schedule_writes_the_summary_and_no_comment() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    s.env
        .borrow_mut()
        .insert("GITHUB_EVENT_NAME".into(), "schedule".into());
    std::fs::write(&s.event, "{}").unwrap();
    let o = s.plan(&[]);
    assert_eq!(o.outputs["exit-code"], "2");
    assert!(o.summary.contains("### mcpform plan"));
    assert!(s.github.calls().is_empty(), "{:?}", s.github.calls());
}

#[test]
fn has_changes_is_true_only_when_apply_wrote_something() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    s.push("89abcdef0123456789abcdef0123456789abcdef");
    let url = s.proxy.base_url();
    // A saved plan, applied twice: the second apply finds the server there already.
    let o = s.plan(&[("comment", "false")]);
    assert_eq!(o.outputs["exit-code"], "2", "{}", o.log);
    let plan = o.outputs["plan-json"].clone();
    let apply = || {
        s.run(&[
            ("command", "apply"),
            ("paths", &plan),
            ("proxy-url", &url),
            ("api-key", ADMIN_KEY),
            ("comment", "false"),
        ])
    };
    let first = apply();
    assert!(!first.failed(), "{}", first.log);
    assert_eq!(first.outputs["has-changes"], "true");
    assert_eq!(s.proxy.rows().len(), 1);
    let writes = s.proxy.journal().len();
    let again = apply();
    assert!(!again.failed(), "{}", again.log);
    let report: serde_json::Value = serde_json::from_str(&again.outputs["summary-json"]).unwrap();
    assert_eq!(
        report["summary"],
        json!({"already_applied": 1}),
        "{}",
        again.log
    );
    assert_eq!(
        again.outputs["has-changes"], "false",
        "apply wrote nothing: {}",
        again.log
    );
    assert!(
        s.proxy
            .journal()
            .iter()
            .skip(writes)
            .all(|r| r.method == "GET"),
        "no write the second time"
    );
}

/// What a fork's pull request may not get with the admin key in the environment.
fn assert_refused(s: &Setup, o: &super::runner::Outcome) {
    assert_eq!(o.exit_code, 1, "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "1");
    assert_eq!(o.outputs["has-changes"], "false");
    assert!(
        o.log
            .contains("::error title=mcpform::refused: a pull request from a fork")
            && o.log.contains("allow-fork-with-key"),
        "{}",
        o.log
    );
    assert!(s.proxy.journal().is_empty(), "the proxy is never contacted");
    assert!(o.summary.contains("refused"), "{}", o.summary);
}

#[test]
fn a_forks_pull_request_with_the_admin_key_is_refused_on_pull_request_target() {
    for command in ["plan", "apply"] {
        let s = Setup::new();
        s.write("servers/wiki.yaml", WIKI);
        s.pull_request_target(7, true);
        let url = s.proxy.base_url();
        let o = s.run(&[
            ("command", command),
            ("paths", "servers"),
            ("proxy-url", &url),
            ("api-key", ADMIN_KEY),
        ]);
        assert_refused(&s, &o);
        // pull_request_target's token can write: no notice may say it is read-only.
        assert!(
            !o.log.contains("read-only token"),
            "not true here: {}",
            o.log
        );
        assert!(s.proxy.rows().is_empty(), "{command}: nothing applied");
    }
}

#[test]
fn a_forks_pull_request_with_a_key_from_the_workflows_env_is_refused_too() {
    // `pull_request` in a private repository that sends secrets to forks, or a workflow
    // that sets LITELLM_API_KEY itself: the key is there all the same.
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    s.pull_request(7, true);
    s.env
        .borrow_mut()
        .insert("LITELLM_API_KEY".into(), ADMIN_KEY.into());
    let url = s.proxy.base_url();
    let o = s.run(&[
        ("command", "plan"),
        ("paths", "servers"),
        ("proxy-url", &url),
        ("github-token", READ_ONLY),
    ]);
    assert_refused(&s, &o);
}

#[test]
fn allow_fork_with_key_plans_a_forks_pull_request_with_a_loud_warning_and_the_comment() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    s.pull_request_target(7, true);
    let o = s.plan(&[("allow-fork-with-key", "true")]);
    assert!(!o.failed(), "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "2", "{}", o.log);
    assert_eq!(o.outputs["has-changes"], "true");
    assert!(
        o.log
            .contains("::warning title=mcpform::a pull request from a fork")
            && o.log.contains("allow-fork-with-key"),
        "{}",
        o.log
    );
    // pull_request_target's token can write: the comment is made, and no notice says
    // the token is read-only.
    assert!(!o.log.contains("read-only token"), "{}", o.log);
    assert_eq!(s.ours(7).len(), 1, "{}", o.log);
    assert!(o.outputs["comment-url"].starts_with("http"));
}

#[test]
fn a_forks_pull_request_without_the_key_on_pull_request_target_still_lints() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    s.pull_request_target(7, true);
    let url = s.proxy.base_url();
    let o = s.run(&[
        ("command", "plan"),
        ("paths", "servers"),
        ("proxy-url", &url),
    ]);
    assert!(!o.failed(), "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "0");
    assert!(
        o.log
            .contains("::notice title=mcpform::a pull request from a fork"),
        "{}",
        o.log
    );
    assert!(o.summary.contains("### mcpform lint"), "{}", o.summary);
    assert!(s.proxy.journal().is_empty());
}
