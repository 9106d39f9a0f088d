//! The README's example workflow is complete and agrees with `action.yml`: the keys of
//! every `with:` of the Action are inputs, the commands exist, and it has what the
//! README and `docs/guides/github-actions.md` promise (permissions, concurrency per pull
//! request and per proxy, apply behind an environment, the scheduled drift check, no
//! `pull_request_target`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::runner::{action, yaml_text};

/// The line before the workflow's fenced block; `.ci/lint-action.sh` looks for it too.
pub(crate) const MARKER: &str = "<!-- workflow: .github/workflows/mcpform.yml -->";

/// The README's workflow, as text.
pub(crate) fn workflow_text() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let at = readme
        .find(MARKER)
        .expect("the README has the workflow marker");
    let rest = &readme[at + MARKER.len()..];
    let start = rest
        .find("```yaml\n")
        .expect("a yaml block after the marker")
        + 8;
    let end = rest[start..].find("\n```").unwrap();
    rest[start..start + end + 1].to_owned()
}

fn mcpform_steps(w: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (job, spec) in w["jobs"].as_object().unwrap() {
        for step in spec["steps"].as_array().unwrap() {
            if step["uses"]
                .as_str()
                .is_some_and(|u| u.contains("/mcpform@"))
            {
                out.push((job.clone(), step.clone()));
            }
        }
    }
    out
}

#[test]
fn every_with_key_of_the_readme_workflow_is_an_input_of_the_action() {
    let w = yaml_text(&workflow_text());
    let inputs: BTreeSet<String> = action()["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let steps = mcpform_steps(&w);
    assert!(steps.len() >= 4, "lint, plan, apply and drift: {steps:?}");
    let mut commands = BTreeSet::new();
    for (job, step) in &steps {
        for key in step["with"].as_object().unwrap().keys() {
            assert!(
                inputs.contains(key),
                "job {job}: `{key}` is not an input of action.yml"
            );
        }
        commands.insert(
            step["with"]["command"]
                .as_str()
                .unwrap_or("plan")
                .to_owned(),
        );
    }
    assert_eq!(
        commands,
        BTreeSet::from(["lint".into(), "plan".into(), "apply".into()])
    );
}

#[test]
fn the_readme_workflow_has_what_the_readme_promises() {
    let text = workflow_text();
    let w = yaml_text(&text);
    assert!(!text.contains("pull_request_target"));
    let on = w["on"].as_object().unwrap();
    for event in ["pull_request", "push", "schedule"] {
        assert!(on.contains_key(event), "on: {event}");
    }
    assert_eq!(
        w["permissions"],
        serde_json::json!({}),
        "nothing by default"
    );
    let jobs = w["jobs"].as_object().unwrap();
    for (name, job) in jobs {
        assert!(
            job["permissions"].is_object(),
            "job {name} says its permissions"
        );
    }
    let plan = &jobs["plan"];
    assert_eq!(plan["permissions"]["pull-requests"], "write");
    assert!(
        plan["concurrency"]["group"]
            .as_str()
            .unwrap()
            .contains("github.event.pull_request.number")
    );
    let apply = &jobs["apply"];
    assert!(apply["environment"].is_string() || apply["environment"].is_object());
    assert!(
        apply["concurrency"]["group"]
            .as_str()
            .unwrap()
            .contains("proxy")
    );
    assert_eq!(apply["concurrency"]["cancel-in-progress"], "false");
    // Secrets only where the proxy is contacted; the lint job has none.
    assert!(
        !serde_json::to_string(&jobs["lint"])
            .unwrap()
            .contains("secrets.")
    );
    assert!(text.contains("schedule:") && jobs.contains_key("drift"));
}

#[test]
fn the_guide_names_the_toolchain_the_action_builds_with() {
    let guide = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/guides/github-actions.md"
    ))
    .unwrap();
    let pinned = super::install::pinned_toolchain();
    assert!(
        guide.contains(&format!("a pinned toolchain, Rust {pinned}")),
        "docs/guides/github-actions.md: Rust {pinned}"
    );
}
