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

/// A `cargo` on PATH that records its arguments in `cargo-args`, its working directory
/// and the variables that steer a build in `cargo-env`, and "builds" by copying the
/// binary under test to `--root`/bin; and a `rustup` beside it that records its
/// arguments in `rustup-args` and has every toolchain unless `rustup-missing` exists.
fn stub_cargo(s: &Setup) -> std::path::PathBuf {
    let bin = s.temp.path().join("stub-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = s.temp.path().join("cargo-args");
    let env_record = s.temp.path().join("cargo-env");
    let script = format!(
        "#!/usr/bin/env bash\nset -euo pipefail\nprintf '%s\\n' \"$@\" > '{}'\n{{ echo \"cwd=$PWD\"; for v in {STEERING}; do echo \"$v=${{!v-<unset>}}\"; done; }} > '{}'\nroot=''\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --root ]; then root=$2; fi; shift; done\nmkdir -p \"$root/bin\"\ncp '{}' \"$root/bin/mcpform\"\n",
        record.display(),
        env_record.display(),
        env!("CARGO_BIN_EXE_mcpform")
    );
    let path = bin.join("cargo");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let rustup = format!(
        "#!/usr/bin/env bash\nset -euo pipefail\nprintf '%s\\n' \"$*\" >> '{}'\nif [ \"$1\" = which ] && [ -e '{}' ]; then exit 1; fi\nif [ \"$1\" = which ]; then echo '{}'; fi\n",
        s.temp.path().join("rustup-args").display(),
        s.temp.path().join("rustup-missing").display(),
        path.display()
    );
    let rustup_path = bin.join("rustup");
    std::fs::write(&rustup_path, rustup).unwrap();
    std::fs::set_permissions(&rustup_path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path_var = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    s.env.borrow_mut().insert("PATH".into(), path_var);
    record
}

/// What the stub cargo saw: `cwd` and each of [`STEERING`] (`<unset>` when unset).
fn cargo_env(s: &Setup) -> std::collections::BTreeMap<String, String> {
    std::fs::read_to_string(s.temp.path().join("cargo-env"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Variables that change what cargo runs or builds, recorded by the stub cargo.
const STEERING: &str = "RUSTUP_TOOLCHAIN RUSTC RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTC CARGO_BUILD_RUSTC_WRAPPER CARGO_BUILD_RUSTFLAGS CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER CARGO_PROFILE_RELEASE_LTO CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS CARGO_HOME";

/// The toolchain the Action pins (`rust_toolchain` in action/lib.sh).
pub(crate) fn pinned_toolchain() -> String {
    let out = Command::new("bash")
        .arg("-c")
        .arg(". action/lib.sh && rust_toolchain")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "action/lib.sh has rust_toolchain");
    let version = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let parts: Vec<&str> = version.split('.').collect();
    assert!(
        parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok()),
        "a full version, never a channel: `{version}`"
    );
    version
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
    let prefix = format!(
        "mcpform-Linux-X64-{}-rust{}-",
        env!("CARGO_PKG_VERSION"),
        pinned_toolchain()
    );
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

/// Files of a pull request's checkout and variables of its job that would pick what
/// runs in the build: a `path` toolchain in rust-toolchain.toml (its `cargo` and
/// `rustc` write `marker`), a .cargo/config.toml with a rustc wrapper, a rustc, a
/// target directory and `[env]`, and the same through the job's variables.
fn plant_hostile_workspace(s: &Setup) -> (std::path::PathBuf, std::path::PathBuf) {
    let marker = s.temp.path().join("hostile-ran");
    let evil = s.temp.path().join("evil-toolchain");
    std::fs::create_dir_all(evil.join("bin")).unwrap();
    for name in ["cargo", "rustc", "rustdoc", "wrapper"] {
        // The wrapper runs what it wraps; the others only say they ran.
        let then = if name == "wrapper" {
            "exec \"$@\""
        } else {
            "exit 1"
        };
        let script = format!(
            "#!/usr/bin/env bash\necho \"$0 $*\" >> '{}'\n{then}\n",
            marker.display()
        );
        let path = evil.join("bin").join(name);
        std::fs::write(&path, &script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let wrapper = evil.join("bin/wrapper").display().to_string();
    let rustc = evil.join("bin/rustc").display().to_string();
    let poisoned = s.workspace.path().join("poisoned-target");
    s.write(
        "rust-toolchain.toml",
        &format!("[toolchain]\npath = \"{}\"\n", evil.display()),
    );
    s.write(
        ".cargo/config.toml",
        &format!(
            "[build]\nrustc = \"{rustc}\"\nrustc-wrapper = \"{wrapper}\"\ntarget-dir = \"{}\"\n\n[env]\nMCPFORM_POISONED = \"1\"\n",
            poisoned.display()
        ),
    );
    let mut env = s.env.borrow_mut();
    for (k, v) in [
        ("RUSTC_WRAPPER", wrapper.as_str()),
        ("RUSTC_WORKSPACE_WRAPPER", wrapper.as_str()),
        ("CARGO_BUILD_RUSTC_WRAPPER", wrapper.as_str()),
        ("RUSTC", rustc.as_str()),
        ("CARGO_BUILD_RUSTC", rustc.as_str()),
        ("RUSTFLAGS", "--cfg poisoned"),
        ("CARGO_ENCODED_RUSTFLAGS", "--cfg\u{1f}poisoned"),
        ("CARGO_BUILD_RUSTFLAGS", "--cfg poisoned"),
        (
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER",
            wrapper.as_str(),
        ),
        ("CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS", "true"),
        ("RUSTUP_TOOLCHAIN", "nightly"),
    ] {
        env.insert(k.into(), v.into());
    }
    let target = poisoned.display().to_string();
    env.insert("CARGO_TARGET_DIR".into(), target.clone());
    env.insert("CARGO_BUILD_TARGET_DIR".into(), target);
    (marker, poisoned)
}

#[test]
fn the_build_runs_in_the_actions_directory_with_the_pinned_toolchain_and_none_of_the_jobs_steering()
{
    let s = Setup::new();
    at_ref(&s, "main");
    stub_cargo(&s);
    let (marker, poisoned) = plant_hostile_workspace(&s);
    let o = lint(&s);
    assert!(!o.failed(), "{}", o.log);
    assert_eq!(o.outcomes["build"], "success");
    let seen = cargo_env(&s);
    assert_eq!(seen["cwd"], env!("CARGO_MANIFEST_DIR"), "not the workspace");
    assert_eq!(seen["RUSTUP_TOOLCHAIN"], pinned_toolchain());
    for name in STEERING.split(' ') {
        match name {
            "RUSTUP_TOOLCHAIN" | "CARGO_HOME" => {}
            // Set by the script itself: thin codegen, a fresh directory of its own.
            "CARGO_PROFILE_RELEASE_LTO" => assert_eq!(seen[name], "false"),
            "CARGO_TARGET_DIR" => assert_eq!(
                seen[name],
                s.temp.path().join("mcpform-target").display().to_string()
            ),
            _ => assert_eq!(seen[name], "<unset>", "{name} reaches cargo"),
        }
    }
    assert!(!marker.exists(), "nothing of the workspace ran");
    assert!(!poisoned.exists());
    let rustup = std::fs::read_to_string(s.temp.path().join("rustup-args")).unwrap();
    assert!(
        !rustup.contains("toolchain install"),
        "installed already: {rustup}"
    );
}

#[test]
fn a_missing_pinned_toolchain_is_installed_with_rustup_before_the_build() {
    let s = Setup::new();
    at_ref(&s, "main");
    stub_cargo(&s);
    std::fs::write(s.temp.path().join("rustup-missing"), "").unwrap();
    let o = lint(&s);
    assert!(!o.failed(), "{}", o.log);
    let rustup = std::fs::read_to_string(s.temp.path().join("rustup-args")).unwrap();
    assert!(
        rustup.contains(&format!(
            "toolchain install {} --profile minimal --no-self-update",
            pinned_toolchain()
        )),
        "{rustup}"
    );
}

#[test]
fn the_cache_key_does_not_depend_on_the_workspace() {
    let key = |hostile: bool| {
        let s = Setup::new();
        at_ref(&s, "main");
        stub_cargo(&s);
        if hostile {
            plant_hostile_workspace(&s);
            s.write(
                "Cargo.toml",
                "[package]\nname = \"mcpform\"\nversion = \"9.9.9\"\n",
            );
            s.write("Cargo.lock", "version = 4\n");
        }
        let o = lint(&s);
        assert!(!o.failed(), "{}", o.log);
        s.used.borrow()[0].1["key"].clone()
    };
    assert_eq!(key(false), key(true));
}

/// The directory of `name` on PATH.
fn on_path(name: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).find(|dir| dir.join(name).is_file())
}

/// A copy of the action whose crate is a few lines (so that a real `cargo install`
/// takes a second): its scripts are this repository's.
fn tiny_action() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("action")).unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("action")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), root.join("action").join(entry.file_name())).unwrap();
    }
    let version = env!("CARGO_PKG_VERSION");
    std::fs::write(
        root.join("Cargo.toml"),
        format!("[package]\nname = \"mcpform\"\nversion = \"{version}\"\nedition = \"2021\"\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("Cargo.lock"),
        format!("version = 4\n\n[[package]]\nname = \"mcpform\"\nversion = \"{version}\"\n"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    // It exits 0 if it was built without the workspace's `[env]` or `--cfg`, else 1.
    std::fs::write(
        root.join("src/main.rs"),
        "fn main() {\n    let poisoned = option_env!(\"MCPFORM_POISONED\").is_some() || cfg!(poisoned);\n    std::process::exit(i32::from(poisoned));\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    std::fs::write(root.join("schemas/x.json"), "{}").unwrap();
    dir
}

#[test]
fn with_the_real_rustup_a_hostile_rust_toolchain_toml_and_cargo_config_in_the_workspace_do_not_run()
{
    let Some(rustup_dir) = on_path("rustup") else {
        eprintln!("skipped: no rustup on PATH");
        return;
    };
    let toolchain = pinned_toolchain();
    let installed = Command::new(rustup_dir.join("rustup"))
        .args(["which", "--toolchain", &toolchain, "cargo"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!(
            "skipped: Rust {toolchain} is not installed (rustup toolchain install {toolchain})"
        );
        return;
    }
    let s = Setup::new();
    at_ref(&s, "main");
    let action = tiny_action();
    {
        let mut env = s.env.borrow_mut();
        env.insert(
            "GITHUB_ACTION_PATH".into(),
            action.path().display().to_string(),
        );
        // The runner's rustup: its proxies first on PATH, as on GitHub's images.
        env.insert(
            "PATH".into(),
            format!(
                "{}:{}",
                rustup_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
        for name in ["RUSTUP_HOME", "CARGO_HOME"] {
            if let Ok(v) = std::env::var(name) {
                env.insert(name.into(), v);
            }
        }
    }
    let (marker, poisoned) = plant_hostile_workspace(&s);
    // RUSTUP_TOOLCHAIN of the job would win over the file: without it, the file is
    // what rustup would read.
    s.env.borrow_mut().remove("RUSTUP_TOOLCHAIN");
    let o = lint(&s);
    let ran = std::fs::read_to_string(&marker).unwrap_or_default();
    assert!(
        ran.is_empty(),
        "the workspace's toolchain or wrapper ran:\n{ran}\n{}",
        o.log
    );
    assert!(
        !poisoned.exists(),
        "the workspace's target directory was used"
    );
    assert_eq!(o.outcomes["build"], "success", "{}", o.log);
    let built = s.temp.path().join("mcpform-build/bin/mcpform");
    assert!(built.is_file(), "{}", o.log);
    // The tiny mcpform exits 1 when the workspace's `[env]` or RUSTFLAGS reached it.
    assert_eq!(o.outputs["exit-code"], "0", "{}", o.log);
}
