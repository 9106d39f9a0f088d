//! github: what `--github` adds to lint, plan and apply in GitHub Actions, in one run:
//! annotations (workflow commands; lint's are `crate::report`'s `github` format), the
//! job summary, step outputs and one sticky pull-request comment per environment.
//!
//! `context` reads what the runner provides, `files` writes `GITHUB_OUTPUT` and
//! `GITHUB_STEP_SUMMARY`, `comment` makes the marker and body, `api` is the REST client,
//! `markdown` renders lint and apply reports, `publish` puts them in order. The
//! functions below are what the commands call; none changes an exit code.

mod api;
mod comment;
mod context;
mod files;
mod markdown;
mod publish;

use std::path::{Path, PathBuf};

use serde_json::json;

pub(crate) use comment::Kind;
pub(crate) use context::Github;
pub(crate) use publish::{Commenting, notice};

use crate::apply::{ApplyReport, Outcome, ReportMeta};
use crate::diagnostic::{Diagnostic, Tally};
use crate::escape::{github_data, github_property, terminal_line};
use crate::plan::PlanDocument;
use crate::render::render_markdown_with_limit;
use crate::source::Sources;
use comment::Key;
use publish::{Report, publish};

/// The `--github` settings of one command.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Whether to comment on the pull request.
    pub commenting: Commenting,
    /// `--comment-key`.
    pub comment_key: Option<String>,
    /// The paths as given.
    pub paths: Vec<PathBuf>,
}

impl Settings {
    fn key(&self, kind: Kind, proxy: Option<&str>) -> Key {
        Key {
            kind,
            proxy: proxy.map(str::to_owned),
            paths: self.paths.clone(),
            extra: self.comment_key.clone(),
        }
    }
}

/// Lint's summary, comment and outputs.
pub(crate) fn lint(gh: &Github, s: &Settings, sources: &Sources, diagnostics: &[Diagnostic]) {
    let tally = Tally::of(diagnostics);
    let summary = json!({
        "command": "lint", "files": sources.len(), "errors": tally.errors,
        "warnings": tally.warnings, "notes": tally.notes,
    });
    let render = |limit: usize| markdown::lint(sources, diagnostics, limit);
    publish(
        gh,
        Report {
            key: s.key(Kind::Lint, None),
            render: &render,
            worth_a_comment: !diagnostics.is_empty(),
            digest: None,
            outputs: vec![
                ("has-changes", "false".into()),
                ("guarded", "false".into()),
                ("summary-json", summary.to_string()),
            ],
        },
        s.commenting,
    );
}

/// Plan's annotations (guarded changes at their declaration), summary, comment and
/// outputs; `plan_json` is where `--out` saved the document.
pub(crate) fn plan(gh: &Github, s: &Settings, doc: &PlanDocument, plan_json: Option<&Path>) {
    for a in doc.actions.iter().filter(|a| a.is_blocked()) {
        let sentence = a
            .guard
            .as_ref()
            .map(crate::render::guard_sentence)
            .unwrap_or_default();
        annotate(
            "error",
            a.source.as_deref(),
            &format!("{}: {sentence}", a.server_name),
        );
    }
    let summary = json!({
        "command": "plan", "summary": doc.summary, "has_changes": doc.has_changes,
        "guarded": doc.guarded, "errors": doc.errors.len(), "plan_digest": doc.plan_digest,
    });
    let render = |limit: usize| render_markdown_with_limit(doc, limit);
    publish(
        gh,
        Report {
            key: s.key(Kind::Plan, Some(&doc.proxy.url)),
            render: &render,
            worth_a_comment: doc.has_changes || !doc.errors.is_empty(),
            digest: doc.has_changes.then(|| doc.plan_digest.clone()),
            outputs: vec![
                ("has-changes", doc.has_changes.to_string()),
                ("guarded", doc.guarded.to_string()),
                ("summary-json", summary.to_string()),
                (
                    "plan-json",
                    plan_json
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                ),
            ],
        },
        s.commenting,
    );
}

/// Apply's summary, comment (on `push`, on the pull request the commit merged) and
/// outputs.
pub(crate) fn apply(gh: &Github, s: &Settings, outcome: &Outcome, meta: &ReportMeta) {
    let report = ApplyReport::new(outcome, meta.clone());
    let summary = json!({
        "command": "apply", "exit_code": report.exit_code, "summary": report.summary,
        "refused": report.refused, "plan_digest": report.meta.plan_digest,
    });
    let guarded = report
        .summary
        .keys()
        .any(|s| matches!(s, crate::apply::Status::SkippedGuard));
    let render = |limit: usize| markdown::apply(outcome, meta, limit);
    publish(
        gh,
        Report {
            key: s.key(Kind::Apply, Some(&meta.proxy_url)),
            render: &render,
            worth_a_comment: true,
            digest: Some(meta.plan_digest.clone()),
            outputs: vec![
                ("has-changes", outcome.wrote().to_string()),
                ("guarded", guarded.to_string()),
                ("summary-json", summary.to_string()),
            ],
        },
        s.commenting,
    );
}

/// A command that stopped before its result: the summary and the comment say so (an
/// existing comment must not keep showing an older plan as current).
pub(crate) fn stopped(
    gh: &Github,
    s: &Settings,
    kind: Kind,
    proxy: Option<&str>,
    message: &str,
    severity: &str,
) {
    let render = |_: usize| markdown::note(kind.as_str(), severity, message);
    let summary = json!({ "command": kind.as_str(), "stopped": message });
    publish(
        gh,
        Report {
            key: s.key(kind, proxy),
            render: &render,
            worth_a_comment: severity == "CAUTION",
            digest: None,
            outputs: vec![
                ("has-changes", "false".into()),
                ("guarded", "false".into()),
                ("summary-json", summary.to_string()),
            ],
        },
        s.commenting,
    );
}

/// A pull request from a fork with the admin key in the environment. A fork's
/// `pull_request` run gets no secrets, so the key is there because of
/// `pull_request_target` (the base's workflow, its secrets and a token that can write)
/// or a workflow that hands secrets to forks: the pull request's author wrote the files
/// mcpform would read with the key at hand. Refused (`true`: the command exits 1; the
/// error, the summary and the comment say why) unless the workflow says it was reviewed
/// (`allowed`), then a warning and `false`: go on.
pub(crate) fn fork_with_key(
    gh: &Github,
    s: &Settings,
    kind: Kind,
    proxy: Option<&str>,
    key_var: &str,
    allowed: bool,
) -> bool {
    let key_set = std::env::var_os(key_var).is_some_and(|v| !v.is_empty());
    if !gh.is_fork_pull_request() || !key_set {
        return false;
    }
    let event = if gh.event.name.is_empty() {
        "unknown".to_owned()
    } else {
        gh.event.name.clone()
    };
    let what = kind.as_str();
    if allowed {
        publish::warning(&format!(
            "a pull request from a fork, with the admin key in the environment ({key_var}; event `{}`): mcpform will {what} it because allow-fork-with-key is set. The pull request's files are read with the key at hand: a maintainer must have reviewed them before this run",
            terminal_line(&event)
        ));
        return false;
    }
    println!(
        "::error title=mcpform::{}",
        github_data(&format!(
            "refused: a pull request from a fork, with the admin key in the environment ({key_var}; event `{}`). A fork's `pull_request` run gets no secrets, so this is `pull_request_target` or a workflow that hands secrets to forks: the pull request's author wrote the files mcpform would read with the key at hand, and any code of theirs that ran in this job could read it too. Nothing was sent to the proxy. Run {what} for forks without the key (mcpform then lints), or, where a maintainer reviews every pull request before this step runs (an environment with required reviewers), set the Action's input allow-fork-with-key: true (--allow-fork-with-key)",
            terminal_line(&event)
        ))
    );
    stopped(
        gh,
        s,
        kind,
        proxy,
        &format!(
            "mcpform refused to {what} a pull request from a fork with the admin key in the environment (see the job log): nothing was sent to the proxy."
        ),
        "CAUTION",
    );
    true
}

/// A workflow command at a `file:line` (a plan action's `source`), or without a place.
fn annotate(command: &str, source: Option<&str>, message: &str) {
    let place = source
        .and_then(|s| s.rsplit_once(':'))
        .filter(|(_, line)| line.parse::<u32>().is_ok())
        .map(|(file, line)| format!(" file={},line={line},", github_property(file)))
        .unwrap_or_else(|| " ".into());
    println!(
        "::{command}{place}title=mcpform::{}",
        github_data(&crate::escape::terminal_line(message))
    );
}
