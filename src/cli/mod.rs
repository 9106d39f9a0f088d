//! cli: argument parsing, exit codes and the wiring of the rooms. No business rules.

mod apply_cmd;
mod apply_progress;
mod error;
mod export_cmd;
mod github_args;
mod lint_cmd;
mod output;
mod plan_cmd;
mod proxy_args;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

pub use apply_cmd::ApplyArgs;
pub use error::CliError;
pub use export_cmd::ExportArgs;
pub use github_args::GithubArgs;

use crate::env;

pub use lint_cmd::LintArgs;
pub use plan_cmd::{PlanArgs, locate};
pub use proxy_args::{MAX_RETRIES, MAX_TIMEOUT_SECS, ProxyArgs, ProxyArgsError};

/// Exit codes (`docs/reference/exit-codes.md` is generated from these).
pub mod exit {
    /// Success; for `plan --detailed-exitcode`: no changes.
    pub const OK: u8 = 0;
    /// Errors in the files, a failed request, or a usage error.
    pub const ERROR: u8 = 1;
    /// `plan --detailed-exitcode`: changes to make.
    pub const CHANGES: u8 = 2;
    /// `plan --detailed-exitcode`: changes, some of them guarded; `apply`: nothing
    /// failed, but a guard skipped something.
    pub const GUARDED: u8 = 3;
    /// `apply`: a second interrupt; it exited at once, without its report.
    pub const INTERRUPTED: u8 = 130;
}

/// The command line as clap defines it: the reference pages and the man pages in
/// `docs/reference/` are generated from it.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// GitOps for the MCP servers of a LiteLLM proxy: lint, plan and apply YAML.
#[derive(Debug, Parser)]
#[command(
    name = "mcpform",
    version,
    about,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    /// When to use colour: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    #[command(subcommand)]
    command: Command,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorWhen {
    /// Colour on a terminal, unless NO_COLOR is set.
    Auto,
    /// Always colour (CLICOLOR_FORCE does the same).
    Always,
    /// Never colour.
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check files offline: JSON Schema and semantic rules, with file:line:column.
    Lint(LintArgs),
    /// Compare the files with the live proxy and show what apply would change.
    Plan(PlanArgs),
    /// Make the proxy match the files (or a saved plan): exactly the reviewed plan.
    Apply(ApplyArgs),
    /// Write the live servers as an mcpform file (to adopt an existing proxy).
    Export(ExportArgs),
    /// Print the JSON Schema of mcpform files (for editors and other validators).
    Schema,
    /// List every rule with its id, severity and summary.
    Rules,
}

/// Runs the command line; the binary's whole `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors exit 1, so that 2 and 3 keep their `plan` meanings.
            return ExitCode::from(if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            });
        }
    };
    let color = use_color(cli.color);
    let result = match cli.command {
        Command::Lint(args) => lint_cmd::run(&args, color),
        Command::Plan(args) => plan_cmd::run(&args, color),
        Command::Apply(args) => apply_cmd::run(&args, color),
        Command::Export(args) => export_cmd::run(&args),
        Command::Schema => output::write_stdout(crate::schema::SCHEMA_TEXT).map(|()| exit::OK),
        Command::Rules => output::write_stdout(&rules_table()).map(|()| exit::OK),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", crate::escape::terminal_text(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}

/// Whether stdout gets colour: a terminal, `NO_COLOR` unset, or forced.
fn use_color(when: ColorWhen) -> bool {
    let choice = match when {
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
        ColorWhen::Auto => anstream::AutoStream::choice(&std::io::stdout()),
    };
    // NO_COLOR beats everything except an explicit --color always.
    let no_color = std::env::var_os(env::NO_COLOR).is_some_and(|v| !v.is_empty());
    match choice {
        anstream::ColorChoice::Always | anstream::ColorChoice::AlwaysAnsi => {
            when == ColorWhen::Always || !no_color
        }
        _ => false,
    }
}

fn rules_table() -> String {
    use crate::rule::RuleId;
    let mut out = String::new();
    for r in RuleId::ALL {
        out.push_str(&format!(
            "{:<26} {:<8} {}\n",
            r.id(),
            r.default_severity().as_str(),
            r.summary()
        ));
    }
    out.push_str(&format!(
        "\nEach rule with a failing and a fixed example: {}\n",
        crate::rule::RULES_PAGE
    ));
    out
}
