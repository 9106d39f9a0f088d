//! End-to-end: the same scenarios as against the fake, against a real LiteLLM proxy.
//! Runs when `LITELLM_BASE_URL` and `LITELLM_MASTER_KEY` are set (`.ci/run` starts a
//! real proxy with `../shared/litellm/run-real-litellm.sh` and sets them); otherwise each
//! test prints SKIPPED and returns.
//!
//! Every test uses its own server names (a per-run prefix) and `.invalid` upstreams.

#[path = "support/mod.rs"]
mod support;

use mcpform::model::support::{Behaviour, ProxyVersion};
use serde_json::{Value, json};

use support::cli::{code, stderr};
use support::scenario::Scenario;

/// `yaml` without the server fields (a key at server indentation and everything under
/// it) that `drop` says.
fn without_fields(yaml: &str, drop: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        if indent == 4 && !line.trim_start().starts_with('-') {
            let key = line.trim_start().split(':').next().unwrap_or_default();
            skipping = drop(key);
        } else if indent <= 4 {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The fields of `yaml` this proxy does not store or list, sorted.
fn lacking(yaml: &str, version: ProxyVersion) -> Vec<String> {
    let mut out: Vec<String> = yaml
        .lines()
        .filter(|l| l.len() - l.trim_start().len() == 4)
        .filter_map(|l| l.trim_start().split(':').next())
        .filter(|k| version.lacks(k).is_some())
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// On a proxy that lacks some of the file's fields: the plan is refused with one error
/// per field and server, naming the field, the version and the first version that stores
/// it, and nothing is planned for them. Returns the file without them.
fn lacking_fields_are_errors(s: &Scenario, file: &str, env: &[(&str, &str)]) -> String {
    let version = s.version();
    let missing = lacking(file, version);
    if missing.is_empty() {
        return file.to_owned();
    }
    s.ws.write("s.yaml", file);
    let (exit, _, text) = s.plan("s.yaml", env, &[]);
    assert_eq!(exit, 1, "{text}");
    for field in &missing {
        let row = mcpform::model::support::field_support(field).unwrap();
        assert!(
            text.contains(&format!("`{field}`"))
                && text.contains(&format!("`{version}`"))
                && text.contains(&format!("`{}`", row.since)),
            "{field}: {text}"
        );
    }
    let out = s.run(&["plan", "s.yaml", "--format", "json"], env);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    for a in doc["actions"].as_array().into_iter().flatten() {
        for c in a["changes"].as_array().into_iter().flatten() {
            assert!(
                !missing.iter().any(|m| c["field"] == m.as_str()),
                "{c} is a diff"
            );
        }
        let body = a["body"].as_object().unwrap();
        assert!(
            !missing.iter().any(|m| body.contains_key(m)),
            "sent: {body:?}"
        );
    }
    without_fields(file, &|k| missing.iter().any(|m| m == k))
}

fn rich_file(p: &str, spec: &str) -> String {
    format!(
        r#"version: 1
servers:
  - server_name: {p}byok_http
    alias: {p}gh
    description: GitHub MCP (FastMCP, Streamable HTTP)
    transport: http
    url: https://github-mcp.example.invalid/mcp
    auth_type: bearer_token
    is_byok: true
    byok_description: [Read repositories, Open issues]
    byok_api_key_help_url: https://github.com/settings/tokens
    allow_all_keys: true
    mcp_access_groups: [dev]
  - server_name: {p}weather
    server_id: {p}weather_id
    description: Weather (SSE)
    transport: sse
    url: https://weather.example.invalid/sse
    auth_type: none
    rpm: 600
    timeout: 12.5
    max_concurrent_requests: 4
    available_on_public_internet: false
    mcp_info:
      logo_url: https://weather.example.invalid/logo.png
      team: platform
  - server_name: {p}openapi
    transport: openapi
    spec_path: {spec}
    url: https://api.example.invalid
    auth_type: api_key
    is_byok: true
  - server_name: {p}jira
    description: Jira
    transport: http
    url: https://jira.example.invalid/mcp
    auth_type: bearer_token
    credentials:
      auth_value: ${{env:E2E_JIRA_TOKEN}}
    static_headers:
      X-Tenant: acme
      X-Key: key ${{env:E2E_HEADER}}
    extra_headers: [X-Request-Id]
    allowed_tools: [search_issues, get_issue]
    tool_name_to_display_name:
      search_issues: find-issues
    tool_name_to_description:
      search_issues: Find Jira issues
    env_vars:
      - name: REGION
        value: eu
      - name: USER_TOKEN
        scope: user
        description: your token
    instructions: Use for Jira questions only.
"#
    )
}

const ENV: &[(&str, &str)] = &[
    ("E2E_JIRA_TOKEN", "e2e-jira-token-canary-41f2"),
    ("E2E_HEADER", "e2e-header-canary-93ab"),
];

#[test]
fn e2e_create_every_field_type_then_plan_is_empty() {
    let Some(s) = Scenario::new("rich") else {
        return;
    };
    let file = lacking_fields_are_errors(&s, &rich_file(&s.prefix, &s.spec_file()), ENV);
    s.ws.write("s.yaml", &file);
    let (exit, plan, text) = s.plan("s.yaml", ENV, &[]);
    assert_eq!(exit, 2, "{text}");
    assert_eq!(plan["summary"]["create"], 4, "{plan:#}");
    s.apply(&plan, ENV);
    let (exit, again, text) = s.plan("s.yaml", ENV, &[]);
    assert_eq!(
        exit, 0,
        "phantom diff against the real proxy:\n{text}\n{again:#}"
    );
    assert_eq!(again["summary"]["unchanged"], 4);
    let listed = s.proxy.list();
    let openapi = listed
        .iter()
        .find(|r| r["server_name"] == format!("{}openapi", s.prefix))
        .unwrap();
    assert_eq!(
        (openapi["transport"].as_str(), openapi["is_byok"].as_bool()),
        (Some("http"), Some(true))
    );
    // No secret in anything plan printed.
    for (_, secret) in ENV {
        assert!(!text.contains(secret));
    }
}

#[test]
fn e2e_each_kind_of_change_shows_as_specified_then_converges() {
    let Some(s) = Scenario::new("edit") else {
        return;
    };
    let version = s.version();
    let original = without_fields(&rich_file(&s.prefix, &s.spec_file()), &|k| {
        version.lacks(k).is_some()
    });
    s.ws.write("s.yaml", &original);
    let (_, plan, _) = s.plan("s.yaml", ENV, &[]);
    s.apply(&plan, ENV);
    let edited = original
        .replace(
            "description: Weather (SSE)",
            "description: Weather forecasts (SSE)",
        )
        .replace("rpm: 600", "rpm: 120")
        .replace("timeout: 12.5", "timeout: 30")
        .replace("team: platform", "team: weather")
        .replace(
            "allowed_tools: [search_issues, get_issue]",
            "allowed_tools: [search_issues]",
        )
        .replace("X-Tenant: acme", "X-Tenant: globex")
        .replace(
            "byok_description: [Read repositories, Open issues]",
            "byok_description: [Read repositories]",
        )
        .replace(
            &format!("alias: {}gh", s.prefix),
            &format!("alias: {}github", s.prefix),
        )
        .replace("value: eu", "value: us");
    s.ws.write("s.yaml", &edited);
    let (exit, plan, text) = s.plan("s.yaml", ENV, &[]);
    assert_eq!(exit, 2, "{text}");
    let mut changed: Vec<(String, String)> = Vec::new();
    for a in plan["actions"].as_array().unwrap() {
        assert_eq!(a["action"], "update", "{a:#}");
        for c in a["changes"].as_array().unwrap() {
            let name = a["server_name"]
                .as_str()
                .unwrap()
                .trim_start_matches(&s.prefix)
                .to_owned();
            changed.push((name, c["field"].as_str().unwrap().to_owned()));
        }
    }
    changed.sort();
    // Edits of fields this proxy does not store are not in the file at all.
    let expected: Vec<(String, String)> = [
        ("byok_http", "alias"),
        ("byok_http", "byok_description"),
        ("jira", "allowed_tools"),
        ("jira", "env_vars"),
        ("jira", "static_headers"),
        ("weather", "description"),
        ("weather", "mcp_info"),
        ("weather", "rpm"),
        ("weather", "timeout"),
    ]
    .iter()
    .filter(|(_, f)| version.lacks(f).is_none())
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(changed, expected, "{plan:#}");
    s.apply(&plan, ENV);
    let (exit, again, text) = s.plan("s.yaml", ENV, &[]);
    assert_eq!(exit, 0, "phantom diff after edits:\n{text}\n{again:#}");
    // A rotated secret is a change, shown without its value.
    let rotated = [
        ("E2E_JIRA_TOKEN", "e2e-rotated-canary-77c1"),
        ("E2E_HEADER", ENV[1].1),
    ];
    let (exit, text) = s.human("s.yaml", &rotated);
    assert_eq!(exit, 2, "{text}");
    assert!(
        text.contains("~ credentials: (sensitive, will be sent)"),
        "{text}"
    );
    assert!(!text.contains("e2e-rotated-canary-77c1") && !text.contains(ENV[0].1));
}

#[test]
fn e2e_byok_off_with_a_real_stored_key_is_guarded() {
    let Some(s) = Scenario::new("guard") else {
        return;
    };
    let name = format!("{}byok", s.prefix);
    let on = format!(
        "version: 1\nservers:\n  - server_name: {name}\n    transport: http\n    url: https://byok.example.invalid/mcp\n    auth_type: bearer_token\n    is_byok: true\n"
    );
    s.ws.write("s.yaml", &on);
    let (_, plan, _) = s.plan("s.yaml", &[], &[]);
    s.apply(&plan, &[]);
    let id = s.id_of(&name);
    let (status, body) = s.proxy.call(
        "POST",
        &format!("/v1/mcp/server/{id}/user-credential"),
        Some(json!({"credential": "ghp_e2e_user_key", "save": true})),
    );
    assert_eq!(status, 200, "{body}");
    s.ws.write("s.yaml", &on.replace("is_byok: true", "is_byok: false"));
    let (exit, text) = s.human("s.yaml", &[]);
    assert_eq!(exit, 3, "{text}");
    // Only 1.103 and later can say how many users hold keys; before, the count is
    // unknown and the change guarded all the same.
    let counted = s.version().has(Behaviour::AdminCredentialList);
    let shown = if counted {
        "1 user holds a stored key"
    } else {
        "stored keys: unknown (proxy older than 1.103)"
    };
    assert!(text.contains(shown) && text.contains("GUARDED"), "{text}");
    assert!(!text.contains("ghp_e2e_user_key"));
    let allowed = on.replace(
        "is_byok: true",
        "is_byok: false\n    lifecycle:\n      allow_byok_disable: true",
    );
    s.ws.write("s.yaml", &allowed);
    let (exit, plan, text) = s.plan("s.yaml", &[], &[]);
    assert_eq!(exit, 2, "{text}");
    let count = if counted { json!(1) } else { json!("unknown") };
    assert_eq!(plan["actions"][0]["guard"]["count"], count);
    assert_eq!(plan["actions"][0]["guard"]["allowed"], true);
}

#[test]
fn e2e_unmanaged_and_adopted_servers() {
    let Some(s) = Scenario::new("own") else {
        return;
    };
    let by_hand = format!("{}by_hand", s.prefix);
    let adopted = format!("{}adopted", s.prefix);
    s.proxy.create(
        json!({"server_name": by_hand, "transport": "sse", "url": "https://h.example.invalid/sse"}),
    );
    s.proxy.create(json!({"server_name": adopted, "transport": "http", "url": "https://a.example.invalid/mcp", "description": "made in the dashboard"}));
    s.ws.write(
        "s.yaml",
        &format!("version: 1\nservers:\n  - server_name: {adopted}\n    transport: http\n    url: https://a.example.invalid/mcp\n    description: made in the dashboard\n"),
    );
    let (exit, plan, text) = s.plan("s.yaml", &[], &[]);
    assert_eq!(
        exit, 0,
        "a declared twin made elsewhere, equal to the file, is not a change: {text}"
    );
    let id = s.id_of(&by_hand);
    let unmanaged = plan["unmanaged"].as_array().unwrap();
    let mine = unmanaged
        .iter()
        .find(|u| u["server_id"] == id.as_str())
        .unwrap();
    assert_eq!(mine["reason"], "not_owned", "listed, never touched");
    // The description trap: the list shows mcp_info.description as the description.
    s.ws.write(
        "s.yaml",
        &format!("version: 1\nservers:\n  - server_name: {adopted}\n    transport: http\n    url: https://a.example.invalid/mcp\n    description: now from git\n"),
    );
    let adopted_id = s.id_of(&adopted);
    let (status, _) = s.proxy.call(
        "PUT",
        "/v1/mcp/server",
        Some(json!({"server_id": adopted_id, "mcp_info": {"description": "stale in mcp_info"}})),
    );
    assert_eq!(status, 202);
    let (exit, plan, text) = s.plan("s.yaml", &[], &[]);
    assert_eq!(exit, 2, "{text}");
    s.apply(&plan, &[]);
    let (exit, again, text) = s.plan("s.yaml", &[], &[]);
    assert_eq!(
        exit, 0,
        "the listed description must converge: {text}\n{again:#}"
    );
    let row = s
        .proxy
        .list()
        .into_iter()
        .find(|r| r["server_name"] == adopted)
        .unwrap();
    assert_eq!(row["mcp_info"]["managed_by"], "mcpform");
    assert_eq!(row["description"], "now from git");
}

#[test]
fn e2e_errors_exit_1_with_the_proxys_words() {
    let Some(s) = Scenario::new("err") else {
        return;
    };
    s.ws.write("s.yaml", &format!("version: 1\nservers:\n  - server_name: {}x\n    transport: sse\n    url: https://x.example.invalid/sse\n", s.prefix));
    let out =
        s.ws.mcpform(&s.proxy.base_url, "sk-not-the-master-key")
            .args(["plan", "s.yaml"])
            .output()
            .unwrap();
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.contains("401") && err.contains("proxy_admin"), "{err}");
    assert!(!err.contains("sk-not-the-master-key"), "{err}");
}

#[test]
fn e2e_an_openapi_server_whose_spec_the_proxy_cannot_load_is_not_created_twice() {
    let Some(s) = Scenario::new("hidden") else {
        return;
    };
    let name = format!("{}hidden_openapi", s.prefix);
    let file = format!(
        "version: 1\nservers:\n  - server_name: {name}\n    transport: openapi\n    spec_path: https://spec.example.invalid/openapi.json\n"
    );
    s.ws.write("s.yaml", &file);
    let (exit, plan, text) = s.plan("s.yaml", &[], &["--retries", "0"]);
    assert_eq!(exit, 2, "{text}");
    if s.version().has(Behaviour::CreateIgnoresRegistry) {
        s.apply(&plan, &[]);
    } else {
        // Before 1.89 the proxy loads the spec at create: 500, though the row is saved.
        let (status, body) = s.proxy.call(
            "POST",
            "/v1/mcp/server",
            Some(plan["actions"][0]["body"].clone()),
        );
        let id = plan["actions"][0]["server_id"].as_str().unwrap();
        s.remember(id);
        assert_eq!(status, 500, "{body}");
        assert!(format!("{body}").contains("spec.example.invalid"), "{body}");
        let (status, row) = s.proxy.call("GET", &format!("/v1/mcp/server/{id}"), None);
        assert_eq!((status, &row["server_name"]), (200, &json!(name)), "saved");
        // mcpform's apply settles that 500 by reading the server back: applied.
        s.ws.write("again.yaml", &file.replace(&name, &format!("{name}2")));
        let (exit, report, text) = s.apply_cli(&["again.yaml", "--retries", "0"], &[]);
        assert_eq!(exit, 0, "{text}\n{report:#}");
        assert_eq!(report["results"][0]["status"], "applied", "{report:#}");
        assert!(
            report["results"][0]["attempts"]
                .as_array()
                .is_some_and(|a| a.iter().any(|t| t["status"] == 500)),
            "{report:#}"
        );
        // Listed until the proxy's next registry reload, then read by id: never a
        // second create.
        let (exit, text) = s.human("again.yaml", &[]);
        assert_eq!(exit, 0, "{text}");
        assert!(!text.contains(&format!("+ {name}2")), "{text}");
    }
    // The proxy drops it from its list at its next registry reload: make one happen.
    let other = format!("{}reload", s.prefix);
    s.proxy.create(
        json!({"server_name": other, "transport": "sse", "url": "https://r.example.invalid/sse"}),
    );
    let listed = s
        .proxy
        .list()
        .iter()
        .any(|r| r["server_name"] == name.as_str());
    let (exit, text) = s.human("s.yaml", &[]);
    assert!(
        !text.contains(&format!("+ {name}")),
        "a second create would fail on the proxy: {text}"
    );
    assert!(!listed, "the reload drops it from the list");
    // The first read by id after the reload fails once, differently by version (checked
    // on the real 1.87.5, 1.108.7 and 1.110.2; then it answers 200 again).
    if s.version() >= ProxyVersion::new(1, 108, 7) {
        // A misfiled 503 ("the authentication database is temporarily unreachable"),
        // which plan retries like any 503: the server is read back by id, with a warning.
        assert_eq!(exit, 0, "{text}");
        assert!(
            text.contains("503") && text.contains("does not list this server"),
            "{text}"
        );
    } else {
        // 1.87.5: a 500, which a read does not retry: plan cannot tell and refuses.
        assert_eq!(exit, 1, "{text}");
        assert!(
            text.contains("500") && text.contains("could not tell whether server_id"),
            "{text}"
        );
    }
}

#[test]
fn e2e_the_proxys_version_is_in_the_plan_and_its_headers() {
    let Some(s) = Scenario::new("version") else {
        return;
    };
    let version = s.version().to_string();
    s.ws.write(
        "s.yaml",
        &format!(
            "version: 1\nservers:\n  - server_name: {}v\n    transport: sse\n    url: https://v.example.invalid/sse\n",
            s.prefix
        ),
    );
    let (exit, plan, text) = s.plan("s.yaml", &[], &[]);
    assert_eq!(exit, 2, "{text}");
    assert_eq!(plan["proxy"]["version"], version.as_str());
    let (_, text) = s.human("s.yaml", &[]);
    assert!(text.contains(&format!("(LiteLLM {version}, ")), "{text}");
    let out = s.run(&["plan", "s.yaml", "--format", "markdown"], &[]);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains(&format!("(LiteLLM `{version}`)")), "{md}");
}

/// `mcp_info.skip_tool_output_validation` that is not a boolean: stored as given before
/// 1.110, refused from 1.110 (422). The fake, as the proxy's version, answers the same.
#[test]
fn e2e_a_non_boolean_skip_tool_output_validation_is_refused_from_1_110() {
    let Some(s) = Scenario::new("skipval") else {
        return;
    };
    let version = s.version();
    let fake = support::fake_proxy::FakeProxy::start(support::fake_proxy::FakeConfig::as_version(
        &version.to_string(),
    ));
    let fake_direct = support::real::RealProxy::at(&fake.base_url(), &fake.master_key());
    let strict = version.has(Behaviour::SkipToolOutputValidation);
    for (n, value) in [json!("yes"), json!(1), Value::Null, json!(true)]
        .into_iter()
        .enumerate()
    {
        let id = format!("{}s{n}", s.prefix);
        let body = json!({"server_id": id, "server_name": id, "transport": "sse",
            "url": "https://s.example.invalid/sse",
            "mcp_info": {"skip_tool_output_validation": value}});
        let (status, answer) = s.proxy.call("POST", "/v1/mcp/server", Some(body.clone()));
        s.remember(&id);
        let (fake_status, fake_answer) = fake_direct.call("POST", "/v1/mcp/server", Some(body));
        let refused = strict && !value.is_boolean();
        if refused {
            assert_eq!(status, 422, "{value}: {answer}");
            assert_eq!(
                (&answer["detail"][0]["type"], &answer["detail"][0]["loc"]),
                (&json!("bool_type"), &json!(["body", "mcp_info"])),
                "{value}: {answer}"
            );
        } else {
            assert_eq!(status, 201, "{value}: {answer}");
            assert_eq!(
                answer["mcp_info"]["skip_tool_output_validation"], value,
                "stored as given: {answer}"
            );
        }
        assert_eq!(fake_status, status, "the fake: {fake_answer}");
        assert_eq!(
            fake_answer["detail"], answer["detail"],
            "the fake's 422, if any"
        );
    }
}
