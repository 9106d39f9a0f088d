//! The export round trip over generated live states: servers made "in the dashboard"
//! (with awkward text everywhere, URLs with passwords and query tokens, mcpform's
//! markers on some), exported, linted clean,
//! resolved with the env file, planned against the same fake: nothing to do; and a
//! second export gives the same bytes. Runs the library in process against the fake.

#[path = "support/mod.rs"]
mod support;

use mcpform::export::{ExportOptions, Exported, export};
use mcpform::gather::gather;
use mcpform::live::Needs;
use mcpform::plan::{PlanOptions, owner_proof};
use mcpform::secret::{FingerprintKey, Secret};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use support::env_file;
use support::fake_proxy::{FakeConfig, FakeProxy};
use support::inprocess::{client_for, plan_live, resolved};

/// Text a YAML emitter can get wrong, and text mcpform reads as a reference.
fn awkward() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9 ]{0,12}",
        prop::sample::select(vec![
            "",
            "yes",
            "No",
            "on",
            "null",
            "~",
            "1.5",
            "0x1F",
            "2025-06-18",
            "- a",
            "a: b",
            "a #b",
            "#x",
            "'q'",
            "\"q\"",
            "<<",
            "é ☕",
            "line\nbreak",
            "tab\tx",
            "\u{1b}[31m",
            "\u{202e}rtl",
            "trailing ",
            " leading",
            "${VAR}",
            "Bearer ${TOKEN}",
            "${env:HOME}",
            "${ENV:X}",
            "it's",
            "a\\b",
            "100%",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,10}",
    ]
}

fn headers() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(
        prop::sample::select(vec!["X-Key", "X_Key", "Authorization", "x-key", "key"]),
        awkward(),
        0..3,
    )
    .prop_map(|m| {
        m.into_iter()
            .map(|(k, v)| (k.to_owned(), json!(v)))
            .collect()
    })
}

#[derive(Debug, Clone)]
struct Knobs {
    transport: &'static str,
    id: u8,
    alias: u8,
    owned: u8,
    byok: u8,
    flags: Vec<bool>,
    rpm: u32,
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        prop::sample::select(vec!["http", "sse", "openapi", "stdio"]),
        0u8..3,
        0u8..3,
        0u8..4,
        0u8..3,
        prop::collection::vec(any::<bool>(), 10),
        0u32..1000,
    )
        .prop_map(|(transport, id, alias, owned, byok, flags, rpm)| Knobs {
            transport,
            id,
            alias,
            owned,
            byok,
            flags,
            rpm,
        })
}

/// A create body for server `i`, as a dashboard or a script would send it.
fn body(i: usize, k: &Knobs, text: &[String], hdrs: Map<String, Value>) -> Value {
    let name = format!("{}{i}", ["srv_", "Srv.", "a_b."][i % 3]);
    let mut s = Map::new();
    let id = match k.id {
        0 => name.clone(),
        1 => format!("id-{i}"),
        _ => format!("{name}.x"),
    };
    s.insert("server_id".into(), json!(id));
    s.insert("server_name".into(), json!(name));
    match k.alias {
        1 => s.insert("alias".into(), json!(format!("al_{i}"))),
        2 => s.insert("alias".into(), json!(name)),
        _ => None,
    };
    let http_like = k.transport != "stdio";
    // A URL set in the dashboard with a password and query tokens (awkward ones too).
    let secrets = if k.flags[8] {
        format!("bot:pw{i}@")
    } else {
        String::new()
    };
    let query = if k.flags[8] {
        // A raw `#` would start the fragment (shown, not secret): percent-encoded, as a
        // dashboard user would have to write it.
        format!(
            "?token=tok-{i}&sig={}&region=eu",
            text[9].replace('#', "%23")
        )
    } else {
        String::new()
    };
    match k.transport {
        "stdio" => {
            s.insert("transport".into(), json!("stdio"));
            s.insert("command".into(), json!("npx"));
            s.insert(
                "args".into(),
                // Inside other text a blank ends a URL: no awkward text here.
                json!([
                    "-y",
                    text[0],
                    format!("--url=https://{secrets}a.invalid/?token=tok-{i}&region=eu")
                ]),
            );
            s.insert("env".into(), json!({"MODE": text[1], "TOKEN": text[2]}));
        }
        "openapi" => {
            s.insert("transport".into(), json!("http"));
            s.insert(
                "spec_path".into(),
                json!(format!(
                    "https://{secrets}s{i}.example.invalid/openapi.json{query}"
                )),
            );
        }
        t => {
            s.insert("transport".into(), json!(t));
            s.insert(
                "url".into(),
                json!(format!("https://{secrets}s{i}.example.invalid/mcp{query}")),
            );
        }
    }
    let f = &k.flags;
    if f[0] {
        s.insert("description".into(), json!(text[3]));
    }
    if f[1] {
        s.insert("instructions".into(), json!(text[4]));
    }
    if http_like {
        s.insert("static_headers".into(), Value::Object(hdrs));
        match k.byok {
            1 => {
                s.insert("auth_type".into(), json!("bearer_token"));
                s.insert("is_byok".into(), json!(true));
                s.insert("byok_description".into(), json!([text[5], "Write"]));
            }
            2 => {
                s.insert("auth_type".into(), json!("api_key"));
                s.insert(
                    "credentials".into(),
                    json!({"auth_value": "set-in-dashboard"}),
                );
            }
            _ => {}
        }
    }
    if f[2] {
        s.insert(
            "env_vars".into(),
            json!([{"name": "REGION", "value": text[6]}, {"name": "USER_TOKEN", "scope": "user"}]),
        );
    }
    if f[3] {
        s.insert("allowed_tools".into(), json!(["search", text[7]]));
        s.insert("mcp_access_groups".into(), json!(["dev"]));
        s.insert("extra_headers".into(), json!(["X-Request-Id"]));
        s.insert(
            "tool_name_to_display_name".into(),
            json!({"search": "find-things"}),
        );
        s.insert(
            "tool_name_to_description".into(),
            json!({"search": text[8]}),
        );
    }
    if f[4] {
        s.insert("rpm".into(), json!(k.rpm));
        s.insert("timeout".into(), json!(f64::from(k.rpm) / 4.0));
        s.insert("max_concurrent_requests".into(), json!(4));
    }
    s.insert("allow_all_keys".into(), json!(f[5]));
    s.insert("available_on_public_internet".into(), json!(f[6]));
    let mut info = Map::new();
    if f[7] {
        info.insert(
            "logo_url".into(),
            json!(format!("https://l.example.invalid/x.png{query}")),
        );
        info.insert("team".into(), json!({"name": text[9], "size": 3}));
    }
    if k.owned >= 1 {
        info.insert("managed_by".into(), json!("mcpform"));
        // The proof is bound to the creation time: written once the row exists.
        info.insert("mcpform_owner".into(), json!(OWNER_PENDING));
    }
    if k.owned >= 2 {
        info.insert("mcpform_prevent_destroy".into(), json!(true));
    }
    if k.owned >= 3 {
        info.insert(
            "mcpform_secret_fields".into(),
            json!(["description", "static_headers"]),
        );
    }
    if !info.is_empty() {
        s.insert("mcp_info".into(), Value::Object(info));
    }
    Value::Object(s)
}

/// Stands in for the ownership proof until the row, and its creation time, exist.
const OWNER_PENDING: &str = "proof-written-after-the-create";

fn state() -> impl Strategy<Value = Vec<(Knobs, Vec<String>, Map<String, Value>)>> {
    prop::collection::vec(
        (knobs(), prop::collection::vec(awkward(), 10), headers()),
        0..4,
    )
}

fn export_now(fake: &FakeProxy, options: &ExportOptions<'_>, key: &FingerprintKey) -> Exported {
    let (client, runtime) = client_for(fake);
    let gathered = runtime
        .block_on(gather(&client, &|_| Needs::default()))
        .expect("gather");
    export(&gathered.live, &gathered.facts, options, key).expect("a clean export")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn export_then_plan_is_empty_and_export_again_is_identical(
        servers in state(),
        full in any::<bool>(),
        reveal_values in any::<bool>(),
        managed_only in any::<bool>(),
    ) {
        let fake = FakeProxy::start(FakeConfig { stdio_enabled: true, ..FakeConfig::default() });
        let key = FingerprintKey::new(&Secret::new(fake.master_key()));
        for (i, (k, text, hdrs)) in servers.iter().enumerate() {
            let row = fake.seed_server(body(i, k, text, hdrs.clone()));
            if row["mcp_info"]["mcpform_owner"] == OWNER_PENDING {
                let id = row["server_id"].as_str().unwrap();
                let at = row["created_at"].as_str().unwrap();
                fake.set_mcp_info_key(id, "mcpform_owner", json!(owner_proof(id, at, &key)));
            }
        }
        let options = ExportOptions { full, reveal_values, managed_only, ..ExportOptions::default() };
        let e = export_now(&fake, &options, &key);
        prop_assert!(e.left_out.is_empty(), "{:?}\n{}", e.left_out, e.text);
        if !reveal_values {
            for secret in [":pw", "token=tok-", "region=eu"] {
                prop_assert!(!e.text.contains(secret), "{} in\n{}", secret, e.text);
            }
        }
        let env = env_file::parse(&e.env_file());
        let lookup = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let desired = resolved(&e.text, &fake.master_key(), &lookup);
        let (client, runtime) = client_for(&fake);
        let (_, plan) = plan_live(&client, &runtime, &desired, PlanOptions::default(), &fake.master_key());
        prop_assert!(plan.actions.is_empty(), "{}\n{:#?}", e.text, plan.actions);
        prop_assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        let again = export_now(&fake, &options, &key);
        prop_assert_eq!(again.text, e.text);
    }
}
