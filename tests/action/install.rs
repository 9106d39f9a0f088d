//! Where the Action's mcpform comes from: a release binary (checksum verified) when the
//! action's ref is a release, else a cached `cargo install --locked` of its own source.
//! Release assets are served by the fake GitHub; `cargo` is a stub that records its
//! arguments (a real build takes minutes; what is tested is the scripts' logic).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use ring::digest::{SHA256, digest};

use super::Setup;

const ACTION_REPO: &str = "acme/mcpform";
const TARGET: &str = "x86_64-unknown-linux-musl";

fn tag() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

fn hex(bytes: &[u8]) -> String {
    digest(&SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Publishes a release with the binary under test, as the release workflow lays it out.
fn publish_release(s: &Setup, commit: &str, corrupt: bool) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_mcpform"), dir.path().join("mcpform")).unwrap();
    let asset = format!("mcpform-{}-{TARGET}.tar.gz", tag());
    let tarball = dir.path().join(&asset);
    let ok = Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(dir.path())
        .arg("mcpform")
        .status()
        .unwrap();
    assert!(ok.success());
    let bytes = std::fs::read(&tarball).unwrap();
    let sum = if corrupt {
        hex(b"something else")
    } else {
        hex(&bytes)
    };
    let sums = format!(
        "{sum}  {asset}\n{}  mcpform-{}-aarch64-apple-darwin.tar.gz\n",
        hex(b"x"),
        tag()
    );
    s.github.add_asset(ACTION_REPO, &tag(), &asset, bytes);
    s.github
        .add_asset(ACTION_REPO, &tag(), "SHA256SUMS", sums.into_bytes());
    s.github.add_asset(
        ACTION_REPO,
        &tag(),
        "SOURCE_COMMIT",
        format!("{commit}\n").into_bytes(),
    );
}

fn at_ref(s: &Setup, reference: &str) {
    let mut g = s.github_context.borrow_mut();
    g.insert("action_ref".into(), reference.into());
    g.insert("action_repository".into(), ACTION_REPO.into());
}

fn lint(s: &Setup) -> super::runner::Outcome {
    s.write("servers/wiki.yaml", super::WIKI);
    s.run(&[
        ("command", "lint"),
        ("paths", "servers"),
        ("mcpform-path", ""),
    ])
}

#[test]
fn a_release_ref_installs_the_release_binary_after_checking_its_sum() {
    let s = Setup::new();
    publish_release(&s, "c0ffee0000000000000000000000000000000000", false);
    at_ref(&s, &tag());
    let o = lint(&s);
    assert!(!o.failed(), "{}", o.log);
    assert!(o.log.contains("checksum verified"), "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "0");
    assert!(o.summary.contains("### mcpform lint"));
    assert!(s.used.borrow().is_empty(), "no cache, no build");
    assert_eq!(o.outcomes["build"], "skipped");
}

#[test]
fn the_commit_a_release_was_built_from_gets_its_binary_and_another_commit_builds() {
    let commit = "c0ffee0000000000000000000000000000000000";
    let s = Setup::new();
    publish_release(&s, commit, false);
    at_ref(&s, commit);
    let o = lint(&s);
    assert!(o.log.contains("checksum verified"), "{}", o.log);

    let s = Setup::new();
    publish_release(&s, commit, false);
    at_ref(&s, "badc0de000000000000000000000000000000000");
    let cargo = stub_cargo(&s);
    let o = lint(&s);
    assert!(!o.failed(), "{}", o.log);
    assert!(cargo.is_file(), "built instead: {}", o.log);
}

#[test]
fn a_wrong_checksum_stops_the_action_before_mcpform_runs() {
    let s = Setup::new();
    publish_release(&s, "c0ffee0000000000000000000000000000000000", true);
    at_ref(&s, &tag());
    let o = lint(&s);
    assert_eq!(o.exit_code, 1, "{}", o.log);
    assert!(
        o.log.contains("::error title=mcpform::the checksum of"),
        "{}",
        o.log
    );
    assert_eq!(o.outcomes["run"], "skipped");
    assert!(s.used.borrow().is_empty(), "no fallback to a build");
}

/// A `cargo` on PATH that records its arguments in `cargo-args` and "builds" by
/// copying the binary under test to `--root`/bin.
fn stub_cargo(s: &Setup) -> std::path::PathBuf {
    let bin = s.temp.path().join("stub-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = s.temp.path().join("cargo-args");
    let script = format!(
        "#!/usr/bin/env bash\nset -euo pipefail\nprintf '%s\\n' \"$@\" > '{}'\nroot=''\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --root ]; then root=$2; fi; shift; done\nmkdir -p \"$root/bin\"\ncp '{}' \"$root/bin/mcpform\"\n",
        record.display(),
        env!("CARGO_BIN_EXE_mcpform")
    );
    let path = bin.join("cargo");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path_var = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    s.env.borrow_mut().insert("PATH".into(), path_var);
    record
}

#[test]
fn without_a_release_it_builds_with_cargo_install_locked_and_caches_by_a_bash_computed_key() {
    let s = Setup::new();
    at_ref(&s, "main");
    let record = stub_cargo(&s);
    let o = lint(&s);
    assert!(!o.failed(), "{}", o.log);
    assert_eq!(o.outputs["exit-code"], "0");
    let args: Vec<String> = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let cache_dir = s.temp.path().join("mcpform-build").display().to_string();
    assert_eq!(
        args,
        [
            "install",
            "--locked",
            "--path",
            env!("CARGO_MANIFEST_DIR"),
            "--root",
            &cache_dir
        ]
    );
    let used = s.used.borrow();
    assert_eq!(used.len(), 2, "restore, then save: {used:?}");
    assert!(used[0].0.starts_with("actions/cache/restore@"));
    assert!(used[1].0.starts_with("actions/cache/save@"));
    let key = used[0].1["key"].clone();
    let prefix = format!("mcpform-Linux-X64-{}-", env!("CARGO_PKG_VERSION"));
    assert!(
        key.starts_with(&prefix) && key.len() == prefix.len() + 64,
        "{key}"
    );
    assert_eq!(used[1].1["key"], key);
    assert_eq!(used[0].1["path"], cache_dir);
    drop(used);
    // The key is the same on the next run (same source), where the cache would hit.
    let again = lint(&s);
    assert_eq!(s.used.borrow()[2].1["key"], key, "{}", again.log);
    assert!(Path::new(&cache_dir).join("bin/mcpform").is_file());
}

#[test]
fn mcpform_path_skips_installing_and_must_name_an_executable() {
    let s = Setup::new();
    s.write("servers/wiki.yaml", super::WIKI);
    let o = s.run(&[("command", "lint"), ("paths", "servers")]);
    assert!(!o.failed(), "{}", o.log);
    assert!(s.used.borrow().is_empty());
    let o = s.run(&[
        ("command", "lint"),
        ("mcpform-path", "/nonexistent/mcpform"),
    ]);
    assert_eq!(o.exit_code, 1);
    assert!(
        o.log.contains("mcpform-path does not name an executable"),
        "{}",
        o.log
    );
}
