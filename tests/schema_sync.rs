//! The committed schema must equal what the model generates.
//! Regenerate with: UPDATE_SCHEMA=1 cargo test --test schema_sync

#[test]
fn committed_schema_matches_the_model() {
    let generated = serde_json::to_string_pretty(&mcpform::schema::generated()).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/mcpform.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap().replace("\r\n", "\n");
    assert!(
        committed == generated,
        "schema drift: the model and schemas/mcpform.schema.json disagree; run UPDATE_SCHEMA=1 cargo test --test schema_sync"
    );
}

/// Every field of LiteLLM's `NewMCPServerRequest` (1.108.7, `litellm/proxy/_types.py`),
/// except the three the endpoint sets itself (`approval_status`, `submitted_by`,
/// `submitted_at`: "caller values are overridden"), plus mcpform's `lifecycle`.
const NEW_MCP_SERVER_REQUEST: &[&str] = &[
    "server_id",
    "server_name",
    "alias",
    "description",
    "transport",
    "auth_type",
    "credentials",
    "url",
    "spec_path",
    "mcp_info",
    "mcp_access_groups",
    "allowed_tools",
    "tool_name_to_display_name",
    "tool_name_to_description",
    "extra_headers",
    "static_headers",
    "env_vars",
    "instructions",
    "command",
    "args",
    "env",
    "issuer",
    "authorization_url",
    "token_url",
    "registration_url",
    "oauth2_flow",
    "token_exchange_endpoint",
    "audience",
    "subject_token_type",
    "token_exchange_profile",
    "allow_all_keys",
    "available_on_public_internet",
    "delegate_auth_to_upstream",
    "oauth_passthrough",
    "dcr_bridge",
    "per_server_oauth_discovery",
    "is_byok",
    "byok_description",
    "byok_api_key_help_url",
    "source_url",
    "timeout",
    "max_concurrent_requests",
    "rpm",
];

#[test]
fn the_model_has_every_field_of_the_api_request() {
    let schema = mcpform::schema::generated();
    let mut fields = mcpform::schema::server_fields(&schema);
    fields.sort();
    let mut expected: Vec<String> = NEW_MCP_SERVER_REQUEST
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    expected.push("lifecycle".to_owned());
    expected.sort();
    assert_eq!(fields, expected);
}

#[test]
fn every_property_has_a_description() {
    fn walk(path: &str, node: &serde_json::Value, missing: &mut Vec<String>) {
        if let Some(props) = node.get("properties").and_then(|p| p.as_object()) {
            for (name, prop) in props {
                if prop
                    .get("description")
                    .and_then(|d| d.as_str())
                    .is_none_or(str::is_empty)
                {
                    missing.push(format!("{path}.{name}"));
                }
            }
        }
    }
    let schema = mcpform::schema::generated();
    let mut missing = Vec::new();
    walk("(file)", &schema, &mut missing);
    for (name, def) in schema["$defs"].as_object().unwrap() {
        walk(name, def, &mut missing);
    }
    assert!(
        missing.is_empty(),
        "properties without a description: {missing:?}"
    );
}

/// The model's field table (what normalisation and `ignore_changes` read) agrees with the
/// generated schema: same fields in the same order, and each field's kind is what its
/// schema says: a list is an `array`, a map an `object` with free-form keys (or a `$ref`
/// to a definition that allows other keys, as `McpInfo` does), a record a definition
/// with known keys only.
#[test]
fn the_models_field_table_agrees_with_the_schema() {
    use mcpform::model::{FieldKind, SERVER_FIELDS};
    use serde_json::Value;

    let schema = mcpform::schema::generated();
    let props = schema["$defs"]["ServerSpec"]["properties"]
        .as_object()
        .unwrap();
    let names: Vec<&str> = props.keys().map(String::as_str).collect();
    let table: Vec<&str> = SERVER_FIELDS.iter().map(|f| f.name).collect();
    assert_eq!(table, names);

    let types = |p: &Value| -> Vec<String> {
        match &p["type"] {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(|t| t.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    };
    // A `$ref`, directly or as the non-null branch of an `anyOf`.
    let target = |p: &Value| -> Option<Value> {
        let r = p["$ref"]
            .as_str()
            .or_else(|| p["anyOf"][0]["$ref"].as_str())?;
        let name = r.strip_prefix("#/$defs/")?;
        Some(schema["$defs"][name].clone())
    };
    for field in SERVER_FIELDS {
        let p = &props[field.name];
        let t = types(p);
        let kind = if t.iter().any(|t| t == "array") {
            FieldKind::List
        } else if t.iter().any(|t| t == "object") || p.get("additionalProperties").is_some() {
            FieldKind::Map
        } else if let Some(def) = target(p).filter(|d| d["type"] == "object") {
            if def["additionalProperties"] == Value::Bool(false) {
                FieldKind::Record
            } else {
                FieldKind::Map
            }
        } else {
            FieldKind::Scalar
        };
        assert_eq!(field.kind, kind, "`{}`: {p}", field.name);
    }
}

#[test]
fn ignore_changes_lists_exactly_the_ignorable_fields() {
    let schema = mcpform::schema::generated();
    let listed: Vec<String> = schema
        .pointer("/$defs/Lifecycle/properties/ignore_changes/items/enum")
        .and_then(|e| e.as_array())
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let model: Vec<String> = mcpform::model::ignorable_fields()
        .map(String::from)
        .collect();
    assert_eq!(listed, model);
    assert!(
        !listed
            .iter()
            .any(|f| f == "server_name" || f == "lifecycle")
    );
}
