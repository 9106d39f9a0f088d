//! Field validation with pydantic's lax coercions (stage 2 of `validation`): every field of
//! the request model in declaration order, all errors at once (`string_type`,
//! `literal_error`, `bool_parsing`, …), unknown keys ignored (`extra="ignore"`).
//!
//! Expected messages were taken from the real 1.108.7 models run in-process.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::reply::body_error;
use mcpform::model::support::{ProxyVersion, value_support};

/// The value-space of one request field, with pydantic's coercion rules.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Str,
    Bool,
    Int {
        ge: Option<i64>,
    },
    Float,
    StrList,
    StrMap,
    Literal(&'static [&'static str], &'static str),
    McpInfo,
    EnvVars,
    Credentials,
    /// `MCPAuth`: the values of the proxy's version (mcpform's support table).
    AuthType,
    /// Accepted as sent (server-managed inputs the endpoint overwrites anyway).
    Any,
}

/// One field of a request model.
#[derive(Clone, Copy, Debug)]
struct Spec {
    name: &'static str,
    kind: Kind,
    nullable: bool,
    required: bool,
}

/// An optional field that may be null (`X | None = None`).
const fn opt(name: &'static str, kind: Kind) -> Spec {
    Spec {
        name,
        kind,
        nullable: true,
        required: false,
    }
}

/// A field with a non-null default: it may be omitted but not sent as null.
const fn def(name: &'static str, kind: Kind) -> Spec {
    Spec {
        name,
        kind,
        nullable: false,
        required: false,
    }
}

const TRANSPORTS: &[&str] = &["sse", "http", "stdio"];
const TRANSPORT_MSG: &str = "Input should be <MCPTransport.sse: 'sse'>, <MCPTransport.http: 'http'> or <MCPTransport.stdio: 'stdio'>";
const AUTH_TYPES: &[&str] = &[
    "none",
    "api_key",
    "bearer_token",
    "basic",
    "authorization",
    "oauth2",
    "aws_sigv4",
    "token",
    "oauth2_token_exchange",
    "oauth2_id_jag",
    "true_passthrough",
    "oauth_delegate",
];
/// The `auth_type` literal of `version`: the values it accepts, and pydantic's message
/// listing them (the real 1.87.5 lists nine, 1.108.7 twelve).
fn auth_types(version: ProxyVersion) -> Kind {
    static KNOWN: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<ProxyVersion, Kind>>,
    > = std::sync::OnceLock::new();
    let cache = KNOWN.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *cache
        .entry(version)
        .or_insert_with(|| auth_types_of(version))
}

fn auth_types_of(version: ProxyVersion) -> Kind {
    let known: Vec<&'static str> = AUTH_TYPES
        .iter()
        .copied()
        .filter(|a| value_support("auth_type", &Value::from(*a)).is_none_or(|r| version >= r.since))
        .collect();
    let shown: Vec<String> = known
        .iter()
        .map(|a| format!("<MCPAuth.{a}: '{a}'>"))
        .collect();
    let msg = match shown.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("Input should be {} or {last}", rest.join(", "))
        }
        Some((only, _)) => format!("Input should be {only}"),
        None => String::new(),
    };
    // Leaked once per version (cached above): a handful per test run.
    Kind::Literal(
        Box::leak(known.into_boxed_slice()),
        Box::leak(msg.into_boxed_str()),
    )
}

const OAUTH2_FLOWS: &[&str] = &["client_credentials", "authorization_code"];
const OAUTH2_FLOW_MSG: &str = "Input should be 'client_credentials' or 'authorization_code'";
const TOKEN_AUTH_METHODS: &[&str] = &["client_secret_basic", "client_secret_post"];
const TOKEN_AUTH_METHOD_MSG: &str = "Input should be 'client_secret_basic' or 'client_secret_post'";

/// The fields of `NewMCPServerRequest` after `server_id`, in declaration order
/// (`UpdateMCPServerRequest` has the same ones).
const SERVER_FIELDS: &[Spec] = &[
    opt("server_name", Kind::Str),
    opt("alias", Kind::Str),
    opt("description", Kind::Str),
    def("transport", Kind::Literal(TRANSPORTS, TRANSPORT_MSG)),
    opt("auth_type", Kind::AuthType),
    opt("credentials", Kind::Credentials),
    opt("url", Kind::Str),
    opt("spec_path", Kind::Str),
    opt("mcp_info", Kind::McpInfo),
    def("mcp_access_groups", Kind::StrList),
    opt("allowed_tools", Kind::StrList),
    opt("tool_name_to_display_name", Kind::StrMap),
    opt("tool_name_to_description", Kind::StrMap),
    opt("extra_headers", Kind::StrList),
    opt("static_headers", Kind::StrMap),
    opt("env_vars", Kind::EnvVars),
    opt("instructions", Kind::Str),
    opt("command", Kind::Str),
    def("args", Kind::StrList),
    def("env", Kind::StrMap),
    opt("issuer", Kind::Str),
    opt("authorization_url", Kind::Str),
    opt("token_url", Kind::Str),
    opt("registration_url", Kind::Str),
    opt("oauth2_flow", Kind::Literal(OAUTH2_FLOWS, OAUTH2_FLOW_MSG)),
    opt("token_exchange_endpoint", Kind::Str),
    opt("audience", Kind::Str),
    opt("subject_token_type", Kind::Str),
    opt("token_exchange_profile", Kind::Str),
    def("allow_all_keys", Kind::Bool),
    def("available_on_public_internet", Kind::Bool),
    def("delegate_auth_to_upstream", Kind::Bool),
    def("oauth_passthrough", Kind::Bool),
    opt("dcr_bridge", Kind::Bool),
    def("per_server_oauth_discovery", Kind::Bool),
    def("is_byok", Kind::Bool),
    def("byok_description", Kind::StrList),
    opt("byok_api_key_help_url", Kind::Str),
    opt("source_url", Kind::Str),
    opt("timeout", Kind::Float),
    opt("max_concurrent_requests", Kind::Int { ge: None }),
    opt("rpm", Kind::Int { ge: Some(0) }),
];

/// Submission fields only `NewMCPServerRequest` has; the endpoint overwrites them.
const SUBMISSION_FIELDS: &[Spec] = &[
    opt("approval_status", Kind::Str),
    opt("submitted_by", Kind::Str),
    opt("submitted_at", Kind::Any),
];

/// The keys of the `MCPCredentials` typed dict; any other key is dropped.
const CREDENTIAL_FIELDS: &[Spec] = &[
    opt("dcr_issuer", Kind::Str),
    opt("dcr_server_url", Kind::Str),
    opt("auth_value", Kind::Str),
    opt("client_id", Kind::Str),
    opt("client_secret", Kind::Str),
    opt("scopes", Kind::StrList),
    opt("aws_access_key_id", Kind::Str),
    opt("aws_secret_access_key", Kind::Str),
    opt("aws_session_token", Kind::Str),
    opt("aws_region_name", Kind::Str),
    opt("aws_service_name", Kind::Str),
    opt("aws_role_name", Kind::Str),
    opt("aws_session_name", Kind::Str),
    opt("audience", Kind::Str),
    opt("token_exchange_endpoint", Kind::Str),
    opt("subject_token_type", Kind::Str),
    opt("id_jag_resource_token_endpoint", Kind::Str),
    opt("id_jag_resource", Kind::Str),
    opt("id_jag_subject_source", Kind::Str),
    opt("id_jag_resource_client_id", Kind::Str),
    opt("id_jag_resource_client_secret", Kind::Str),
    opt("upstream_resource", Kind::Str),
    opt("upstream_token_header", Kind::Str),
    opt("client_private_key", Kind::Str),
    opt("client_private_key_id", Kind::Str),
    opt("client_assertion_signing_alg", Kind::Str),
    opt(
        "token_endpoint_auth_method",
        Kind::Literal(TOKEN_AUTH_METHODS, TOKEN_AUTH_METHOD_MSG),
    ),
    opt("redirect_uris", Kind::StrList),
    opt("token_exchange_profile", Kind::Str),
];

/// Which request model a body is validated against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Model {
    /// `POST /v1/mcp/server`.
    NewServer,
    /// `PUT /v1/mcp/server`.
    UpdateServer,
}

/// A validated server request: the fields the body set, coerced, in declaration order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Payload {
    pub(crate) fields: Map<String, Value>,
    /// The keys the caller actually sent (pydantic `model_fields_set` before the handler
    /// assigns `alias`).
    pub(crate) sent: HashSet<String>,
}

impl Payload {
    /// A field's value if the body set it.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// A field's string value if the body set it to a string.
    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    /// Whether the body set the field (even to null).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }
}

pub(crate) fn validate_fields(
    body: &Value,
    model: Model,
    version: ProxyVersion,
) -> Result<Payload, Vec<Value>> {
    let model_name = match model {
        Model::NewServer => "NewMCPServerRequest",
        Model::UpdateServer => "UpdateMCPServerRequest",
    };
    let Value::Object(raw) = body else {
        return Err(vec![model_type_error(model_name)]);
    };
    let server_id = Spec {
        name: "server_id",
        kind: Kind::Str,
        nullable: model == Model::NewServer,
        required: model == Model::UpdateServer,
    };
    let submission: &[Spec] = match model {
        Model::NewServer => SUBMISSION_FIELDS,
        Model::UpdateServer => &[],
    };
    let specs = std::iter::once(&server_id)
        .chain(SERVER_FIELDS)
        .chain(submission);
    let mut payload = Payload::default();
    let mut errors = Vec::new();
    for spec in specs {
        match raw.get(spec.name) {
            Some(v) => {
                let loc = [Value::from(spec.name)];
                let kind = match spec.kind {
                    Kind::AuthType => auth_types(version),
                    other => other,
                };
                if matches!(kind, Kind::McpInfo) && strict_skip_refused(v, version) {
                    errors.push(body_error(
                        "bool_type",
                        &loc,
                        "Input should be a valid boolean",
                    ));
                    continue;
                }
                if let Some(ok) = coerce(v, kind, spec.nullable, &loc, &mut errors) {
                    payload.fields.insert(spec.name.to_string(), ok);
                    payload.sent.insert(spec.name.to_string());
                }
            }
            None if spec.required => {
                errors.push(body_error("missing", &[spec.name.into()], "Field required"));
            }
            None => {}
        }
    }
    if errors.is_empty() {
        Ok(payload)
    } else {
        Err(errors)
    }
}

/// Coerces one value like pydantic's lax mode; pushes errors and returns `None` on failure.
fn coerce(
    v: &Value,
    kind: Kind,
    nullable: bool,
    loc: &[Value],
    errors: &mut Vec<Value>,
) -> Option<Value> {
    if v.is_null() && nullable {
        return Some(Value::Null);
    }
    // Container kinds report nested errors themselves; scalars yield one error or a value.
    let scalar = match kind {
        Kind::StrList => return coerce_str_list(v, loc, errors),
        Kind::StrMap => return coerce_str_map(v, loc, errors),
        Kind::McpInfo => return coerce_mcp_info(v, loc, errors),
        Kind::EnvVars => return coerce_env_vars(v, loc, errors),
        Kind::Credentials => return coerce_credentials(v, loc, errors),
        Kind::Str => v
            .as_str()
            .map(Value::from)
            .ok_or_else(|| body_error("string_type", loc, "Input should be a valid string")),
        Kind::Bool => coerce_bool(v)
            .map(Value::Bool)
            .map_err(|(t, m)| body_error(t, loc, m)),
        Kind::Int { ge } => coerce_int(v, ge, loc),
        Kind::Float => coerce_float(v, loc),
        Kind::Literal(allowed, msg) => match v.as_str() {
            Some(s) if allowed.contains(&s) => Ok(v.clone()),
            _ => Err(body_error("literal_error", loc, msg)),
        },
        Kind::Any | Kind::AuthType => Ok(v.clone()),
    };
    match scalar {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

const BOOL_TYPE: (&str, &str) = ("bool_type", "Input should be a valid boolean");
const BOOL_PARSING: (&str, &str) = (
    "bool_parsing",
    "Input should be a valid boolean, unable to interpret input",
);

fn coerce_bool(v: &Value) -> Result<bool, (&'static str, &'static str)> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "0" | "off" | "f" | "false" | "n" | "no" => Ok(false),
            "1" | "on" | "t" | "true" | "y" | "yes" => Ok(true),
            _ => Err(BOOL_PARSING),
        },
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Ok(false),
            Some(1.0) => Ok(true),
            Some(f) if f.fract() == 0.0 => Err(BOOL_PARSING),
            _ => Err(BOOL_TYPE),
        },
        _ => Err(BOOL_TYPE),
    }
}

fn coerce_int(v: &Value, ge: Option<i64>, loc: &[Value]) -> Result<Value, Value> {
    let n = match v {
        Value::Bool(b) => i64::from(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i,
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => f as i64,
            _ => {
                return Err(body_error(
                    "int_from_float",
                    loc,
                    "Input should be a valid integer, got a number with a fractional part",
                ));
            }
        },
        Value::String(s) => parse_int_str(s).ok_or_else(|| {
            body_error(
                "int_parsing",
                loc,
                "Input should be a valid integer, unable to parse string as an integer",
            )
        })?,
        _ => {
            return Err(body_error(
                "int_type",
                loc,
                "Input should be a valid integer",
            ));
        }
    };
    match ge {
        Some(min) if n < min => Err(body_error(
            "greater_than_equal",
            loc,
            &format!("Input should be greater than or equal to {min}"),
        )),
        _ => Ok(Value::from(n)),
    }
}

/// pydantic accepts surrounding whitespace, `_` separators and integral decimals ("3.0").
fn parse_int_str(s: &str) -> Option<i64> {
    let cleaned: String = s.trim().chars().filter(|c| *c != '_').collect();
    cleaned.parse::<i64>().ok().or_else(|| {
        cleaned
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

fn coerce_float(v: &Value, loc: &[Value]) -> Result<Value, Value> {
    let f = match v {
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) => s.trim().replace('_', "").parse::<f64>().map_err(|_| {
            body_error(
                "float_parsing",
                loc,
                "Input should be a valid number, unable to parse string as a number",
            )
        })?,
        _ => {
            return Err(body_error(
                "float_type",
                loc,
                "Input should be a valid number",
            ));
        }
    };
    // JSON cannot carry inf/nan; the real proxy would emit `Infinity`, which no client parses.
    Ok(serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number))
}

fn coerce_str_list(v: &Value, loc: &[Value], errors: &mut Vec<Value>) -> Option<Value> {
    let Value::Array(items) = v else {
        errors.push(body_error("list_type", loc, "Input should be a valid list"));
        return None;
    };
    let before = errors.len();
    for (i, item) in items.iter().enumerate() {
        if !item.is_string() {
            let mut l = loc.to_vec();
            l.push(Value::from(i));
            errors.push(body_error(
                "string_type",
                &l,
                "Input should be a valid string",
            ));
        }
    }
    (errors.len() == before).then(|| v.clone())
}

fn coerce_str_map(v: &Value, loc: &[Value], errors: &mut Vec<Value>) -> Option<Value> {
    let Value::Object(map) = v else {
        errors.push(body_error(
            "dict_type",
            loc,
            "Input should be a valid dictionary",
        ));
        return None;
    };
    let before = errors.len();
    for (k, item) in map {
        if !item.is_string() {
            let mut l = loc.to_vec();
            l.push(Value::from(k.as_str()));
            errors.push(body_error(
                "string_type",
                &l,
                "Input should be a valid string",
            ));
        }
    }
    (errors.len() == before).then(|| v.clone())
}

/// From 1.110 `mcp_info.skip_tool_output_validation` must be a real boolean (a strict
/// `TypeAdapter[bool]`: `"yes"`, `"true"`, `1` and `null` are refused); the real 1.110.2
/// reports it at `["body", "mcp_info"]`. Before, any value is stored as given.
fn strict_skip_refused(v: &Value, version: ProxyVersion) -> bool {
    version.has(mcpform::model::support::Behaviour::SkipToolOutputValidation)
        && v.get("skip_tool_output_validation")
            .is_some_and(|s| !s.is_boolean())
}

/// `mcp_info` is a free-form dict; only `protocol_version` is checked, by an after-validator
/// whose union-of-literals errors carry the odd `loc` the real proxy reports.
fn coerce_mcp_info(v: &Value, loc: &[Value], errors: &mut Vec<Value>) -> Option<Value> {
    let Value::Object(map) = v else {
        errors.push(body_error(
            "dict_type",
            loc,
            "Input should be a valid dictionary",
        ));
        return None;
    };
    let Some(pv) = map.get("protocol_version") else {
        return Some(v.clone());
    };
    const KNOWN: &[&str] = &[
        "auto",
        "2026-07-28",
        "2024-11-05",
        "2025-03-26",
        "2025-06-18",
        "2025-11-25",
    ];
    if pv.as_str().is_some_and(|s| KNOWN.contains(&s)) {
        return Some(v.clone());
    }
    let mut l1 = loc.to_vec();
    l1.push("literal['2024-11-05','2025-03-26','2025-06-18','2025-11-25']".into());
    errors.push(body_error(
        "literal_error",
        &l1,
        "Input should be '2024-11-05', '2025-03-26', '2025-06-18' or '2025-11-25'",
    ));
    let mut l2 = loc.to_vec();
    l2.push("literal['auto','2026-07-28']".into());
    errors.push(body_error(
        "literal_error",
        &l2,
        "Input should be 'auto' or '2026-07-28'",
    ));
    None
}

/// `list[MCPEnvVar]`: `{name, value="", scope="global", description=None}`, extra keys dropped.
fn coerce_env_vars(v: &Value, loc: &[Value], errors: &mut Vec<Value>) -> Option<Value> {
    let Value::Array(items) = v else {
        errors.push(body_error("list_type", loc, "Input should be a valid list"));
        return None;
    };
    let before = errors.len();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut l = loc.to_vec();
        l.push(Value::from(i));
        if let Some(var) = coerce_env_var(item, &l, errors) {
            out.push(var);
        }
    }
    (errors.len() == before).then_some(Value::Array(out))
}

fn coerce_env_var(item: &Value, loc: &[Value], errors: &mut Vec<Value>) -> Option<Value> {
    let Value::Object(map) = item else {
        errors.push(body_error(
            "model_type",
            loc,
            "Input should be a valid dictionary or instance of MCPEnvVar",
        ));
        return None;
    };
    let at = |k: &str| {
        let mut l = loc.to_vec();
        l.push(Value::from(k));
        l
    };
    let before = errors.len();
    let name = match map.get("name") {
        None => {
            errors.push(body_error("missing", &at("name"), "Field required"));
            None
        }
        Some(v) => coerce(v, Kind::Str, false, &at("name"), errors),
    };
    let value = match map.get("value") {
        None => Some(Value::from("")),
        Some(v) => coerce(v, Kind::Str, false, &at("value"), errors),
    };
    let scope = match map.get("scope") {
        None => Some(Value::from("global")),
        Some(v) if v == "global" || v == "user" => Some(v.clone()),
        Some(_) => {
            errors.push(body_error(
                "enum",
                &at("scope"),
                "Input should be 'global' or 'user'",
            ));
            None
        }
    };
    let description = match map.get("description") {
        None => Some(Value::Null),
        Some(v) => coerce(v, Kind::Str, true, &at("description"), errors),
    };
    if errors.len() != before {
        return None;
    }
    Some(json!({"name": name, "value": value, "scope": scope, "description": description}))
}

/// The `MCPCredentials` typed dict: known keys are type-checked, unknown ones dropped.
fn coerce_credentials(v: &Value, loc: &[Value], errors: &mut Vec<Value>) -> Option<Value> {
    let Value::Object(map) = v else {
        errors.push(body_error(
            "dict_type",
            loc,
            "Input should be a valid dictionary",
        ));
        return None;
    };
    let before = errors.len();
    let mut out = Map::new();
    for (k, item) in map {
        let Some(spec) = CREDENTIAL_FIELDS.iter().find(|s| s.name == k) else {
            continue;
        };
        let mut l = loc.to_vec();
        l.push(Value::from(k.as_str()));
        if let Some(ok) = coerce(item, spec.kind, true, &l, errors) {
            out.insert(k.clone(), ok);
        }
    }
    (errors.len() == before).then_some(Value::Object(out))
}

/// The fields of `MCPUserCredentialRequest` → `(credential, save)`.
pub(crate) fn validate_user_credential(
    map: &Map<String, Value>,
) -> Result<(String, bool), Vec<Value>> {
    let mut errors = Vec::new();
    let credential = match map.get("credential") {
        None => {
            errors.push(body_error(
                "missing",
                &["credential".into()],
                "Field required",
            ));
            None
        }
        Some(v) => coerce(v, Kind::Str, false, &["credential".into()], &mut errors),
    };
    let save = match map.get("save") {
        None => Some(Value::Bool(true)),
        Some(v) => coerce(v, Kind::Bool, false, &["save".into()], &mut errors),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let credential = credential
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Ok((credential, save.and_then(|v| v.as_bool()).unwrap_or(true)))
}

/// The 422 entry for a body that is JSON but not an object (or not JSON content at all).
pub(crate) fn model_type_error(model: &str) -> Value {
    body_error(
        "model_type",
        &[],
        &format!("Input should be a valid dictionary or instance of {model}"),
    )
}
