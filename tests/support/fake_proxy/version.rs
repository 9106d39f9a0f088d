//! "Behave as version X": what the fake derives from [`FakeConfig::version`] and mcpform's
//! own support table (`mcpform::model::support`), and the few facts mcpform does not
//! rely on but the fake must reproduce, each with where it comes from.
//!
//! The switches of [`FakeConfig`] that mcpform depends on (partial PUT, BYOK, the admin
//! credential list, the readiness-details routes, stdio, the viewer's view) are set from
//! the table by [`FakeConfig::as_version`]. Which fields a request may carry, store and
//! show is read from the table on every request. Response details mcpform does not read
//! (health-check texts, a 422's `input`/`ctx`, the 401 text, the readiness callbacks)
//! were recorded from the real 1.87.5 and 1.108.7 only: the fake answers as 1.108.7 from
//! [`MODERN`] on and as 1.87.5 before (the boundary between was not checked).

use mcpform::model::support::{Behaviour, Older, ProxyVersion, field_support};
use serde_json::{Map, Value};

use super::FakeConfig;
use super::reply::{Reply, ReplyBody};

const fn v(major: u32, minor: u32, patch: u32) -> ProxyVersion {
    ProxyVersion::new(major, minor, patch)
}

/// The reference proxy, also the version of an unparsable `version`.
pub(crate) const REFERENCE: ProxyVersion = v(1, 108, 7);

/// The list sorted by name, `mcp_info.is_public*` injected, `is_config` and `pinned_tools`
/// in every server view, case-insensitive unique names: 1.105.0 (1.103.0 without,
/// published wheels), and the recorded 1.108.7 details of the module doc.
pub(crate) const MODERN: ProxyVersion = v(1, 105, 0);

/// `connected_app_reachable` in server views: 1.100.0 (1.95.0 without).
pub(crate) const CONNECTED_APP_REACHABLE: ProxyVersion = v(1, 100, 0);

/// `POST …/user-credential` checks that the caller may use the server: 1.92.0 (1.90.0
/// without; before, any key may store a key for any BYOK server).
pub(crate) const CREDENTIAL_ACCESS_CHECK: ProxyVersion = v(1, 92, 0);

/// `/v1/mcp/toolset`: 1.85.0 (1.82.0 without; reference `litellm-access-api.md` §1).
pub(crate) const TOOLSETS: ProxyVersion = v(1, 85, 0);

/// The access rules that changed in 1.100.0 (1.90.0 without, reference §4 and §7): team
/// toolsets grant and are enforced, key toolsets grant their servers, a team's
/// `all-proxy-mcpservers` means every server, a teamless key written by an admin may hold
/// any grant, and toolset tool names are used as written (no server prefix stripped).
pub(crate) const ACCESS_1_100: ProxyVersion = v(1, 100, 0);

/// `exclude_unset` toolset updates (a `null` description clears it) and key writes that
/// silently drop identifiers matching no server: 1.103.0 (1.100.0 without).
pub(crate) const ACCESS_1_103: ProxyVersion = v(1, 103, 0);

/// The error `type`/`param` of the team and key endpoints changed between the recorded
/// 1.108.7 and 1.110.2 (not bracketed further: taken as 1.110.0).
pub(crate) const ERRORS_1_110: ProxyVersion = v(1, 110, 0);

/// The `success_callbacks` of the real 1.87.5's readiness details.
const CALLBACKS_1_87: &[&str] = &[
    "sync_deployment_callback_on_success",
    "SkillsInjectionHook",
    "_PROXY_VirtualKeyModelMaxBudgetLimiter",
    "_ProxyDBLogger",
    "_PROXY_MaxBudgetLimiter",
    "_PROXY_MaxParallelRequestsHandler_v3",
    "_PROXY_CacheControlCheck",
    "ResponsesIDSecurity",
    "_PROXY_MaxIterationsHandler",
    "_PROXY_MaxBudgetPerSessionHandler",
    "ServiceLogging",
];

impl FakeConfig {
    /// Behaves as LiteLLM `version`: every switch mcpform depends on is set from
    /// mcpform's support table (panics on a version that does not parse: a test bug).
    pub fn as_version(version: &str) -> FakeConfig {
        let at = ProxyVersion::parse(version)
            .unwrap_or_else(|| panic!("FakeConfig::as_version: `{version}` is not a version"));
        FakeConfig {
            put_resets_omitted: !at.has(Behaviour::PartialUpdate),
            admin_credential_list: at.has(Behaviour::AdminCredentialList),
            supports_byok: at.has(Behaviour::Byok),
            stdio_enabled: !at.has(Behaviour::StdioOptIn),
            routes_1_87: at.has(Behaviour::ReadinessDetails),
            viewer_sees_full_config: at >= v(1, 85, 0) && !at.has(Behaviour::ViewerSanitised),
            version: version.to_owned(),
            ..FakeConfig::default()
        }
    }

    /// `litellm_version` as the readiness routes answer it (`null` when empty).
    pub(crate) fn said_version(&self) -> Option<&str> {
        (!self.version.is_empty()).then_some(self.version.as_str())
    }

    /// The version the fake behaves as.
    pub(crate) fn at(&self) -> ProxyVersion {
        ProxyVersion::parse(&self.version).unwrap_or(REFERENCE)
    }

    /// Whether the fake behaves as `since` or later.
    pub(crate) fn since(&self, since: ProxyVersion) -> bool {
        self.at() >= since
    }

    /// What this proxy does with `field` (the BYOK switch included).
    pub(crate) fn lacks(&self, field: &str) -> Option<Older> {
        let byok = matches!(
            field,
            "is_byok" | "byok_description" | "byok_api_key_help_url"
        );
        if byok && !self.supports_byok {
            return Some(Older::Dropped);
        }
        self.at().lacks(field)
    }

    /// Whether a behaviour of the table is there.
    pub(crate) fn has(&self, behaviour: Behaviour) -> bool {
        self.at().has(behaviour)
    }

    /// The readiness details' `success_callbacks`.
    pub(crate) fn success_callbacks(&self) -> Value {
        if self.since(MODERN) {
            Value::Array(Vec::new())
        } else {
            CALLBACKS_1_87.iter().map(|c| Value::from(*c)).collect()
        }
    }
}

/// The request without the fields this proxy's request model does not know (pydantic
/// `extra="ignore"` drops them before anything else).
pub(crate) fn drop_unknown_fields(body: &Value, cfg: &FakeConfig) -> Value {
    let mut body = body.clone();
    if let Value::Object(map) = &mut body {
        map.retain(|k, _| cfg.lacks(k) != Some(Older::Dropped));
    }
    body
}

/// The first field of a write that this proxy's database has no column for (a 500).
pub(crate) fn refused_field<'a>(
    fields: &'a Map<String, Value>,
    cfg: &FakeConfig,
) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, v)| !v.is_null() && cfg.lacks(k) == Some(Older::Refused))
        .map(|(k, _)| k.as_str())
}

/// A server view with only the keys this version's response model has, and without the
/// `mcp_info` flags proxies before [`MODERN`] do not inject.
pub(crate) fn shown_keys(mut view: Map<String, Value>, cfg: &FakeConfig) -> Map<String, Value> {
    view.retain(|k, _| match k.as_str() {
        "is_config" | "pinned_tools" => cfg.since(MODERN),
        "connected_app_reachable" => cfg.since(CONNECTED_APP_REACHABLE),
        "has_user_credential" => cfg.lacks("is_byok").is_none(),
        _ => !matches!(cfg.lacks(k), Some(Older::Dropped | Older::Refused)),
    });
    if !cfg.since(MODERN)
        && let Some(Value::Object(info)) = view.get_mut("mcp_info")
    {
        info.shift_remove("is_public");
        info.shift_remove("is_public_explicit");
    }
    view
}

/// The list view of a field this version stores but does not list: the response model's
/// default.
pub(crate) fn unlisted_to_default(view: &mut Map<String, Value>, cfg: &FakeConfig) {
    for (k, v) in view.iter_mut() {
        if cfg.lacks(k) == Some(Older::Unlisted) {
            *v = match field_support(k).map(|r| r.absent) {
                Some(mcpform::model::support::Absent::False) => Value::Bool(false),
                Some(mcpform::model::support::Absent::True) => Value::Bool(true),
                _ => Value::Null,
            };
        }
    }
}

/// The 500 of a write that carries a field the database has no column for (Prisma's
/// error, caught by the handler): `action` is `creating mcp server`, `operation` Prisma's
/// `createOne` or `updateOne`.
pub(crate) fn refused_write(action: &str, operation: &str, field: &str) -> Reply {
    Reply::detail_error(
        500,
        format!(
            "Error {action}: Could not find field at `{operation}LiteLLM_MCPServerTable.data.{field}`"
        ),
    )
}

/// `get_mcp_server`'s health check before [`MODERN`] (1.87.5's `health_check_server`):
/// skipped, status `unknown`, for a server that needs per-user OAuth or has an auth type
/// but no stored credentials; otherwise the check of a `.invalid` host ends cancelled.
pub(crate) fn old_health_check(
    mut view: Map<String, Value>,
    checked_at: String,
    has_token: bool,
) -> Map<String, Value> {
    let auth = view.get("auth_type").and_then(Value::as_str);
    let skipped = match auth {
        Some("oauth2") => true,
        Some("none" | "aws_sigv4") | None => false,
        Some(_) => !has_token,
    };
    view.insert("status".to_string(), Value::from("unknown"));
    view.insert("last_health_check".to_string(), Value::from(checked_at));
    let error = if skipped {
        Value::Null
    } else {
        Value::from("Health check was cancelled")
    };
    view.insert("health_check_error".to_string(), error);
    view
}

/// A 422 as pydantic gives it before [`MODERN`] strips them: each error with the `input`
/// it refused and, for some kinds, a `ctx` (the real 1.87.5's bodies). `body` is the
/// request body; `json_error` Python's message for a body that is not JSON.
pub(crate) fn with_input(mut reply: Reply, body: &Value, json_error: Option<&str>) -> Reply {
    let ReplyBody::Json(Value::Object(doc)) = &mut reply.body else {
        return reply;
    };
    let Some(Value::Array(errors)) = doc.get_mut("detail") else {
        return reply;
    };
    for e in errors.iter_mut() {
        let Value::Object(e) = e else { continue };
        let kind = e
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let msg = e
            .get("msg")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let path: Vec<Value> = match e.get("loc") {
            Some(Value::Array(loc)) => loc.iter().skip(1).cloned().collect(),
            _ => Vec::new(),
        };
        let input = match kind.as_str() {
            "json_invalid" => Value::Object(Map::new()),
            // A missing field's input is the object it is missing from.
            "missing" => at(body, &path[..path.len().saturating_sub(1)]),
            _ => at(body, &path),
        };
        e.insert("input".to_string(), input);
        let ctx = match kind.as_str() {
            "value_error" => Some(serde_json::json!({"error": {}})),
            "json_invalid" => {
                Some(serde_json::json!({"error": json_error.unwrap_or("Expecting value")}))
            }
            "literal_error" => msg
                .strip_prefix("Input should be ")
                .map(|expected| serde_json::json!({ "expected": expected })),
            "greater_than_equal" => msg
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse::<i64>().ok())
                .map(|ge| serde_json::json!({ "ge": ge })),
            _ => None,
        };
        if let Some(ctx) = ctx {
            e.insert("ctx".to_string(), ctx);
        }
    }
    reply
}

/// The value at a `loc` path (keys and indexes), `null` when there is none.
fn at(body: &Value, path: &[Value]) -> Value {
    let mut v = body;
    for step in path {
        let next = match step {
            Value::String(k) => v.get(k.as_str()),
            Value::Number(n) => n.as_u64().and_then(|i| v.get(usize::try_from(i).ok()?)),
            _ => None,
        };
        match next {
            Some(n) => v = n,
            None => return Value::Null,
        }
    }
    v.clone()
}

/// Python's `json` message for what serde refused (the common cases).
pub(crate) fn python_json_error(e: &serde_json::Error) -> &'static str {
    let text = e.to_string();
    if text.starts_with("key must be a string") {
        "Expecting property name enclosed in double quotes"
    } else if text.starts_with("expected `,` or `}`") || text.starts_with("expected `,` or `]`") {
        "Expecting ',' delimiter"
    } else if text.starts_with("trailing characters") {
        "Extra data"
    } else {
        "Expecting value"
    }
}
