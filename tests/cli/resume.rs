//! Two-write actions left half done, saved plans that finish them, and what the report
//! says the proxy holds and what to do next.

use serde_json::{Value, json};

use crate::support::cli::{Workspace, code, stable, stderr, stdout};
use crate::support::fake_proxy::{FakeConfig, FakeProxy, Fault, Method};

fn mcpform(ws: &Workspace, fake: &FakeProxy, args: &[&str]) -> std::process::Output {
    ws.mcpform(&fake.base_url(), &fake.master_key())
        .args(args)
        .output()
        .unwrap()
}

fn apply_json(ws: &Workspace, fake: &FakeProxy, args: &[&str]) -> (i32, Value) {
    let mut all = vec![
        "apply",
        "--auto-approve",
        "--format",
        "json",
        "--progress",
        "none",
    ];
    all.extend_from_slice(args);
    let out = mcpform(ws, fake, &all);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not a report ({e}):\n{}\n{}", stdout(&out), stderr(&out)));
    (code(&out), report)
}

fn saved_plan(ws: &Workspace, fake: &FakeProxy, file: &str) {
    let out = mcpform(ws, fake, &["plan", file, "--out", "plan.json"]);
    assert_eq!(code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
}

fn refused(message: &str) -> Fault {
    Fault::status(Method::PUT, "/v1/mcp/server", 400)
        .with_body(json!({"detail": {"error": message}}))
}

fn plan_is_empty(ws: &Workspace, fake: &FakeProxy, file: &str) {
    let out = mcpform(ws, fake, &["plan", file, "--detailed-exitcode"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

const OAUTH: &str = "version: 1\nservers:\n  - server_name: oauth_tools\n    transport: http\n    url: https://new.example.invalid/mcp\n    auth_type: oauth2\n    token_url: https://idp.example.invalid/token\n    authorization_url: https://idp.example.invalid/authorize\n";

#[test]
fn an_oauth_update_whose_second_write_failed_is_partial_and_the_saved_plan_finishes_it() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(
        json!({"server_id": "o", "server_name": "oauth_tools", "transport": "http",
        "url": "https://old.example.invalid/mcp", "auth_type": "oauth2",
        "token_url": "https://idp.example.invalid/token",
        "authorization_url": "https://idp.example.invalid/authorize"}),
    );
    let ws = Workspace::new();
    ws.write("s.yaml", OAUTH);
    saved_plan(&ws, &fake, "s.yaml");
    fake.inject(refused("a refusal the second write meets").after(1));
    let (exit, report) = apply_json(&ws, &fake, &["plan.json"]);
    assert_eq!(exit, 1, "{report:#}");
    let r = &report["results"][0];
    assert_eq!(r["status"], "partial", "{report:#}");
    let held = r["partial"].to_string();
    assert!(
        held.contains("token_url") && held.contains("authorization_url"),
        "{report:#}"
    );
    let human = mcpform(&ws, &fake, &["apply", "plan.json", "--progress", "none"]);
    assert_eq!(code(&human), 0, "{}\n{}", stdout(&human), stderr(&human));
    plan_is_empty(&ws, &fake, "s.yaml");
}

const CREATE: &str = "version: 1\nservers:\n  - server_name: weather\n    transport: sse\n    url: https://w.example.invalid/sse\n";

#[test]
fn a_create_without_its_proof_is_partial_and_the_saved_plan_finishes_it() {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write("s.yaml", CREATE);
    saved_plan(&ws, &fake, "s.yaml");
    fake.inject(refused("the proof write is refused"));
    let out = mcpform(
        &ws,
        &fake,
        &[
            "apply",
            "plan.json",
            "--progress",
            "none",
            "--report",
            "r.json",
        ],
    );
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    insta::assert_snapshot!("apply_partial_create", stable(&text, &ws, &fake.base_url()));
    assert!(text.contains("partial"), "{text}");
    assert!(text.contains("without ownership proof"), "{text}");
    assert!(
        text.contains("A rerun of the same command finishes the job."),
        "{text}"
    );
    let (exit, report) = apply_json(&ws, &fake, &["plan.json"]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["results"][0]["status"], "applied", "{report:#}");
    plan_is_empty(&ws, &fake, "s.yaml");
}

const SWAP: &str = "version: 1\nservers:\n  - server_id: a\n    server_name: a\n    alias: y\n    transport: sse\n    url: https://s.example.invalid/sse\n  - server_id: b\n    server_name: b\n    alias: x\n    transport: sse\n    url: https://s.example.invalid/sse\n";

fn swap_proxy() -> FakeProxy {
    let fake = FakeProxy::start(FakeConfig::default());
    for (id, alias) in [("a", "x"), ("b", "y")] {
        fake.seed_server(json!({"server_id": id, "server_name": id, "alias": alias,
            "transport": "sse", "url": "https://s.example.invalid/sse"}));
    }
    fake
}

#[test]
fn a_swap_left_on_its_temporary_alias_says_so_and_the_saved_plan_finishes_it() {
    let fake = swap_proxy();
    let ws = Workspace::new();
    ws.write("s.yaml", SWAP);
    saved_plan(&ws, &fake, "s.yaml");
    // The temporary write and the partner's write go through; the last one is refused,
    // and so is putting the old alias back (the partner holds it now).
    fake.inject(refused("refused").after(2).times(2));
    let (exit, report) = apply_json(&ws, &fake, &["plan.json", "--parallelism", "1"]);
    assert_eq!(exit, 1, "{report:#}");
    let partial: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "partial")
        .collect();
    assert_eq!(partial.len(), 1, "{report:#}");
    assert!(
        partial[0]["partial"].to_string().contains("_mcpform_tmp"),
        "{report:#}"
    );
    let (exit, report) = apply_json(&ws, &fake, &["plan.json"]);
    assert_eq!(exit, 0, "{report:#}");
    plan_is_empty(&ws, &fake, "s.yaml");
}

#[test]
fn a_swap_whose_partner_failed_puts_the_temporary_alias_back() {
    let fake = swap_proxy();
    let ws = Workspace::new();
    ws.write("s.yaml", SWAP);
    saved_plan(&ws, &fake, "s.yaml");
    // The partner's write (the second request) is refused: the first server's own
    // write never runs, and its old alias is free to take back.
    fake.inject(refused("refused").after(1));
    let (exit, report) = apply_json(&ws, &fake, &["plan.json", "--parallelism", "1"]);
    assert_eq!(exit, 1, "{report:#}");
    assert!(
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] != "partial"),
        "{report:#}"
    );
    let aliases: Vec<Value> = fake.rows().iter().map(|r| r["alias"].clone()).collect();
    assert_eq!(aliases, [json!("x"), json!("y")], "put back");
    let (exit, report) = apply_json(&ws, &fake, &["plan.json"]);
    assert_eq!(exit, 0, "{report:#}");
    plan_is_empty(&ws, &fake, "s.yaml");
}

#[test]
fn a_refusal_that_a_rerun_would_meet_again_does_not_promise_a_rerun() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(
        json!({"server_id": "w", "server_name": "weather", "transport": "sse",
        "url": "https://old.example.invalid/sse"}),
    );
    let ws = Workspace::new();
    ws.write("s.yaml", CREATE);
    saved_plan(&ws, &fake, "s.yaml");
    fake.inject(refused("this proxy refuses the value"));
    let out = mcpform(&ws, &fake, &["apply", "plan.json", "--progress", "none"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    insta::assert_snapshot!("apply_refused_again", stable(&text, &ws, &fake.base_url()));
    assert!(!text.contains("A rerun of the same command"), "{text}");
    assert!(text.contains("lan again from the files"), "{text}");
}

#[test]
fn the_human_plan_shows_a_swaps_temporary_alias() {
    let fake = swap_proxy();
    let ws = Workspace::new();
    ws.write("s.yaml", SWAP);
    let out = mcpform(&ws, &fake, &["plan", "s.yaml"]);
    insta::assert_snapshot!("plan_swap", stable(&stdout(&out), &ws, &fake.base_url()));
    assert!(
        stdout(&out).contains("alias `x_mcpform_tmp`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_json_server_file_is_applied_as_files_not_read_as_a_plan() {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write(
        "s.json",
        r#"{"version": 1, "servers": [{"server_name": "weather", "transport": "sse", "url": "https://w.example.invalid/sse"}]}"#,
    );
    let (exit, report) = apply_json(&ws, &fake, &["s.json"]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["results"][0]["status"], "applied");
    ws.write("odd.json", r#"{"servers": [], "format_version": 3}"#);
    let out = mcpform(&ws, &fake, &["apply", "--auto-approve", "odd.json"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("odd.json"), "{}", stderr(&out));
}
