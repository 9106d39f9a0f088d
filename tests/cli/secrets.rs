//! Secrets never leak: every command and format runs with known canary secrets in the
//! environment, the credentials and the live proxy, and no output, error or written
//! file may contain any of them.

use std::process::Output;

use serde_json::json;

use crate::support::apply::apply_plan;
use crate::support::cli::{Workspace, code, json, stderr, stdout};
use crate::support::fake_proxy::{FakeConfig, FakeProxy, Fault, Method};

const ADMIN_KEY: &str = "sk-canary-admin-7f3a9c2e";
const FINGERPRINT_KEY: &str = "fp-canary-1b2c3d4e";
const TOKEN: &str = "tok-canary-9d8e7f6a";
const HEADER: &str = "hdr-canary-5a4b3c2d";
const ROTATED: &str = "tok-canary-rotated-0a1b";
const DASHBOARD: &str = "dash-canary-6e5f4a3b";
const URL_TOKEN: &str = "qry-canary-8b7a6c5d";
const URL_PASSWORD: &str = "upw-canary-2f1e0d9c";
const CANARIES: &[&str] = &[
    ADMIN_KEY,
    FINGERPRINT_KEY,
    TOKEN,
    HEADER,
    ROTATED,
    DASHBOARD,
    URL_TOKEN,
    URL_PASSWORD,
];

const FILE: &str = r#"version: 1
servers:
  - server_name: jira
    transport: http
    url: https://jira.example.invalid/mcp
    auth_type: bearer_token
    credentials:
      auth_value: ${env:CANARY_TOKEN}
    static_headers:
      X-Key: ${env:CANARY_HEADER}
      X-Tenant: acme
  - server_name: wiki
    transport: http
    url: https://wiki.example.invalid/mcp
    static_headers:
      X-Tenant: acme
"#;

struct Collected(Vec<(String, String)>);

impl Collected {
    fn add(&mut self, what: &str, out: &Output) {
        self.0.push((format!("{what} (stdout)"), stdout(out)));
        self.0.push((format!("{what} (stderr)"), stderr(out)));
    }

    fn assert_clean(&self) {
        for (what, text) in &self.0 {
            for canary in CANARIES {
                assert!(
                    !text.contains(canary),
                    "{what} contains the secret {canary}:\n{text}"
                );
            }
        }
    }
}

/// The fake (the canary admin key, secrets set in the dashboard that the files do not
/// know: a header, a URL's query token and password) and a workspace holding [`FILE`].
fn canary_setup() -> (FakeProxy, Workspace) {
    let fake = FakeProxy::start(FakeConfig {
        master_key: ADMIN_KEY.to_owned(),
        ..FakeConfig::default()
    });
    fake.seed_server(
        json!({"server_id": "wiki", "server_name": "wiki", "transport": "http",
        "url": format!("https://wiki.example.invalid/mcp?token={URL_TOKEN}"),
        "static_headers": {"Authorization": format!("Bearer {DASHBOARD}")}}),
    );
    // Not declared: left alone by plan, exported with placeholders for its URLs' secrets.
    fake.seed_server(json!({"server_id": "hand", "server_name": "hand", "transport": "http",
        "url": format!("https://bot:{URL_PASSWORD}@hand.example.invalid/mcp?api_key={URL_TOKEN}&region=eu"),
        "spec_path": format!("https://hand.example.invalid/openapi.json?sig={URL_TOKEN}"),
        "mcp_info": {"logo_url": format!("https://logo.example.invalid/l.png?key={URL_TOKEN}")}}));
    let ws = Workspace::new();
    ws.write("servers.yaml", FILE);
    (fake, ws)
}

/// `mcpform ARGS` with every canary in its environment, `token` as `CANARY_TOKEN`.
fn canary_run(ws: &Workspace, fake: &FakeProxy, args: &[&str], token: &str) -> Output {
    ws.mcpform(&fake.base_url(), ADMIN_KEY)
        .env("MCPFORM_FINGERPRINT_KEY", FINGERPRINT_KEY)
        .env("CANARY_TOKEN", token)
        .env("CANARY_HEADER", HEADER)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn no_secret_in_any_output_error_or_plan_file() {
    let (fake, ws) = canary_setup();
    let run = |args: &[&str], token: &str| canary_run(&ws, &fake, args, token);
    let mut seen = Collected(Vec::new());
    for format in ["human", "json", "github", "sarif"] {
        let out = run(
            &["lint", "servers.yaml", "--require-env", "--format", format],
            TOKEN,
        );
        assert_eq!(code(&out), 0, "{}", stdout(&out));
        seen.add(&format!("lint --format {format}"), &out);
    }
    for format in ["human", "json", "markdown"] {
        let out = run(
            &[
                "plan",
                "servers.yaml",
                "--format",
                format,
                "--out",
                "plan.json",
            ],
            TOKEN,
        );
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        seen.add(&format!("plan --format {format}"), &out);
        seen.0.push((
            "plan.json".into(),
            std::fs::read_to_string(ws.path().join("plan.json")).unwrap(),
        ));
    }
    let human = run(&["plan", "servers.yaml"], TOKEN);
    assert!(
        stdout(&human).contains("wiki.example.invalid/mcp?token=****"),
        "a query value set in the dashboard is hidden, its name shown: {}",
        stdout(&human)
    );
    let first = run(&["plan", "servers.yaml", "--format", "json"], TOKEN);
    let wiki = json(&first)["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["server_name"] == "wiki")
        .cloned()
        .unwrap();
    let headers = wiki["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "static_headers")
        .cloned()
        .unwrap();
    assert_eq!(
        headers["old"]["kind"], "sensitive",
        "a dashboard secret is never shown: {headers}"
    );
    assert_eq!(
        headers["keys"],
        json!({"added": ["X-Tenant"], "removed": ["Authorization"], "changed": []})
    );
    apply_plan(
        &fake.base_url(),
        ADMIN_KEY,
        &json(&first),
        &[
            ("CANARY_TOKEN", TOKEN),
            ("CANARY_HEADER", HEADER),
            ("MCPFORM_FINGERPRINT_KEY", FINGERPRINT_KEY),
        ],
    );
    let stored = fake.stored_credentials("jira").unwrap();
    assert_eq!(
        stored["auth_value"], TOKEN,
        "the proxy did receive the secret"
    );

    let after = run(&["plan", "servers.yaml", "--detailed-exitcode"], TOKEN);
    assert_eq!(code(&after), 0, "{}", stdout(&after));
    seen.add("plan after apply", &after);
    let rotated = run(&["plan", "servers.yaml", "--detailed-exitcode"], ROTATED);
    assert_eq!(code(&rotated), 2);
    assert!(
        stdout(&rotated).contains("~ credentials: (sensitive, will be sent)"),
        "{}",
        stdout(&rotated)
    );
    seen.add("plan after rotation", &rotated);
    let other_key = ws
        .mcpform(&fake.base_url(), ADMIN_KEY)
        .env("MCPFORM_FINGERPRINT_KEY", "another-fingerprint-key")
        .env("CANARY_TOKEN", TOKEN)
        .env("CANARY_HEADER", HEADER)
        .args(["plan", "servers.yaml", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(
        code(&other_key),
        2,
        "another fingerprint key cannot vouch for the secret"
    );
    seen.add("plan with another fingerprint key", &other_key);
    for args in [
        &["export"][..],
        &["export", "--full", "--managed-only"],
        &[
            "export",
            "-o",
            "exported.yaml",
            "--env-file",
            "exported.env",
        ],
    ] {
        let out = run(args, TOKEN);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        seen.add(&args.join(" "), &out);
    }
    // The env file holds the values by design; the exported file never does.
    seen.0.push((
        "exported.yaml".into(),
        std::fs::read_to_string(ws.path().join("exported.yaml")).unwrap(),
    ));

    // Error paths.
    let wrong = ws
        .mcpform(&fake.base_url(), &format!("{ADMIN_KEY}-wrong"))
        .env("CANARY_TOKEN", TOKEN)
        .env("CANARY_HEADER", HEADER)
        .args(["plan", "servers.yaml"])
        .output()
        .unwrap();
    assert_eq!(code(&wrong), 1);
    seen.add("plan with a wrong key", &wrong);
    fake.inject(
        Fault::status(Method::GET, "/v1/mcp/server", 500)
            .with_body(json!({"detail": ADMIN_KEY}))
            .times(1),
    );
    let failing = run(&["plan", "servers.yaml"], TOKEN);
    assert_eq!(code(&failing), 1);
    seen.add("plan against an error that echoes the key", &failing);
    let unset = ws
        .mcpform(&fake.base_url(), ADMIN_KEY)
        .env("CANARY_HEADER", HEADER)
        .args(["plan", "servers.yaml"])
        .output()
        .unwrap();
    assert_eq!(code(&unset), 1);
    seen.add("plan with an unset secret", &unset);
    let unreachable = ws
        .mcpform(&format!("http://user:{ADMIN_KEY}@127.0.0.1:9"), ADMIN_KEY)
        .env("CANARY_TOKEN", TOKEN)
        .env("CANARY_HEADER", HEADER)
        .args(["plan", "servers.yaml", "--retries", "0"])
        .output()
        .unwrap();
    assert_eq!(code(&unreachable), 1);
    seen.add("plan against a URL with credentials in it", &unreachable);
    seen.assert_clean();
}

#[test]
fn a_value_that_came_from_a_reference_stays_hidden_after_the_file_stops_using_it() {
    const URL_TOKEN: &str = "url-canary-7c6b5a49";
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    let with_ref = "version: 1\nservers:\n  - server_name: docs\n    transport: http\n    url: https://docs.example.invalid/mcp?token=${env:DOCS_TOKEN}\n    env_vars:\n      - name: ${env:DOCS_TOKEN}\n        value: v\n";
    ws.write("s.yaml", with_ref);
    let plan = |args: &[&str]| {
        ws.mcpform(&fake.base_url(), &fake.master_key())
            .env("DOCS_TOKEN", URL_TOKEN)
            .args(args)
            .output()
            .unwrap()
    };
    let mut seen = Collected(Vec::new());
    let first = plan(&["plan", "s.yaml", "--format", "json"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    seen.add("plan with the reference", &first);
    apply_plan(
        &fake.base_url(),
        &fake.master_key(),
        &json(&first),
        &[("DOCS_TOKEN", URL_TOKEN)],
    );
    // An export shows the value that came from a reference, or the name, as a placeholder.
    let exported = plan(&["export"]);
    assert_eq!(code(&exported), 0, "{}", stderr(&exported));
    assert!(
        stdout(&exported).contains("url: ${env:MCPFORM_DOCS_URL}"),
        "{}",
        stdout(&exported)
    );
    seen.add("export after the reference", &exported);
    // The file now writes the URL in plain text: the old value held the token.
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: docs\n    transport: http\n    url: https://docs.example.invalid/mcp\n    env_vars: []\n",
    );
    for format in ["human", "json", "markdown"] {
        let out = plan(&["plan", "s.yaml", "--format", format, "--out", "-"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        seen.add(&format!("plan --format {format} after the switch"), &out);
        assert!(stdout(&out).contains("url"), "{}", stdout(&out));
    }
    for (what, text) in &seen.0 {
        assert!(
            !text.contains(URL_TOKEN),
            "{what} shows the old secret:\n{text}"
        );
    }
}

#[test]
fn no_secret_in_any_apply_output_report_or_error() {
    let (fake, ws) = canary_setup();
    let run = |args: &[&str], token: &str| canary_run(&ws, &fake, args, token);
    let mut seen = Collected(Vec::new());
    // A saved plan, then the secret rotates: refused as stale, by name only.
    let out = run(&["plan", "servers.yaml", "--out", "plan.json"], TOKEN);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let stale = run(&["apply", "plan.json", "--report", "stale.json"], ROTATED);
    assert_eq!(code(&stale), 1);
    seen.add("apply of a plan whose secret rotated", &stale);
    // A 500 that echoes the key, on a write.
    fake.inject(
        Fault::status(Method::POST, "/v1/mcp/server", 500)
            .with_body(json!({"detail": format!("boom {ADMIN_KEY} {TOKEN}")}))
            .times(1),
    );
    for format in ["human", "json"] {
        let out = run(
            &[
                "apply",
                "servers.yaml",
                "--auto-approve",
                "--format",
                format,
                "--progress",
                "lines",
                "--report",
                "report.json",
            ],
            TOKEN,
        );
        assert!(code(&out) == 0 || code(&out) == 1, "{}", stderr(&out));
        seen.add(&format!("apply --format {format}"), &out);
        seen.0.push((
            format!("report.json ({format})"),
            std::fs::read_to_string(ws.path().join("report.json")).unwrap(),
        ));
    }
    seen.0.push((
        "stale.json".into(),
        std::fs::read_to_string(ws.path().join("stale.json")).unwrap(),
    ));
    let stored = fake.stored_credentials("jira").unwrap();
    assert_eq!(
        stored["auth_value"], TOKEN,
        "the proxy did receive the secret"
    );
    // The key refused in the middle of an apply.
    ws.write(
        "servers.yaml",
        &FILE.replace(
            "X-Tenant: acme\n  - server_name: wiki",
            "X-Tenant: globex\n  - server_name: wiki",
        ),
    );
    fake.inject(
        Fault::status(Method::PUT, "/v1/mcp/server", 401)
            .with_body(json!({"error": {"message": format!("bad key {ADMIN_KEY}")}})),
    );
    let refused = run(
        &[
            "apply",
            "servers.yaml",
            "--auto-approve",
            "--report",
            "refused.json",
        ],
        TOKEN,
    );
    assert_eq!(code(&refused), 1, "{}", stderr(&refused));
    seen.add("apply with the key refused", &refused);
    seen.0.push((
        "refused.json".into(),
        std::fs::read_to_string(ws.path().join("refused.json")).unwrap(),
    ));
    seen.assert_clean();
}

#[test]
fn a_password_in_a_live_url_never_reaches_the_plan_file_or_a_stale_report() {
    // A URL with a password, set in the dashboard; the file sets another URL. The plan
    // shows the old URL with its user-info hidden: its precondition, its saved file and
    // the report of a stale apply must not show it either.
    const PASSWORD: &str = "pw-canary-3e2d1c0b";
    let fake = FakeProxy::start(FakeConfig::default());
    fake.seed_server(
        json!({"server_id": "wiki", "server_name": "wiki", "transport": "http",
        "url": format!("https://bot:{PASSWORD}@wiki.example.invalid/mcp")}),
    );
    let ws = Workspace::new();
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: wiki\n    transport: http\n    url: https://wiki.example.invalid/mcp\n",
    );
    let run = |args: &[&str]| {
        ws.mcpform(&fake.base_url(), &fake.master_key())
            .args(args)
            .output()
            .unwrap()
    };
    let mut seen = Vec::new();
    for format in ["human", "json", "markdown"] {
        let out = run(&["plan", "s.yaml", "--format", format, "--out", "plan.json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        seen.push((format!("plan --format {format}"), stdout(&out)));
    }
    let saved = std::fs::read_to_string(ws.path().join("plan.json")).unwrap();
    seen.push(("plan.json".to_owned(), saved));
    // Someone moves the server to another URL with a password: the apply is stale.
    let (client, runtime) = crate::support::inprocess::client_for(&fake);
    let body = json!({"server_id": "wiki", "server_name": "wiki", "alias": "wiki",
        "url": format!("https://bot:{PASSWORD}-2@wiki.example.invalid/mcp")});
    runtime
        .block_on(client.update(body.as_object().unwrap()))
        .unwrap();
    for format in ["human", "json"] {
        let out = run(&[
            "apply",
            "plan.json",
            "--format",
            format,
            "--progress",
            "none",
        ]);
        assert_eq!(code(&out), 1, "{}", stdout(&out));
        assert!(stdout(&out).contains("stale"), "{}", stdout(&out));
        seen.push((format!("apply --format {format}"), stdout(&out)));
        seen.push((format!("apply --format {format} (stderr)"), stderr(&out)));
    }
    for (what, text) in &seen {
        assert!(
            !text.contains(PASSWORD),
            "{what} shows the password:\n{text}"
        );
    }
}
