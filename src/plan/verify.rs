//! Whether a live server holds what a body sent: apply's check of each write's response
//! and of the list read after all writes. The same normalisation table as the planner,
//! so "applied" and "a plan right after is empty" mean the same thing.

use serde_json::{Map, Value};

use crate::live::LiveServer;
use crate::live::normalise::{Context, canonical};
use crate::model::proxy::is_injected_key;

/// Fields of `body` (a body as sent, references resolved) that `live` does not hold.
/// `credentials` cannot be read back and are not compared; `mcp_info` must hold every
/// key the body sent (the proxy adds its own).
pub(crate) fn mismatches(body: &Map<String, Value>, live: &LiveServer) -> Vec<String> {
    let name = body
        .get("server_name")
        .and_then(Value::as_str)
        .or(live.server_name())
        .unwrap_or_else(|| live.server_id());
    let b_sibling = |f: &str| body.get(f);
    let l_sibling = |f: &str| live.get(f);
    let b_ctx = Context {
        server_name: name,
        sibling: &b_sibling,
    };
    let l_ctx = Context {
        server_name: live.server_name().unwrap_or(name),
        sibling: &l_sibling,
    };
    let mut out = Vec::new();
    for (field, sent) in body {
        match field.as_str() {
            "server_id" | "credentials" => {}
            "mcp_info" => {
                let held = live.mcp_info();
                let sent = sent.as_object().into_iter().flatten();
                for (k, v) in sent.filter(|(k, _)| !is_injected_key(k)) {
                    if held.and_then(|m| m.get(k)) != Some(v) {
                        out.push(format!("mcp_info.{k}"));
                    }
                }
            }
            "server_name" => {
                if live.server_name() != sent.as_str() {
                    out.push(field.clone());
                }
            }
            _ => {
                if canonical(field, Some(sent), &b_ctx) != canonical(field, live.get(field), &l_ctx)
                {
                    out.push(field.clone());
                }
            }
        }
    }
    out
}

/// The likely reason a proxy did not keep a field it was sent.
pub(crate) fn likely_cause(field: &str) -> &'static str {
    match field {
        "is_byok" | "byok_description" | "byok_api_key_help_url" => {
            "the proxy is older than LiteLLM 1.82.1 and has no BYOK: it drops these fields"
        }
        "env_vars" => "the proxy is older than LiteLLM 1.90 and drops `env_vars`",
        f if f.starts_with("mcp_info.") => {
            "the proxy did not store this `mcp_info` key (another writer, or an older proxy)"
        }
        _ => {
            "the proxy did not store it: an older proxy drops fields it does not know, or something else wrote the server at the same time"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn server(v: Value) -> LiveServer {
        LiveServer::from_json(v).unwrap()
    }

    #[test]
    fn listed_noise_is_not_a_mismatch_and_dropped_fields_are() {
        let body = json!({"server_id": "a", "server_name": "a", "transport": "http", "url": "u",
            "alias": "a", "is_byok": true, "allowed_tools": [], "credentials": {"auth_value": "x"},
            "mcp_info": {"managed_by": "mcpform", "logo_url": "l"}});
        let body = body.as_object().unwrap();
        let listed = server(
            json!({"server_id": "a", "server_name": "a", "transport": "http",
            "url": "u", "alias": "a", "is_byok": true, "allowed_tools": null, "credentials": null,
            "mcp_info": {"managed_by": "mcpform", "logo_url": "l", "server_name": "a", "is_public": false}}),
        );
        assert!(mismatches(body, &listed).is_empty());
        let old = server(
            json!({"server_id": "a", "server_name": "a", "transport": "http",
            "url": "u", "alias": "a", "mcp_info": {"logo_url": "l"}}),
        );
        assert_eq!(mismatches(body, &old), ["is_byok", "mcp_info.managed_by"]);
        assert!(likely_cause("is_byok").contains("1.82.1"));
    }
}
