//! `mcpform export` against the fake: a representative proxy exported (snapshot), then
//! lint clean, plan empty, apply a no-op and a second export byte-identical; the files
//! it refuses to overwrite, the env file, `--managed-only`, `--reveal-values`, keys.

use serde_json::json;

use super::run;
use crate::support::cli::{Workspace, code, stable, stderr, stdout};
use crate::support::env_file;
use crate::support::fake_proxy::{FakeConfig, FakeProxy, Role};
use crate::support::real::RealProxy;

const HEADER_SECRET: &str = "hdr-canary-5a4b3c2d";
const ENV_SECRET: &str = "env-canary-1f2e3d4c";

/// A proxy with one server of each kind, one from config.yaml, one mcpform would
/// refuse, and a submission awaiting approval.
fn representative() -> FakeProxy {
    let fake = FakeProxy::start(FakeConfig {
        stdio_enabled: true,
        ..FakeConfig::default()
    });
    crate::seed_owned_server(
        &fake,
        json!({
            "server_id": "github_tools", "server_name": "github_tools", "alias": "github",
            "description": "GitHub MCP (FastMCP, Streamable HTTP)", "transport": "http",
            "url": "https://github-mcp.example.invalid/mcp", "auth_type": "bearer_token",
            "is_byok": true, "byok_description": ["Read repositories", "Open and comment on issues"],
            "byok_api_key_help_url": "https://github.com/settings/personal-access-tokens",
            "allow_all_keys": true,
            "mcp_info": {"managed_by": "mcpform", "mcpform_prevent_destroy": true}
        }),
    );
    fake.seed_server(json!({
        "server_id": "jira", "server_name": "jira_mcp", "description": "Jira: issues, boards",
        "transport": "http", "url": "https://jira.example.invalid/mcp", "auth_type": "bearer_token",
        "credentials": {"auth_value": "tok-set-in-dashboard"},
        "static_headers": {"X-Tenant": "acme", "X-Api-Key": HEADER_SECRET},
        "allowed_tools": ["search_issues", "get_issue"], "mcp_access_groups": ["dev", "ops"]
    }));
    fake.seed_server(json!({
        "server_id": "petstore", "server_name": "petstore", "transport": "http",
        "spec_path": "https://petstore.example.invalid/openapi.json",
        "url": "https://petstore.example.invalid", "timeout": 30.0, "rpm": 60
    }));
    fake.seed_server(json!({
        "server_id": "files", "server_name": "files", "transport": "stdio", "command": "npx",
        "args": ["-y", "@modelcontextprotocol/server-filesystem", "/data"],
        "env": {"ROOT": "/data", "TOKEN": ENV_SECRET}
    }));
    fake.seed_server(json!({
        "server_id": "weather", "server_name": "weather", "transport": "sse",
        "url": "https://weather.example.invalid/sse", "description": "yes",
        "static_headers": {"X-Region": "${REGION}"},
        "env_vars": [{"name": "REGION", "value": "eu-west"}, {"name": "USER_TOKEN", "scope": "user"}],
        "mcp_info": {"logo_url": "https://weather.example.invalid/logo.png", "team": "platform"},
        "available_on_public_internet": false
    }));
    fake.seed_server(json!({
        "server_id": "odd", "server_name": "stdio_byok", "transport": "stdio", "command": "uvx",
        "args": ["odd-server"], "is_byok": true
    }));
    fake.seed_config_server(
        json!({"server_name": "from_config", "url": "https://cfg.example.invalid/mcp"}),
    );
    fake.add_key("sk-team-member-1", "alice", Role::InternalUser);
    fake.set_key_team("sk-team-member-1", "team1");
    let (status, _) = RealProxy::at(&fake.base_url(), &fake.master_key()).call_as(
        "sk-team-member-1",
        "POST",
        "/v1/mcp/server/register",
        Some(json!({"server_name": "proposed", "transport": "http", "url": "https://p.example.invalid/mcp"})),
    );
    assert_eq!(status, 201, "the submission");
    fake
}

fn writes(fake: &FakeProxy) -> Vec<String> {
    fake.journal()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn a_representative_proxy_round_trips() {
    let fake = representative();
    let ws = Workspace::new();
    let first = run(&ws, &fake, &["export"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let text = stdout(&first);
    insta::assert_snapshot!(
        "export_representative",
        stable(&text, &ws, &fake.base_url())
    );
    insta::assert_snapshot!(
        "export_representative_stderr",
        stable(&stderr(&first), &ws, &fake.base_url())
    );
    for secret in [HEADER_SECRET, ENV_SECRET, "tok-set-in-dashboard"] {
        assert!(!text.contains(secret) && !stderr(&first).contains(secret));
    }

    let out = run(
        &ws,
        &fake,
        &["export", "-o", "servers.yaml", "--env-file", "mcpform.env"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = std::fs::read_to_string(ws.path().join("servers.yaml")).unwrap();
    assert_eq!(written, text, "stdout and the file are the same bytes");
    let env = env_file::parse(&std::fs::read_to_string(ws.path().join("mcpform.env")).unwrap());
    let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "MCPFORM_FILES_ROOT",
            "MCPFORM_FILES_TOKEN",
            "MCPFORM_JIRA_MCP_X_API_KEY",
            "MCPFORM_JIRA_MCP_X_TENANT",
            "MCPFORM_WEATHER_REGION"
        ]
    );
    assert!(env.contains(&(
        "MCPFORM_JIRA_MCP_X_API_KEY".to_owned(),
        HEADER_SECRET.to_owned()
    )));

    let lint = run(&ws, &fake, &["lint", "servers.yaml"]);
    assert_eq!(code(&lint), 0, "{}", stdout(&lint));
    assert!(!stdout(&lint).contains("error"), "{}", stdout(&lint));

    fake.clear_journal();
    let with_env = |args: &[&str]| {
        ws.mcpform(&fake.base_url(), &fake.master_key())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(args)
            .output()
            .unwrap()
    };
    let plan = with_env(&["plan", "servers.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&plan), 0, "{}{}", stdout(&plan), stderr(&plan));
    let apply = with_env(&["apply", "servers.yaml", "--auto-approve"]);
    assert_eq!(code(&apply), 0, "{}{}", stdout(&apply), stderr(&apply));
    assert!(stderr(&apply).contains("No changes"), "{}", stderr(&apply));
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));

    let again = run(&ws, &fake, &["export"]);
    assert_eq!(stdout(&again), text, "a second export is byte-identical");
}

#[test]
fn files_are_never_overwritten_without_force_and_the_env_file_is_private() {
    let fake = representative();
    let ws = Workspace::new();
    ws.write("servers.yaml", "keep me\n");
    let out = run(&ws, &fake, &["export", "-o", "servers.yaml"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("`servers.yaml` exists: pass --force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fake.journal().len(),
        1,
        "refused before asking the proxy anything but the submission"
    );
    assert_eq!(
        std::fs::read_to_string(ws.path().join("servers.yaml")).unwrap(),
        "keep me\n"
    );

    let out = run(
        &ws,
        &fake,
        &[
            "export",
            "-o",
            "servers.yaml",
            "--env-file",
            "x.env",
            "--force",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(ws.path().join("servers.yaml"))
            .unwrap()
            .starts_with("# Exported")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ws.path().join("x.env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(stderr(&out).contains("never commit it"));
    assert!(!stderr(&out).contains(HEADER_SECRET));
}

#[test]
fn managed_only_exports_what_mcpform_owns() {
    let fake = representative();
    let ws = Workspace::new();
    let out = run(&ws, &fake, &["export", "--managed-only"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("server_name: github_tools"));
    assert!(!text.contains("jira_mcp") && !text.contains("server_name: weather"));
    assert!(
        stderr(&out).contains("--managed-only left out 6 servers mcpform does not own"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn reveal_values_writes_the_secrets_into_the_file_only() {
    let fake = representative();
    let ws = Workspace::new();
    let out = run(
        &ws,
        &fake,
        &["export", "--reveal-values", "-o", "servers.yaml"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(ws.path().join("servers.yaml")).unwrap();
    assert!(
        text.contains(&format!("X-Api-Key: {HEADER_SECRET}")),
        "{text}"
    );
    let declared = text.lines().filter(|l| !l.trim_start().starts_with('#'));
    assert!(declared.clone().all(|l| !l.contains("${env:")), "{text}");
    assert!(!stderr(&out).contains(HEADER_SECRET) && stdout(&out).is_empty());
    assert!(stderr(&out).contains("--reveal-values"));
    let plan = run(&ws, &fake, &["plan", "servers.yaml", "--detailed-exitcode"]);
    assert_eq!(code(&plan), 0, "{}{}", stdout(&plan), stderr(&plan));
}

#[test]
fn a_key_that_is_not_a_proxy_admin_is_refused() {
    let fake = representative();
    let ws = Workspace::new();
    let out = ws
        .mcpform(&fake.base_url(), "sk-team-member-1")
        .args(["export"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("needs a proxy_admin key"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn an_older_proxy_exports_only_the_fields_it_reports_and_still_plans_empty() {
    // 1.87.5 stores `tool_name_to_display_name` but does not list it (from 1.93.0), so
    // export cannot see it; 1.82.0 drops the BYOK fields and `allow_all_keys` too.
    for (version, kept, hidden) in [
        (
            "1.87.5",
            "allow_all_keys: true",
            "tool_name_to_display_name",
        ),
        ("1.82.0", "url: https://wiki", "is_byok"),
    ] {
        let fake = FakeProxy::start(FakeConfig::as_version(version));
        fake.seed_server(json!({"server_id": "wiki", "server_name": "wiki",
            "transport": "sse", "url": "https://wiki.example.invalid/sse",
            "allow_all_keys": true, "is_byok": false,
            "tool_name_to_display_name": {"search": "Search"}}));
        let ws = Workspace::new();
        let out = run(&ws, &fake, &["export", "-o", "servers.yaml"]);
        assert_eq!(code(&out), 0, "{version}: {}", stderr(&out));
        let text = std::fs::read_to_string(ws.path().join("servers.yaml")).unwrap();
        assert!(
            text.contains(kept) && !text.contains(hidden),
            "{version}:\n{text}"
        );
        let plan = run(&ws, &fake, &["plan", "servers.yaml", "--detailed-exitcode"]);
        assert_eq!(
            code(&plan),
            0,
            "{version}: {}{}",
            stdout(&plan),
            stderr(&plan)
        );
        assert!(stdout(&plan).contains(version), "{}", stdout(&plan));
    }
}

#[test]
fn full_declares_every_field_and_the_plan_stays_empty() {
    let fake = representative();
    let ws = Workspace::new();
    let out = run(
        &ws,
        &fake,
        &[
            "export",
            "--full",
            "-o",
            "full.yaml",
            "--env-file",
            "full.env",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(ws.path().join("full.yaml")).unwrap();
    for line in [
        "  - server_id: weather\n",
        "    allowed_tools: []\n",
        "    oauth2_flow: null\n",
        "    is_byok: false\n",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    let env = env_file::parse(&std::fs::read_to_string(ws.path().join("full.env")).unwrap());
    let plan = ws
        .mcpform(&fake.base_url(), &fake.master_key())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args(["plan", "full.yaml", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(code(&plan), 0, "{}{}", stdout(&plan), stderr(&plan));
}
