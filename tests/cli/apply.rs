//! `mcpform apply` against the fake proxy: exactly the reviewed plan, refusals before
//! any write, guards re-checked, ordering, faults settled by reading back, reports.

use serde_json::{Value, json};

use crate::support::cli::{Workspace, code, stderr, stdout};
use crate::support::fake_proxy::{
    CredentialKind, FakeConfig, FakeProxy, Fault, Method, RecordedBody,
};
use crate::support::inprocess::client_for;

const ENV: &[(&str, &str)] = &[
    ("JIRA_MCP_TOKEN", "jira-token-value"),
    ("BILLING_MCP_TOKEN", "billing-token-value"),
    ("INVENTORY_MCP_TOKEN", "inventory-token-value"),
];

fn examples() -> String {
    format!("{}/examples", env!("CARGO_MANIFEST_DIR"))
}

fn mcpform(ws: &Workspace, fake: &FakeProxy, args: &[&str]) -> std::process::Output {
    ws.mcpform(&fake.base_url(), &fake.master_key())
        .envs(ENV.iter().copied())
        .args(args)
        .output()
        .unwrap()
}

fn apply_json(ws: &Workspace, fake: &FakeProxy, args: &[&str]) -> (i32, Value, String) {
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
    (code(&out), report, stderr(&out))
}

fn plan_exit(ws: &Workspace, fake: &FakeProxy, paths: &[&str]) -> (i32, String) {
    let mut all = vec!["plan", "--detailed-exitcode"];
    all.extend_from_slice(paths);
    let out = mcpform(ws, fake, &all);
    (code(&out), stdout(&out))
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["server_name"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn writes(fake: &FakeProxy) -> Vec<(String, String)> {
    fake.journal()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method, r.path))
        .collect()
}

/// Seeds an sse server `id` that mcpform owns (its marker with a valid proof).
fn seed_owned(fake: &FakeProxy, id: &str) {
    crate::seed_owned_server(
        fake,
        json!({"server_id": id, "server_name": id, "transport": "sse",
        "url": "https://o.example.invalid/sse",
        "mcp_info": {"managed_by": "mcpform"}}),
    );
}

#[test]
fn examples_apply_then_plan_is_empty_and_a_rerun_changes_nothing() {
    let fake = FakeProxy::start(FakeConfig {
        stdio_enabled: true,
        ..FakeConfig::default()
    });
    let ws = Workspace::new();
    let (exit, report, err) = apply_json(&ws, &fake, &[&examples()]);
    assert_eq!(exit, 0, "{report:#}\n{err}");
    assert_eq!(report["summary"]["applied"], 8, "{report:#}");
    assert_eq!(report["verification"]["ran"], true);
    assert!(
        err.contains("Plan: 8 to create"),
        "the plan is shown: {err}"
    );
    assert_eq!(plan_exit(&ws, &fake, &[&examples()]).0, 0);
    fake.clear_journal();
    let out = mcpform(&ws, &fake, &["apply", "--auto-approve", &examples()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    assert!(
        stdout(&out).contains("Apply: nothing to do."),
        "{}",
        stdout(&out)
    );
    // With nothing to do, the report is still written.
    let (exit, report, _) = apply_json(&ws, &fake, &[&examples(), "--report", "r.json"]);
    assert_eq!(
        (exit, report["results"].as_array().map(Vec::len)),
        (0, Some(0))
    );
    assert!(ws.path().join("r.json").is_file());
}

#[test]
fn without_a_terminal_apply_asks_for_auto_approve() {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    let out = mcpform(&ws, &fake, &["apply", "s.yaml"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("--auto-approve"), "{}", stderr(&out));
    assert!(writes(&fake).is_empty());
}

const ONE: &str = "version: 1\nservers:\n  - server_name: weather\n    transport: sse\n    url: https://w.example.invalid/sse\n";

#[test]
fn a_saved_plan_is_refused_when_the_proxy_moved_naming_the_field() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(
        json!({"server_id": "weather", "server_name": "weather", "transport": "sse",
        "url": "https://old.example.invalid/sse", "description": "d"}),
    );
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    let out = mcpform(&ws, &fake, &["plan", "s.yaml", "--out", "plan.json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Someone edits the server between plan and apply.
    let (status, _) = put(
        &fake,
        json!({"server_id": "weather", "url": "https://moved.example.invalid/sse"}),
    );
    assert_eq!(status, 202);
    fake.clear_journal();
    let (exit, report, _) = apply_json(&ws, &fake, &["plan.json"]);
    assert_eq!(exit, 1);
    assert!(
        writes(&fake).is_empty(),
        "nothing written: {:?}",
        writes(&fake)
    );
    let r = &report["results"][0];
    assert_eq!(r["status"], "stale");
    assert_eq!(r["fields"][0]["field"], "url");
    assert_eq!(r["fields"][0]["planned"], "https://old.example.invalid/sse");
    assert_eq!(r["fields"][0]["now"], "https://moved.example.invalid/sse");
    let human = mcpform(&ws, &fake, &["apply", "plan.json", "--progress", "none"]);
    assert!(
        stdout(&human).contains(
            "url: \"https://old.example.invalid/sse\" → \"https://moved.example.invalid/sse\""
        ),
        "{}",
        stdout(&human)
    );
}

/// An out-of-band edit, as the dashboard would make it.
fn put(fake: &FakeProxy, body: Value) -> (u16, Value) {
    let (client, runtime) = client_for(fake);
    match runtime.block_on(client.update(body.as_object().unwrap())) {
        Ok(row) => (202, row),
        Err(e) => (e.status().unwrap_or(0), Value::String(e.to_string())),
    }
}

#[test]
fn a_key_stored_between_plan_and_apply_turns_a_safe_byok_disable_into_a_guarded_one() {
    let fake = FakeProxy::start(FakeConfig::default());
    crate::seed_owned_server(
        &fake,
        json!({"server_id": "gh", "server_name": "github_tools", "transport": "http",
        "url": "https://gh.example.invalid/mcp", "auth_type": "bearer_token", "is_byok": true,
        "mcp_info": {"managed_by": "mcpform"}}),
    );
    let ws = Workspace::new();
    ws.write("s.yaml", BYOK_OFF);
    let out = mcpform(&ws, &fake, &["plan", "s.yaml", "--out", "plan.json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    fake.store_user_credential("gh", "alice", CredentialKind::Byok);
    let (exit, report, _) = apply_json(&ws, &fake, &["plan.json"]);
    assert_eq!(exit, 3, "{report:#}");
    assert_eq!(
        statuses(&report),
        [("github_tools".into(), "skipped_guard".into())]
    );
    assert!(writes(&fake).is_empty());
    // Allowed by the file: applied, the key kept.
    ws.write(
        "s.yaml",
        &format!("{BYOK_OFF}    lifecycle:\n      allow_byok_disable: true\n"),
    );
    let (exit, report, _) = apply_json(&ws, &fake, &["s.yaml"]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["results"][0]["kept_keys"], 1);
    assert_eq!(
        fake.user_credentials("gh").len(),
        1,
        "the stored key is kept"
    );
}

const BYOK_OFF: &str = "version: 1\nservers:\n  - server_name: github_tools\n    transport: http\n    url: https://gh.example.invalid/mcp\n    auth_type: bearer_token\n    is_byok: false\n";

#[test]
fn prune_needs_consent_twice_and_respects_the_delete_budget() {
    let fake = FakeProxy::start(FakeConfig::default());
    for i in 0..3 {
        let id = format!("old{i}");
        seed_owned(&fake, &id);
    }
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    let out = mcpform(
        &ws,
        &fake,
        &["plan", "s.yaml", "--prune", "--out", "plan.json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = mcpform(&ws, &fake, &["apply", "plan.json"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("pass --prune again"),
        "{}",
        stderr(&out)
    );
    let out = mcpform(&ws, &fake, &["plan", "s.yaml", "--out", "noprune.json"]);
    assert_eq!(code(&out), 0);
    let out = mcpform(&ws, &fake, &["apply", "noprune.json", "--prune"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("made without it"), "{}", stderr(&out));
    fake.clear_journal();
    let (exit, report, _) = apply_json(&ws, &fake, &["plan.json", "--prune", "--max-deletes", "2"]);
    assert_eq!(exit, 1);
    assert!(
        report["refused"]
            .as_str()
            .unwrap()
            .contains("--max-deletes 2")
    );
    assert!(writes(&fake).is_empty(), "checked before any write");
    let (exit, report, _) = apply_json(&ws, &fake, &["plan.json", "--prune"]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["summary"]["applied"], 4);
    assert_eq!(fake.rows().len(), 1);
}

#[test]
fn two_servers_swap_aliases_in_one_apply() {
    let fake = FakeProxy::start(FakeConfig::default());
    for (id, alias) in [("a", "x"), ("b", "y")] {
        crate::seed_owned_server(
            &fake,
            json!({"server_id": id, "server_name": id, "alias": alias,
            "transport": "sse", "url": "https://s.example.invalid/sse",
            "mcp_info": {"managed_by": "mcpform"}}),
        );
    }
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_id: a\n    server_name: a\n    alias: y\n    transport: sse\n    url: https://s.example.invalid/sse\n  - server_id: b\n    server_name: b\n    alias: x\n    transport: sse\n    url: https://s.example.invalid/sse\n");
    let (exit, report, _) = apply_json(&ws, &fake, &["s.yaml"]);
    assert_eq!(exit, 0, "{report:#}");
    let aliases: Vec<(String, String)> = fake
        .rows()
        .iter()
        .map(|r| {
            (
                r["server_id"].as_str().unwrap().into(),
                r["alias"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        aliases,
        [("a".into(), "y".into()), ("b".into(), "x".into())]
    );
    assert_eq!(plan_exit(&ws, &fake, &["s.yaml"]).0, 0);
}

#[test]
fn an_oauth_servers_url_change_converges_in_one_apply() {
    let fake = FakeProxy::start(FakeConfig::default());
    crate::seed_owned_server(
        &fake,
        json!({"server_id": "o", "server_name": "oauth_tools", "transport": "http",
        "url": "https://old.example.invalid/mcp", "auth_type": "oauth2",
        "token_url": "https://idp.example.invalid/token",
        "authorization_url": "https://idp.example.invalid/authorize",
        "mcp_info": {"managed_by": "mcpform"}}),
    );
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: oauth_tools\n    transport: http\n    url: https://new.example.invalid/mcp\n    auth_type: oauth2\n    token_url: https://idp.example.invalid/token\n    authorization_url: https://idp.example.invalid/authorize\n");
    let (exit, report, _) = apply_json(&ws, &fake, &["s.yaml"]);
    assert_eq!(exit, 0, "{report:#}");
    let puts = writes(&fake).iter().filter(|(m, _)| m == "PUT").count();
    assert_eq!(puts, 2, "the second write restores the endpoints");
    let (exit, text) = plan_exit(&ws, &fake, &["s.yaml"]);
    assert_eq!(exit, 0, "{text}");
}

#[test]
fn a_refused_key_stops_new_writes_and_the_report_is_written_anyway() {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: one\n    transport: sse\n    url: https://1.example.invalid/sse\n  - server_name: two\n    transport: sse\n    url: https://2.example.invalid/sse\n");
    fake.inject(
        Fault::status(Method::POST, "/v1/mcp/server", 401)
            .with_body(json!({"error": {"message": "Authentication Error, Invalid API key provided.", "type": "auth_error", "param": "key", "code": "401"}})),
    );
    let (exit, report, _) = apply_json(
        &ws,
        &fake,
        &["s.yaml", "--parallelism", "1", "--report", "report.json"],
    );
    assert_eq!(exit, 1);
    assert_eq!(
        statuses(&report),
        [
            ("one".into(), "failed".into()),
            ("two".into(), "not_attempted".into())
        ]
    );
    let posts = writes(&fake).iter().filter(|(m, _)| m == "POST").count();
    assert_eq!(posts, 1, "no write after the 401");
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(saved, report);
}

#[test]
fn a_5xx_without_a_write_is_settled_by_reading_back_then_retried() {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    fake.inject(Fault::status(Method::POST, "/v1/mcp/server", 500));
    let (exit, report, _) = apply_json(&ws, &fake, &["s.yaml"]);
    assert_eq!(exit, 0, "{report:#}");
    let attempts: Vec<&str> = report["results"][0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["step"].as_str().unwrap())
        .collect();
    assert_eq!(attempts, ["read_back", "write", "write", "ownership_proof"]);
    assert_eq!(fake.rows().len(), 1, "no duplicate");
    let bodies = fake
        .journal()
        .iter()
        .filter(|r| r.method == "POST")
        .filter(|r| matches!(r.body, RecordedBody::Json(_)))
        .count();
    assert_eq!(bodies, 2);
}

#[test]
fn a_read_back_that_is_not_a_server_is_no_answer_never_absent() {
    // The write's outcome is unknown (a 503) and the read-back answers 200 with something
    // that is not a server row (a gateway page, another shape): that says nothing about the
    // server, so apply reads again later; it must not conclude "deleted" (or, for a
    // delete, "done").
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(
        json!({"server_id": "weather", "server_name": "weather", "transport": "sse",
        "url": "https://old.example.invalid/sse"}),
    );
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    fake.inject(Fault::status(Method::PUT, "/v1/mcp/server", 503));
    fake.inject(
        Fault::status(Method::GET, "/v1/mcp/server/weather", 200)
            .with_body(json!({"detail": "upstream is warming up"})),
    );
    let (exit, report, _) = apply_json(&ws, &fake, &["s.yaml"]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["results"][0]["status"], "applied", "{report:#}");
    assert_eq!(fake.rows()[0]["url"], "https://w.example.invalid/sse");
}

#[test]
fn writes_that_could_not_be_verified_do_not_exit_0() {
    // The list after the writes cannot be read: nothing was verified, so the run is not
    // "everything applied".
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    // The plan's list and preflight's list go through; the one after the writes fails.
    fake.inject(
        Fault::status(Method::GET, "/v1/mcp/server", 503)
            .after(2)
            .times(10),
    );
    let (exit, report, _) = apply_json(&ws, &fake, &["s.yaml"]);
    assert_eq!(fake.rows().len(), 1, "{report:#}");
    let problems = report["verification"]["problems"].to_string();
    assert!(problems.contains("could not be read"), "{report:#}");
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(report["exit_code"], 1);
}

#[cfg(unix)]
#[test]
fn the_first_interrupt_lets_writes_in_flight_finish_and_reports() {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: one\n    transport: sse\n    url: https://1.example.invalid/sse\n  - server_name: two\n    transport: sse\n    url: https://2.example.invalid/sse\n  - server_name: three\n    transport: sse\n    url: https://3.example.invalid/sse\n");
    fake.inject(Fault::delay(Method::POST, "/v1/mcp/server", 1500));
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mcpform"))
        .current_dir(ws.path())
        .env("LITELLM_PROXY_URL", fake.base_url())
        .env("LITELLM_API_KEY", fake.master_key())
        .env("NO_PROXY", "127.0.0.1")
        .env("NO_COLOR", "1")
        .args([
            "apply",
            "s.yaml",
            "--auto-approve",
            "--parallelism",
            "1",
            "--progress",
            "lines",
            "--report",
            "r.json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first (delayed) write is in flight.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !fake.journal().iter().any(|r| r.method == "POST") {
        assert!(std::time::Instant::now() < deadline, "apply never wrote");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["interrupted"], true);
    assert_eq!(
        statuses(&report),
        [
            ("one".into(), "applied".into()),
            ("two".into(), "interrupted".into()),
            ("three".into(), "interrupted".into())
        ],
        "the write in flight finished; nothing new started"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no new writes start"));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("A rerun of the same command finishes the job")
    );
    assert_eq!(fake.rows().len(), 1);
}

#[test]
fn skip_stale_applies_the_untouched_rest() {
    let fake = FakeProxy::start(FakeConfig::default());
    for id in ["a", "b"] {
        fake.seed_server(
            json!({"server_id": id, "server_name": id, "transport": "sse",
            "url": "https://o.example.invalid/sse", "description": "old"}),
        );
    }
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - {server_name: a, transport: sse, url: 'https://o.example.invalid/sse', description: new}\n  - {server_name: b, transport: sse, url: 'https://o.example.invalid/sse', description: new}\n");
    assert_eq!(
        code(&mcpform(
            &ws,
            &fake,
            &["plan", "s.yaml", "--out", "plan.json"]
        )),
        0
    );
    put(
        &fake,
        json!({"server_id": "a", "url": "https://moved.example.invalid/sse"}),
    );
    let (exit, report, _) = apply_json(&ws, &fake, &["plan.json"]);
    assert_eq!(
        (exit, statuses(&report)),
        (
            1,
            vec![
                ("a".into(), "stale".into()),
                ("b".into(), "not_attempted".into())
            ]
        )
    );
    let (exit, report, _) = apply_json(&ws, &fake, &["plan.json", "--skip-stale"]);
    assert_eq!(
        (exit, statuses(&report)),
        (
            1,
            vec![("a".into(), "stale".into()), ("b".into(), "applied".into())]
        )
    );
}

#[test]
fn prune_never_deletes_when_no_server_is_declared_or_protection_was_recorded_since() {
    let fake = FakeProxy::start(FakeConfig::default());
    seed_owned(&fake, "old");
    let ws = Workspace::new();
    ws.write("empty.yaml", "version: 1\nservers: []\n");
    let (exit, report, _) = apply_json(&ws, &fake, &["empty.yaml", "--prune"]);
    assert_eq!(exit, 1);
    assert!(
        report["refused"].as_str().unwrap().contains("declare none"),
        "{report:#}"
    );
    assert_eq!(fake.rows().len(), 1);
    ws.write("s.yaml", ONE);
    assert_eq!(
        code(&mcpform(
            &ws,
            &fake,
            &["plan", "s.yaml", "--prune", "--out", "plan.json"]
        )),
        0
    );
    // Someone records `prevent_destroy` (keeping mcpform's marker and proof).
    let mut info = fake.rows()[0]["mcp_info"].clone();
    info["mcpform_prevent_destroy"] = json!(true);
    put(&fake, json!({"server_id": "old", "mcp_info": info}));
    let (exit, report, _) = apply_json(&ws, &fake, &["plan.json", "--prune"]);
    assert_eq!(exit, 1, "{report:#}");
    let old = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["server_id"] == "old")
        .unwrap();
    assert_eq!(old["status"], "stale", "{old:#}");
    assert_eq!(fake.rows().len(), 1, "never deleted");
}

#[test]
fn a_create_whose_name_a_hidden_openapi_server_holds_says_so() {
    let fake = FakeProxy::start(FakeConfig {
        unloadable_specs: true,
        ..FakeConfig::default()
    });
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: spec_tools\n    transport: openapi\n    spec_path: https://spec.example.invalid/openapi.json\n");
    assert_eq!(
        code(&mcpform(
            &ws,
            &fake,
            &["plan", "s.yaml", "--out", "plan.json"]
        )),
        0
    );
    // Made by hand after the plan, with a random id: the list cannot show it.
    fake.seed_server(
        json!({"server_id": "0b7e-hand-made", "server_name": "spec_tools", "transport": "http",
        "spec_path": "https://spec.example.invalid/openapi.json"}),
    );
    let (exit, report, _) = apply_json(&ws, &fake, &["plan.json"]);
    assert_eq!(exit, 1, "{report:#}");
    let r = &report["results"][0];
    assert_eq!(r["status"], "failed", "never taken for ours: {r:#}");
    let message = r["message"].as_str().unwrap();
    assert!(
        message.contains("already exists") && message.contains("0b7e-hand-made"),
        "{r:#}"
    );
    assert!(
        r["cause"]
            .as_str()
            .unwrap()
            .contains("the list does not show"),
        "{r:#}"
    );
    assert_eq!(fake.rows().len(), 1, "no second server");
    // Planned again, the namesake is found first and named.
    let out = mcpform(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("declare `server_id: 0b7e-hand-made`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn writes_run_parallelism_at_a_time() {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    let servers: String = (0..8)
        .map(|i| format!("  - {{server_name: s{i}, transport: sse, url: 'https://s{i}.example.invalid/sse'}}\n"))
        .collect();
    ws.write("s.yaml", &format!("version: 1\nservers:\n{servers}"));
    // Each write takes a while, so writes in flight at once need their own connections.
    fake.inject(Fault::delay(Method::POST, "/v1/mcp/server", 300).times(8));
    let (exit, report, _) = apply_json(&ws, &fake, &["s.yaml", "--parallelism", "4"]);
    assert_eq!(exit, 0, "{report:#}");
    let connections: std::collections::BTreeSet<u64> = fake
        .journal()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.connection)
        .collect();
    assert_eq!(
        connections.len(),
        4,
        "four writes in flight at once: {connections:?}"
    );
}

#[test]
fn a_delete_sent_again_after_an_unknown_outcome_and_answered_404_is_done() {
    // The first DELETE commits and its answer is lost, the read-back fails too, so the
    // delete is sent again: its 404 is the first attempt's work, not a failure.
    let fake = FakeProxy::start(FakeConfig::default());
    seed_owned(&fake, "old");
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    fake.inject(Fault::commit_then_reset(
        Method::DELETE,
        "/v1/mcp/server/old",
    ));
    fake.inject(Fault::status(Method::GET, "/v1/mcp/server/old", 503).times(50));
    let (exit, report, _) = apply_json(&ws, &fake, &["s.yaml", "--prune"]);
    let old = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["server_id"] == "old")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(old["status"], "applied", "{report:#}");
    let writes: Vec<&Value> = old["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|at| at["step"] == "write")
        .collect();
    assert_eq!(writes.len(), 2, "{old:#}");
    assert_eq!(
        (&writes[1]["status"], &writes[1]["outcome"]),
        (&json!(404), &json!("done")),
        "{old:#}"
    );
    assert_eq!(exit, 0, "{report:#}");
    assert!(fake.rows().iter().all(|r| r["server_id"] != "old"));
}
