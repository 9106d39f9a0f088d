//! Routing: which handler answers a method and path, in the order FastAPI's checks run
//! (unknown path → 404, wrong method → 405, then the handler through [`Ctx`]).

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use serde_json::Value;

use super::reply::Reply;
use super::server::{Ctx, Shared};
use super::util::{percent_decode, query_pairs};
use super::{FakeConfig, handlers, identity, keys, review, teams, toolsets, update, version};

/// The routes the fake knows; anything else is Starlette's 404.
enum Route {
    Liveliness,
    Readiness,
    ReadinessDetails,
    KeyInfo,
    UserInfo,
    UserInfoV2,
    Servers,
    Server(String),
    UserCredential(String),
    UserCredentials(String),
    OwnCredentials,
    /// `PUT /v1/mcp/server/{id}/approve` (true) or `…/reject` (false).
    Review(String, bool),
    /// `/v1/mcp/toolset` (from 1.85).
    Toolsets,
    Toolset(String),
    /// `/team/{new,info,list,update,delete}`.
    Team(&'static str),
    /// `/key/{generate,update,list,delete}`.
    Key(&'static str),
}

fn match_route(path: &str, cfg: &FakeConfig) -> Option<Route> {
    let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    let byok = cfg.supports_byok;
    Some(match segments.as_slice() {
        ["health", "liveliness"] => Route::Liveliness,
        ["health", "readiness"] => Route::Readiness,
        ["health", "readiness", "details"] if cfg.routes_1_87 => Route::ReadinessDetails,
        ["key", "info"] => Route::KeyInfo,
        ["key", verb] => Route::Key(known(verb, &["generate", "update", "list", "delete"])?),
        ["team", verb] => Route::Team(known(verb, &["new", "info", "list", "update", "delete"])?),
        ["v1", "mcp", "toolset"] if cfg.since(version::TOOLSETS) => Route::Toolsets,
        ["v1", "mcp", "toolset", id] if cfg.since(version::TOOLSETS) && !id.is_empty() => {
            Route::Toolset(percent_decode(id, false))
        }
        ["user", "info"] => Route::UserInfo,
        ["v2", "user", "info"] if cfg.routes_1_87 => Route::UserInfoV2,
        ["v1", "mcp", "server"] => Route::Servers,
        ["v1", "mcp", "server", id] if !id.is_empty() => Route::Server(percent_decode(id, false)),
        ["v1", "mcp", "server", id, "user-credential"] if byok && !id.is_empty() => {
            Route::UserCredential(percent_decode(id, false))
        }
        ["v1", "mcp", "server", id, "user-credentials"]
            if byok && cfg.admin_credential_list && !id.is_empty() =>
        {
            Route::UserCredentials(percent_decode(id, false))
        }
        ["v1", "mcp", "user-credentials"] if byok => Route::OwnCredentials,
        ["v1", "mcp", "server", id, verb @ ("approve" | "reject")]
            if cfg.routes_1_87 && !id.is_empty() =>
        {
            Route::Review(percent_decode(id, false), *verb == "approve")
        }
        _ => return None,
    })
}

/// The route's own name for a path segment it knows.
fn known(segment: &str, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|n| *n == segment)
}

pub(crate) fn route(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    bytes: &Bytes,
) -> Reply {
    let cfg = &shared.config;
    let Some(route) = match_route(path, cfg) else {
        return Reply::route_not_found();
    };
    let ctx = Ctx {
        shared,
        method,
        path,
        headers,
        bytes,
    };
    let param = |name: &str| {
        query_pairs(query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    };
    let requested_user = || param("user_id");
    match (route, method.as_str()) {
        (Route::Liveliness, "GET") => Reply::json(200, Value::from("I'm alive!")),
        (Route::Readiness, "GET") => identity::readiness(cfg),
        (Route::ReadinessDetails, "GET") => {
            ctx.authed(|st, c| identity::readiness_details(st, cfg, c))
        }
        (Route::KeyInfo, "GET") => {
            let asked = param("key");
            ctx.authed(|st, c| identity::key_info(st, cfg, c, asked.as_deref()))
        }
        (Route::UserInfo, "GET") => {
            let user = requested_user();
            ctx.authed(|st, c| identity::user_info(st, c, user.as_deref()))
        }
        (Route::UserInfoV2, "GET") => {
            let user = requested_user();
            ctx.authed(|st, c| identity::user_info_v2(st, cfg, c, user.as_deref()))
        }
        (
            Route::Liveliness
            | Route::Readiness
            | Route::ReadinessDetails
            | Route::KeyInfo
            | Route::UserInfo
            | Route::UserInfoV2,
            _,
        ) => Reply::method_not_allowed("GET"),
        (Route::Servers, "GET") => ctx.authed(|st, c| handlers::list_servers(st, cfg, c)),
        (Route::Servers, "POST") => ctx.with_body("NewMCPServerRequest", |st, c, b| {
            handlers::create_server(st, cfg, c, b)
        }),
        (Route::Servers, "PUT") => ctx.with_body("UpdateMCPServerRequest", |st, c, b| {
            update::update_server(st, cfg, c, b)
        }),
        (Route::Servers, _) => Reply::method_not_allowed("GET, POST, PUT"),
        (Route::Server(id), "GET") if id == "health" => {
            let wanted: Vec<String> = query_pairs(query)
                .into_iter()
                .filter(|(k, _)| k == "server_ids")
                .map(|(_, v)| v)
                .collect();
            ctx.authed(|st, c| handlers::health(st, c, &wanted))
        }
        // Declared before `/server/{server_id}` on 1.87+; older proxies take these paths
        // for server ids.
        (Route::Server(id), "GET") if id == "submissions" && cfg.routes_1_87 => {
            ctx.authed(|st, c| review::submissions(st, cfg, c))
        }
        (Route::Server(id), "POST") if id == "register" && cfg.routes_1_87 => ctx
            .with_body("NewMCPServerRequest", |st, c, b| {
                review::register(st, cfg, c, b)
            }),
        (Route::Server(id), "GET") => ctx.authed(|st, c| handlers::get_server(st, cfg, c, &id)),
        (Route::Server(id), "DELETE") => {
            ctx.authed(|st, c| handlers::delete_server(st, cfg, c, &id))
        }
        (Route::Server(_), _) => Reply::method_not_allowed("GET, DELETE"),
        (Route::UserCredential(id), "POST") => ctx
            .with_body("MCPUserCredentialRequest", |st, c, b| {
                handlers::store_credential(st, cfg, c, &id, b)
            }),
        (Route::UserCredential(id), "DELETE") => {
            let user_id = query_pairs(query)
                .into_iter()
                .find(|(k, _)| k == "user_id")
                .map(|(_, v)| v);
            ctx.authed(|st, c| handlers::delete_credential(st, cfg, c, &id, user_id.as_deref()))
        }
        (Route::UserCredential(_), _) => Reply::method_not_allowed("POST, DELETE"),
        (Route::UserCredentials(id), "GET") => {
            ctx.authed(|st, c| handlers::list_server_credentials(st, c, &id))
        }
        (Route::OwnCredentials, "GET") => ctx.authed(|st, c| handlers::list_own_credentials(st, c)),
        (Route::UserCredentials(_) | Route::OwnCredentials, _) => Reply::method_not_allowed("GET"),
        (Route::Review(id, true), "PUT") => {
            ctx.authed(|st, c| review::review(st, cfg, c, &id, true, None))
        }
        (Route::Review(id, false), "PUT") => ctx.with_body("RejectMCPServerRequest", |st, c, b| {
            review::review(st, cfg, c, &id, false, b.get("review_notes").cloned())
        }),
        (Route::Review(..), _) => Reply::method_not_allowed("PUT"),
        (Route::Toolsets, "GET") => ctx.authed(|st, c| toolsets::list(st, cfg, c)),
        (Route::Toolsets, "POST") => ctx.with_body("NewMCPToolsetRequest", |st, c, b| {
            toolsets::create(st, c, b)
        }),
        (Route::Toolsets, "PUT") => ctx.with_body("UpdateMCPToolsetRequest", |st, c, b| {
            toolsets::update(st, cfg, c, b)
        }),
        (Route::Toolsets, _) => Reply::method_not_allowed("GET, POST, PUT"),
        (Route::Toolset(id), "GET") => ctx.authed(|st, c| toolsets::get(st, cfg, c, &id)),
        (Route::Toolset(id), "DELETE") => ctx.authed(|st, c| toolsets::delete(st, c, &id)),
        (Route::Toolset(_), _) => Reply::method_not_allowed("GET, DELETE"),
        (Route::Team("info"), "GET") => {
            let team = param("team_id");
            ctx.authed(|st, c| teams::info(st, cfg, c, team.as_deref()))
        }
        (Route::Team("list"), "GET") => ctx.authed(|st, c| teams::list(st, c)),
        (Route::Team("new"), "POST") => {
            ctx.with_body("NewTeamRequest", |st, c, b| teams::create(st, cfg, c, b))
        }
        (Route::Team("update"), "POST") => {
            ctx.with_body("UpdateTeamRequest", |st, c, b| teams::update(st, cfg, c, b))
        }
        (Route::Team("delete"), "POST") => ctx.with_body("DeleteTeamRequest", teams::delete),
        (Route::Team("info" | "list"), _) => Reply::method_not_allowed("GET"),
        (Route::Team(_), _) => Reply::method_not_allowed("POST"),
        (Route::Key("list"), "GET") => ctx.authed(|st, c| keys::list(st, cfg, c, query)),
        (Route::Key("generate"), "POST") => ctx.with_body("GenerateKeyRequest", |st, c, b| {
            keys::generate(st, cfg, c, b)
        }),
        (Route::Key("update"), "POST") => {
            ctx.with_body("UpdateKeyRequest", |st, c, b| keys::update(st, cfg, c, b))
        }
        (Route::Key("delete"), "POST") => {
            ctx.with_body("KeyRequest", |st, c, b| keys::delete(st, cfg, c, b))
        }
        (Route::Key("list"), _) => Reply::method_not_allowed("GET"),
        (Route::Key(_), _) => Reply::method_not_allowed("POST"),
    }
}
