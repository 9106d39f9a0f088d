//! Files the commands write: never over a file the command reads, and not over a file
//! that is not mcpform's own output of the same kind without `--force`; a previous
//! plan document or report is replaced, so reruns work.

use serde_json::json;

use crate::run;
use crate::support::cli::{Workspace, code, stderr};
use crate::support::fake_proxy::{FakeConfig, FakeProxy};

const FILE: &str = "version: 1\nservers:\n  - server_name: docs\n    transport: http\n    url: https://d.example.invalid/mcp\n";

fn setup() -> (FakeProxy, Workspace) {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(
        json!({"server_id": "docs", "server_name": "docs", "transport": "http",
        "url": "https://old.example.invalid/mcp"}),
    );
    let ws = Workspace::new();
    ws.write("servers.yaml", FILE);
    (fake, ws)
}

fn read(ws: &Workspace, name: &str) -> String {
    std::fs::read_to_string(ws.path().join(name)).unwrap()
}

#[test]
fn plan_out_never_replaces_an_input_and_needs_force_for_a_foreign_file() {
    let (fake, ws) = setup();
    for extra in [&[][..], &["--force"]] {
        let args = [
            &["plan", "servers.yaml", "--out", "servers.yaml"][..],
            extra,
        ]
        .concat();
        let out = run(&ws, &fake, &args);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(
            stderr(&out).contains("is a file this command reads"),
            "{}",
            stderr(&out)
        );
        assert_eq!(read(&ws, "servers.yaml"), FILE);
    }
    // Another name for an input (a link) is the same file.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(ws.path().join("servers.yaml"), ws.path().join("link.json"))
            .unwrap();
        let out = run(&ws, &fake, &["plan", "servers.yaml", "--out", "link.json"]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert_eq!(read(&ws, "servers.yaml"), FILE);
    }
    ws.write("notes.txt", "keep me\n");
    let out = run(&ws, &fake, &["plan", "servers.yaml", "--out", "notes.txt"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("pass --force"), "{}", stderr(&out));
    assert_eq!(read(&ws, "notes.txt"), "keep me\n");
    let lists = fake
        .journal()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/v1/mcp/server")
        .count();
    assert_eq!(lists, 0, "refused before the proxy is asked anything");
    let out = run(
        &ws,
        &fake,
        &["plan", "servers.yaml", "--out", "notes.txt", "--force"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // A plan document (or an empty file, as `mktemp` makes) is replaced: reruns work.
    ws.write("empty.json", "");
    for target in ["plan.json", "plan.json", "notes.txt", "empty.json"] {
        let out = run(&ws, &fake, &["plan", "servers.yaml", "--out", target]);
        assert_eq!(code(&out), 0, "{target}: {}", stderr(&out));
    }
}

#[test]
fn apply_report_never_replaces_the_plan_it_applies_or_an_input() {
    let (fake, ws) = setup();
    let out = run(&ws, &fake, &["plan", "servers.yaml", "--out", "plan.json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let plan = read(&ws, "plan.json");
    for extra in [&[][..], &["--force"]] {
        let args = [&["apply", "plan.json", "--report", "plan.json"][..], extra].concat();
        let out = run(&ws, &fake, &args);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(
            stderr(&out).contains("is a file this command reads"),
            "{}",
            stderr(&out)
        );
        assert_eq!(read(&ws, "plan.json"), plan);
    }
    let out = run(
        &ws,
        &fake,
        &[
            "apply",
            "servers.yaml",
            "--auto-approve",
            "--report",
            "servers.yaml",
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(read(&ws, "servers.yaml"), FILE);
    let out = run(
        &ws,
        &fake,
        &["apply", "plan.json", "--report", "other_plan.json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // A report is replaced by the next one; a plan document is not a report.
    let out = run(
        &ws,
        &fake,
        &[
            "apply",
            "servers.yaml",
            "--auto-approve",
            "--report",
            "other_plan.json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&ws, &fake, &["plan", "servers.yaml", "--out", "plan2.json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(
        &ws,
        &fake,
        &[
            "apply",
            "servers.yaml",
            "--auto-approve",
            "--report",
            "plan2.json",
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not an mcpform apply report"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn export_env_file_to_a_device_says_what_it_needs() {
    let (fake, ws) = setup();
    for extra in [&[][..], &["--force"]] {
        let args = [&["export", "--env-file", "/dev/stdout"][..], extra].concat();
        let out = run(&ws, &fake, &args);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("--env-file needs a regular file"), "{err}");
        assert!(
            !err.contains("give `-`"),
            "`-` is refused for --env-file: {err}"
        );
    }
}
