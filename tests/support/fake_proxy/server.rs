//! HTTP plumbing: serving, authentication, body parsing, faults and the journal.
//!
//! One fallback handler hands every request to `routes::route`, so unknown paths, wrong
//! methods and the order of FastAPI's checks (malformed JSON → auth → field validation →
//! handler) are all explicit.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::serve::IncomingStream;
use serde_json::Value;
use tokio::net::TcpListener;

use super::auth::{authenticate, is_safe, presented_key, viewer_refused};
use super::faults::{Fault, FaultKind, take_matching};
use super::fields::model_type_error;
use super::handlers::Caller;
use super::reply::{Reply, ReplyBody};
use super::state::State;
use super::validation::{json_invalid, missing_body};
use super::{FakeConfig, Recorded, RecordedBody};
use super::{Role, version};

/// State shared by the test thread and the server thread.
pub(crate) struct Shared {
    pub(crate) config: FakeConfig,
    pub(crate) state: Mutex<State>,
    pub(crate) journal: Mutex<Journal>,
    pub(crate) faults: Mutex<Vec<Fault>>,
}

/// Locks a mutex, ignoring poisoning (a panicking test must not hide the state).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every request, recorded when it arrives and completed when it is answered.
#[derive(Default)]
pub(crate) struct Journal {
    next: u64,
    pub(crate) entries: Vec<(u64, Recorded)>,
}

impl Journal {
    fn start(&mut self, entry: Recorded) -> u64 {
        self.next += 1;
        self.entries.push((self.next, entry));
        self.next
    }

    fn entry(&mut self, seq: u64) -> Option<&mut Recorded> {
        self.entries
            .iter_mut()
            .find(|(s, _)| *s == seq)
            .map(|(_, e)| e)
    }

    /// Marks the fault at once, so a request dropped mid-delay still shows it.
    fn mark(&mut self, seq: u64, fault: String) {
        if let Some(e) = self.entry(seq) {
            e.fault = Some(fault);
        }
    }

    fn finish(&mut self, seq: u64, status: u16) {
        if let Some(e) = self.entry(seq) {
            e.status = Some(status);
        }
    }
}

/// A handle on the connection a request came in on, to drop it without a response.
#[derive(Clone, Debug)]
pub(crate) struct ConnHandle {
    id: u64,
    fd: Option<Arc<OwnedFd>>,
}

/// Numbers connections so the journal shows keep-alive reuse.
static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(1);

impl Connected<IncomingStream<'_, TcpListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        // A duplicate of the socket's descriptor: shutting it down ends the connection the
        // server task owns (both descriptors share the socket).
        let fd = stream.io().as_fd().try_clone_to_owned().ok().map(Arc::new);
        let id = NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed);
        ConnHandle { id, fd }
    }
}

impl ConnHandle {
    /// Shuts the socket down in both directions: the client reads EOF before any response,
    /// and hyper, reading EOF mid-request, drops the connection and the pending handler.
    fn kill(&self) {
        let Some(fd) = &self.fd else {
            return;
        };
        if let Ok(dup) = fd.try_clone() {
            let socket = std::net::TcpStream::from(dup);
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// Serves until `shutdown` fires; dropping the runtime afterwards aborts open connections.
pub(crate) async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    let app = axum::Router::new().fallback(handle).with_state(shared);
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<ConnHandle>(),
    );
    tokio::select! {
        _ = server.into_future() => {}
        _ = shutdown => {}
    }
}

/// The one handler: journal, faults, then routing.
async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let seq = lock(&shared.journal).start(Recorded {
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map_or(path.clone(), |p| p.to_string()),
        body: recorded_body(&bytes),
        status: None,
        auth_key_prefix: presented_key(&parts.headers).map(|k| k.chars().take(12).collect()),
        fault: None,
        connection: conn.id,
    });
    let fault = take_matching(&mut lock(&shared.faults), &parts.method, &path);
    if let Some(f) = &fault {
        lock(&shared.journal).mark(seq, f.marker());
    }
    // The request as the proxy would serve it (the fault kinds that let it through).
    let serve = || {
        super::routes::route(
            &shared,
            &parts.method,
            &path,
            query.as_deref(),
            &parts.headers,
            &bytes,
        )
    };
    let reply = match fault.map(|f| f.kind) {
        Some(FaultKind::Reset) => {
            conn.kill();
            return std::future::pending().await;
        }
        Some(FaultKind::Status { status, body }) => Reply::json(status, body),
        Some(FaultKind::CommitThenStatus(status)) => {
            let _committed = serve();
            Reply::json(
                status,
                serde_json::json!({"error": {"message": "Internal server error", "type": "internal_server_error"}}),
            )
        }
        Some(FaultKind::CommitThenReset) => {
            let _committed = serve();
            conn.kill();
            return std::future::pending().await;
        }
        Some(FaultKind::RateLimited {
            retry_after_secs,
            body,
        }) => Reply::json(429, body).with_header("retry-after", retry_after_secs.to_string()),
        Some(FaultKind::HugeBody { bytes, declared }) => {
            lock(&shared.journal).finish(seq, 200);
            return huge_body(bytes, declared);
        }
        Some(FaultKind::Redirect { status, location }) => {
            Reply::json(status, serde_json::json!({"detail": "Moved"}))
                .with_header("location", location)
        }
        Some(FaultKind::Delay(d)) => {
            tokio::time::sleep(d).await;
            serve()
        }
        None => serve(),
    };
    lock(&shared.journal).finish(seq, reply.status);
    into_response(reply)
}

/// 200 with `bytes` spaces, produced lazily in 64 KiB chunks (nothing is held in memory).
fn huge_body(bytes: u64, declared: bool) -> Response {
    static CHUNK: [u8; 65536] = [b' '; 65536];
    let size = CHUNK.len() as u64;
    let chunks = (0..bytes.div_ceil(size)).map(move |i| {
        let len = (bytes - i * size).min(size) as usize;
        Ok::<_, std::convert::Infallible>(Bytes::from_static(&CHUNK[..len]))
    });
    let mut response = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if declared {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes));
    }
    response
}

fn recorded_body(bytes: &Bytes) -> RecordedBody {
    if bytes.is_empty() {
        return RecordedBody::Empty;
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => RecordedBody::Json(v),
        Err(_) => RecordedBody::Raw(String::from_utf8_lossy(bytes).into_owned()),
    }
}

fn into_response(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match reply.body {
        ReplyBody::Json(v) => {
            let mut r = Response::new(Body::from(v.to_string()));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        ReplyBody::Empty => Response::new(Body::empty()),
    };
    *response.status_mut() = status;
    for (name, value) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, v);
        }
    }
    response.into_response()
}

/// One request on its way through FastAPI's stages.
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) bytes: &'a Bytes,
}

impl Ctx<'_> {
    /// Authenticates (with the admin viewer's route check), then runs the handler with
    /// the state locked.
    pub(crate) fn authed(&self, f: impl FnOnce(&mut State, &Caller) -> Reply) -> Reply {
        let mut state = lock(&self.shared.state);
        match authenticate(self.headers, &state, &self.shared.config) {
            Ok(caller) if caller.role == Role::ProxyAdminViewer && !is_safe(self.method) => {
                viewer_refused(self.path)
            }
            Ok(caller) => f(&mut state, &caller),
            Err(reply) => reply,
        }
    }

    /// Parses the JSON body (its errors come before auth), authenticates, then runs the
    /// handler; a missing or non-JSON body is a field error, reported after auth.
    pub(crate) fn with_body(
        &self,
        model: &str,
        f: impl FnOnce(&mut State, &Caller, &Value) -> Reply,
    ) -> Reply {
        let cfg = &self.shared.config;
        // Proxies before 1.105 show each error's `input` (and `ctx`).
        let shown = |reply: Reply, body: &Value, json_error: Option<&str>| {
            if reply.status == 422 && !cfg.since(version::MODERN) {
                version::with_input(reply, body, json_error)
            } else {
                reply
            }
        };
        let body = match parse_body(self.headers, self.bytes) {
            Ok(b) => b,
            Err((reply, json_error)) => return shown(reply, &Value::Null, json_error),
        };
        self.authed(|state, caller| match body {
            BodyInput::Missing => shown(missing_body(), &Value::Null, None),
            BodyInput::NotJson => shown(
                Reply::validation(vec![model_type_error(model)]),
                &Value::Null,
                None,
            ),
            BodyInput::Json(v) => shown(f(state, caller, &v), &v, None),
        })
    }
}

/// What FastAPI made of the request body.
enum BodyInput {
    Missing,
    NotJson,
    Json(Value),
}

/// The body, or the answer to one that cannot be read (with Python's message for JSON
/// that does not parse).
fn parse_body(
    headers: &HeaderMap,
    bytes: &Bytes,
) -> Result<BodyInput, (Reply, Option<&'static str>)> {
    if bytes.is_empty() {
        return Ok(BodyInput::Missing);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let is_json = content_type.as_deref().is_none_or(|ct| {
        ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json"))
    });
    if !is_json {
        return Ok(BodyInput::NotJson);
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err((
            Reply::detail(400, "There was an error parsing the body"),
            None,
        ));
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Null) => Ok(BodyInput::Missing),
        Ok(v) => Ok(BodyInput::Json(v)),
        Err(e) => Err((
            json_invalid(python_error_pos(text, &e)),
            Some(version::python_json_error(&e)),
        )),
    }
}

/// Python's `JSONDecodeError.pos` (a character offset) from serde's line/column.
fn python_error_pos(text: &str, e: &serde_json::Error) -> usize {
    if e.classify() == serde_json::error::Category::Eof {
        return text.chars().count();
    }
    let mut offset = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        if i + 1 == e.line() {
            offset += e.column().saturating_sub(1).min(line.len());
            break;
        }
        offset += line.len() + 1;
    }
    let mut boundary = offset.min(text.len());
    while !text.is_char_boundary(boundary) {
        boundary -= 1;
    }
    text[..boundary].chars().count()
}
