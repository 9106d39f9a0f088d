//! Whether a live server holds what a body sent: apply's check of each write's response
//! and of the list read after all writes. The same normalisation table as the planner,
//! so "applied" and "a plan right after is empty" mean the same thing.

use serde_json::{Map, Value};

use crate::live::LiveServer;
use crate::live::normalise::{Context, canonical};
use crate::model::proxy::is_injected_key;
use crate::model::server_field;
use crate::model::support::{Behaviour, NEWEST_CHECKED, OLDEST_CHECKED, Older};

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

/// The likely reason a proxy did not keep a field it was sent, from the field's row:
/// the versions that do not store it, or none.
pub(crate) fn likely_cause(field: &str) -> String {
    if field.starts_with("mcp_info.") {
        return "the proxy did not store this `mcp_info` key (another writer, or an older proxy)"
            .to_owned();
    }
    let Some(row) = server_field(field) else {
        // Not a field of the table (`lifecycle.prevent_destroy`).
        return "the proxy did not store it: an older proxy drops fields it does not know, or something else wrote the server at the same time".to_owned();
    };
    if row.byok {
        return format!(
            "the proxy is older than LiteLLM {} and has no BYOK: it drops these fields",
            Behaviour::Byok.since()
        );
    }
    match row.introduced {
        Some(i) if i.older.iter().any(|(_, what)| *what == Older::Unlisted) => format!(
            "the proxy is older than LiteLLM {}: it drops `{field}`, or stores it without listing it",
            i.since
        ),
        Some(i) => format!(
            "the proxy is older than LiteLLM {} and drops `{field}`",
            i.since
        ),
        None => format!(
            "every LiteLLM version checked ({OLDEST_CHECKED} to {NEWEST_CHECKED}) stores and lists `{field}`: most likely something else wrote the server at the same time"
        ),
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

    #[test]
    fn likely_causes_cover_every_field_with_the_tables_versions() {
        for row in crate::model::SERVER_FIELDS {
            let cause = likely_cause(row.name);
            match row.introduced {
                Some(i) => assert!(cause.contains(&i.since.to_string()), "{cause}"),
                None => assert!(cause.contains(&format!("`{}`", row.name)), "{cause}"),
            }
        }
        // The text that had drifted: `env_vars` is stored from 1.89.0.
        assert_eq!(
            likely_cause("env_vars"),
            "the proxy is older than LiteLLM 1.89.0 and drops `env_vars`"
        );
        assert!(likely_cause("source_url").contains("without listing it"));
        assert!(likely_cause("description").contains("something else wrote"));
    }
}
