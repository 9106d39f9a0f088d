//! Sizes, exit codes and outputs: a huge plan within both limits, guarded changes with
//! and without `fail-on-guard`, outputs holding delimiter-like text, SARIF.

use serde_json::json;

use super::runner::parse_outputs;
use super::support::fake_proxy::CredentialKind;
use super::{Setup, assert_file};

/// GitHub's limit for a comment, in characters.
const COMMENT_LIMIT: usize = 65_536;
/// GitHub's limit for one step's summary, in bytes.
const SUMMARY_LIMIT: usize = 1024 * 1024;

#[test]
fn a_huge_plan_fits_both_limits_and_the_plan_file_has_everything() {
    let s = Setup::new();
    let mut file = String::from("version: 1\nservers:\n");
    for i in 0..1500 {
        file.push_str(&format!(
            "  - server_name: server_{i:04}\n    transport: http\n    url: https://s{i}.example.invalid/mcp\n    description: \"{}\"\n",
            "a long description that makes every detail block bigger ".repeat(20)
        ));
    }
    s.write("servers/many.yaml", &file);
    let o = s.plan(&[]);
    assert!(!o.failed(), "{}", &o.log[..o.log.len().min(2000)]);
    assert_eq!(o.outputs["exit-code"], "2");
    let comment = s.ours(7).remove(0);
    let chars = comment.body.chars().count();
    assert!(chars <= COMMENT_LIMIT, "{chars}");
    assert!(chars > COMMENT_LIMIT / 2, "the room is used: {chars}");
    assert!(
        comment.body.contains("Plan: 1500 to create"),
        "the summary is never cut"
    );
    assert!(
        comment.body.contains("left out"),
        "and it says what it left out"
    );
    assert!(comment.body.ends_with("</sub>\n"), "the footer is there");
    assert!(o.summary.len() <= SUMMARY_LIMIT, "{}", o.summary.len());
    assert!(
        o.summary.len() > comment.body.len(),
        "the summary has its own, larger budget"
    );
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&o.outputs["plan-json"]).unwrap()).unwrap();
    assert_eq!(plan["actions"].as_array().unwrap().len(), 1500);
    assert!(o.outputs["summary-json"].len() < 1000);
}

fn guarded(s: &Setup) {
    s.proxy.seed_server(
        json!({"server_id": "gh", "server_name": "github", "transport": "http",
        "url": "https://gh.example.invalid/mcp", "auth_type": "bearer_token", "is_byok": true}),
    );
    s.proxy
        .store_user_credential("gh", "alice", CredentialKind::Byok);
    s.write(
        "servers/gh.yaml",
        "version: 1\nservers:\n  - server_name: github\n    server_id: gh\n    transport: http\n    url: https://gh.example.invalid/mcp\n    auth_type: bearer_token\n    is_byok: false\n",
    );
}

#[test]
fn a_guarded_change_fails_the_step_after_the_outputs_are_written() {
    let s = Setup::new();
    guarded(&s);
    let o = s.plan(&[]);
    assert_eq!(o.exit_code, 3, "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "3");
    assert_eq!(o.outputs["guarded"], "true");
    assert_eq!(o.outputs["has-changes"], "true");
    assert!(
        o.log
            .contains("::error file=servers/gh.yaml,line=3,title=mcpform::github: turns BYOK off"),
        "{}",
        o.log
    );
    assert!(o.log.contains("set fail-on-guard: false"), "{}", o.log);
    let c = s.ours(7).remove(0);
    assert!(c.body.contains("[!CAUTION]"), "{}", c.body);
}

#[test]
fn fail_on_guard_false_lets_a_guarded_plan_pass_with_a_warning() {
    let s = Setup::new();
    guarded(&s);
    let o = s.plan(&[("fail-on-guard", "false")]);
    assert!(!o.failed(), "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "3");
    assert_eq!(o.outputs["guarded"], "true");
    assert!(
        o.log
            .contains("::warning title=mcpform::guarded changes (fail-on-guard is false)")
    );
}

#[test]
fn errors_fail_the_step_after_the_outputs_and_the_summary() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", super::WIKI);
    let o = s.run(&[
        ("command", "plan"),
        ("paths", "servers"),
        ("proxy-url", "http://127.0.0.1:9"),
        ("api-key", super::ADMIN_KEY),
    ]);
    assert_eq!(o.exit_code, 1, "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "1");
    assert!(o.summary.contains("mcpform stopped"), "{}", o.summary);
}

#[test]
fn outputs_holding_delimiter_like_text_read_back_exactly() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", super::WIKI);
    // A runner temp directory whose name holds a line break, a would-be delimiter and a
    // would-be output: plan-json and sarif-file carry it.
    let nasty = s.temp.path().join("x\nghadelimiter_0\nguarded=true\nEOF");
    std::fs::create_dir_all(&nasty).unwrap();
    s.env
        .borrow_mut()
        .insert("RUNNER_TEMP".into(), nasty.display().to_string());
    let o = s.plan(&[("sarif", "true")]);
    assert!(!o.failed(), "{}", o.log);
    assert_eq!(o.outputs["guarded"], "false", "not overridden");
    assert!(o.outputs["plan-json"].starts_with(&nasty.display().to_string()));
    assert_file(&o.outputs["plan-json"]);
    assert_file(&o.outputs["sarif-file"]);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&o.outputs["sarif-file"]).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    // Every output was written in the multi-line form with its own delimiter.
    let raw = parse_outputs(&o.output_files);
    assert!(
        raw.keys().all(|k| !k.contains('\n') && k != "EOF"),
        "{raw:?}"
    );
}
