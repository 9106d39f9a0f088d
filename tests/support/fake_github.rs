//! An in-process fake of the few GitHub REST endpoints `mcpform --github` and the
//! Action use, on loopback: issue comments (listed in pages with `Link` headers,
//! created, updated), `GET /user`, the pull requests of a commit, and release assets
//! (served under the same address, which the tests give as `GITHUB_SERVER_URL`).
//!
//! Tokens are set up by the test: a personal token (`GET /user` answers its login, its
//! comments are a `User`'s), an Actions-like token (`GET /user` is 403 and its
//! comments are `github-actions[bot]`'s) or a read-only one (writes are 403). Switches
//! deny the comment calls with a status, or answer secondary rate limits first.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// GitHub's limit for a comment body, in characters.
pub const BODY_LIMIT: usize = 65_536;

/// Who a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// A personal token: `GET /user` says `login`.
    User(String),
    /// An installation token (the workflow's `GITHUB_TOKEN`): `GET /user` is 403.
    App(String),
}

/// A stored comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredComment {
    /// Its id.
    pub id: u64,
    /// The pull request's number.
    pub issue: u64,
    /// Its body.
    pub body: String,
    /// Its author's login.
    pub login: String,
    /// `User` or `Bot`.
    pub user_type: String,
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Call {
    /// The method.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// The whole `Authorization` header as received.
    pub authorization: Option<String>,
}

#[derive(Default)]
struct Inner {
    tokens: BTreeMap<String, (Identity, bool)>,
    comments: Vec<StoredComment>,
    next_id: u64,
    deny: Option<u16>,
    echo: bool,
    rate_limited: usize,
    pulls_of_commit: BTreeMap<String, Value>,
    assets: BTreeMap<String, Vec<u8>>,
    calls: Vec<Call>,
}

struct Shared {
    inner: Mutex<Inner>,
    base: String,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running fake; dropping it stops the server.
pub struct FakeGithub {
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGithub {
    /// Serves on `127.0.0.1:0` from a thread of its own.
    pub fn start() -> FakeGithub {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                next_id: 1000,
                ..Inner::default()
            }),
            base,
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let for_thread = Arc::clone(&shared);
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let app = axum::Router::new().fallback(handle).with_state(for_thread);
                tokio::select! {
                    _ = axum::serve(listener, app).into_future() => {}
                    _ = rx => {}
                }
            });
        });
        FakeGithub {
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` (both `GITHUB_API_URL` and `GITHUB_SERVER_URL`).
    pub fn url(&self) -> String {
        self.shared.base.clone()
    }

    /// Registers a token; `read_only` tokens may read but not write.
    pub fn add_token(&self, token: &str, identity: Identity, read_only: bool) {
        lock(&self.shared.inner)
            .tokens
            .insert(token.to_owned(), (identity, read_only));
    }

    /// Adds a comment as if `login` wrote it.
    pub fn seed_comment(&self, issue: u64, login: &str, user_type: &str, body: &str) -> u64 {
        let mut inner = lock(&self.shared.inner);
        inner.next_id += 1;
        let id = inner.next_id;
        inner.comments.push(StoredComment {
            id,
            issue,
            body: body.to_owned(),
            login: login.to_owned(),
            user_type: user_type.to_owned(),
        });
        id
    }

    /// Every comment on a pull request, oldest first.
    pub fn comments(&self, issue: u64) -> Vec<StoredComment> {
        lock(&self.shared.inner)
            .comments
            .iter()
            .filter(|c| c.issue == issue)
            .cloned()
            .collect()
    }

    /// Answers every comment call with this status (401, 403 or 404).
    pub fn deny(&self, status: u16) {
        lock(&self.shared.inner).deny = Some(status);
    }

    /// A hostile or careless API: refusals repeat the `Authorization` header received.
    pub fn echo_authorization(&self) {
        lock(&self.shared.inner).echo = true;
    }

    /// Answers the next `n` requests with a secondary rate limit (403, `retry-after: 1`).
    pub fn rate_limit_next(&self, n: usize) {
        lock(&self.shared.inner).rate_limited = n;
    }

    /// The pull requests `GET /repos/{repo}/commits/{sha}/pulls` lists.
    pub fn set_pulls_of_commit(&self, sha: &str, pulls: Value) {
        lock(&self.shared.inner)
            .pulls_of_commit
            .insert(sha.to_owned(), pulls);
    }

    /// Serves a release asset at `/{repo}/releases/download/{tag}/{name}`.
    pub fn add_asset(&self, repo: &str, tag: &str, name: &str, bytes: Vec<u8>) {
        lock(&self.shared.inner)
            .assets
            .insert(format!("/{repo}/releases/download/{tag}/{name}"), bytes);
    }

    /// Every request so far.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared.inner).calls.clone()
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut inner = lock(&shared.inner);
    let response = route(
        &mut inner,
        &shared.base,
        &parts.method,
        &path,
        &query,
        authorization.as_deref(),
        &bytes,
    );
    let full = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    inner.calls.push(Call {
        method: parts.method.to_string(),
        path: full,
        status: response.status().as_u16(),
        authorization,
    });
    response
}

fn json_reply(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).expect("status");
    (status, axum::Json(body)).into_response()
}

fn message(status: u16, text: &str) -> Response {
    json_reply(
        status,
        json!({ "message": text, "documentation_url": "https://docs.github.com/rest" }),
    )
}

fn route(
    inner: &mut Inner,
    base: &str,
    method: &Method,
    path: &str,
    query: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> Response {
    if method == Method::GET && path.contains("/releases/download/") {
        return match inner.assets.get(path) {
            Some(bytes) => (StatusCode::OK, bytes.clone()).into_response(),
            None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
        };
    }
    if inner.rate_limited > 0 {
        inner.rate_limited -= 1;
        let mut r = message(
            403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        );
        r.headers_mut()
            .insert("retry-after", HeaderValue::from_static("1"));
        return r;
    }
    let token = authorization.and_then(|a| {
        a.strip_prefix("Bearer ")
            .or_else(|| a.strip_prefix("token "))
    });
    let Some((identity, read_only)) = token.and_then(|t| inner.tokens.get(t)).cloned() else {
        return message(401, "Bad credentials");
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["user"]) => match identity {
            Identity::User(login) => json_reply(200, json!({ "login": login, "type": "User" })),
            Identity::App(_) => message(403, "Resource not accessible by integration"),
        },
        ("GET", ["repos", _, _, "commits", sha, "pulls"]) => json_reply(
            200,
            inner
                .pulls_of_commit
                .get(*sha)
                .cloned()
                .unwrap_or(json!([])),
        ),
        (_, ["repos", ..]) if inner.deny.is_some() => {
            let status = inner.deny.unwrap_or(403);
            let text = match status {
                401 => "Bad credentials",
                404 => "Not Found",
                _ => "Resource not accessible by integration",
            };
            if inner.echo {
                let sent = authorization.unwrap_or_default();
                return message(
                    status,
                    &format!("{text} (you sent `{sent}`)\n::error::injected"),
                );
            }
            message(status, text)
        }
        ("GET", ["repos", owner, repo, "issues", number, "comments"]) => {
            list(inner, base, owner, repo, number.parse().unwrap_or(0), query)
        }
        ("POST", ["repos", owner, repo, "issues", number, "comments"]) => {
            if read_only {
                return message(403, "Resource not accessible by integration");
            }
            let Some(text) = body_text(body) else {
                return message(422, "Invalid request.");
            };
            if text.chars().count() > BODY_LIMIT {
                return message(422, "Body is too long (maximum is 65536 characters)");
            }
            inner.next_id += 1;
            let (login, user_type) = author(&identity);
            let c = StoredComment {
                id: inner.next_id,
                issue: number.parse().unwrap_or(0),
                body: text,
                login,
                user_type,
            };
            inner.comments.push(c.clone());
            json_reply(201, view(base, owner, repo, &c))
        }
        ("PATCH", ["repos", owner, repo, "issues", "comments", id]) => {
            if read_only {
                return message(403, "Resource not accessible by integration");
            }
            let Some(text) = body_text(body) else {
                return message(422, "Invalid request.");
            };
            if text.chars().count() > BODY_LIMIT {
                return message(422, "Body is too long (maximum is 65536 characters)");
            }
            let (login, _) = author(&identity);
            let Some(c) = inner.comments.iter_mut().find(|c| c.id.to_string() == *id) else {
                return message(404, "Not Found");
            };
            if c.login != login {
                return message(
                    403,
                    "You cannot edit another user's comment with this token",
                );
            }
            c.body = text;
            let c = c.clone();
            json_reply(200, view(base, owner, repo, &c))
        }
        _ => message(404, "Not Found"),
    }
}

fn author(identity: &Identity) -> (String, String) {
    match identity {
        Identity::User(l) => (l.clone(), "User".into()),
        Identity::App(l) => (l.clone(), "Bot".into()),
    }
}

fn body_text(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("body")?.as_str().map(str::to_owned)
}

fn view(base: &str, owner: &str, repo: &str, c: &StoredComment) -> Value {
    json!({
        "id": c.id,
        "body": c.body,
        "html_url": format!("{base}/{owner}/{repo}/pull/{}#issuecomment-{}", c.issue, c.id),
        "user": { "login": c.login, "type": c.user_type },
    })
}

/// One page, GitHub's way: `per_page` (default 30, at most 100), `page` from 1, and a
/// `Link` header with `next` and `last` while there are more.
fn list(inner: &Inner, base: &str, owner: &str, repo: &str, issue: u64, query: &str) -> Response {
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let per_page = param("per_page").unwrap_or(30).clamp(1, 100);
    let page = param("page").unwrap_or(1).max(1);
    let all: Vec<&StoredComment> = inner.comments.iter().filter(|c| c.issue == issue).collect();
    let pages = all.len().div_ceil(per_page).max(1);
    let items: Vec<Value> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|c| view(base, owner, repo, c))
        .collect();
    let mut response = json_reply(200, Value::Array(items));
    if page < pages {
        let link = |p: usize| {
            format!(
                "<{base}/repos/{owner}/{repo}/issues/{issue}/comments?per_page={per_page}&page={p}>"
            )
        };
        let value = format!(
            "{}; rel=\"next\", {}; rel=\"last\"",
            link(page + 1),
            link(pages)
        );
        let mut headers = HeaderMap::new();
        headers.insert(header::LINK, HeaderValue::from_str(&value).expect("link"));
        response.headers_mut().extend(headers);
    }
    response
}
