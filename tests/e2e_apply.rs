//! End-to-end: `mcpform apply` against a real LiteLLM proxy (`LITELLM_BASE_URL`,
//! `LITELLM_MASTER_KEY`; `.ci/run` starts one). Every scenario ends with a plan that
//! must be empty.

#[path = "support/mod.rs"]
mod support;

use mcpform::model::support::Behaviour;
use serde_json::{Value, json};

use support::cli::{code, stderr, stdout};
use support::scenario::Scenario;

fn statuses(report: &Value) -> Vec<String> {
    report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["status"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn assert_empty_plan(s: &Scenario, file: &str, env: &[(&str, &str)]) {
    let (exit, doc, text) = s.plan(file, env, &[]);
    assert_eq!(
        exit, 0,
        "a plan right after apply must be empty:\n{text}\n{doc:#}"
    );
}

fn server(name: &str, extra: &str) -> String {
    format!(
        "  - server_name: {name}\n    transport: http\n    url: https://{name}.example.invalid/mcp\n{extra}"
    )
}

#[test]
fn e2e_apply_then_plan_is_empty_and_an_out_of_band_edit_is_reverted() {
    let Some(s) = Scenario::new("apply") else {
        return;
    };
    let p = &s.prefix;
    let file = format!(
        "version: 1\nservers:\n{}{}",
        server(&format!("{p}one"), "    description: first\n"),
        server(
            &format!("{p}two"),
            "    allowed_tools: [a, b]\n    rpm: 10\n"
        )
    );
    s.ws.write("s.yaml", &file);
    let file = if s.version().lacks("rpm").is_some() {
        // A proxy that drops `rpm` (before 1.106): refused before any write, naming it.
        let (exit, report, text) = s.apply_cli(&["s.yaml"], &[]);
        assert_eq!(exit, 1, "{text}\n{report:#}");
        assert!(
            text.contains("`rpm`") && text.contains("`1.106.0`"),
            "{text}"
        );
        assert!(s.proxy.list().iter().all(|r| {
            !r["server_name"]
                .as_str()
                .is_some_and(|n| n.starts_with(p.as_str()))
        }));
        file.replace("    rpm: 10\n", "")
    } else {
        file
    };
    s.ws.write("s.yaml", &file);
    let (exit, report, text) = s.apply_cli(&["s.yaml"], &[]);
    assert_eq!(exit, 0, "{text}\n{report:#}");
    assert_eq!(statuses(&report), ["applied", "applied"]);
    assert_empty_plan(&s, "s.yaml", &[]);
    // Someone edits a server in the dashboard: plan shows it, apply reverts it.
    let id = s.id_of(&format!("{p}one"));
    let (status, _) = s.proxy.call(
        "PUT",
        "/v1/mcp/server",
        Some(json!({"server_id": id, "description": "edited by hand"})),
    );
    assert_eq!(status, 202);
    let (exit, text) = s.human("s.yaml", &[]);
    assert_eq!(exit, 2, "{text}");
    assert!(
        text.contains("~ description: \"edited by hand\" → \"first\""),
        "{text}"
    );
    let (exit, report, text) = s.apply_cli(&["s.yaml"], &[]);
    assert_eq!(exit, 0, "{text}\n{report:#}");
    assert_empty_plan(&s, "s.yaml", &[]);
}

#[test]
fn e2e_a_saved_plan_is_refused_after_an_out_of_band_change_naming_the_field() {
    let Some(s) = Scenario::new("stale") else {
        return;
    };
    let name = format!("{}stale", s.prefix);
    s.ws.write(
        "s.yaml",
        &format!(
            "version: 1\nservers:\n{}",
            server(&name, "    description: v1\n")
        ),
    );
    assert_eq!(s.apply_cli(&["s.yaml"], &[]).0, 0);
    s.ws.write(
        "s.yaml",
        &format!(
            "version: 1\nservers:\n{}",
            server(&name, "    description: v2\n")
        ),
    );
    let out = s.run(&["plan", "s.yaml", "--out", "plan.json"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let id = s.id_of(&name);
    let (status, _) = s.proxy.call(
        "PUT",
        "/v1/mcp/server",
        Some(json!({"server_id": id, "url": "https://moved.example.invalid/mcp"})),
    );
    assert_eq!(status, 202);
    let (exit, report, text) = s.apply_cli(&["plan.json"], &[]);
    assert_eq!(exit, 1, "{text}");
    assert_eq!(statuses(&report), ["stale"]);
    let moved: Vec<&Value> = report["results"][0]["fields"]
        .as_array()
        .map(|f| f.iter().collect())
        .unwrap_or_default();
    let url = moved
        .iter()
        .find(|m| m["field"] == "url")
        .expect("url moved");
    assert_eq!(
        url["now"], "https://moved.example.invalid/mcp",
        "{report:#}"
    );
    let names: Vec<&str> = moved.iter().filter_map(|m| m["field"].as_str()).collect();
    if s.version().has(Behaviour::PartialUpdate) {
        assert_eq!(names, ["url"], "{report:#}");
    } else {
        // Before 1.88 the hand-made partial PUT also reset the transport to `sse`.
        assert!(names.contains(&"transport"), "{report:#}");
    }
    let row = s
        .proxy
        .list()
        .into_iter()
        .find(|r| r["server_id"] == id.as_str())
        .unwrap();
    assert_eq!(row["description"], "v1", "nothing was written");
}

#[test]
fn e2e_byok_disable_with_a_real_stored_key_is_skipped_then_applied_with_consent() {
    let Some(s) = Scenario::new("byok") else {
        return;
    };
    let name = format!("{}byok", s.prefix);
    let on = format!(
        "version: 1\nservers:\n{}",
        server(&name, "    auth_type: bearer_token\n    is_byok: true\n")
    );
    s.ws.write("s.yaml", &on);
    assert_eq!(s.apply_cli(&["s.yaml"], &[]).0, 0);
    let id = s.id_of(&name);
    let (status, body) = s.proxy.call(
        "POST",
        &format!("/v1/mcp/server/{id}/user-credential"),
        Some(json!({"credential": "ghp_e2e_apply_key", "save": true})),
    );
    assert_eq!(status, 200, "{body}");
    let off = on.replace("is_byok: true", "is_byok: false");
    s.ws.write("s.yaml", &off);
    let (exit, report, text) = s.apply_cli(&["s.yaml"], &[]);
    assert_eq!(exit, 3, "{text}");
    assert_eq!(statuses(&report), ["skipped_guard"]);
    assert!(!text.contains("ghp_e2e_apply_key"));
    s.ws.write(
        "s.yaml",
        &off.replace(
            "is_byok: false",
            "is_byok: false\n    lifecycle:\n      allow_byok_disable: true",
        ),
    );
    let (exit, report, text) = s.apply_cli(&["s.yaml"], &[]);
    assert_eq!(exit, 0, "{text}");
    let (status, keys) = s.proxy.call(
        "GET",
        &format!("/v1/mcp/server/{id}/user-credentials"),
        None,
    );
    if s.version().has(Behaviour::AdminCredentialList) {
        assert_eq!(report["results"][0]["kept_keys"], 1);
        assert_eq!(status, 200);
        assert_eq!(
            keys.as_array().map(Vec::len),
            Some(1),
            "the key is still listed: {keys}"
        );
    } else {
        // Before 1.103 nobody but the user can see the key: the count stays unknown.
        assert_eq!(report["results"][0]["kept_keys"], "unknown", "{report:#}");
        assert_eq!((status, keys), (404, json!({"detail": "Not Found"})));
    }
    assert_empty_plan(&s, "s.yaml", &[]);
}

#[test]
fn e2e_prune_of_an_owned_byok_server_with_a_stored_key_is_guarded_and_others_untouched() {
    let Some(s) = Scenario::new("prune") else {
        return;
    };
    let p = &s.prefix;
    let keep = format!("{p}keep");
    let gone = format!("{p}gone");
    let by_hand = format!("{p}by_hand");
    s.proxy.create(
        json!({"server_name": by_hand, "transport": "sse", "url": "https://h.example.invalid/sse"}),
    );
    s.ws.write(
        "s.yaml",
        &format!(
            "version: 1\nservers:\n{}{}",
            server(&keep, ""),
            server(&gone, "    auth_type: bearer_token\n    is_byok: true\n")
        ),
    );
    assert_eq!(s.apply_cli(&["s.yaml"], &[]).0, 0);
    let id = s.id_of(&gone);
    let (status, _) = s.proxy.call(
        "POST",
        &format!("/v1/mcp/server/{id}/user-credential"),
        Some(json!({"credential": "ghp_e2e_prune_key", "save": true})),
    );
    assert_eq!(status, 200);
    s.ws.write(
        "s.yaml",
        &format!("version: 1\nservers:\n{}", server(&keep, "")),
    );
    let (exit, report, text) = s.apply_cli(&["s.yaml", "--prune"], &[]);
    assert_eq!(exit, 3, "{text}\n{report:#}");
    assert_eq!(statuses(&report), ["skipped_guard"]);
    let names: Vec<String> = s
        .proxy
        .list()
        .iter()
        .filter_map(|r| r["server_name"].as_str().map(str::to_owned))
        .collect();
    assert!(
        names.contains(&gone) && names.contains(&by_hand),
        "{names:?}"
    );
}

#[test]
fn e2e_renames_through_a_pinned_id_and_an_alias_swap_converge() {
    let Some(s) = Scenario::new("swap") else {
        return;
    };
    let p = &s.prefix;
    let file = |a: &str, b: &str, name: &str| {
        format!(
            "version: 1\nservers:\n  - server_id: {p}a\n    server_name: {name}\n    alias: {a}\n    transport: sse\n    url: https://a.example.invalid/sse\n  - server_id: {p}b\n    server_name: {p}b\n    alias: {b}\n    transport: sse\n    url: https://b.example.invalid/sse\n"
        )
    };
    let (x, y) = (format!("{p}x"), format!("{p}y"));
    s.ws.write("s.yaml", &file(&x, &y, &format!("{p}a")));
    assert_eq!(s.apply_cli(&["s.yaml"], &[]).0, 0);
    s.ws.write("s.yaml", &file(&y, &x, &format!("{p}renamed")));
    let (exit, report, text) = s.apply_cli(&["s.yaml"], &[]);
    assert_eq!(exit, 0, "{text}\n{report:#}");
    assert_eq!(statuses(&report), ["applied", "applied"]);
    assert_empty_plan(&s, "s.yaml", &[]);
    let a = s
        .proxy
        .list()
        .into_iter()
        .find(|r| r["server_id"] == format!("{p}a"))
        .unwrap();
    assert_eq!(
        (a["server_name"].as_str(), a["alias"].as_str()),
        (Some(&*format!("{p}renamed")), Some(&*y))
    );
}

#[test]
fn e2e_an_oauth_servers_url_change_converges_in_one_apply() {
    let Some(s) = Scenario::new("oauth") else {
        return;
    };
    let name = format!("{}oauth", s.prefix);
    // `oauth2_flow` only where the proxy stores and lists it (1.93 and later); before,
    // apply refuses the file up front, naming the field.
    let flow_stored = s.version().lacks("oauth2_flow").is_none();
    let file = |url: &str, flow: bool| {
        let flow = if flow {
            "    oauth2_flow: authorization_code\n"
        } else {
            ""
        };
        format!(
            "version: 1\nservers:\n  - server_name: {name}\n    transport: http\n    url: {url}\n    auth_type: oauth2\n{flow}    authorization_url: https://idp.example.invalid/authorize\n    token_url: https://idp.example.invalid/token\n"
        )
    };
    let file = |url: &str| {
        if !flow_stored {
            s.ws.write("s.yaml", &file(url, true));
            let (exit, report, text) = s.apply_cli(&["s.yaml"], &[]);
            assert_eq!(exit, 1, "{text}\n{report:#}");
            assert!(text.contains("`oauth2_flow`"), "{text}");
        }
        file(url, flow_stored)
    };
    s.ws.write("s.yaml", &file("https://old.example.invalid/mcp"));
    assert_eq!(s.apply_cli(&["s.yaml"], &[]).0, 0);
    s.ws.write("s.yaml", &file("https://new.example.invalid/mcp"));
    let (exit, report, text) = s.apply_cli(&["s.yaml"], &[]);
    assert_eq!(exit, 0, "{text}\n{report:#}");
    assert_empty_plan(&s, "s.yaml", &[]);
}

#[test]
fn e2e_references_written_on_the_proxy_stay_literal_through_plan_and_apply() {
    let Some(s) = Scenario::new("literal") else {
        return;
    };
    let name = format!("{}literal", s.prefix);
    s.proxy
        .create(json!({"server_name": name, "transport": "http",
        "url": "https://l.example.invalid/mcp", "description": "${env:LITELLM_API_KEY}",
        "mcp_info": {"logo_url": "https://x.example.invalid/${env:LITELLM_API_KEY}.png"},
        "static_headers": {"X-Tenant": "${env:LITELLM_API_KEY}"}}));
    s.ws.write(
        "s.yaml",
        &format!(
            "version: 1\nservers:\n{}",
            server(&name, "    instructions: from git\n")
        ),
    );
    let (exit, report, text) = s.apply_cli(&["s.yaml"], &[]);
    assert_eq!(exit, 0, "{text}\n{report:#}");
    let row = s
        .proxy
        .list()
        .into_iter()
        .find(|r| r["server_name"] == name.as_str())
        .unwrap();
    assert_eq!(
        row["mcp_info"]["logo_url"],
        "https://x.example.invalid/${env:LITELLM_API_KEY}.png"
    );
    assert_eq!(row["static_headers"]["X-Tenant"], "${env:LITELLM_API_KEY}");
    assert!(
        !format!("{row}").contains(&s.proxy.master_key),
        "the admin key was never sent"
    );
}

#[test]
fn e2e_apply_at_parallelism_8_ends_with_zero_failures() {
    let Some(s) = Scenario::new("par") else {
        return;
    };
    let servers: String = (0..16)
        .map(|i| server(&format!("{}s{i}", s.prefix), ""))
        .collect();
    s.ws.write("s.yaml", &format!("version: 1\nservers:\n{servers}"));
    let (exit, report, text) = s.apply_cli(&["s.yaml", "--parallelism", "8"], &[]);
    assert_eq!(exit, 0, "{text}\n{report:#}");
    assert!(
        statuses(&report).iter().all(|st| st == "applied"),
        "{report:#}"
    );
    assert_empty_plan(&s, "s.yaml", &[]);
    assert!(stdout(&s.run(&["plan", "s.yaml"], &[])).contains("No changes"));
}

#[test]
fn e2e_an_update_keeps_every_field_the_file_does_not_manage() {
    let Some(s) = Scenario::new("keep") else {
        return;
    };
    let name = format!("{}keep", s.prefix);
    let made = s
        .proxy
        .create(json!({"server_name": name, "transport": "http",
        "url": "https://k.example.invalid/mcp", "auth_type": "bearer_token", "is_byok": true,
        "byok_description": ["Read"], "allow_all_keys": true, "mcp_access_groups": ["dev"],
        "available_on_public_internet": false, "description": "by hand"}));
    s.remember(made["server_id"].as_str().unwrap());
    s.ws.write(
        "s.yaml",
        &format!(
            "version: 1\nservers:\n{}",
            server(
                &name,
                "    description: from git\n    auth_type: bearer_token\n    is_byok: true\n"
            )
        ),
    );
    let (exit, report, text) = s.apply_cli(&["s.yaml"], &[]);
    assert_eq!(exit, 0, "{text}\n{report:#}");
    assert_eq!(statuses(&report), ["applied"]);
    let row = s
        .proxy
        .list()
        .into_iter()
        .find(|r| r["server_name"] == name.as_str())
        .unwrap();
    // A proxy before 1.88 resets what a PUT omits: mcpform sent it back as it was.
    assert_eq!(row["description"], "from git");
    assert_eq!(row["allow_all_keys"], true, "{row:#}");
    assert_eq!(row["mcp_access_groups"], json!(["dev"]));
    assert_eq!(row["available_on_public_internet"], false);
    assert_eq!(row["byok_description"], json!(["Read"]));
    assert_eq!(row["transport"], "http");
    assert_empty_plan(&s, "s.yaml", &[]);
}
