//! The sticky comment: created, then updated (a fixed pull request flips to "no
//! changes"), found on page 2 of 150 comments, one per environment, after secondary
//! rate limits.

use serde_json::json;

use super::{ADMIN_KEY, HEAD_SHA, Setup, WIKI, assert_file};

#[test]
fn a_comment_is_created_with_the_plan_then_updated_to_no_changes_on_rerun() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    let first = s.plan(&[]);
    assert!(!first.failed(), "changes are not a failure:\n{}", first.log);
    assert_eq!(first.outputs["exit-code"], "2");
    assert_eq!(first.outputs["has-changes"], "true");
    assert_eq!(first.outputs["guarded"], "false");
    assert_file(&first.outputs["plan-json"]);
    let summary: serde_json::Value = serde_json::from_str(&first.outputs["summary-json"]).unwrap();
    assert_eq!(summary["summary"]["create"], 1);
    let comments = s.ours(7);
    assert_eq!(comments.len(), 1, "{comments:?}");
    let c = &comments[0];
    assert_eq!(c.login, "github-actions[bot]");
    assert!(first.outputs["comment-url"].ends_with(&format!("#issuecomment-{}", c.id)));
    assert!(
        c.body.contains(&format!("commit `{}`", &HEAD_SHA[..12])),
        "{}",
        c.body
    );
    insta::assert_snapshot!("created_comment", s.stable(&c.body));
    assert!(
        first.summary.contains("### mcpform plan"),
        "{}",
        first.summary
    );
    insta::assert_snapshot!("plan_summary", s.stable(&first.summary));

    // Someone applies the change: the same pull request now plans nothing.
    s.proxy.seed_server(
        json!({"server_id": "wiki", "server_name": "wiki", "transport": "http",
        "url": "https://wiki.example.invalid/mcp", "description": "Team wiki"}),
    );
    let second = s.plan(&[]);
    assert!(!second.failed(), "{}", second.log);
    assert_eq!(second.outputs["exit-code"], "0");
    assert_eq!(second.outputs["has-changes"], "false");
    let again = s.ours(7);
    assert_eq!(again.len(), 1, "updated, not a second comment: {again:?}");
    assert_eq!(again[0].id, c.id);
    assert!(
        again[0]
            .body
            .contains("No changes: the proxy matches the files."),
        "{}",
        again[0].body
    );
    assert!(s.github.calls().iter().any(|k| k.method == "PATCH"));
}

#[test]
fn nothing_to_say_creates_no_comment() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    s.proxy.seed_server(
        json!({"server_id": "wiki", "server_name": "wiki", "transport": "http",
        "url": "https://wiki.example.invalid/mcp", "description": "Team wiki"}),
    );
    let o = s.plan(&[]);
    assert_eq!(o.outputs["exit-code"], "0", "{}", o.log);
    assert!(s.ours(7).is_empty());
    assert_eq!(o.outputs["comment-url"], "");
    assert!(
        o.summary.contains("No changes"),
        "the summary is written all the same"
    );
}

#[test]
fn the_marker_is_found_on_page_two_of_150_comments() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    for i in 0..120 {
        s.github
            .seed_comment(7, "reviewer", "User", &format!("looks good {i}"));
    }
    let first = s.plan(&[]);
    assert!(!first.failed(), "{}", first.log);
    let ours = s.ours(7);
    assert_eq!(ours.len(), 1);
    // 121 comments with ours last; 29 more after it: 150, ours on page 2 of 100 each.
    for i in 0..29 {
        s.github
            .seed_comment(7, "reviewer", "User", &format!("later {i}"));
    }
    assert_eq!(s.github.comments(7).len(), 150);
    let before = s.github.calls().len();
    let second = s.plan(&[]);
    assert!(!second.failed(), "{}", second.log);
    let calls = &s.github.calls()[before..];
    assert!(
        calls
            .iter()
            .any(|c| c.method == "GET" && c.path.contains("page=2")),
        "page 2 was read: {calls:?}"
    );
    assert!(
        calls.iter().all(|c| c.method != "POST"),
        "no second comment: {calls:?}"
    );
    assert_eq!(s.ours(7).len(), 1);
    assert_eq!(s.ours(7)[0].id, ours[0].id);
    assert_eq!(s.github.comments(7).len(), 150);
    assert_eq!(second.outputs["comment-url"], first.outputs["comment-url"]);
}

#[test]
fn comment_false_writes_no_comment() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    let o = s.plan(&[("comment", "false")]);
    assert!(!o.failed(), "{}", o.log);
    assert!(s.ours(7).is_empty());
    assert_eq!(o.outputs["comment-url"], "");
    assert!(
        s.github.calls().is_empty(),
        "no call at all: {:?}",
        s.github.calls()
    );
    assert!(o.summary.contains("### mcpform plan"));
}

#[test]
fn two_environments_keep_two_comments() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    let staging =
        super::support::fake_proxy::FakeProxy::start(super::support::fake_proxy::FakeConfig {
            master_key: ADMIN_KEY.into(),
            ..Default::default()
        });
    let staging_url = staging.base_url();
    for _ in 0..2 {
        assert!(!s.plan(&[]).failed());
        let o = s.run(&[
            ("command", "plan"),
            ("paths", "servers"),
            ("proxy-url", &staging_url),
            ("api-key", ADMIN_KEY),
        ]);
        assert!(!o.failed(), "{}", o.log);
        // The same proxy twice with a comment-key each: two more comments.
        for key in ["blue", "green"] {
            assert!(!s.plan(&[("comment-key", key)]).failed());
        }
    }
    let ours = s.ours(7);
    assert_eq!(
        ours.len(),
        4,
        "one comment per environment, updated on rerun"
    );
    let mut markers: Vec<&str> = ours
        .iter()
        .map(|c| c.body.lines().next().unwrap())
        .collect();
    markers.dedup();
    assert_eq!(markers.len(), 4, "{markers:?}");
}

#[test]
fn secondary_rate_limits_are_waited_out() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    s.github.rate_limit_next(2);
    let o = s.plan(&[]);
    assert!(!o.failed(), "{}", o.log);
    assert!(o.log.contains("GitHub rate limit"), "{}", o.log);
    assert_eq!(s.ours(7).len(), 1, "{}", o.log);
    assert!(!o.log.contains("::warning"), "{}", o.log);
}

#[test]
fn a_comment_key_that_starts_with_a_dash_is_a_key_not_an_option() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    let o = s.plan(&[("comment-key", "-prod")]);
    assert!(!o.failed(), "{}", o.log);
    assert_eq!(s.ours(7).len(), 1, "{}", o.log);
    let plain = s.plan(&[("comment-key", "prod")]);
    assert!(!plain.failed(), "{}", plain.log);
    assert_eq!(s.ours(7).len(), 2, "`-prod` and `prod` are two keys");
}

#[test]
fn another_apps_copy_of_the_marker_is_left_alone_and_ours_is_written() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", WIKI);
    let first = s.plan(&[]);
    assert!(!first.failed(), "{}", first.log);
    // The marker does not depend on the pull request: another app copies this comment
    // onto #8 before mcpform ever comments there.
    let marker = s.ours(7)[0].body.lines().next().unwrap().to_owned();
    let body = format!("{marker}\nan older report of another app");
    let copy = s.github.seed_comment(8, "other-app[bot]", "Bot", &body);
    s.pull_request(8, false);
    let second = s.plan(&[]);
    assert!(!second.failed(), "{}", second.log);
    assert!(
        second
            .log
            .contains("the comment by `other-app[bot]` carries mcpform's marker"),
        "{}",
        second.log
    );
    let ours = s.ours(8);
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert_eq!((ours[0].id, ours[0].body.as_str()), (copy, body.as_str()));
    assert_eq!(ours[1].login, "github-actions[bot]");
    // Next time ours is found and updated: no third comment, no warning.
    let third = s.plan(&[]);
    assert!(!third.failed(), "{}", third.log);
    assert_eq!(s.ours(8).len(), 2);
    assert!(!third.log.contains("other-app"), "{}", third.log);
    assert_eq!(third.outputs["comment-url"], second.outputs["comment-url"]);
}
