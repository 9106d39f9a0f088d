//! Files written by someone who wants to read what is not theirs, or to write into the
//! reviewer's terminal or CI log: a pull request controls the YAML files and the
//! symbolic links of the repository, while CI runs `mcpform lint` and `plan` with the
//! proxy's admin key in its environment and shows their output to everyone.
//!
//! Every case runs the built binary in a temporary directory, in every `lint` format,
//! and checks that a canary secret never appears on stdout or stderr, that human and
//! github output carry no raw control character or bidirectional override, that the
//! process exits (FIFOs and devices must not hang it), and that the finding names the
//! file, with its line where there is one.

#![cfg(unix)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

mod links;
mod output;
mod special;

/// A run that takes longer than this has hung (a FIFO read without a writer).
const TIMEOUT: Duration = Duration::from_secs(30);

/// The secret the cases try to leak. Built at run time so that it never appears in the
/// test binary's own command line or in a file the tests write by accident.
fn canary() -> String {
    format!("mcpform-canary-{}", 0x5eed_c0de_u32)
}

const FORMATS: [&str; 4] = ["human", "json", "github", "sarif"];

/// A well-formed server.
const GOOD: &str = "version: 1
servers:
  - server_name: s1
    transport: http
    url: https://s1.example.invalid/mcp
";

// ---------------------------------------------------------------- helpers

struct Run {
    format: String,
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `mcpform ARGS` in `dir` without colour, with the canary in the environment
/// (as CI has the admin key there).
fn mcpform(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("mcpform")
        .expect("the mcpform binary is built")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env("MCPFORM_TEST_CANARY", canary())
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .expect("mcpform runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "mcpform {args:?} did not exit normally ({}: killed by a signal, or by the {TIMEOUT:?} timeout)\nstdout:\n{stdout}\nstderr:\n{stderr}",
            out.status
        )
    });
    Run {
        format: args
            .iter()
            .skip_while(|a| **a != "--format")
            .nth(1)
            .map_or("human", |f| f)
            .to_owned(),
        code,
        stdout,
        stderr,
    }
}

/// `mcpform lint --format F PATHS…` for every format, each checked by [`assert_safe`].
fn lint_all(dir: &Path, paths: &[&str]) -> Vec<Run> {
    FORMATS
        .iter()
        .map(|format| {
            let mut args = vec!["lint", "--format", format];
            args.extend_from_slice(paths);
            let run = mcpform(dir, &args);
            assert_safe(&run);
            run
        })
        .collect()
}

/// The JSON run of [`lint_all`]'s results, parsed.
fn json_of(runs: &[Run]) -> Value {
    let run = runs
        .iter()
        .find(|r| r.format == "json")
        .expect("a json run");
    serde_json::from_str(&run.stdout).expect("json output is JSON")
}

fn human_of(runs: &[Run]) -> &Run {
    runs.iter()
        .find(|r| r.format == "human")
        .expect("a human run")
}

fn github_of(runs: &[Run]) -> &Run {
    runs.iter()
        .find(|r| r.format == "github")
        .expect("a github run")
}

fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// No canary anywhere, no panic, and for the formats meant for a terminal or a log no
/// control character but the line break and no bidirectional control.
fn assert_safe(run: &Run) {
    let canary = canary();
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains(&canary),
            "the canary leaked on {stream} of --format {}:\n{text}",
            run.format
        );
        assert!(
            !text.contains("panicked"),
            "mcpform panicked:\n{}",
            run.stderr
        );
        if matches!(run.format.as_str(), "human" | "github") {
            let bad: Vec<char> = text
                .chars()
                .filter(|&c| (c.is_control() && c != '\n') || is_bidi_control(c))
                .collect();
            assert!(
                bad.is_empty(),
                "raw {bad:?} on {stream} of --format {}:\n{text}",
                run.format
            );
        }
    }
    if matches!(run.format.as_str(), "json" | "sarif") {
        let doc: Result<Value, _> = serde_json::from_str(&run.stdout);
        assert!(
            doc.is_ok(),
            "--format {} is not JSON:\n{}",
            run.format,
            run.stdout
        );
    }
}

fn diagnostics(doc: &Value) -> &[Value] {
    doc["diagnostics"].as_array().expect("diagnostics array")
}

/// The diagnostic about `file` with this rule.
fn finding<'a>(doc: &'a Value, file: &str, rule: &str) -> &'a Value {
    diagnostics(doc)
        .iter()
        .find(|d| d["file"] == file && d["rule"] == rule)
        .unwrap_or_else(|| panic!("no `{rule}` finding about `{file}` in {doc:#}"))
}

/// Files that produced at least one diagnostic.
fn files_with_findings(doc: &Value) -> Vec<&str> {
    let mut files: Vec<&str> = diagnostics(doc)
        .iter()
        .filter_map(|d| d["file"].as_str())
        .collect();
    files.dedup();
    files
}

fn tempdir() -> TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Writes a file (and its parent directories) under `dir`.
fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create directories");
    }
    fs::write(path, bytes).expect("write file");
}

/// `dir/link` → `target` (the link text as given).
fn link(dir: &Path, link: &str, target: impl AsRef<Path>) {
    let path = dir.join(link);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create directories");
    }
    symlink(target, path).expect("create symlink");
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A file whose every byte would show in a snippet: a server named after the canary
/// (a `name-charset` error, with a snippet of the name, if it were ever read).
fn secret_yaml() -> String {
    format!(
        "version: 1\nservers:\n  - server_name: {}\n    transport: http\n    url: https://x.example.invalid/mcp\n",
        canary()
    )
}

/// `work/` (the current directory of every run) with `servers/good.yaml`, and
/// `outside/secret.yaml` next to it, outside the working tree.
fn repo() -> (TempDir, std::path::PathBuf) {
    let root = tempdir();
    write(root.path(), "work/servers/good.yaml", GOOD);
    write(root.path(), "outside/secret.yaml", secret_yaml());
    let work = root.path().join("work");
    (root, work)
}
