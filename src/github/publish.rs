//! One run's GitHub surfaces, in order: the job summary first (so that it is there
//! whatever happens next), the sticky comment, then the step outputs (which include the
//! comment's address).
//!
//! Nothing here changes the command's exit code: a summary that cannot be written, or a
//! comment the token may not make, is a `::warning::` in the log naming what is missing.

use super::api::{Api, ApiError};
use super::comment::{self, Key, Kind};
use super::context::Github;
use super::files;
use crate::escape::{github_data, terminal_line};

/// What a command hands over.
pub(crate) struct Report<'a> {
    /// The comment's key (command, proxy, paths, `--comment-key`).
    pub key: Key,
    /// The report as Markdown under a byte budget.
    pub render: &'a dyn Fn(usize) -> String,
    /// Whether there is something to say: a comment is created only then (one that
    /// exists is always updated, so that a fixed pull request reads "no changes").
    pub worth_a_comment: bool,
    /// The plan digest, for the comment's footer.
    pub digest: Option<String>,
    /// Step outputs besides `comment-url`.
    pub outputs: Vec<(&'static str, String)>,
}

/// Whether to comment at all (`--no-comment` turns it off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Commenting {
    /// Comment where there is a pull request.
    On,
    /// Summary and outputs only.
    Off,
}

/// A `::warning::` workflow command on stdout.
pub(crate) fn warning(message: &str) {
    println!("::warning title=mcpform::{}", github_data(message));
}

/// A `::notice::` workflow command on stdout.
pub(crate) fn notice(message: &str) {
    println!("::notice title=mcpform::{}", github_data(message));
}

/// Writes the summary, the comment and the outputs of one run.
pub(crate) fn publish(gh: &Github, report: Report<'_>, commenting: Commenting) {
    if let Some(problem) = &gh.event.problem {
        warning(problem);
    }
    if let Some(path) = &gh.summary_path {
        match files::summary_budget(path) {
            Some(budget) => {
                let mut markdown = (report.render)(budget);
                if !markdown.ends_with('\n') {
                    markdown.push('\n');
                }
                if let Err(e) = files::append_summary(path, &markdown) {
                    warning(&format!("cannot write the job summary: {e}"));
                }
            }
            None => warning(
                "the job summary is already near GitHub's 1 MiB limit; mcpform's report is left out",
            ),
        }
    }
    let url = match commenting {
        Commenting::On => comment_on_pull_request(gh, &report),
        Commenting::Off => None,
    };
    if let Some(path) = &gh.output_path {
        let mut outputs = report.outputs;
        outputs.push(("comment-url", url.unwrap_or_default()));
        if let Err(e) = files::write_outputs(path, &outputs) {
            warning(&format!("cannot write the step outputs: {e}"));
        }
    }
}

/// Creates or updates the sticky comment; its address, or `None` (with a notice or a
/// warning saying why when it matters).
fn comment_on_pull_request(gh: &Github, report: &Report<'_>) -> Option<String> {
    let push_of_apply = report.key.kind == Kind::Apply && gh.event.name == "push";
    let number = gh.event.pull_request.as_ref().map(|p| p.number);
    if number.is_none() && !push_of_apply {
        return None; // a schedule, a dispatch, a push of lint or plan: no pull request
    }
    // A fork's `pull_request` run has a read-only token. `pull_request_target` runs the
    // base's workflow with a token that can write: there the comment is tried (and a
    // token without `pull-requests: write` gets the usual warning).
    if gh.is_fork_pull_request() && gh.event.name != "pull_request_target" {
        notice(
            "no pull-request comment: a pull request from a fork runs `pull_request` workflows with a read-only token; the report is in the job summary",
        );
        return None;
    }
    let Some(token) = gh.token.clone() else {
        warning(
            "no pull-request comment: GITHUB_TOKEN is not set (the Action's `github-token` input)",
        );
        return None;
    };
    let Some(repository) = gh.repository.as_deref() else {
        warning("no pull-request comment: GITHUB_REPOSITORY is not set");
        return None;
    };
    let api = match Api::new(&gh.api_url, repository, token) {
        Ok(api) => api,
        Err(why) => {
            warning(&format!("no pull-request comment: {why}"));
            return None;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            warning(&format!("no pull-request comment: {e}"));
            return None;
        }
    };
    let result = runtime.block_on(async {
        let number = match number {
            Some(n) => n,
            None => match gh.sha.as_deref() {
                Some(sha) => match api.merged_pull(sha).await? {
                    Some(n) => n,
                    None => return Ok(None),
                },
                None => return Ok(None),
            },
        };
        sticky(&api, gh, report, number).await
    });
    match result {
        Ok(url) => url,
        Err(e) => {
            warning(&explain(&e));
            None
        }
    }
}

/// Finds our comment (every page) and updates it, or creates one when there is
/// something to say.
async fn sticky(
    api: &Api,
    gh: &Github,
    report: &Report<'_>,
    number: u64,
) -> Result<Option<String>, ApiError> {
    let marker = report.key.marker();
    let footer = comment::footer(gh.commit(), report.digest.as_deref());
    let me = api.me().await?;
    let comments = api.comments(number).await?;
    let existing = comment::ours(&comments, &marker, me.as_deref());
    if existing.is_none() && !report.worth_a_comment {
        return Ok(None);
    }
    let body = comment::body(&marker, &footer, report.render);
    let written = match existing {
        Some(c) if c.body == body => c.clone(),
        Some(c) => match api.update(c.id, &body).await {
            // A token that cannot say who it is took a bot's comment for its own, and
            // may not edit it: another app's copy of the marker. Write our own (found
            // first next time, as the workflow bot's or the newest); a token without
            // `pull-requests: write` fails that too, with the usual warning.
            Err(ApiError::Denied { status: 403, .. })
                if me.is_none() && c.login != comment::WORKFLOW_BOT =>
            {
                warning(&format!(
                    "the comment by `{}` carries mcpform's marker, but this token may not edit it (another app's copy?): mcpform writes its own",
                    terminal_line(&c.login)
                ));
                api.create(number, &body).await?
            }
            other => other?,
        },
        None => api.create(number, &body).await?,
    };
    eprintln!(
        "mcpform: pull-request comment {}",
        terminal_line(&written.html_url)
    );
    Ok(Some(written.html_url))
}

/// The warning for a failed comment call: for 401, 403 and 404, the permission the
/// workflow must grant.
fn explain(e: &ApiError) -> String {
    match e {
        ApiError::Denied { status: 401, .. } => format!(
            "no pull-request comment: the GitHub token was refused ({e}); check the Action's `github-token` input"
        ),
        ApiError::Denied { .. } => format!(
            "no pull-request comment: {e}. The workflow's token needs `pull-requests: write` (in the job's `permissions:`); the exit code is unchanged"
        ),
        ApiError::Failed { .. } => format!("no pull-request comment: {e}"),
    }
}
