//! `mcpform plan`: lint, resolve secrets, gather the proxy's facts, plan, render.

use std::path::PathBuf;

use clap::Args;

use super::error::CliError;
use super::exit;
use super::github_args::GithubArgs;
use super::lint_cmd::lint_paths;
use super::output::{Kind, check_target, write_file, write_stdout};
use super::proxy_args::ProxyArgs;
use crate::client::{Client, ProxyUrl};
use crate::diagnostic::Diagnostic;
use crate::env;
use crate::gather::{Access, Admitted, GatherError, Gathered, admit, gather};
use crate::lint::Linted;
use crate::live::Facts;
use crate::load::Loaded;
use crate::model::support::ProxyVersion;
use crate::model::{Locate, Origin};
use crate::plan::document::{ProxyInfo, now_rfc3339};
use crate::plan::{Notice, Plan, PlanDocument, PlanMeta, PlanOptions, plan};
use crate::render::{PlanFormat, render};
use crate::report::{LintFormat, ReportInput, write_report};
use crate::resolve::{ResolvedServer, env_secret, resolve};
use crate::rule::Severity;
use crate::secret::FingerprintKey;

/// `plan` arguments.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Files or directories (searched recursively for *.yaml and *.yml).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// How to reach the proxy.
    #[command(flatten)]
    pub proxy: ProxyArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,

    /// Also save the plan document (JSON, no secrets) to this file (`-`: stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Let `--out` replace an existing file that is not a plan document. A file the
    /// command reads is never replaced.
    #[arg(long)]
    pub force: bool,

    /// Exit 0 without changes, 2 with changes, 3 with guarded changes (1 on error).
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Delete servers mcpform created that no file declares any more.
    #[arg(long)]
    pub prune: bool,

    /// GitHub Actions.
    #[command(flatten)]
    pub github: GithubArgs,
}

pub(super) fn run(args: &PlanArgs, color: bool) -> Result<u8, CliError> {
    let Some((gh, settings)) = args.github.context(&args.paths) else {
        return plan_run(args, color, None);
    };
    let env = |name: &str| std::env::var(name).ok();
    if crate::github::fork_with_key(
        &gh,
        &settings,
        crate::github::Kind::Plan,
        shown_proxy(&args.proxy, &env).as_deref(),
        &args.proxy.api_key_env,
        args.github.allow_fork_with_key,
    ) {
        return Ok(exit::ERROR);
    }
    if gh.is_fork_pull_request() && env(&args.proxy.api_key_env).is_none_or(|k| k.is_empty()) {
        return Ok(fork_without_secrets(
            &args.paths,
            &args.proxy.api_key_env,
            &gh,
            &settings,
        ));
    }
    let result = plan_run(args, color, Some((&gh, &settings)));
    if let Err(e) = &result {
        let proxy = shown_proxy(&args.proxy, &env);
        crate::github::stopped(
            &gh,
            &settings,
            crate::github::Kind::Plan,
            proxy.as_deref(),
            &stopped_message(e, "planned"),
            "CAUTION",
        );
    }
    result
}

/// A pull request from a fork runs without secrets: lint, its summary and annotations,
/// and a notice instead of a plan; exit 1 only for errors in the files.
pub(crate) fn fork_without_secrets(
    paths: &[PathBuf],
    api_key_env: &str,
    gh: &crate::github::Github,
    settings: &crate::github::Settings,
) -> u8 {
    let linted = lint_paths(paths, false, api_key_env);
    let input = ReportInput {
        sources: &linted.loaded.sources,
        diagnostics: &linted.diagnostics,
        servers: linted.declared,
        color: false,
    };
    let _ = write_report(LintFormat::Github, &input, &mut std::io::stdout().lock());
    crate::github::notice(
        "a pull request from a fork, and no admin key in the environment (a fork's `pull_request` run gets no secrets): mcpform linted the files and did not contact the proxy; the plan runs once the change is on a branch of this repository",
    );
    crate::github::lint(gh, settings, &linted.loaded.sources, &linted.diagnostics);
    if linted.has_errors() {
        exit::ERROR
    } else {
        exit::OK
    }
}

/// The proxy as the plan document shows it, for the comment's key when the command
/// stopped before it had a client.
pub(crate) fn shown_proxy(
    proxy: &ProxyArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    match &proxy.proxy_url {
        Some(url) => Some(url.to_string()),
        None => env(env::PROXY_URL)
            .and_then(|t| ProxyUrl::parse(&t).ok())
            .map(|u| u.to_string()),
    }
}

/// What the summary and comment say when a command stopped.
pub(crate) fn stopped_message(e: &CliError, what: &str) -> String {
    match e {
        CliError::Files => {
            format!(
                "The files have errors (see the annotations and the job log); nothing was {what}."
            )
        }
        CliError::Secrets => {
            format!("Secrets are missing (see the job log); nothing was {what}.")
        }
        e => format!("mcpform stopped: {e}"),
    }
}

fn plan_run(
    args: &PlanArgs,
    color: bool,
    github: Option<(&crate::github::Github, &crate::github::Settings)>,
) -> Result<u8, CliError> {
    let env = |name: &str| std::env::var(name).ok();
    if let Some(out) = &args.out {
        let inputs = crate::load::input_files(&args.paths);
        check_target(out, "--out", Kind::Plan, &inputs, args.force)?;
    }
    let session = prepare(
        &args.paths,
        color,
        &args.proxy.api_key_env,
        github.is_some(),
    )?;
    let (client, key) = connect(&args.proxy, &env)?;
    let desired = resolve_or_report(&session, &env, &key, color)?;
    let options = PlanOptions { prune: args.prune };
    let live = runtime()?.block_on(plan_live(&client, &desired, options, &key, Access::Plan))?;
    let doc = document(&session, &client, live, options, desired.len(), &key);
    write_stdout(&render(&doc, args.format, color)?)?;
    if let Some(path) = &args.out {
        write_file(path, &doc.to_json()?)?;
    }
    if let Some((gh, settings)) = github {
        crate::github::plan(gh, settings, &doc, args.out.as_deref());
    }
    Ok(exit_code(&doc, args.detailed_exitcode))
}

/// A plan made against the live proxy, with what was read to make it.
pub(crate) struct LivePlan {
    pub admitted: Admitted,
    pub gathered: Gathered,
    pub plan: Plan,
}

/// Checks the key, gathers what the planner asks for and plans: plan's dry run and
/// apply's first step.
pub(crate) async fn plan_live(
    client: &Client,
    desired: &[ResolvedServer],
    options: PlanOptions,
    key: &FingerprintKey,
    access: Access,
) -> Result<LivePlan, CliError> {
    let admitted = admit(client, access).await.map_err(|e| match e {
        GatherError::Client(e) => CliError::Client(e),
        GatherError::NotAdmin(why) => CliError::Usage(why),
    })?;
    // The planner reads the version with the other facts: what the proxy stores and does.
    let version = admitted.version.as_deref().and_then(ProxyVersion::parse);
    let needs = |g: &Gathered| {
        let facts = Facts {
            version,
            ..g.facts.clone()
        };
        plan(desired, &g.live, &facts, options, key).needs()
    };
    let mut gathered = gather(client, &needs).await?;
    gathered.facts.version = version;
    let mut plan = plan(desired, &gathered.live, &gathered.facts, options, key);
    if let Some(w) = &admitted.warning {
        plan.warnings.push(Notice {
            server: None,
            message: w.clone(),
            origin: None,
            source: None,
        });
    }
    Ok(LivePlan {
        admitted,
        gathered,
        plan,
    })
}

/// The plan as a document: proxy, options, time and declaration sites added.
pub(crate) fn document(
    session: &Linted,
    client: &Client,
    live: LivePlan,
    options: PlanOptions,
    declared: usize,
    key: &FingerprintKey,
) -> PlanDocument {
    let meta = PlanMeta {
        created_at: now_rfc3339(),
        proxy: ProxyInfo {
            url: client.shown_base(),
            version: live.admitted.version,
            live_servers: live.gathered.live.servers.len(),
        },
        options,
        declared_servers: declared,
    };
    PlanDocument::new(
        live.plan,
        meta,
        &|o: &Origin| locate(&session.loaded, o),
        key,
    )
}

fn exit_code(doc: &PlanDocument, detailed: bool) -> u8 {
    if !doc.errors.is_empty() {
        exit::ERROR
    } else if !detailed || !doc.has_changes {
        exit::OK
    } else if doc.guarded {
        exit::GUARDED
    } else {
        exit::CHANGES
    }
}

/// Lints the files, printing warnings and errors on stderr; errors end the command.
pub(crate) fn prepare(
    paths: &[PathBuf],
    color: bool,
    api_key_env: &str,
    annotate: bool,
) -> Result<Linted, CliError> {
    let linted = lint_paths(paths, false, api_key_env);
    let problems: Vec<Diagnostic> = linted
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
        .cloned()
        .collect();
    if !problems.is_empty() {
        print_diagnostics(
            &linted.loaded,
            &problems,
            linted.desired.servers.len(),
            color,
        );
        if annotate {
            let input = ReportInput {
                sources: &linted.loaded.sources,
                diagnostics: &problems,
                servers: linted.desired.servers.len(),
                color: false,
            };
            let _ = write_report(LintFormat::Github, &input, &mut std::io::stdout().lock());
        }
    }
    if linted.has_errors() {
        return Err(CliError::Files);
    }
    Ok(linted)
}

/// Resolves every `${env:…}`; unset variables are printed at their references.
pub(crate) fn resolve_or_report(
    linted: &Linted,
    env: &dyn Fn(&str) -> Option<String>,
    key: &FingerprintKey,
    color: bool,
) -> Result<Vec<ResolvedServer>, CliError> {
    resolve(&linted.loaded, &linted.desired, env, key).map_err(|problems| {
        print_diagnostics(
            &linted.loaded,
            &problems,
            linted.desired.servers.len(),
            color,
        );
        CliError::Secrets
    })
}

/// The client of the proxy flags, and the key of the fingerprints:
/// `MCPFORM_FINGERPRINT_KEY`, else the admin key.
pub(crate) fn connect(
    proxy: &ProxyArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Client, FingerprintKey), CliError> {
    let config = proxy
        .client_config(env)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let key = FingerprintKey::new(
        &env_secret(env, env::FINGERPRINT_KEY).unwrap_or_else(|| config.api_key.clone()),
    );
    Ok((Client::new(config)?, key))
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

/// `file:line` of a declared server.
pub fn locate(loaded: &Loaded, origin: &Origin) -> Option<String> {
    let span = loaded.value_span(origin.file, &origin.pointer)?;
    let node = loaded.node(origin.file, &origin.pointer)?;
    let line = node
        .as_map()
        .and_then(|m| m.first())
        .map_or(span.start.line, |e| e.key_span.start.line);
    Some(format!(
        "{}:{line}",
        loaded.sources.get(origin.file).display_name()
    ))
}

fn print_diagnostics(loaded: &Loaded, diagnostics: &[Diagnostic], servers: usize, color: bool) {
    let input = ReportInput {
        sources: &loaded.sources,
        diagnostics,
        servers,
        color,
    };
    let mut err = std::io::stderr().lock();
    let _ = write_report(LintFormat::Human, &input, &mut err);
}
