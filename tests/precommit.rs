//! The hooks of `.pre-commit-hooks.yaml` (`mcpform-lint`, built by pre-commit, and
//! `mcpform-lint-system`, the binary on PATH), run by the real `pre-commit`
//! (`pre-commit try-repo`) in a temporary git repository.
//!
//! Skipped, with a printed reason, when `pre-commit` is not on PATH; set
//! `MCPFORM_REQUIRE_PRE_COMMIT=1` (as `.ci/precommit.sh` does) to fail instead.
//!
//! pre-commit builds the hook with `cargo install --bins --root <env> --path .` (release
//! profile, no `--locked`), and `try-repo` always does so into a throw-away store: it
//! ignores `PRE_COMMIT_HOME`, so each `try-repo` call below builds the hook again. What
//! is cached, between the two calls and between runs, is the cargo target directory
//! `target/pre-commit/cargo`: after the first run (several minutes) only mcpform itself
//! is compiled, twice. Fat LTO with one codegen unit would make each of those take about
//! two minutes, so the test turns them off through cargo's profile variables (they
//! change the optimisation, not the behaviour) and each build takes some 20 seconds.
//!
//! `try-repo` on a repository with uncommitted changes commits only the tracked and
//! staged files into its shadow copy; new, untracked files (a new module, or the hook
//! manifest before it is first committed) would be missing. So the test commits a
//! snapshot of the working tree — tracked and untracked files, minus ignored ones —
//! into a temporary repository and tries that: what is tested is what is on disk.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const HOOK: &str = "mcpform-lint";

/// Two errors in one file: `name-charset` (line 3) and `schema` (line 11).
const BAD: &str = "\
version: 1
servers:
  - server_name: my-tools
    transport: http
    url: https://tools.example.invalid/mcp
    auth_type: none
  - server_name: other_tools
    transport: http
    url: https://other.example.invalid/mcp
    auth_type: none
    colour: blue
";

/// A `.yml` file whose server clashes, ignoring case, with `my-tools` of `BAD`.
const BAD_TOO: &str = "\
version: 1
servers:
  - server_name: My-Tools
    transport: http
    url: https://more.example.invalid/mcp
    auth_type: none
";

#[test]
fn hook_fails_on_a_bad_file_with_the_diagnostics_and_passes_on_a_good_one() {
    let Some(version) = pre_commit_version() else {
        let reason = "`pre-commit` is not on PATH; .ci/precommit.sh installs it and runs this test";
        assert!(
            std::env::var_os("MCPFORM_REQUIRE_PRE_COMMIT").is_none(),
            "MCPFORM_REQUIRE_PRE_COMMIT is set but {reason}"
        );
        // Straight to stderr, past libtest's capture, so it shows without --nocapture.
        let _ = writeln!(std::io::stderr(), "SKIPPED precommit: {reason}");
        return;
    };
    eprintln!("precommit: using {version}");

    let cache = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .join("pre-commit");
    let tmp = tempfile::tempdir().unwrap();

    let hook_repo = tmp.path().join("mcpform");
    snapshot_working_tree(Path::new(env!("CARGO_MANIFEST_DIR")), &hook_repo);

    let project = tmp.path().join("project");
    fs::create_dir(&project).unwrap();
    git(&project, &["init", "--quiet"]);
    fs::write(project.join("bad.yaml"), BAD).unwrap();
    fs::write(project.join("more.yml"), BAD_TOO).unwrap();
    fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/http-byok.yaml"),
        project.join("good.yaml"),
    )
    .unwrap();
    // Not YAML: mcpform would report it, so the good run passes only if the hook's
    // `types`/`files` filters keep it out.
    fs::write(project.join("README.md"), "# Servers\n\nSee good.yaml.\n").unwrap();
    git(&project, &["add", "."]);

    let try_repo = |files: &[&str]| {
        let started = Instant::now();
        let out = command("pre-commit")
            .args(["try-repo", "--color=never", "--verbose"])
            .arg(&hook_repo)
            .args([HOOK, "--files"])
            .args(files)
            .current_dir(&project)
            // Only pre-commit's bookkeeping lands here (not the hook), instead of ~/.cache.
            .env("PRE_COMMIT_HOME", cache.join("home"))
            .env("CARGO_TARGET_DIR", cache.join("cargo"))
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("NO_COLOR", "1")
            .output()
            .expect("run pre-commit");
        eprintln!(
            "precommit: try-repo {files:?} took {:.0?}",
            started.elapsed()
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, text)
    };

    // The first call builds the dependencies too: minutes on a cold cache.
    let (out, text) = try_repo(&["bad.yaml", "more.yml"]);
    eprintln!("{text}");
    assert!(
        !out.status.success(),
        "the hook passed on bad files:\n{text}"
    );
    for expected in [
        "- hook id: mcpform-lint",
        "- exit code: 1",
        "name-charset",
        "schema",
        "name-unique",
        "bad.yaml:3:18",
        "bad.yaml:11:5",
        "more.yml:3:18",
    ] {
        assert!(
            text.contains(expected),
            "the output of the hook on bad files lacks `{expected}`:\n{text}"
        );
    }

    let (out, text) = try_repo(&["good.yaml", "README.md"]);
    assert!(
        out.status.success(),
        "the hook failed on a good file:\n{text}"
    );
    for expected in [
        "Passed",
        "- hook id: mcpform-lint",
        "1 file(s), no problems",
    ] {
        assert!(
            text.contains(expected),
            "the output of the hook on a good file lacks `{expected}`:\n{text}"
        );
    }
}

/// `mcpform-lint-system` runs the `mcpform` on PATH: here the binary under test, so
/// nothing is built and the run takes seconds.
#[test]
fn system_hook_runs_the_installed_binary_and_compiles_nothing() {
    let Some(version) = pre_commit_version() else {
        assert!(
            std::env::var_os("MCPFORM_REQUIRE_PRE_COMMIT").is_none(),
            "MCPFORM_REQUIRE_PRE_COMMIT is set but `pre-commit` is not on PATH"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED precommit (system hook): no pre-commit"
        );
        return;
    };
    eprintln!("precommit: using {version}");
    let tmp = tempfile::tempdir().unwrap();
    let hook_repo = tmp.path().join("mcpform");
    snapshot_working_tree(Path::new(env!("CARGO_MANIFEST_DIR")), &hook_repo);
    let project = tmp.path().join("project");
    fs::create_dir(&project).unwrap();
    git(&project, &["init", "--quiet"]);
    fs::write(project.join("bad.yaml"), BAD).unwrap();
    fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/http-byok.yaml"),
        project.join("good.yaml"),
    )
    .unwrap();
    git(&project, &["add", "."]);
    // Only the binary's directory and what pre-commit and git need: no cargo.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_mcpform")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |files: &[&str], path: &str| {
        let out = command("pre-commit")
            .args(["try-repo", "--color=never", "--verbose"])
            .arg(&hook_repo)
            .args(["mcpform-lint-system", "--files"])
            .args(files)
            .current_dir(&project)
            .env("PRE_COMMIT_HOME", tmp.path().join("home"))
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .output()
            .expect("run pre-commit");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, text)
    };
    let started = Instant::now();
    let (out, text) = run(&["bad.yaml"], &path);
    assert!(
        !out.status.success(),
        "the hook passed on a bad file:\n{text}"
    );
    for expected in [
        "- hook id: mcpform-lint-system",
        "name-charset",
        "bad.yaml:3:18",
    ] {
        assert!(text.contains(expected), "lacks `{expected}`:\n{text}");
    }
    let (out, text) = run(&["good.yaml"], &path);
    assert!(
        out.status.success(),
        "the hook failed on a good file:\n{text}"
    );
    assert!(text.contains("1 file(s), no problems"), "{text}");
    assert!(
        started.elapsed().as_secs() < 120,
        "nothing is compiled: {:?}",
        started.elapsed()
    );
}

/// `pre-commit --version`, or `None` when it cannot be run.
fn pre_commit_version() -> Option<String> {
    let out = command("pre-commit").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Copies the files git would see in `src` (tracked or untracked, not ignored, not
/// deleted) to a new repository at `dest` and commits them.
fn snapshot_working_tree(src: &Path, dest: &Path) {
    let listed = git(
        src,
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    );
    let mut copied = 0;
    for rel in listed.stdout.split(|&b| b == 0).filter(|p| !p.is_empty()) {
        let rel = PathBuf::from(std::str::from_utf8(rel).expect("UTF-8 path in the repository"));
        let from = src.join(&rel);
        if !from.is_file() {
            continue; // deleted in the working tree, or a submodule
        }
        let to = dest.join(&rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        copied += 1;
    }
    assert!(
        dest.join(".pre-commit-hooks.yaml").is_file(),
        "no .pre-commit-hooks.yaml in {}",
        src.display()
    );
    git(dest, &["init", "--quiet"]);
    git(dest, &["add", "--all"]);
    git(
        dest,
        &[
            "-c",
            "user.name=mcpform tests",
            "-c",
            "user.email=tests@mcpform.invalid",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--no-verify",
            "--message=working tree snapshot",
        ],
    );
    eprintln!(
        "precommit: snapshot of {copied} files at {}",
        dest.display()
    );
}

/// Runs git in `dir`, panicking with its stderr on failure.
fn git(dir: &Path, args: &[&str]) -> Output {
    let out = command("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {} in {} failed: {}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `program` without the git variables that would point it at another repository
/// (set when the tests themselves run inside a git hook).
fn command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    for name in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"] {
        cmd.env_remove(name);
    }
    cmd
}
