//! Replays `tests/fixtures/litellm-1.87.5-transcript.json`, recorded from a real LiteLLM
//! 1.87.5 with `tests/fixtures/record-litellm-transcript.py`, against
//! `FakeConfig::as_version("1.87.5")`: the reference transcript's requests (so the two
//! versions read side by side), then what differs between versions (dropped and unlisted
//! fields, a refused one, full-body and partial PUTs, null, an OpenAPI create whose spec
//! cannot be fetched, duplicate names, stdio, the missing admin credential list, a stored
//! key that survives a delete).
//!
//! Status and body must agree once timestamps are masked and generated server ids mapped.
//! One difference is kept on purpose: 1.87.5 lists servers in PostgreSQL's heap order,
//! which reuses space that deletes free, so lists are compared as sets there.

use serde_json::Value;

use super::support::fake_proxy::{FakeConfig, FakeProxy, Role};
use super::{Http, Send, mask};

/// Replaces each recorded id by the fake's (or back) in every string.
fn swap(v: &Value, ids: &[(String, String)], back: bool) -> Value {
    match v {
        Value::String(s) => Value::from(ids.iter().fold(s.clone(), |acc, (rec, fake)| {
            if back {
                acc.replace(fake, rec)
            } else {
                acc.replace(rec, fake)
            }
        })),
        Value::Array(items) => Value::Array(items.iter().map(|i| swap(i, ids, back)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), swap(v, ids, back)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A list compared as a set: its items in server-id order.
fn as_set(v: &Value) -> Value {
    let mut items = v.as_array().cloned().unwrap_or_default();
    items.sort_by_key(|s| s["server_id"].as_str().unwrap_or("").to_owned());
    Value::Array(items)
}

/// The key a recorded `Authorization` header stands for.
fn key_of(header: &str, master: &str) -> String {
    let token = header
        .trim_start_matches("Bearer ")
        .trim_end_matches('\u{2026}');
    if "sk-master-1234".starts_with(token) {
        master.to_owned()
    } else {
        // A recorded placeholder the replay registers, or a key no proxy knows.
        token.to_owned()
    }
}

#[test]
fn replays_the_transcript_recorded_from_a_real_1_87_5() {
    let transcript: Vec<Value> =
        serde_json::from_str(include_str!("../fixtures/litellm-1.87.5-transcript.json"))
            .expect("transcript");
    let fake = FakeProxy::start(FakeConfig {
        // The recording's OpenAPI spec lives on a `.invalid` host.
        unloadable_specs: true,
        ..FakeConfig::as_version("1.87.5")
    });
    let http = Http::new(&fake);
    let master = fake.master_key();
    let mut ids: Vec<(String, String)> = Vec::new();
    let mut compared = 0;
    for (i, exchange) in transcript.iter().enumerate() {
        let n = i + 1;
        let title = exchange["title"].as_str().unwrap_or("");
        let request = &exchange["request"];
        let (method, path) = (
            request["method"].as_str().unwrap_or("GET"),
            request["path"].as_str().unwrap_or("/"),
        );
        let recorded = &exchange["response"];
        match path {
            // Users and keys are not the fake's: register what the real proxy made.
            "/user/new" => continue,
            "/key/generate" => {
                if exchange["status"] == 200 {
                    let key = recorded["key"].as_str().expect("recorded key");
                    let user = request["body"]["user_id"].as_str().unwrap_or("");
                    fake.add_key(key, user, Role::InternalUser);
                }
                continue;
            }
            _ => {}
        }
        let headers: Vec<(&str, String)> = request["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| {
                        (
                            k.as_str(),
                            format!("Bearer {}", key_of(v.as_str().unwrap_or(""), &master)),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let body = match &request["body"] {
            Value::Null => Send::None,
            Value::String(raw) => Send::Raw(raw.clone()),
            v => Send::Json(swap(v, &ids, false)),
        };
        let sent_path = swap(&Value::from(path), &ids, false);
        let answer = http
            .try_send(method, sent_path.as_str().unwrap_or(path), &headers, body)
            .unwrap_or_else(|e| panic!("exchange {n} ({title}): {e:?}"));
        // A server id the real proxy generated: learn the fake's for the same create.
        if method == "POST"
            && path == "/v1/mcp/server"
            && request["body"]["server_id"].is_null()
            && let (Some(rec), Some(got)) = (
                recorded["server_id"].as_str(),
                answer.body["server_id"].as_str(),
            )
        {
            ids.push((rec.to_owned(), got.to_owned()));
        }
        assert_eq!(
            u64::from(answer.status),
            exchange["status"].as_u64().unwrap_or(0),
            "exchange {n} ({title}): status; the fake answered {}",
            answer.body
        );
        let mut expected = mask(recorded, "");
        let mut actual = mask(&swap(&answer.body, &ids, true), "");
        if method == "GET" && path == "/v1/mcp/server" {
            expected = as_set(&expected);
            actual = as_set(&actual);
        }
        // Compared as pretty text: map equality ignores key order, the text does not.
        assert_eq!(
            serde_json::to_string_pretty(&actual).unwrap_or_default(),
            serde_json::to_string_pretty(&expected).unwrap_or_default(),
            "exchange {n} ({title}): body"
        );
        compared += 1;
    }
    assert_eq!(
        compared,
        transcript.len() - 3,
        "every exchange but /user/new and /key/generate"
    );
}

#[test]
fn as_version_of_the_reference_is_the_default() {
    let reference = FakeConfig::as_version("1.108.7");
    let default = FakeConfig::default();
    assert_eq!(
        format!("{reference:?}"),
        format!("{default:?}"),
        "the default fake is the reference proxy"
    );
    let old = FakeConfig::as_version("1.87.5");
    assert!(old.put_resets_omitted && !old.admin_credential_list && old.stdio_enabled);
    assert!(old.supports_byok && old.routes_1_87 && old.viewer_sees_full_config);
    let older = FakeConfig::as_version("1.82.0");
    assert!(!older.supports_byok && !older.routes_1_87 && !older.viewer_sees_full_config);
}
