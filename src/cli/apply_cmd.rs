//! `mcpform apply`: plan (or read a saved plan), show it, ask, apply, report.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::apply_progress::progress;
use super::error::CliError;
use super::github_args::GithubArgs;
use super::output::{Kind, check_target, write_file, write_stdout};
use super::plan_cmd::{
    connect, document, plan_live, prepare, resolve_or_report, runtime, shown_proxy, stopped_message,
};
use super::proxy_args::ProxyArgs;
use crate::apply::{
    ApplyOptions, ApplyReport, Cancel, Outcome, ReportMeta, Session, apply, render_report,
};
use crate::client::Client;
use crate::escape::terminal_line;
use crate::gather::{Access, Gathered};
use crate::live::Facts;
use crate::model::support::ProxyVersion;
use crate::plan::document::now_rfc3339;
use crate::plan::{ActionKind, Plan, PlanDocument, PlanOptions, plan};
use crate::render::render_human;
use crate::resolve::ResolvedServer;
use crate::secret::FingerprintKey;

/// `apply` arguments.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Files or directories to plan and apply, or one saved plan (`--out` of `plan`).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// How to reach the proxy.
    #[command(flatten)]
    pub proxy: ProxyArgs,

    /// Apply without asking (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,

    /// Writes in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallelism: u16,

    /// Delete servers mcpform created that no file declares (a saved plan made with
    /// `--prune` needs it again).
    #[arg(long)]
    pub prune: bool,

    /// Refuse before any write when the plan deletes more servers than this.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_deletes: usize,

    /// Apply what still holds when the proxy moved since the plan, instead of refusing.
    #[arg(long)]
    pub skip_stale: bool,

    /// Output format of the result.
    #[arg(long, value_enum, default_value_t = ApplyFormat::Human)]
    pub format: ApplyFormat,

    /// Also write the JSON report to this file (even when apply fails).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Let `--report` replace an existing file that is not an apply report. A file the
    /// command reads (the saved plan, a YAML file) is never replaced.
    #[arg(long)]
    pub force: bool,

    /// Progress: a bar on a terminal, a line per server in CI logs.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,

    /// GitHub Actions.
    #[command(flatten)]
    pub github: GithubArgs,
}

/// `apply --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApplyFormat {
    /// A closing table and a summary line.
    Human,
    /// The versioned apply report.
    Json,
}

/// `apply --progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal, lines elsewhere and in CI.
    Auto,
    /// A progress bar.
    Bar,
    /// A line per server as it finishes.
    Lines,
    /// Nothing until the end.
    None,
}

/// The plan to apply and what apply needs from the files, when it has them.
struct Source {
    doc: PlanDocument,
    desired: Option<Vec<ResolvedServer>>,
}

/// `--github`'s context and settings, when given.
type GithubRun<'a> = Option<(&'a crate::github::Github, &'a crate::github::Settings)>;

pub(super) fn run(args: &ApplyArgs, color: bool) -> Result<u8, CliError> {
    let github = args.github.context(&args.paths);
    let github = github.as_ref().map(|(g, s)| (g, s));
    if let Some((gh, settings)) = github {
        let env_of = |name: &str| std::env::var(name).ok();
        if crate::github::fork_with_key(
            gh,
            settings,
            crate::github::Kind::Apply,
            shown_proxy(&args.proxy, &env_of).as_deref(),
            &args.proxy.api_key_env,
            args.github.allow_fork_with_key,
        ) {
            return Ok(super::exit::ERROR);
        }
    }
    let result = apply_run(args, color, github);
    if let (Err(e), Some((gh, settings))) = (&result, github) {
        let env_of = |name: &str| std::env::var(name).ok();
        crate::github::stopped(
            gh,
            settings,
            crate::github::Kind::Apply,
            shown_proxy(&args.proxy, &env_of).as_deref(),
            &stopped_message(e, "applied"),
            "CAUTION",
        );
    }
    result
}

fn apply_run(args: &ApplyArgs, color: bool, github: GithubRun<'_>) -> Result<u8, CliError> {
    let env_of = |name: &str| std::env::var(name).ok();
    let started_at = now_rfc3339();
    let saved = saved_plan(&args.paths)?;
    if let Some(report) = &args.report {
        let mut inputs = crate::load::input_files(&args.paths);
        inputs.extend(saved.as_ref().map(|(path, _)| path.to_path_buf()));
        check_target(report, "--report", Kind::Report, &inputs, args.force)?;
    }
    let (client, key) = connect(&args.proxy, &env_of)?;
    let rt = runtime()?;
    let source = match saved {
        Some((path, text)) => from_saved(path, &text, args, &client, &key)?,
        None => from_files(args, &client, &key, color, &rt, github.is_some())?,
    };
    let doc = &source.doc;
    if !doc.has_changes {
        eprintln!("No changes: the proxy matches the files; nothing to apply.");
        if let Some((gh, settings)) = github {
            crate::github::stopped(
                gh,
                settings,
                crate::github::Kind::Apply,
                Some(&doc.proxy.url),
                "No changes: the proxy matches the files; nothing to apply.",
                "NOTE",
            );
        }
        if !doc.errors.is_empty() {
            return Ok(super::exit::ERROR);
        }
        // Nothing to write, but `--format json` and `--report` still get their report.
        let nothing = Outcome {
            refused: None,
            results: Vec::new(),
            verification: Default::default(),
            interrupted: false,
            next: Default::default(),
            durations_ms: Default::default(),
        };
        let meta = ReportMeta {
            proxy_url: doc.proxy.url.clone(),
            plan_digest: doc.plan_digest.clone(),
            started_at,
            finished_at: now_rfc3339(),
        };
        return finish(args, &nothing, meta);
    }
    let options = PlanOptions { prune: args.prune };
    let key_ref = &key;
    // The re-plan after the writes judges by the same version as the plan did.
    let version = doc.proxy.version.as_deref().and_then(ProxyVersion::parse);
    let replan = source.desired.as_ref().map(|desired| {
        move |g: &Gathered| -> Plan {
            let facts = Facts {
                version,
                ..g.facts.clone()
            };
            plan(desired, &g.live, &facts, options, key_ref)
        }
    });
    let observer = progress(args.progress, doc.actions.len());
    let cancel = Cancel::default();
    let env_sync = |name: &str| std::env::var(name).ok();
    let session = Session {
        client: &client,
        doc,
        env: &env_sync,
        key: &key,
        replan: replan
            .as_ref()
            .map(|r| r as &(dyn Fn(&Gathered) -> Plan + Sync)),
        options: ApplyOptions {
            parallelism: usize::from(args.parallelism),
            max_deletes: args.max_deletes,
            skip_stale: args.skip_stale,
            // Each request has --timeout for all its attempts; an action may make a few
            // (a write, a read-back, a second write).
            action_budget: (args.proxy.timeout * 4)
                .clamp(Duration::from_secs(30), Duration::from_secs(3600)),
            ..ApplyOptions::default()
        },
        observer: &*observer,
        cancel: &cancel,
    };
    let outcome = rt.block_on(async {
        listen_for_interrupts(cancel.clone());
        apply(&session).await
    });
    observer.done();
    let meta = ReportMeta {
        proxy_url: doc.proxy.url.clone(),
        plan_digest: doc.plan_digest.clone(),
        started_at,
        finished_at: now_rfc3339(),
    };
    if let Some((gh, settings)) = github {
        crate::github::apply(gh, settings, &outcome, &meta);
    }
    finish(args, &outcome, meta)
}

/// The path and text of a saved plan, when the only argument is one. A `.json` file is
/// a saved plan only if it looks like one: lint and plan read `.json` server files too
/// (JSON is YAML), so one of those is applied as files.
fn saved_plan(paths: &[PathBuf]) -> Result<Option<(&Path, String)>, CliError> {
    let [p] = paths else {
        return Ok(None);
    };
    if p.extension().is_none_or(|e| e != "json") || !p.is_file() {
        return Ok(None);
    }
    let shown = terminal_line(&p.display().to_string()).into_owned();
    let text = std::fs::read_to_string(p)
        .map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?;
    let Ok(serde_json::Value::Object(top)) = serde_json::from_str(&text) else {
        // Not a JSON object: no plan mcpform wrote. As a server file, lint says what is
        // wrong with it, where.
        return Ok(None);
    };
    let plan = top.contains_key("format_version") || top.contains_key("plan_digest");
    let servers = top.contains_key("servers") || top.contains_key("version");
    match (plan, servers) {
        (true, false) => Ok(Some((p, text))),
        (false, true) => Ok(None),
        (true, true) => Err(CliError::Usage(format!(
            "{shown} has both a plan's `format_version`/`plan_digest` and a server file's `servers`/`version`: apply cannot tell whether it is a saved plan or a server file"
        ))),
        (false, false) => Err(CliError::Usage(format!(
            "{shown} is neither a saved plan (`mcpform plan --out`, with `format_version`) nor a server file (with `version` and `servers`)"
        ))),
    }
}

fn from_saved(
    path: &Path,
    text: &str,
    args: &ApplyArgs,
    client: &Client,
    key: &FingerprintKey,
) -> Result<Source, CliError> {
    let doc = PlanDocument::from_json(text, key)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let deletes = doc.actions.iter().any(|a| a.action == ActionKind::Delete);
    if args.prune && !doc.options.prune {
        return Err(CliError::Usage(
            "--prune was given, but the plan was made without it; plan again with --prune".into(),
        ));
    }
    if deletes && !args.prune {
        return Err(CliError::Usage(
            "the plan deletes servers: pass --prune again to apply it".into(),
        ));
    }
    if doc.proxy.url != client.shown_base() {
        return Err(CliError::Usage(format!(
            "the plan was made against {}, not {}",
            terminal_line(&doc.proxy.url),
            terminal_line(&client.shown_base())
        )));
    }
    eprintln!(
        "Applying the saved plan {} (made {} against {}).",
        doc.plan_digest,
        terminal_line(&doc.created_at),
        terminal_line(&doc.proxy.url)
    );
    Ok(Source { doc, desired: None })
}

fn from_files(
    args: &ApplyArgs,
    client: &Client,
    key: &FingerprintKey,
    color: bool,
    rt: &tokio::runtime::Runtime,
    annotate: bool,
) -> Result<Source, CliError> {
    let env_of = |name: &str| std::env::var(name).ok();
    let session = prepare(&args.paths, color, &args.proxy.api_key_env, annotate)?;
    let desired = resolve_or_report(&session, &env_of, key, color)?;
    let options = PlanOptions { prune: args.prune };
    let live = rt.block_on(plan_live(client, &desired, options, key, Access::Write))?;
    let doc = document(&session, client, live, options, desired.len(), key);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(render_human(&doc, color).as_bytes());
    if !doc.errors.is_empty() {
        return Err(CliError::Usage(
            "the plan has errors (see above); nothing was applied".into(),
        ));
    }
    if doc.has_changes && !args.auto_approve {
        confirm(&doc)?;
    }
    Ok(Source {
        doc,
        desired: Some(desired),
    })
}

/// Asks for exactly `yes` on a terminal; refuses elsewhere without `--auto-approve`.
fn confirm(doc: &PlanDocument) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "not on a terminal, so apply cannot ask: review the plan and pass --auto-approve, or apply a saved plan (`mcpform plan --out plan.json`, then `mcpform apply plan.json`)".into(),
        ));
    }
    eprint!(
        "\nApply this plan (digest {}) to {}?\nOnly `yes` is accepted: ",
        doc.plan_digest,
        terminal_line(&doc.proxy.url)
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::Usage(format!("cannot read the answer: {e}")))?;
    if answer.trim_end_matches(['\n', '\r']) == "yes" {
        Ok(())
    } else {
        Err(CliError::Usage(
            "apply cancelled; nothing was written".into(),
        ))
    }
}

fn finish(args: &ApplyArgs, outcome: &Outcome, meta: ReportMeta) -> Result<u8, CliError> {
    let report = ApplyReport::new(outcome, meta);
    let json = report.to_json()?;
    // The report file first: it must exist even when stdout is gone.
    if let Some(path) = &args.report {
        write_file(path, &json)?;
    }
    match args.format {
        ApplyFormat::Human => write_stdout(&render_report(outcome))?,
        ApplyFormat::Json => write_stdout(&json)?,
    }
    Ok(outcome.exit_code())
}

/// The first SIGINT/SIGTERM stops new writes; the second exits at once.
fn listen_for_interrupts(cancel: Cancel) {
    tokio::spawn(async move {
        let mut seen = 0;
        loop {
            if !interrupt().await {
                return;
            }
            seen += 1;
            if seen == 1 {
                cancel.cancel();
                eprintln!(
                    "\ninterrupted: no new writes start; waiting for the writes in flight, then verifying (interrupt again to exit at once)"
                );
            } else {
                // Writes in flight may be half done; a rerun resumes from what the proxy
                // holds (a saved plan accepts its own first writes), or refuses as stale.
                eprintln!(
                    "\ninterrupted again: exiting now (exit 130); writes in flight may be half done and the report may be missing. A rerun of the same command resumes from what the proxy holds; should it refuse the plan as stale, plan again from the files."
                );
                std::process::exit(super::exit::INTERRUPTED.into());
            }
        }
    });
}

/// Waits for SIGINT or SIGTERM; `false` when signals cannot be watched.
async fn interrupt() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return false;
        };
        tokio::select! {
            _ = int.recv() => true,
            _ = term.recv() => true,
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}
