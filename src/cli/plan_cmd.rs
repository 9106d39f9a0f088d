//! `mcpform plan`: lint, resolve secrets, read the proxy, plan, render.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::exit;
use super::lint_cmd::lint_paths;
use crate::client::{Client, ClientConfig, ClientError};
use crate::diagnostic::Diagnostic;
use crate::env;
use crate::live::{Facts, LiveServer, LiveState};
use crate::load::Loaded;
use crate::model::{Locate, Origin};
use crate::plan::{Plan, PlanOptions, plan};
use crate::render::{PlanContext, PlanFormat, render_human, render_json, render_markdown};
use crate::report::{LintFormat, ReportInput, write_report};
use crate::resolve::{ResolvedServer, env_secret, resolve};
use crate::rule::Severity;
use crate::secret::{FingerprintKey, Secret};

/// `plan` arguments.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Files or directories (searched recursively for *.yaml and *.yml).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Base URL of the LiteLLM proxy (default: $LITELLM_PROXY_URL).
    #[arg(long, value_name = "URL")]
    pub proxy_url: Option<String>,

    /// Name of the environment variable holding a proxy_admin key.
    #[arg(long, value_name = "NAME", default_value = env::API_KEY)]
    pub api_key_env: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,

    /// Also save the plan (JSON, no secrets) to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Exit 0 without changes, 2 with changes, 3 with guarded changes (1 on error).
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Delete servers mcpform created that no file declares any more.
    #[arg(long)]
    pub prune: bool,

    /// Seconds before a request to the proxy gives up.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,

    /// Retries of a read after connection errors, 429, 502, 503 and 504.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
}

/// A failure that ends the command, already explained on stderr.
struct Failed;

pub(super) fn run(args: &PlanArgs, color: bool) -> u8 {
    let env = |name: &str| std::env::var(name).ok();
    match run_with(args, color, &env) {
        Ok(code) => code,
        Err(Failed) => exit::ERROR,
    }
}

fn run_with(
    args: &PlanArgs,
    color: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<u8, Failed> {
    let linted = lint_paths(&args.paths, false, &args.api_key_env);
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
    }
    if linted.has_errors() {
        eprintln!("error: the files have errors (see above); nothing was planned");
        return Err(Failed);
    }
    let base_url = args
        .proxy_url
        .clone()
        .or_else(|| env(env::PROXY_URL))
        .ok_or_else(|| {
            eprintln!(
                "error: no proxy URL: pass --proxy-url or set {}",
                env::PROXY_URL
            );
            Failed
        })?;
    let api_key = env_secret(env, &args.api_key_env).ok_or_else(|| {
        eprintln!(
            "error: the environment variable {} is not set: it must hold a proxy_admin key",
            args.api_key_env
        );
        Failed
    })?;
    let fingerprint_key = FingerprintKey::new(
        &env_secret(env, env::FINGERPRINT_KEY).unwrap_or_else(|| api_key.clone()),
    );
    let desired =
        resolve(&linted.loaded, &linted.desired, env, &fingerprint_key).map_err(|problems| {
            print_diagnostics(
                &linted.loaded,
                &problems,
                linted.desired.servers.len(),
                color,
            );
            eprintln!("error: secrets are missing (see above); nothing was planned");
            Failed
        })?;
    let client = make_client(&base_url, api_key, args)?;
    let options = PlanOptions { prune: args.prune };
    let (live, plan) = runtime()?
        .block_on(gather_and_plan(&client, &desired, options))
        .map_err(|e| {
            eprintln!("error: {e}");
            Failed
        })?;
    let locate = |o: &Origin| locate(&linted.loaded, o);
    let ctx = PlanContext {
        proxy_url: &base_url,
        locate: &locate,
        live_count: live.servers.len(),
        color,
    };
    let text = match args.format {
        PlanFormat::Human => render_human(&plan, &ctx),
        PlanFormat::Json => render_json(&plan, &ctx),
        PlanFormat::Markdown => render_markdown(&plan, &ctx),
    };
    write_stdout(&text)?;
    if let Some(path) = &args.out {
        write_file(path, &render_json(&plan, &ctx))?;
    }
    Ok(exit_code(&plan, args.detailed_exitcode))
}

fn exit_code(plan: &Plan, detailed: bool) -> u8 {
    if !plan.errors.is_empty() {
        exit::ERROR
    } else if !detailed || !plan.has_changes() {
        exit::OK
    } else if plan.summary().guarded > 0 {
        exit::GUARDED
    } else {
        exit::CHANGES
    }
}

/// Reads the live state (one list request), then gathers the few facts the plan asks
/// for (stored-key counts of servers whose change strands keys; OpenAPI servers the list
/// may have left out), and plans again until nothing more is needed.
pub async fn gather_and_plan(
    client: &Client,
    desired: &[ResolvedServer],
    options: PlanOptions,
) -> Result<(LiveState, Plan), ClientError> {
    let body = client.list_servers().await?;
    let mut live = LiveState::from_list(body).map_err(|reason| ClientError::Decode {
        method: "GET".into(),
        url: format!("{}/v1/mcp/server", client.shown_base()),
        reason,
    })?;
    let mut facts = Facts::default();
    // Each round can only add facts; three rounds cover lookups, then counts for what
    // the lookups found.
    for _ in 0..3 {
        let current = plan(desired, &live, &facts, options);
        let lookups = current.lookups.clone();
        let checks = current.credential_checks();
        if lookups.is_empty() && checks.is_empty() {
            return Ok((live, current));
        }
        for id in lookups {
            match client.get_server(&id).await {
                Ok(Some(row))
                    if row.get("server_id").and_then(|v| v.as_str()) == Some(id.as_str()) =>
                {
                    if let Ok(server) = LiveServer::unlisted(row) {
                        live.servers.push(server);
                    }
                }
                Ok(_) => {}
                Err(ClientError::Status {
                    status, message, ..
                }) => {
                    facts
                        .unreadable
                        .insert(id.clone(), format!("{status}: {message}"));
                }
                Err(e) => return Err(e),
            }
            facts.looked_up.insert(id);
        }
        for id in checks {
            let count = client.byok_count(&id).await?;
            facts.credentials.insert(id, count);
        }
    }
    Ok((live.clone(), plan(desired, &live, &facts, options)))
}

fn make_client(base_url: &str, api_key: Secret, args: &PlanArgs) -> Result<Client, Failed> {
    let mut config = ClientConfig::new(base_url, api_key);
    if args.timeout.is_finite() && args.timeout > 0.0 {
        config.timeout = Duration::from_secs_f64(args.timeout);
        config.connect_timeout = config.connect_timeout.min(config.timeout);
    }
    config.retries = args.retries;
    Client::new(config).map_err(|e| {
        eprintln!("error: {e}");
        Failed
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, Failed> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            Failed
        })
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

fn write_stdout(text: &str) -> Result<(), Failed> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            eprintln!("error: cannot write the plan: {e}");
            Err(Failed)
        }
    }
}

/// Writes through a temporary file, so a reader never sees half a plan.
fn write_file(path: &Path, text: &str) -> Result<(), Failed> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            eprintln!("error: cannot write {}: {e}", path.display());
            Failed
        })
}
