//! `mcpform export`: check where it will write, read the proxy (one list, the
//! submissions), export, write the files, say what was left out. The work is
//! `crate::export`'s.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;

use super::error::CliError;
use super::exit;
use super::output::{write_file, write_new_file};
use super::plan_cmd::{connect, runtime};
use super::proxy_args::ProxyArgs;
use crate::client::Client;
use crate::escape::terminal_line;
use crate::export::{ExportOptions, Exported, export};
use crate::gather::{Access, GatherError, Gathered, admit, gather};
use crate::live::Needs;

/// `export` arguments.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write the file (`-`: stdout).
    #[arg(long, short = 'o', value_name = "FILE", default_value = "-")]
    pub output: PathBuf,

    /// Only the servers mcpform owns (created or adopted by mcpform, with its proof).
    #[arg(long)]
    pub managed_only: bool,

    /// Declare every field, the proxy's defaults too (they are then managed).
    #[arg(long)]
    pub full: bool,

    /// Also write the values behind the `${env:…}` placeholders to this file (mode
    /// 0600, `NAME='value'` lines). It holds secrets: never commit it.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,

    /// Write the values the proxy keeps in plain text (static_headers, env, env_vars)
    /// into the file instead of placeholders. The file then holds secrets.
    #[arg(long)]
    pub reveal_values: bool,

    /// Replace files that exist.
    #[arg(long)]
    pub force: bool,

    /// How to reach the proxy.
    #[command(flatten)]
    pub proxy: ProxyArgs,
}

pub(super) fn run(args: &ExportArgs) -> Result<u8, CliError> {
    check_targets(args, std::io::stdout().is_terminal())?;
    let env = |name: &str| std::env::var(name).ok();
    let (client, key) = connect(&args.proxy, &env)?;
    let gathered = runtime()?.block_on(read_live(&client))?;
    let source = client.shown_base();
    let reserved = [args.proxy.api_key_env.as_str()];
    let options = ExportOptions {
        managed_only: args.managed_only,
        full: args.full,
        reveal_values: args.reveal_values,
        reserved_env: &reserved,
        source: Some(&source),
    };
    let exported = export(&gathered.live, &gathered.facts, &options, &key)?;
    if let Some(path) = &args.env_file {
        write(path, &exported.env_file(), args.force)?;
    }
    write(&args.output, &exported.text, args.force)?;
    report(args, &exported);
    Ok(exit::OK)
}

/// Refuses, before any request, to overwrite a file without `--force`, to print
/// secrets on a terminal, or to mix up the two outputs.
fn check_targets(args: &ExportArgs, stdout_is_terminal: bool) -> Result<(), CliError> {
    let stdout = args.output == Path::new("-");
    if args.reveal_values && stdout && stdout_is_terminal {
        return Err(CliError::Usage(
            "--reveal-values would print the proxy's plain-text secrets on the terminal: give --output FILE".to_owned(),
        ));
    }
    if let Some(env_file) = &args.env_file {
        if env_file == Path::new("-") {
            return Err(CliError::Usage(
                "--env-file needs a file (it holds secrets, written with mode 0600), not `-`"
                    .to_owned(),
            ));
        }
        // A device or pipe (`/dev/stdout`) is refused by the write; say here what
        // `--env-file` takes, since it does not take `-` either.
        if std::fs::metadata(env_file).is_ok_and(|m| !m.is_file()) {
            return Err(CliError::Usage(format!(
                "--env-file needs a regular file (it holds secrets, written with mode 0600): `{}` is a device, pipe or directory",
                terminal_line(&env_file.display().to_string())
            )));
        }
        if env_file == &args.output {
            return Err(CliError::Usage(
                "--env-file and --output name the same file".to_owned(),
            ));
        }
    }
    let files = std::iter::once(&args.output)
        .filter(|_| !stdout)
        .chain(args.env_file.as_ref());
    for path in files {
        // A link counts as there: the write would replace it.
        if !args.force && std::fs::symlink_metadata(path).is_ok() {
            return Err(CliError::Usage(format!(
                "`{}` exists: pass --force to replace it",
                terminal_line(&path.display().to_string())
            )));
        }
    }
    Ok(())
}

/// The key's role first (only a proxy_admin sees the list unsanitised), then one list
/// and the submissions awaiting approval; no look-ups, no counts.
async fn read_live(client: &Client) -> Result<Gathered, CliError> {
    let admitted = admit(client, Access::Plan).await.map_err(|e| match e {
        GatherError::Client(e) => CliError::Client(e),
        GatherError::NotAdmin(why) => CliError::Usage(why),
    })?;
    if let Some(w) = &admitted.warning {
        eprintln!("warning: {}", terminal_line(w));
    }
    Ok(gather(client, &|_| Needs::default()).await?)
}

fn write(path: &Path, text: &str, force: bool) -> Result<(), CliError> {
    if force {
        write_file(path, text)
    } else {
        write_new_file(path, text)
    }
}

/// What was written and left out, on stderr. Names of placeholders, never values.
fn report(args: &ExportArgs, e: &Exported) {
    let target = if args.output == Path::new("-") {
        "stdout".to_owned()
    } else {
        format!("`{}`", args.output.display())
    };
    eprintln!(
        "exported {} to {}",
        servers(e.exported),
        terminal_line(&target)
    );
    for l in &e.left_out {
        let name = l.server_name.as_deref().unwrap_or("(no name)");
        eprintln!(
            "note: left out `{}` (server_id `{}`): {}",
            terminal_line(name),
            terminal_line(&l.server_id),
            terminal_line(&l.reason)
        );
        if l.prunable {
            eprintln!(
                "warning: mcpform owns `{}` and no file declares it now: `plan --prune` would delete it",
                terminal_line(name)
            );
        }
    }
    if e.not_owned > 0 {
        eprintln!(
            "note: --managed-only left out {} mcpform does not own",
            servers(e.not_owned)
        );
    }
    for w in &e.warnings {
        eprintln!("warning: {}", terminal_line(w));
    }
    if e.credential_blocks > 0 {
        eprintln!(
            "note: {} may hold `credentials`, which the proxy never returns: each has a commented `credentials` block to fill in",
            servers(e.credential_blocks)
        );
    }
    match &args.env_file {
        Some(path) => eprintln!(
            "wrote {} values to `{}` (mode 0600): it holds secrets, never commit it; load it before plan with `set -a; . ./FILE; set +a`",
            e.placeholders.len(),
            terminal_line(&path.display().to_string())
        ),
        None if !e.placeholders.is_empty() => {
            let names: Vec<&str> = e.placeholders.iter().map(|p| p.name.as_str()).collect();
            eprintln!(
                "note: the file uses {} `${{env:…}}` placeholders for values the proxy keeps in plain text; set them before plan (export again with --env-file FILE to have them written): {}",
                names.len(),
                terminal_line(&names.join(", "))
            );
        }
        None => {}
    }
    if args.reveal_values {
        eprintln!(
            "warning: --reveal-values: the file holds the proxy's plain-text values; keep it out of git"
        );
    }
}

fn servers(n: usize) -> String {
    if n == 1 {
        "1 server".to_owned()
    } else {
        format!("{n} servers")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: ExportArgs,
    }

    fn parse(args: &[&str]) -> ExportArgs {
        Cli::try_parse_from(std::iter::once("mcpform").chain(args.iter().copied()))
            .expect("args")
            .args
    }

    #[test]
    fn targets_are_checked_before_any_request() {
        let dir = tempfile::tempdir().unwrap();
        let taken = dir.path().join("servers.yaml");
        std::fs::write(&taken, "x").unwrap();
        let taken = taken.to_str().unwrap();
        let refused =
            |args: &[&str], tty: bool| check_targets(&parse(args), tty).unwrap_err().to_string();
        assert!(refused(&["--output", taken], false).contains("pass --force"));
        assert!(refused(&["--env-file", taken], false).contains("pass --force"));
        assert!(check_targets(&parse(&["--output", taken, "--force"]), false).is_ok());
        assert!(refused(&["--reveal-values"], true).contains("terminal"));
        assert!(check_targets(&parse(&["--reveal-values"]), false).is_ok());
        assert!(refused(&["--env-file", "-"], false).contains("not `-`"));
        let dir_path = dir.path().to_str().unwrap();
        assert!(refused(&["--env-file", dir_path, "--force"], false).contains("regular file"));
        assert!(refused(&["-o", "a.yaml", "--env-file", "a.yaml"], false).contains("same file"));
        assert!(check_targets(&parse(&[]), true).is_ok());
    }
}
