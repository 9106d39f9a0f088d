//! HTTP answers and the proxy's error body shapes (reference §5).

use serde_json::{Value, json};

/// The body of an answer.
#[derive(Clone, Debug)]
pub(crate) enum ReplyBody {
    /// `application/json`.
    Json(Value),
    /// No body at all (the 202 of `DELETE /v1/mcp/server/{id}`).
    Empty,
}

/// One HTTP answer of the fake.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: ReplyBody,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON answer.
    pub(crate) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: ReplyBody::Json(body),
            headers: Vec::new(),
        }
    }

    /// An answer without a body.
    pub(crate) fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: ReplyBody::Empty,
            headers: Vec::new(),
        }
    }

    /// A handler `HTTPException` with a dict detail: `{"detail":{"error":msg}}`.
    pub(crate) fn detail_error(status: u16, msg: impl Into<String>) -> Reply {
        Reply::json(status, json!({"detail": {"error": msg.into()}}))
    }

    /// A handler `HTTPException` with a plain-string detail: `{"detail":msg}`.
    pub(crate) fn detail(status: u16, msg: impl Into<String>) -> Reply {
        Reply::json(status, json!({"detail": msg.into()}))
    }

    /// A FastAPI request-validation failure (1.108+ strips `input` and `ctx`).
    pub(crate) fn validation(errors: Vec<Value>) -> Reply {
        Reply::json(422, json!({ "detail": errors }))
    }

    /// An authentication failure, a `ProxyException` (`param` is the string "None" on 1.108.7).
    pub(crate) fn auth(message: &str, kind: &str, param: &str) -> Reply {
        Reply::json(
            401,
            json!({"error": {"message": message, "type": kind, "param": param, "code": "401"}}),
        )
    }

    /// The proxy's catch-all answer to an unhandled exception.
    pub(crate) fn internal_error() -> Reply {
        Reply::json(
            500,
            json!({"error": {"message": "Internal server error", "type": "internal_server_error"}}),
        )
    }

    /// Starlette's answer for a path no route matches.
    pub(crate) fn route_not_found() -> Reply {
        Reply::detail(404, "Not Found")
    }

    /// Starlette's answer for a known path with another method.
    pub(crate) fn method_not_allowed(allow: &str) -> Reply {
        let mut r = Reply::detail(405, "Method Not Allowed");
        r.headers.push(("allow", allow.to_string()));
        r
    }

    /// Adds a header to the answer.
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// One entry of a 422 `detail` list; `loc` is relative to the body.
pub(crate) fn body_error(kind: &str, loc: &[Value], msg: &str) -> Value {
    let mut full = vec![Value::from("body")];
    full.extend_from_slice(loc);
    json!({"type": kind, "loc": full, "msg": msg})
}
