//! Injected failures: each applies to the next `times` requests whose method matches and
//! whose path (without the query) is the fault's path, or starts with it when the fault's
//! path ends with `*`.

use std::time::Duration;

use axum::http::Method;
use serde_json::{Value, json};

/// What an injected fault does to a matching request.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Answer this status with this JSON body instead of handling the request.
    Status {
        /// The HTTP status to answer.
        status: u16,
        /// The JSON body to answer.
        body: Value,
    },
    /// Answer 429 with a `Retry-After: <seconds>` header.
    RateLimited {
        /// The value of the `Retry-After` header.
        retry_after_secs: u64,
        /// The JSON body to answer.
        body: Value,
    },
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Close the connection without any HTTP response (even on a reused keep-alive
    /// connection); the client sees e.g. "connection closed before message completed".
    Reset,
    /// Handle the request (the write is committed), then answer this status instead of
    /// the real answer: the "500 although the row was saved" of a real proxy.
    CommitThenStatus(u16),
    /// Handle the request (the write is committed), then drop the connection: the
    /// answer is lost.
    CommitThenReset,
    /// Answer 200 with a body of `bytes` spaces, streamed in 64 KiB chunks; with
    /// `Content-Length` when `declared`, else chunked (an 8 GB answer took mcpform to 8 GB).
    HugeBody {
        /// How many bytes to stream.
        bytes: u64,
        /// Whether to send `Content-Length` first.
        declared: bool,
    },
    /// Answer a redirect (`status`, 3xx) to `location`, as a proxy behind a load balancer
    /// that moved (http → https, another host) does.
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header, as sent.
        location: String,
    },
}

/// One injected fault (see [`super::FakeProxy::inject`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub(crate) method: Method,
    pub(crate) path_prefix: String,
    pub(crate) kind: FaultKind,
    pub(crate) remaining: usize,
    /// Matching requests to let through before the fault applies.
    pub(crate) skip: usize,
    /// Matches every request, whatever its method and path.
    pub(crate) any: bool,
}

impl Fault {
    fn new(method: Method, path_prefix: &str, kind: FaultKind) -> Fault {
        Fault {
            method,
            path_prefix: path_prefix.to_string(),
            kind,
            remaining: 1,
            skip: 0,
            any: false,
        }
    }

    /// Answer `status` with the proxy's unhandled-error body
    /// `{"error":{"message":"Internal server error","type":"internal_server_error"}}`.
    pub fn status(method: Method, path_prefix: &str, status: u16) -> Fault {
        let body =
            json!({"error": {"message": "Internal server error", "type": "internal_server_error"}});
        Fault::new(method, path_prefix, FaultKind::Status { status, body })
    }

    /// Answer 429 with `Retry-After: retry_after_secs`.
    pub fn rate_limited(method: Method, path_prefix: &str, retry_after_secs: u64) -> Fault {
        let body = json!({"error": {
            "message": format!("Rate limit exceeded. Retry after {retry_after_secs} seconds."),
            "type": "rate_limit_error", "param": "None", "code": "429"
        }});
        Fault::new(
            method,
            path_prefix,
            FaultKind::RateLimited {
                retry_after_secs,
                body,
            },
        )
    }

    /// Wait `millis` milliseconds before answering normally (to exceed a client timeout).
    pub fn delay(method: Method, path_prefix: &str, millis: u64) -> Fault {
        Fault::new(
            method,
            path_prefix,
            FaultKind::Delay(Duration::from_millis(millis)),
        )
    }

    /// Answer 200 with `bytes` bytes of spaces, streamed; `declared` sends
    /// `Content-Length` first.
    pub fn huge_body(method: Method, path_prefix: &str, bytes: u64, declared: bool) -> Fault {
        Fault::new(method, path_prefix, FaultKind::HugeBody { bytes, declared })
    }

    /// Answer `status` (3xx) with `Location: location` and a small body.
    pub fn redirect(method: Method, path_prefix: &str, status: u16, location: &str) -> Fault {
        Fault::new(
            method,
            path_prefix,
            FaultKind::Redirect {
                status,
                location: location.to_string(),
            },
        )
    }

    /// Drop the connection without answering.
    pub fn reset(method: Method, path_prefix: &str) -> Fault {
        Fault::new(method, path_prefix, FaultKind::Reset)
    }

    /// Handle the request, then answer `status` with the unhandled-error body.
    pub fn commit_then_status(method: Method, path_prefix: &str, status: u16) -> Fault {
        Fault::new(method, path_prefix, FaultKind::CommitThenStatus(status))
    }

    /// Handle the request, then drop the connection without an answer.
    pub fn commit_then_reset(method: Method, path_prefix: &str) -> Fault {
        Fault::new(method, path_prefix, FaultKind::CommitThenReset)
    }

    /// Matches every request (any method, any path): with [`Fault::after`], the n-th
    /// request of a run, whatever it is.
    pub fn on_any_request(mut self) -> Fault {
        self.any = true;
        self
    }

    /// Lets the first `n` matching requests through.
    pub fn after(mut self, n: usize) -> Fault {
        self.skip = n;
        self
    }

    /// Apply to the next `n` matching requests instead of one.
    pub fn times(mut self, n: usize) -> Fault {
        self.remaining = n;
        self
    }

    /// Replace the JSON body of a status or 429 fault.
    pub fn with_body(mut self, new_body: Value) -> Fault {
        match &mut self.kind {
            FaultKind::Status { body, .. } | FaultKind::RateLimited { body, .. } => {
                *body = new_body
            }
            FaultKind::Delay(_)
            | FaultKind::Reset
            | FaultKind::CommitThenStatus(_)
            | FaultKind::CommitThenReset
            | FaultKind::Redirect { .. }
            | FaultKind::HugeBody { .. } => {}
        }
        self
    }

    /// Whether the fault applies to this request: its path (without the query) equal to
    /// the fault's, or starting with it when the fault's ends with `*`. Exact by default,
    /// so a fault meant for the list never hits `/v1/mcp/server/{id}/…` reads.
    pub(crate) fn matches(&self, method: &Method, path: &str) -> bool {
        let path_matches = match self.path_prefix.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == self.path_prefix,
        };
        self.remaining > 0 && (self.any || (self.method == method && path_matches))
    }

    /// The journal's marker for a request this fault hit.
    pub(crate) fn marker(&self) -> String {
        match &self.kind {
            FaultKind::Status { status, .. } => format!("status:{status}"),
            FaultKind::RateLimited {
                retry_after_secs, ..
            } => format!("rate_limited:{retry_after_secs}s"),
            FaultKind::Delay(d) => format!("delay:{}ms", d.as_millis()),
            FaultKind::Reset => "reset".to_string(),
            FaultKind::CommitThenStatus(status) => format!("commit_then_status:{status}"),
            FaultKind::CommitThenReset => "commit_then_reset".to_string(),
            FaultKind::Redirect { status, .. } => format!("redirect:{status}"),
            FaultKind::HugeBody { bytes, .. } => format!("huge_body:{bytes}"),
        }
    }
}

/// Takes one use of the first matching fault, if any.
pub(crate) fn take_matching(faults: &mut Vec<Fault>, method: &Method, path: &str) -> Option<Fault> {
    let i = faults.iter().position(|f| f.matches(method, path))?;
    if faults[i].skip > 0 {
        faults[i].skip -= 1;
        return None;
    }
    faults[i].remaining -= 1;
    let fault = faults[i].clone();
    if faults[i].remaining == 0 {
        faults.remove(i);
    }
    Some(fault)
}
