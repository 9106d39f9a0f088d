//! `mcpform lint`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::error::CliError;
use super::exit;
use super::github_args::GithubArgs;
use crate::diagnostic::Tally;
use crate::env;
use crate::lint::{LintOptions, Linted, lint};
use crate::load::load_paths;
use crate::model::support::ProxyVersion;
use crate::report::{LintFormat, ReportInput, write_report};

/// `lint` arguments.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories (searched recursively for *.yaml and *.yml; hidden ones skipped).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,

    /// Fail on warnings too.
    #[arg(long)]
    pub strict: bool,

    /// Report `${env:…}` references to variables that are not set.
    #[arg(long)]
    pub require_env: bool,

    /// Name of the variable plan reads the admin key from: `${env:…}` may not read it
    /// (give lint the same value as plan, so that both refuse the same files).
    #[arg(long, value_name = "NAME", default_value = env::API_KEY)]
    pub api_key_env: String,

    /// GitHub Actions.
    #[command(flatten)]
    pub github: GithubArgs,

    /// The LiteLLM version the proxy runs (X.Y.Z): fields it does not store are errors.
    #[arg(long, value_name = "X.Y.Z", value_parser = parse_proxy_version)]
    pub proxy_version: Option<ProxyVersion>,
}

fn parse_proxy_version(text: &str) -> Result<ProxyVersion, String> {
    ProxyVersion::parse(text)
        .ok_or_else(|| "expected a LiteLLM version such as `1.87.5` (major.minor.patch)".to_owned())
}

/// Loads and lints the paths with the process environment; `api_key_env` names the
/// variable holding the admin key, which the files may not read.
pub(crate) fn lint_paths(paths: &[PathBuf], require_env: bool, api_key_env: &str) -> Linted {
    lint_paths_for(paths, require_env, api_key_env, None)
}

/// [`lint_paths`] for a proxy of a known version (`--proxy-version`).
fn lint_paths_for(
    paths: &[PathBuf],
    require_env: bool,
    api_key_env: &str,
    proxy_version: Option<ProxyVersion>,
) -> Linted {
    let env = |name: &str| std::env::var(name).ok();
    let options = LintOptions {
        require_env,
        env: &env,
        reserved_env: &[api_key_env],
        proxy_version,
    };
    lint(load_paths(paths), &options)
}

pub(super) fn run(args: &LintArgs, color: bool) -> Result<u8, CliError> {
    let linted = lint_paths_for(
        &args.paths,
        args.require_env,
        &args.api_key_env,
        args.proxy_version,
    );
    let input = ReportInput {
        sources: &linted.loaded.sources,
        diagnostics: &linted.diagnostics,
        servers: linted.declared,
        color,
    };
    let mut out = std::io::stdout().lock();
    if let Err(source) = write_report(args.format, &input, &mut out).and_then(|()| out.flush())
        && source.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(CliError::Write {
            path: PathBuf::from("-"),
            source,
        });
    }
    if let Some((gh, settings)) = args.github.context(&args.paths) {
        // Annotations come with --github whatever the format (once with `github`).
        if args.format != LintFormat::Github {
            let mut out = std::io::stdout().lock();
            let _ = write_report(LintFormat::Github, &input, &mut out).and_then(|()| out.flush());
        }
        crate::github::lint(&gh, &settings, &linted.loaded.sources, &linted.diagnostics);
    }
    let tally = Tally::of(&linted.diagnostics);
    // Freeing a large tree one node at a time costs more than the process exit does.
    std::mem::forget(linted);
    Ok(if tally.errors > 0 || (args.strict && tally.warnings > 0) {
        exit::ERROR
    } else {
        exit::OK
    })
}
