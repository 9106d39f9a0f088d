//! One live server → the fields a file declares for it: the inverse of the
//! normalisation table (a value equal to what the table makes of an absent field is a
//! default, and left out) and of the model's field list (the model's own serde puts the
//! fields in schema order, and says which live values it cannot hold).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::live::LiveServer;
use crate::live::normalise::{Context, canonical};
use crate::model::proxy::{CREDENTIALS_MARKER, SECRET_FIELDS_MARKER};
use crate::model::{AuthType, Credentials, PartialSpec, SERVER_FIELDS, is_always_managed};

/// A live server as the exported file declares it, before placeholders.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    /// `server_id` on the proxy.
    pub server_id: String,
    /// `server_name`.
    pub server_name: String,
    /// The declared fields, in schema order, values as the proxy holds them.
    pub fields: Map<String, Value>,
    /// Fields mcpform recorded as filled from `${env:…}` when it last wrote the server.
    pub recorded: BTreeSet<String>,
    /// The commented `credentials` block, when the server likely holds credentials.
    pub credentials: Option<Map<String, Value>>,
    /// Fields left unmanaged because the model cannot hold their live value.
    pub unfit: Vec<String>,
}

/// Fields a server cannot be declared without: when one of these does not fit the
/// model, the whole server is left out.
fn essential(field: &str) -> bool {
    field == "server_id" || is_always_managed(field)
}

/// The draft of `l`, or why it cannot be declared. `full`: every field, defaults too.
pub(crate) fn draft(l: &LiveServer, full: bool) -> Result<Draft, String> {
    let name = l
        .server_name()
        .ok_or("it has no `server_name`, which every declared server needs")?;
    let sibling = |f: &str| l.get(f);
    let ctx = Context {
        server_name: name,
        sibling: &sibling,
    };
    let mut fields = Map::new();
    for field in SERVER_FIELDS {
        let f = field.name;
        match f {
            "server_id" => {
                if full || l.server_id() != name {
                    fields.insert(f.into(), Value::String(l.server_id().to_owned()));
                }
            }
            "server_name" => {
                fields.insert(f.into(), Value::String(name.to_owned()));
            }
            // Write-only (a commented block instead), and mcpform's own (from markers).
            "credentials" | "lifecycle" => {}
            _ => {
                // A field this proxy does not report is not declared.
                let Some(live) = l.get(f) else { continue };
                let value = canonical(f, Some(live), &ctx);
                if full || f == "transport" {
                    fields.insert(f.into(), sorted(&value));
                } else if value != canonical(f, None, &ctx) {
                    fields.insert(f.into(), minimise(f, live, &value, &ctx));
                }
            }
        }
    }
    let (mut fields, unfit) = fit(fields)?;
    if l.prevents_destroy() {
        let mut lifecycle = Map::new();
        lifecycle.insert("prevent_destroy".into(), Value::Bool(true));
        fields.insert("lifecycle".into(), Value::Object(lifecycle));
    }
    let recorded: BTreeSet<String> = l
        .marker(SECRET_FIELDS_MARKER)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    Ok(Draft {
        server_id: l.server_id().to_owned(),
        server_name: name.to_owned(),
        fields,
        recorded,
        credentials: credentials_hint(l),
        unfit,
    })
}

/// The live value without the parts the table treats as absent: inside a map (or each
/// mapping of a list), every key whose removal leaves the canonical value unchanged
/// (the keys the proxy injects, mcpform's markers, `env_vars` defaults). Keys sorted.
fn minimise(field: &str, live: &Value, canon: &Value, ctx: &Context<'_>) -> Value {
    let mut value = sorted(live);
    let same = |v: &Value| canonical(field, Some(v), ctx) == *canon;
    let keys_at = |v: &Value, item: Option<usize>| -> Vec<String> {
        let map = match item {
            Some(i) => v.get(i).and_then(Value::as_object),
            None => v.as_object(),
        };
        map.map(|m| m.keys().cloned().collect()).unwrap_or_default()
    };
    let items = value.as_array().map_or(0, Vec::len);
    let places: Vec<Option<usize>> = if value.is_array() {
        (0..items).map(Some).collect()
    } else {
        vec![None]
    };
    for item in places {
        for key in keys_at(&value, item) {
            let mut without = value.clone();
            let map = match item {
                Some(i) => without.get_mut(i).and_then(Value::as_object_mut),
                None => without.as_object_mut(),
            };
            if let Some(map) = map {
                map.remove(&key);
            }
            if same(&without) {
                value = without;
            }
        }
    }
    value
}

/// `v` with every mapping's keys in sorted order (the proxy's order is its own).
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Whether the model holds `value` as the server's `field`.
pub(crate) fn fits(field: &str, value: &Value) -> bool {
    let mut alone = Map::new();
    alone.insert(field.to_owned(), value.clone());
    serde_json::from_value::<PartialSpec>(Value::Object(alone)).is_ok()
}

/// The fields as the model writes them (schema order; records in their own order), and
/// the fields it cannot hold, left out. An essential field that does not fit leaves the
/// whole server out.
fn fit(mut fields: Map<String, Value>) -> Result<(Map<String, Value>, Vec<String>), String> {
    let mut unfit = Vec::new();
    if serde_json::from_value::<PartialSpec>(Value::Object(fields.clone())).is_err() {
        let keys: Vec<String> = fields.keys().cloned().collect();
        for key in keys {
            if !fits(&key, &fields[&key]) {
                if essential(&key) {
                    return Err(format!(
                        "its `{key}` does not fit mcpform's model, and a server cannot be declared without it"
                    ));
                }
                fields.remove(&key);
                unfit.push(key);
            }
        }
    }
    let spec = serde_json::from_value::<PartialSpec>(Value::Object(fields))
        .map_err(|e| format!("its fields do not fit mcpform's model together ({e})"))?;
    match serde_json::to_value(spec) {
        Ok(Value::Object(map)) => Ok((map, unfit)),
        _ => Err("mcpform's model could not write it".to_owned()),
    }
}

/// The `credentials` a server likely holds, for a commented block: the secret keys of
/// its `auth_type` (values unknown: the caller writes placeholders) and the non-secret
/// keys the proxy lists (1.100 and later list `scopes`, `upstream_*`). `None` when it
/// likely holds none: no auth that needs them, or BYOK, where each user brings the key.
fn credentials_hint(l: &LiveServer) -> Option<Map<String, Value>> {
    let auth = l
        .auth_type()
        .and_then(|a| serde_json::from_value::<AuthType>(Value::String(a.to_owned())).ok());
    let listed = l
        .get("credentials")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty());
    let recorded = l.marker(CREDENTIALS_MARKER).is_some();
    let keys = auth.map_or(&[][..], AuthType::credential_keys);
    let byok = l.is_byok() && auth.is_some_and(AuthType::carries_user_key);
    let likely = recorded || listed.is_some() || (!keys.is_empty() && !byok);
    if !likely {
        return None;
    }
    let mut hint = Map::new();
    for (k, v) in listed.into_iter().flatten() {
        if !Credentials::is_secret_key(k) {
            hint.insert(k.clone(), v.clone());
        }
    }
    let keys = if keys.is_empty() {
        &["auth_value"][..]
    } else {
        keys
    };
    for k in keys {
        hint.entry(*k).or_insert(Value::Null);
    }
    Some(order_like_credentials(hint))
}

/// `hint`'s keys in the order of [`Credentials`]' fields (from its serializer).
fn order_like_credentials(hint: Map<String, Value>) -> Map<String, Value> {
    // Keys still to be filled (null) are probed as strings: the model refuses null.
    let probe: Map<String, Value> = hint
        .iter()
        .map(|(k, v)| match v {
            Value::Null => (k.clone(), Value::String(String::new())),
            v => (k.clone(), v.clone()),
        })
        .collect();
    let order: Vec<String> = serde_json::from_value::<Credentials>(Value::Object(probe))
        .ok()
        .and_then(|c| serde_json::to_value(c).ok())
        .and_then(|v| v.as_object().map(|m| m.keys().cloned().collect()))
        .unwrap_or_default();
    let mut out = Map::new();
    for k in order {
        if let Some(v) = hint.get(&k) {
            out.insert(k, v.clone());
        }
    }
    for (k, v) in hint {
        out.entry(k).or_insert(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live(v: Value) -> LiveServer {
        LiveServer::from_json(v).unwrap()
    }

    fn keys(d: &Draft) -> Vec<&str> {
        d.fields.keys().map(String::as_str).collect()
    }

    /// The jira element of the reference's list example (§8.3), trimmed.
    fn jira() -> Value {
        json!({"server_id": "jira", "is_config": false, "server_name": "jira_mcp", "alias": "jira_mcp",
            "description": "Jira MCP", "url": "https://mcp.example.com/jira/mcp", "spec_path": null,
            "transport": "http", "auth_type": "bearer_token", "credentials": null, "instructions": null,
            "created_at": "2026-06-12T16:35:13.123000Z", "teams": [], "mcp_access_groups": [],
            "allowed_tools": ["search_issues"], "tool_name_to_display_name": null, "extra_headers": [],
            "mcp_info": {"server_name": "jira_mcp", "description": "Jira MCP", "is_public": false, "is_public_explicit": false},
            "static_headers": {"X-Tenant": "acme"}, "env_vars": null, "command": null, "args": [], "env": {},
            "subject_token_type": "urn:ietf:params:oauth:token-type:access_token", "token_exchange_profile": "rfc8693",
            "allow_all_keys": false, "available_on_public_internet": true, "delegate_auth_to_upstream": false,
            "oauth_passthrough": false, "dcr_bridge": null, "per_server_oauth_discovery": false,
            "is_byok": false, "byok_description": [], "byok_api_key_help_url": null, "timeout": null, "rpm": null})
    }

    #[test]
    fn defaults_the_table_knows_are_left_out() {
        let d = draft(&live(jira()), false).unwrap();
        assert_eq!(
            keys(&d),
            [
                "server_id",
                "server_name",
                "description",
                "transport",
                "auth_type",
                "url",
                "allowed_tools",
                "static_headers"
            ]
        );
        assert_eq!(d.fields["transport"], "http");
        assert_eq!(
            d.credentials,
            Some(json!({"auth_value": null}).as_object().unwrap().clone())
        );
    }

    #[test]
    fn full_writes_every_field_the_proxy_reports() {
        let d = draft(&live(jira()), true).unwrap();
        assert!(keys(&d).contains(&"alias") && keys(&d).contains(&"available_on_public_internet"));
        assert_eq!(d.fields["subject_token_type"], Value::Null);
        assert_eq!(d.fields["mcp_info"], json!({}));
        assert_eq!(d.fields["env_vars"], json!([]));
        assert!(!keys(&d).contains(&"created_at") && !keys(&d).contains(&"credentials"));
    }

    #[test]
    fn markers_and_injected_keys_go_and_prevent_destroy_becomes_lifecycle() {
        let d = draft(
            &live(json!({"server_id": "a", "server_name": "a", "transport": "http", "spec_path": "https://s.example/o.json",
                "mcp_info": {"server_name": "a", "managed_by": "mcpform", "mcpform_owner": "x", "mcpform_prevent_destroy": true,
                             "team": {"z": 1, "a": 2}, "logo_url": "l"},
                "env_vars": [{"name": "A", "value": "", "scope": "global", "description": null}, {"name": "B", "scope": "user"}]})),
            false,
        )
        .unwrap();
        assert_eq!(
            keys(&d),
            [
                "server_name",
                "transport",
                "spec_path",
                "mcp_info",
                "env_vars",
                "lifecycle"
            ]
        );
        assert_eq!(d.fields["transport"], "openapi");
        assert_eq!(
            d.fields["mcp_info"].to_string(),
            r#"{"logo_url":"l","team":{"a":2,"z":1}}"#
        );
        assert_eq!(
            d.fields["env_vars"],
            json!([{"name": "A"}, {"name": "B", "scope": "user"}])
        );
        assert_eq!(d.fields["lifecycle"], json!({"prevent_destroy": true}));
    }

    #[test]
    fn values_the_model_cannot_hold_are_left_unmanaged_or_leave_the_server_out() {
        let d = draft(
            &live(
                json!({"server_id": "a", "server_name": "a", "transport": "sse", "url": "u",
                "mcp_info": {"logo_url": null}, "description": "d"}),
            ),
            false,
        )
        .unwrap();
        assert_eq!(d.unfit, ["mcp_info"]);
        assert_eq!(keys(&d), ["server_name", "description", "transport", "url"]);
        let err = draft(
            &live(json!({"server_id": "a", "server_name": "a", "transport": "websocket"})),
            false,
        )
        .unwrap_err();
        assert!(err.contains("`transport`"), "{err}");
        assert!(draft(&live(json!({"server_id": "a", "transport": "sse"})), false).is_err());
    }

    #[test]
    fn credentials_hints_follow_the_auth_type() {
        let hint = |v: Value| credentials_hint(&live(v));
        assert_eq!(hint(json!({"server_id": "a", "auth_type": "none"})), None);
        assert_eq!(
            hint(json!({"server_id": "a", "auth_type": "bearer_token", "is_byok": true})),
            None,
            "each user brings the key"
        );
        let oauth = hint(json!({"server_id": "a", "auth_type": "oauth2",
            "credentials": {"scopes": ["read"], "upstream_token_header": "X-T"}}))
        .unwrap();
        assert_eq!(
            oauth.keys().collect::<Vec<_>>(),
            [
                "client_id",
                "client_secret",
                "scopes",
                "upstream_token_header"
            ]
        );
        let marked =
            hint(json!({"server_id": "a", "mcp_info": {"mcpform_credentials_hmac": "h"}})).unwrap();
        assert_eq!(marked.keys().collect::<Vec<_>>(), ["auth_value"]);
    }
}
