//! "No phantom diffs": for generated files and generated earlier live states, a plan
//! made right after applying the previous plan is empty. Runs the library in process
//! (lint → resolve → gather_and_plan) against the stateful fake.

#[path = "support/mod.rs"]
mod support;

use mcpform::plan::{Plan, PlanOptions};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use support::apply::apply_plan;
use support::fake_proxy::{FakeConfig, FakeProxy};
use support::inprocess::{client_for, document_json, plan_live, resolved};

fn env(name: &str) -> Option<String> {
    Some(format!("secret-for-{name}"))
}

fn server_strategy(i: usize) -> impl Strategy<Value = Value> {
    let transport = prop::sample::select(vec!["http", "sse", "openapi", "stdio"]);
    let text = prop::option::of("[A-Za-z][A-Za-z ]{0,20}");
    let list = prop::collection::vec("[a-z]{1,6}", 0..3);
    let flags = prop::collection::vec(any::<bool>(), 12);
    (transport, text.clone(), text, list.clone(), list, flags, 0u32..100, 1u32..60)
        .prop_map(move |(transport, description, instructions, groups, tools, f, rpm, timeout)| {
            let mut s = Map::new();
            s.insert("server_name".into(), json!(format!("srv_{i}")));
            if f[0] {
                s.insert("server_id".into(), json!(format!("id-{i}")));
            }
            if f[1] {
                s.insert("alias".into(), json!(format!("Alias_{i}")));
            }
            s.insert("transport".into(), json!(transport));
            match transport {
                "stdio" => {
                    s.insert("command".into(), json!("npx"));
                    s.insert("args".into(), json!(["-y", format!("pkg-{i}")]));
                    if f[2] {
                        s.insert("env".into(), json!({"MODE": "ro", "TOKEN": format!("${{env:STDIO_{i}}}")}));
                    }
                }
                "openapi" => {
                    s.insert("spec_path".into(), json!(format!("https://s{i}.example.invalid/openapi.json")));
                    if f[2] {
                        s.insert("url".into(), json!(format!("https://s{i}.example.invalid")));
                    }
                }
                _ => {
                    s.insert("url".into(), json!(format!("https://s{i}.example.invalid/mcp")));
                }
            }
            match description {
                Some(d) => s.insert("description".into(), json!(d)),
                None if f[3] => s.insert("description".into(), Value::Null),
                None => None,
            };
            if let Some(text) = instructions {
                s.insert("instructions".into(), json!(text));
            }
            if !groups.is_empty() {
                s.insert("mcp_access_groups".into(), json!(groups));
            }
            if f[4] {
                s.insert("allowed_tools".into(), json!(tools));
            }
            let http_like = transport != "stdio";
            if http_like && f[5] {
                s.insert("auth_type".into(), json!("bearer_token"));
                s.insert("is_byok".into(), json!(true));
                s.insert("byok_description".into(), json!(["Read", "Write"]));
                s.insert("byok_api_key_help_url".into(), json!("https://help.example.invalid/keys"));
            } else if http_like && f[6] {
                s.insert("auth_type".into(), json!("api_key"));
                s.insert("credentials".into(), json!({"auth_value": format!("${{env:TOKEN_{i}}}")}));
            }
            if http_like && f[7] {
                s.insert("static_headers".into(), json!({"X-Tenant": "acme", "X-Key": format!("k ${{env:HDR_{i}}}")}));
                s.insert("extra_headers".into(), json!(["X-Request-Id"]));
            }
            if f[8] {
                s.insert("env_vars".into(), json!([{"name": "REGION", "value": "eu"}, {"name": "USER_TOKEN", "scope": "user"}]));
                s.insert("tool_name_to_display_name".into(), json!({"search": "find-things"}));
                s.insert("tool_name_to_description".into(), json!({"search": "Find things"}));
            }
            if f[9] {
                let mut info = json!({"logo_url": "https://l.example.invalid/x.png", "team": "platform"});
                if transport != "sse" {
                    info["protocol_version"] = json!("2025-06-18");
                }
                s.insert("mcp_info".into(), info);
            }
            if f[10] {
                s.insert("rpm".into(), json!(rpm));
                s.insert("timeout".into(), json!(f64::from(timeout) / 2.0));
                s.insert("max_concurrent_requests".into(), json!(4));
                s.insert("allow_all_keys".into(), json!(true));
                s.insert("available_on_public_internet".into(), json!(false));
            }
            if f[11] {
                s.insert("lifecycle".into(), json!({"prevent_destroy": true, "ignore_changes": ["instructions"]}));
            }
            Value::Object(s)
        })
}

fn file_strategy() -> impl Strategy<Value = Vec<Value>> {
    (1..5usize).prop_flat_map(|n| (0..n).map(server_strategy).collect::<Vec<_>>())
}

fn yaml(servers: &[Value]) -> String {
    // JSON is YAML 1.2.
    serde_json::to_string_pretty(&json!({"version": 1, "servers": servers})).unwrap()
}

fn plan_text(text: &str, fake: &FakeProxy) -> (Plan, Value) {
    let desired = resolved(text, &fake.master_key(), &env);
    let (client, runtime) = client_for(fake);
    let (_, plan) = plan_live(
        &client,
        &runtime,
        &desired,
        PlanOptions::default(),
        &fake.master_key(),
    );
    let doc = document_json(plan.clone());
    (plan, doc)
}

fn env_pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${env:") {
        let tail = &rest[at + 6..];
        let end = tail.find('}').unwrap();
        let name = tail[..end].to_owned();
        out.push((name.clone(), env(&name).unwrap()));
        rest = &tail[end..];
    }
    out
}

fn apply(fake: &FakeProxy, doc: &Value, text: &str) {
    let pairs = env_pairs(text);
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    apply_plan(&fake.base_url(), &fake.master_key(), doc, &refs);
}

/// A different earlier version of the same servers, made "in the dashboard".
fn seed_earlier(fake: &FakeProxy, earlier: &[Value], keep: &[bool]) {
    for (s, keep) in earlier.iter().zip(keep) {
        if !keep {
            continue;
        }
        let mut body = s.clone();
        let obj = body.as_object_mut().unwrap();
        obj.remove("lifecycle");
        if obj.get("transport") == Some(&json!("openapi")) {
            obj.insert("transport".into(), json!("http"));
        }
        for (k, v) in obj.iter_mut() {
            if let Value::String(text) = v
                && text.contains("${env:")
            {
                *v = json!("dashboard value");
            }
            if k == "credentials" {
                *v = json!({"auth_value": "set-in-dashboard"});
            }
        }
        fake.seed_server(body);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn a_plan_right_after_apply_is_empty(
        servers in file_strategy(),
        earlier in file_strategy(),
        keep in prop::collection::vec(any::<bool>(), 4),
    ) {
        let fake = FakeProxy::start(FakeConfig { stdio_enabled: true, ..FakeConfig::default() });
        // Earlier versions share names (srv_i) with the servers, so they match and change.
        let earlier: Vec<Value> = earlier.into_iter().take(servers.len()).map(|mut e| {
            let same_id = servers.iter().find(|s| s["server_name"] == e["server_name"]).and_then(|s| s.get("server_id").cloned());
            match same_id {
                Some(id) => { e["server_id"] = id; }
                None => { e.as_object_mut().unwrap().remove("server_id"); }
            }
            e
        }).collect();
        seed_earlier(&fake, &earlier, &keep);
        let text = yaml(&servers);
        let (_, doc) = plan_text(&text, &fake);
        apply(&fake, &doc, &text);
        let (again, doc) = plan_text(&text, &fake);
        prop_assert!(again.actions.is_empty(), "phantom diff after apply:\n{text}\n{doc:#}");
        prop_assert!(again.errors.is_empty(), "{:?}", again.errors);
    }
}
