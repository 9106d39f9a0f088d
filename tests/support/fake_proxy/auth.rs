//! Authentication as `user_api_key_auth` does it: the key's header, the master key,
//! virtual keys and the proxy's 401s, and the admin viewer's route check, which runs in
//! authentication (before body validation and before the handler's own checks).

use axum::http::{HeaderMap, Method, header};
use mcpform::model::support::Behaviour;

use super::access::{self, Reach};
use super::handlers::{Caller, master_caller};
use super::reply::Reply;
use super::state::{KeyInfo, State};
use super::{FakeConfig, Role, version};

/// The key the request presents: `x-litellm-api-key` first, then `Authorization`, with a
/// `Bearer `/`bearer `/`Basic ` prefix removed.
pub(crate) fn presented_key(headers: &HeaderMap) -> Option<String> {
    let strip = |v: &str| {
        ["Bearer ", "Basic ", "bearer "]
            .iter()
            .find_map(|p| v.strip_prefix(p))
            .unwrap_or(v)
            .to_string()
    };
    if let Some(v) = headers.get("x-litellm-api-key") {
        return Some(strip(v.to_str().unwrap_or("")));
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(strip)
}

/// `user_api_key_auth`: master key, known virtual keys, or the proxy's 401s.
pub(crate) fn authenticate(
    headers: &HeaderMap,
    state: &State,
    cfg: &FakeConfig,
) -> Result<Caller, Reply> {
    let master_key = cfg.master_key.as_str();
    let Some(key) = presented_key(headers) else {
        return Err(Reply::auth(
            "Authentication Error, No api key passed in.",
            "auth_error",
            "None",
        ));
    };
    if key.is_empty() {
        return Err(Reply::auth(
            "Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.",
            "auth_error",
            "None",
        ));
    }
    if key == master_key {
        return Ok(master_caller());
    }
    if let Some(info) = state.keys.get(&key) {
        return Ok(key_caller(state, cfg, &key, info));
    }
    if !key.starts_with("sk-") {
        let masked = if key.chars().count() > 8 {
            let chars: Vec<char> = key.chars().collect();
            let head: String = chars[..4].iter().collect();
            let tail: String = chars[chars.len() - 4..].iter().collect();
            format!("{head}****{tail}")
        } else {
            "****".to_string()
        };
        return Err(Reply::auth(
            &format!(
                "LiteLLM Virtual Key expected. Received={masked}, expected to start with 'sk-'."
            ),
            "auth_error",
            "None",
        ));
    }
    if !cfg.since(version::MODERN) {
        // 1.87.5 names the key's last four characters and its hash (the token's id).
        let chars: Vec<char> = key.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
        let hash: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        return Err(Reply::auth(
            &format!(
                "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...{tail}, Key Hash (Token) ={hash}. Unable to find token in cache or `LiteLLM_VerificationTokenTable`"
            ),
            "token_not_found_in_db",
            "key",
        ));
    }
    Err(Reply::auth(
        "Authentication Error, Invalid API key provided.",
        "token_not_found_in_db",
        "key",
    ))
}

/// The identity of a virtual key, with what its rows let it reach.
pub(crate) fn key_caller(state: &State, cfg: &FakeConfig, key: &str, info: &KeyInfo) -> Caller {
    let scoped = admin_scoped(state, cfg, info);
    let admin = matches!(info.role, Role::ProxyAdmin | Role::ProxyAdminViewer);
    // An unscoped admin sees everything; computing its reach would be wasted work.
    let reach = if admin && !scoped {
        Reach::default()
    } else {
        access::reach(state, cfg, info)
    };
    Caller {
        user_id: info.user_id.clone(),
        role: info.role,
        reach,
        key: Some(key.to_string()),
        team_id: info.team_id.clone(),
        scoped,
    }
}

/// `MCPRequestHandler.admin_view_unscoped` turned round (whether a key's role alone
/// would show it every server is the caller's business): a key with its own permission
/// row, whatever the row holds (every version); a key on a team other than the
/// dashboard's (from 1.109); a key whose user's own row sets MCP grants (from 1.100).
/// Recorded from the real 1.87.5, 1.108.7 and 1.110.2 in
/// `tests/fixtures/litellm-scoped-admins-*.json`.
fn admin_scoped(state: &State, cfg: &FakeConfig, info: &KeyInfo) -> bool {
    let team = info
        .team_id
        .as_deref()
        .is_some_and(|t| t != "litellm-dashboard");
    let user_grants = state
        .user_permissions
        .get(&info.user_id)
        .is_some_and(super::rows::has_mcp_grants);
    info.permission.is_some()
        || (team && cfg.has(Behaviour::TeamBoundAdminScoped))
        || (user_grants && cfg.has(Behaviour::UserMcpCeiling))
}

/// GET, HEAD and OPTIONS: what an admin viewer may call (read parity with a proxy admin).
pub(crate) fn is_safe(method: &Method) -> bool {
    matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS")
}

/// `_check_proxy_admin_viewer_access`: any other method is refused in authentication,
/// before the body is validated and before the handler's own checks.
pub(crate) fn viewer_refused(path: &str) -> Reply {
    Reply::json(
        403,
        serde_json::json!({"error": {
            "message": format!("user not allowed to access this route, role= proxy_admin_viewer. Trying to access: {path}"),
            "type": "auth_error", "param": "None", "code": "403"}}),
    )
}
