//! A static check of `action.yml` (and of the release workflow's `uses:`): inputs
//! declared and used, outputs from step ids, bash everywhere, no `${{` inside a
//! `run:`, `uses:` pinned by commit, expressions within the whitelist of `expr`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::expr;
use super::runner::{action, yaml_file};

fn steps(a: &Value) -> &Vec<Value> {
    a["runs"]["steps"].as_array().unwrap()
}

fn raw() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap()
}

#[test]
fn it_is_a_composite_action_with_the_inputs_and_outputs_of_the_issue() {
    let a = action();
    assert_eq!(a["runs"]["using"], "composite");
    let inputs: Vec<&String> = a["inputs"].as_object().unwrap().keys().collect();
    assert_eq!(
        inputs,
        [
            "command",
            "paths",
            "working-directory",
            "proxy-url",
            "api-key",
            "fingerprint-key",
            "github-token",
            "comment",
            "comment-key",
            "fail-on-guard",
            "parallelism",
            "prune",
            "max-deletes",
            "sarif",
            "allow-fork-with-key",
            "mcpform-path"
        ]
    );
    assert_eq!(a["inputs"]["fail-on-guard"]["default"], "true");
    let outputs: Vec<&String> = a["outputs"].as_object().unwrap().keys().collect();
    assert_eq!(
        outputs,
        [
            "exit-code",
            "has-changes",
            "guarded",
            "plan-json",
            "summary-json",
            "comment-url",
            "sarif-file"
        ]
    );
    for (name, spec) in a["inputs"].as_object().unwrap() {
        assert!(
            spec["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name}"
        );
    }
}

#[test]
fn every_input_is_used_and_every_used_input_is_declared() {
    let a = action();
    let declared: BTreeSet<String> = a["inputs"].as_object().unwrap().keys().cloned().collect();
    let mut used = BTreeSet::new();
    for e in expr::expressions(&raw()) {
        for name in expr::names(&e).unwrap() {
            if let Some(input) = name.strip_prefix("inputs.") {
                used.insert(input.to_owned());
            }
        }
    }
    assert_eq!(declared, used);
}

#[test]
fn outputs_come_from_step_ids() {
    let a = action();
    let ids: BTreeSet<&str> = steps(&a).iter().filter_map(|s| s["id"].as_str()).collect();
    for (name, spec) in a["outputs"].as_object().unwrap() {
        let value = spec["value"].as_str().unwrap();
        let inner = value
            .trim()
            .strip_prefix("${{")
            .and_then(|v| v.strip_suffix("}}"))
            .unwrap()
            .trim();
        let parts: Vec<&str> = inner.split('.').collect();
        assert!(
            parts.len() == 4
                && parts[0] == "steps"
                && parts[2] == "outputs"
                && ids.contains(parts[1]),
            "output {name}: {value}"
        );
    }
}

#[test]
fn run_steps_use_bash_and_no_expression_inside_run() {
    let a = action();
    for step in steps(&a) {
        if let Some(run) = step.get("run").and_then(Value::as_str) {
            assert_eq!(step["shell"], "bash", "{step}");
            assert!(!run.contains("${{"), "an expression inside run: {run}");
            // The script it runs exists, is executable and is bash.
            let script = run
                .trim()
                .strip_prefix("bash \"$GITHUB_ACTION_PATH/")
                .and_then(|r| r.strip_suffix('"'))
                .unwrap();
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.starts_with("#!/usr/bin/env bash\n"), "{script}");
            assert!(text.contains("set -euo pipefail"), "{script}");
        }
    }
}

/// `owner/repo[/path]@<40 hex>` followed on its line by a `# vX` comment.
fn assert_pinned(text: &str, what: &str) -> usize {
    let mut count = 0;
    for line in text.lines() {
        let Some(rest) = line
            .trim_start()
            .trim_start_matches("- ")
            .strip_prefix("uses:")
        else {
            continue;
        };
        count += 1;
        let (target, comment) = rest.split_once('#').unwrap_or((rest, ""));
        let (_, reference) = target
            .trim()
            .split_once('@')
            .unwrap_or_else(|| panic!("{what}: {line}"));
        assert!(
            reference.len() == 40
                && reference
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{what}: not pinned by a commit: {line}"
        );
        assert!(
            comment.trim().starts_with('v'),
            "{what}: say the version: {line}"
        );
    }
    count
}

#[test]
fn uses_are_pinned_by_commit() {
    assert_eq!(assert_pinned(&raw(), "action.yml"), 2);
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml");
    let text = std::fs::read_to_string(&release).unwrap();
    assert!(assert_pinned(&text, "release.yml") >= 3);
}

#[test]
fn expressions_stay_within_the_whitelist() {
    let a = action();
    let text = raw();
    let all = expr::expressions(&text);
    assert!(all.len() > 20, "{all:?}");
    for e in &all {
        expr::names(e).unwrap_or_else(|why| panic!("`{e}`: {why}"));
    }
    for step in steps(&a) {
        if let Some(cond) = step.get("if").and_then(Value::as_str) {
            expr::names(cond).unwrap_or_else(|why| panic!("if `{cond}`: {why}"));
            assert!(
                !cond.contains("${{"),
                "write `if:` without ${{{{ }}}}: {cond}"
            );
        }
    }
}

#[test]
fn the_release_workflow_has_least_permissions_and_publishes_checksums() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml");
    let w = yaml_file(&path);
    assert_eq!(
        w["permissions"],
        serde_json::json!({}),
        "no permission by default"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("pull_request_target"));
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(text.contains(target), "{target}");
    }
    assert!(text.contains("SHA256SUMS") && text.contains("SOURCE_COMMIT"));
    for (name, job) in w["jobs"].as_object().unwrap() {
        let perms = &job["permissions"];
        assert!(perms.is_object(), "job {name} says its permissions");
        for (scope, level) in perms.as_object().unwrap() {
            assert!(
                level == "read" || (name == "publish" && scope == "contents" && level == "write"),
                "job {name}: {scope}: {level}"
            );
        }
    }
}
