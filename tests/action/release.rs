//! The release workflow (`.github/workflows/release.yml`): one run at a time per tag, a
//! pinned toolchain, and a release whose assets are never replaced. Its `run:` steps
//! run here with stubs of `rustup` and `gh` on PATH that record what they are asked.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::install::pinned_toolchain;
use super::runner::yaml_file;

const TAG: &str = "v0.1.0";

fn workflow() -> Value {
    yaml_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml"))
}

/// The `run:` text of the step `name` of job `job`.
fn step_run(job: &str, name: &str) -> String {
    let w = workflow();
    let steps = w["jobs"][job]["steps"].as_array().unwrap();
    let step = steps
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("job {job} has a step `{name}`"));
    assert_eq!(step["shell"], "bash", "{name}");
    step["run"].as_str().unwrap().to_owned()
}

/// A directory of stubs: each records `NAME ARGS…` in `calls` and runs its `body`.
struct Stubs {
    dir: tempfile::TempDir,
}

impl Stubs {
    fn new() -> Stubs {
        let s = Stubs {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(s.bin()).unwrap();
        s
    }

    fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn add(&self, name: &str, body: &str) {
        let path = self.bin().join(name);
        let script = format!(
            "#!/usr/bin/env bash\nset -euo pipefail\necho \"{name} $*\" >> '{}'\n{body}\n",
            self.dir.path().join("calls").display()
        );
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Runs a step's script as the runner does, in `cwd`, with these stubs first on PATH.
    fn run(&self, script: &str, cwd: &Path, env: &[(&str, &str)]) -> Output {
        let file = self.dir.path().join("step.sh");
        std::fs::write(&file, script).unwrap();
        let path = format!(
            "{}:{}",
            self.bin().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let env: BTreeMap<&str, &str> = env.iter().copied().collect();
        Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(cwd)
            .env_clear()
            .env("PATH", path)
            .env("GITHUB_REF_NAME", TAG)
            .envs(env)
            .output()
            .unwrap()
    }
}

#[test]
fn one_release_run_at_a_time_per_tag_never_cancelled() {
    let w = workflow();
    let group = w["concurrency"]["group"].as_str().unwrap_or_default();
    assert!(
        group.contains("github.ref"),
        "concurrency per tag: {}",
        w["concurrency"]
    );
    assert_eq!(w["concurrency"]["cancel-in-progress"], "false");
}

#[test]
fn the_toolchain_step_installs_the_actions_pinned_toolchain_not_the_latest_stable() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml"),
    )
    .unwrap();
    assert!(!text.contains("rustup update"), "unpinned: rustup update");
    let stubs = Stubs::new();
    stubs.add("rustup", "");
    let out = stubs.run(
        &step_run("build", "toolchain"),
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[("TARGET", "aarch64-apple-darwin")],
    );
    assert!(out.status.success(), "{out:?}");
    let pinned = pinned_toolchain();
    assert_eq!(
        stubs.calls(),
        [
            format!(
                "rustup toolchain install {pinned} --profile minimal --target aarch64-apple-darwin --no-self-update"
            ),
            format!("rustup target add --toolchain {pinned} aarch64-apple-darwin"),
            format!("rustup default {pinned}"),
        ]
    );
}

/// A `gh` whose release `TAG` has `assets` assets, or does not exist (`None`): `release
/// view` answers as gh does (its `--jq` through jq), upload and create only record.
fn gh(stubs: &Stubs, assets: Option<usize>) {
    let body = match assets {
        None => "if [ \"$1 $2\" = 'release view' ]; then echo 'release not found' >&2; exit 1; fi"
            .to_owned(),
        Some(n) => {
            let list: Vec<String> = (0..n)
                .map(|i| format!("{{\"name\": \"mcpform-{i}.tar.gz\"}}"))
                .collect();
            let json = format!("{{\"assets\": [{}]}}", list.join(", "));
            format!(
                "if [ \"$1 $2\" = 'release view' ]; then\n  jq=''; json=0\n  shift 3\n  while [ $# -gt 0 ]; do case $1 in --json) json=1; shift 2 ;; --jq) jq=$2; shift 2 ;; *) shift ;; esac; done\n  [ \"$json\" = 1 ] || {{ echo 'the stub answers --json only' >&2; exit 2; }}\n  printf '%s' '{json}' | jq -r \"${{jq:-.}}\"\nfi"
            )
        }
    };
    stubs.add("gh", &body);
}

fn publish(assets: Option<usize>) -> (Output, Vec<String>) {
    let stubs = Stubs::new();
    gh(&stubs, assets);
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(work.path().join("dist")).unwrap();
    for f in [
        "SHA256SUMS",
        "SOURCE_COMMIT",
        "mcpform-v0.1.0-x86_64-unknown-linux-musl.tar.gz",
    ] {
        std::fs::write(work.path().join("dist").join(f), "x").unwrap();
    }
    let out = stubs.run(
        &step_run("publish", "attach to the release"),
        work.path(),
        &[("GH_TOKEN", "ghs_x"), ("GH_REPO", "acme/mcpform")],
    );
    (out, stubs.calls())
}

#[test]
fn a_release_that_already_has_assets_fails_the_job_and_nothing_is_replaced() {
    if Command::new("jq").arg("--version").output().is_err() {
        eprintln!("skipped: no jq (the stub of gh answers --jq with it)");
        return;
    }
    let (out, calls) = publish(Some(6));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("::error title=release::") && stdout.contains("6 asset"),
        "{stdout}"
    );
    assert!(
        calls.iter().all(|c| c.starts_with("gh release view")),
        "no upload, no create: {calls:?}"
    );
}

#[test]
fn a_release_without_assets_gets_them_without_clobber_and_a_missing_one_is_created() {
    if Command::new("jq").arg("--version").output().is_err() {
        eprintln!("skipped: no jq (the stub of gh answers --jq with it)");
        return;
    }
    let (out, calls) = publish(Some(0));
    assert!(out.status.success(), "{out:?}");
    let upload = calls
        .iter()
        .find(|c| c.starts_with("gh release upload"))
        .unwrap();
    assert!(
        upload.starts_with(&format!("gh release upload {TAG} dist/")),
        "{upload}"
    );
    assert!(!upload.contains("--clobber"), "{upload}");

    let (out, calls) = publish(None);
    assert!(out.status.success(), "{out:?}");
    let create = calls
        .iter()
        .find(|c| c.starts_with("gh release create"))
        .unwrap();
    assert!(create.contains("--verify-tag"), "{create}");
    assert!(!calls.iter().any(|c| c.starts_with("gh release upload")));
}
