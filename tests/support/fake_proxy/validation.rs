//! Request validation, in the proxy's order.
//!
//! 1. pydantic "before" model validators, which see the raw JSON (last defined runs first):
//!    `per_server_oauth_discovery`, `dcr_bridge`, then the transport rules → 422 `value_error`;
//! 2. field validation in declaration order, all errors at once, with pydantic's lax
//!    coercions (`"yes"` → true, `"3"` → 3, …) → 422 `string_type`, `literal_error`, …;
//! 3. the "after" validator (protocol version vs transport) → 422 `value_error`;
//! 4. the handler's own checks (hyphen, display names, alias default, SEP-986 name rules,
//!    `upstream_token_header`) → 400.
//!
//! The messages and their order were checked against the pydantic models of the real 1.108.7
//! (`litellm/proxy/_types.py`), run in-process.

use serde_json::{Map, Value, json};

use super::fields::{Model, Payload, model_type_error, validate_fields, validate_user_credential};
use super::reply::{Reply, body_error};
use super::util::{py_repr, py_repr_str, py_str, truthy};
use super::{FakeConfig, version};

const STDIO_ALLOWED: &[&str] = &["deno", "docker", "node", "npx", "python", "python3", "uvx"];
const STDIO_DISABLED: &str = "stdio MCP servers are disabled on this proxy. Set LITELLM_ENABLE_MCP_STDIO=true on the proxy and restart to enable them";
const MODERN_MCP_SSE: &str = "Modern MCP requires HTTP or stdio transport";
const PER_SERVER_DISCOVERY_MSG: &str = "per_server_oauth_discovery is only supported for auth_type oauth2 with oauth2_flow authorization_code and without delegate_auth_to_upstream.";

/// Proxy features that change validation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Features<'a> {
    pub(crate) stdio_enabled: bool,
    /// The proxy's configuration: which fields and values its request model knows.
    pub(crate) cfg: &'a FakeConfig,
}

/// Validates a server create/update body through the pydantic stages 1–3.
pub(crate) fn parse_server_body(
    body: &Value,
    model: Model,
    f: Features<'_>,
) -> Result<Payload, Reply> {
    let body = version::drop_unknown_fields(body, f.cfg);
    if let Some(msg) = before_validators(&body, model, f) {
        return Err(value_error(&msg));
    }
    let payload = validate_fields(&body, model, f.cfg.at()).map_err(Reply::validation)?;
    check_protocol_after(&payload, model)?;
    Ok(payload)
}

/// Validates `MCPUserCredentialRequest` → `(credential, save)`.
pub(crate) fn parse_user_credential(body: &Value) -> Result<(String, bool), Reply> {
    let Value::Object(map) = body else {
        return Err(Reply::validation(vec![model_type_error(
            "MCPUserCredentialRequest",
        )]));
    };
    validate_user_credential(map).map_err(Reply::validation)
}

/// The 422 FastAPI sends when the body is missing (empty or JSON `null`).
pub(crate) fn missing_body() -> Reply {
    Reply::validation(vec![body_error("missing", &[], "Field required")])
}

/// The 422 FastAPI sends for a body that is not JSON; `pos` is Python's character offset.
pub(crate) fn json_invalid(pos: usize) -> Reply {
    Reply::validation(vec![
        json!({"type": "json_invalid", "loc": ["body", pos], "msg": "JSON decode error"}),
    ])
}

fn value_error(msg: &str) -> Reply {
    Reply::validation(vec![body_error(
        "value_error",
        &[],
        &format!("Value error, {msg}"),
    )])
}

// ---------------------------------------------------------------- stage 1: before validators

/// The model "before" validators; pydantic runs the last-defined one first.
fn before_validators(body: &Value, model: Model, f: Features<'_>) -> Option<String> {
    let Value::Object(raw) = body else {
        return None;
    };
    per_server_discovery_rule(raw, model)
        .or_else(|| dcr_bridge_rule(raw, model))
        .or_else(|| transport_rule(raw, f))
}

/// `per_server_oauth_discovery` needs oauth2 + authorization_code + no delegation; a PUT may
/// omit the eligibility fields (they are then checked against the stored row).
fn per_server_discovery_rule(raw: &Map<String, Value>, model: Model) -> Option<String> {
    if !truthy(raw.get("per_server_oauth_discovery")) {
        return None;
    }
    let lenient = model == Model::UpdateServer;
    let auth_ok = raw.get("auth_type") == Some(&json!("oauth2"))
        || (lenient && !raw.contains_key("auth_type"));
    let flow_ok = raw.get("oauth2_flow") == Some(&json!("authorization_code"))
        || (lenient && !raw.contains_key("oauth2_flow"));
    if auth_ok && flow_ok && !truthy(raw.get("delegate_auth_to_upstream")) {
        return None;
    }
    Some(PER_SERVER_DISCOVERY_MSG.to_string())
}

/// `dcr_bridge` only with the client-forwarded auth types.
fn dcr_bridge_rule(raw: &Map<String, Value>, model: Model) -> Option<String> {
    if !truthy(raw.get("dcr_bridge")) {
        return None;
    }
    if model == Model::UpdateServer && !raw.contains_key("auth_type") {
        return None;
    }
    let auth_type = raw.get("auth_type").cloned().unwrap_or(Value::Null);
    if auth_type == json!("true_passthrough") || auth_type == json!("oauth_delegate") {
        return None;
    }
    Some(dcr_bridge_message(&py_repr(&auth_type)))
}

fn dcr_bridge_message(got: &str) -> String {
    format!(
        "dcr_bridge is only supported for auth_type true_passthrough or oauth_delegate (got {got}). The DCR bridge serves gateway-hosted OAuth discovery for the client-forwarded token modes; interactive oauth2 servers already run the gateway authorization-code flow."
    )
}

/// http/sse need `url` or `spec_path`; stdio needs the opt-in, `command`, `args` and an
/// allow-listed command. Only a `transport` the body names is checked (the default is not).
fn transport_rule(raw: &Map<String, Value>, f: Features<'_>) -> Option<String> {
    let transport = raw.get("transport").and_then(Value::as_str);
    match transport {
        Some("http" | "sse") => {
            if truthy(raw.get("url")) || truthy(raw.get("spec_path")) {
                None
            } else {
                Some("url or spec_path is required for HTTP/SSE transport".to_string())
            }
        }
        Some("stdio") => stdio_rule(raw, f),
        _ => None,
    }
}

fn stdio_rule(raw: &Map<String, Value>, f: Features<'_>) -> Option<String> {
    if !f.stdio_enabled {
        return Some(STDIO_DISABLED.to_string());
    }
    let Some(command) = raw.get("command").filter(|c| truthy(Some(c))) else {
        return Some("command is required for stdio transport".to_string());
    };
    if !truthy(raw.get("args")) {
        return Some("args is required for stdio transport".to_string());
    }
    let command = py_str(command);
    let basename = command.rsplit('/').next().unwrap_or(&command);
    if STDIO_ALLOWED.contains(&basename) {
        return None;
    }
    let allowed: Vec<String> = STDIO_ALLOWED.iter().map(|c| py_repr_str(c)).collect();
    Some(format!(
        "Command '{command}' is not in the allowed commands list for stdio transport. Allowed commands: [{}]",
        allowed.join(", ")
    ))
}

// ---------------------------------------------------------------- stage 3: after validator

/// `validate_protocol_transport`: on POST always (with the default transport `sse`), on PUT
/// only when the body sets both `transport` and `mcp_info`.
fn check_protocol_after(p: &Payload, model: Model) -> Result<(), Reply> {
    if model == Model::UpdateServer && !(p.has("transport") && p.has("mcp_info")) {
        return Ok(());
    }
    let transport = p.str("transport").unwrap_or("sse");
    if protocol_conflicts(p.get("mcp_info"), transport) {
        return Err(value_error(MODERN_MCP_SSE));
    }
    Ok(())
}

/// `protocol_version: 2026-07-28` cannot run over SSE.
pub(crate) fn protocol_conflicts(mcp_info: Option<&Value>, transport: &str) -> bool {
    let version = mcp_info
        .and_then(|i| i.get("protocol_version"))
        .and_then(Value::as_str)
        .unwrap_or("auto");
    version == "2026-07-28" && transport == "sse"
}

/// The plain-string 400 a PUT gets when the stored row and the body together break the rule.
pub(crate) fn protocol_update_error() -> Reply {
    Reply::detail(400, MODERN_MCP_SSE)
}

/// The 400 for `per_server_oauth_discovery` against the stored row (PUT).
pub(crate) fn per_server_discovery_update_error() -> Reply {
    Reply::detail_error(400, PER_SERVER_DISCOVERY_MSG)
}

// ---------------------------------------------------------------- stage 4: handler checks

/// `validate_and_normalize_mcp_server_payload`: hyphen ban, display names, alias
/// normalisation/default (which marks `alias` as set), SEP-986 names, upstream header.
pub(crate) fn normalize_names(p: &mut Payload) -> Result<(), Reply> {
    let server_name = p
        .str("server_name")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let raw_alias = p.str("alias").map(str::to_string);
    for name in server_name
        .iter()
        .chain(raw_alias.iter().filter(|a| !a.is_empty()))
    {
        if name.contains('-') {
            return Err(Reply::detail_error(
                400,
                format!(
                    "Server name cannot contain '-'. Use an alternative character instead Found: {name}"
                ),
            ));
        }
    }
    check_display_names(p.get("tool_name_to_display_name"))?;
    let alias = match (&raw_alias, &server_name) {
        (a, Some(name)) if a.as_deref().is_none_or(str::is_empty) => Some(name.replace(' ', "_")),
        (Some(a), _) if !a.is_empty() => Some(a.replace(' ', "_")),
        (a, _) => a.clone(),
    };
    p.fields.insert(
        "alias".to_string(),
        alias.clone().map_or(Value::Null, Value::from),
    );
    check_tool_prefix("server_name", server_name.as_deref())?;
    check_tool_prefix("alias", alias.as_deref().filter(|a| !a.is_empty()))?;
    check_upstream_token_header(p.get("credentials"))
}

fn check_display_names(map: Option<&Value>) -> Result<(), Reply> {
    let Some(Value::Object(map)) = map else {
        return Ok(());
    };
    for (tool, display) in map {
        let Some(display) = display.as_str().filter(|d| !d.is_empty()) else {
            continue;
        };
        // Python's `re.match(r"^[a-zA-Z0-9_-]+$")`: `$` also matches before a final newline.
        let body = display.strip_suffix('\n').unwrap_or(display);
        let ok = !body.is_empty()
            && body
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            return Err(Reply::detail_error(
                400,
                format!(
                    "Invalid display name '{display}' for tool '{tool}'. Display names may only contain letters, digits, underscores, and hyphens (no spaces or other special characters), since they replace the tool name sent to the LLM provider."
                ),
            ));
        }
    }
    Ok(())
}

/// SEP-986 (`mcp.shared.tool_name_validation.validate_tool_name`).
fn check_tool_prefix(field: &str, value: Option<&str>) -> Result<(), Reply> {
    let Some(value) = value else {
        return Ok(());
    };
    match tool_name_problems(value) {
        None => Ok(()),
        Some(warnings) => {
            let mut msg = format!("Invalid MCP tool prefix '{value}' provided via {field}");
            if !warnings.is_empty() {
                msg.push('\n');
                msg.push_str(&warnings.join("\n"));
            }
            Err(Reply::detail_error(400, msg))
        }
    }
}

/// `None` when valid; otherwise the warnings the MCP SDK reports, in its order.
fn tool_name_problems(name: &str) -> Option<Vec<String>> {
    let len = name.chars().count();
    if len == 0 {
        return Some(vec!["Tool name cannot be empty".to_string()]);
    }
    if len > 128 {
        return Some(vec![format!(
            "Tool name exceeds maximum length of 128 characters (current: {len})"
        )]);
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let mut warnings = Vec::new();
    if name.contains(' ') {
        warnings.push("Tool name contains spaces, which may cause parsing issues".to_string());
    }
    if name.contains(',') {
        warnings.push("Tool name contains commas, which may cause parsing issues".to_string());
    }
    if name.starts_with('-') || name.ends_with('-') {
        warnings.push(
            "Tool name starts or ends with a dash, which may cause parsing issues in some contexts"
                .to_string(),
        );
    }
    if name.starts_with('.') || name.ends_with('.') {
        warnings.push(
            "Tool name starts or ends with a dot, which may cause parsing issues in some contexts"
                .to_string(),
        );
    }
    if name.chars().all(allowed) {
        return None;
    }
    let mut invalid: Vec<char> = Vec::new();
    for c in name.chars().filter(|c| !allowed(*c)) {
        if !invalid.contains(&c) {
            invalid.push(c);
        }
    }
    let listed: Vec<String> = invalid
        .iter()
        .map(|c| py_repr_str(&c.to_string()))
        .collect();
    warnings.push(format!(
        "Tool name contains invalid characters: {}",
        listed.join(", ")
    ));
    warnings.push(
        "Allowed characters are: A-Z, a-z, 0-9, underscore (_), dash (-), and dot (.)".to_string(),
    );
    Some(warnings)
}

fn check_upstream_token_header(credentials: Option<&Value>) -> Result<(), Reply> {
    let Some(raw) = credentials
        .and_then(|c| c.get("upstream_token_header"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return Ok(());
    };
    let trimmed = raw.trim();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !trimmed.is_empty() && trimmed.chars().all(token) {
        return Ok(());
    }
    Err(Reply::detail_error(
        400,
        format!(
            "Invalid upstream_token_header {}: must be a valid HTTP header name (RFC 7230 token, e.g. 'esb-oauth')",
            py_repr_str(raw)
        ),
    ))
}

/// `stamp_omitted_oauth2_flow` (POST only): an oauth2 create without a flow gets one.
pub(crate) fn stamp_oauth2_flow(p: &mut Payload) {
    if p.str("auth_type") != Some("oauth2") || truthy(p.get("oauth2_flow")) {
        return;
    }
    let creds = p.get("credentials");
    let cred = |k: &str| truthy(creds.and_then(|c| c.get(k)));
    let m2m = truthy(p.get("token_url"))
        && cred("client_id")
        && cred("client_secret")
        && !truthy(p.get("authorization_url"));
    let flow = if m2m {
        "client_credentials"
    } else {
        "authorization_code"
    };
    p.fields
        .insert("oauth2_flow".to_string(), Value::from(flow));
}
