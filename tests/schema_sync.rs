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
