//! The few REST calls of the sticky comment: who the token is, a pull request's
//! comments (every page), create, update, and the pull request a pushed commit merged.
//!
//! Secondary rate limits (403 or 429 with `retry-after`, or an exhausted primary limit
//! that resets soon) are waited out within a budget; other failures are returned with
//! their status, so that the caller can name the missing permission. The token travels
//! only to `GITHUB_API_URL`'s origin: a `Link` to another origin is not followed. What
//! the API says is escaped, and the token scrubbed from it, before anyone sees it.

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, LINK, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use url::Url;

use super::comment::Comment;
use crate::escape::terminal_line;
use crate::secret::Secret;

/// Pages of comments read at most (10,000 comments at 100 a page).
const MAX_PAGES: usize = 100;

/// A REST client for one repository.
pub(crate) struct Api {
    http: reqwest::Client,
    base: Url,
    repository: String,
    token: Secret,
    /// The longest total wait for rate limits.
    wait_budget: Duration,
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// 401, 403 or 404: the token lacks a permission, or cannot see the repository.
    Denied {
        /// The status.
        status: u16,
        /// The call, e.g. `GET /repos/o/r/issues/1/comments`.
        call: String,
        /// GitHub's message, escaped, the token scrubbed.
        message: String,
    },
    /// Any other failure: another status, a rate limit that outlasts the budget, the
    /// network, an answer that does not parse.
    Failed {
        /// The call.
        call: String,
        /// What happened, escaped, the token scrubbed.
        reason: String,
    },
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Denied {
                status,
                call,
                message,
            } => write!(f, "{call} answered {status}: {message}"),
            ApiError::Failed { call, reason } => write!(f, "{call} failed: {reason}"),
        }
    }
}

impl Api {
    /// A client of `api_url` for `repository` (`owner/name`).
    pub(crate) fn new(api_url: &str, repository: &str, token: Secret) -> Result<Api, String> {
        let mut base = Url::parse(api_url).map_err(|e| format!("GITHUB_API_URL: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") || !base.username().is_empty() {
            return Err("GITHUB_API_URL: not an http(s) address without credentials".into());
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        if repository.split('/').count() != 2 || repository.contains(['?', '#', '%', ' ']) {
            return Err(format!(
                "GITHUB_REPOSITORY `{}` is not `owner/name`",
                terminal_line(repository)
            ));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("mcpform/", env!("CARGO_PKG_VERSION")))
            // The token would travel along.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Api {
            http,
            base,
            repository: repository.to_owned(),
            token,
            wait_budget: Duration::from_secs(120),
        })
    }

    /// The token's user (`GET /user`); `None` when GitHub says the token cannot ask, as
    /// the workflow's `GITHUB_TOKEN` cannot (403; 404 on some servers). Any other
    /// failure is an error: guessing "a bot" would miss a personal token's own comment
    /// and write a second one.
    pub(crate) async fn me(&self) -> Result<Option<String>, ApiError> {
        match self.call(Method::GET, "user", None).await {
            Ok((v, _)) => Ok(v.get("login").and_then(Value::as_str).map(str::to_owned)),
            Err(ApiError::Denied {
                status: 403 | 404, ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every comment of an issue or pull request, following `Link: rel="next"` (on the
    /// API's origin only) for at most [`MAX_PAGES`] pages; more is an error.
    pub(crate) async fn comments(&self, number: u64) -> Result<Vec<Comment>, ApiError> {
        let first = format!(
            "repos/{}/issues/{number}/comments?per_page=100",
            self.repository
        );
        let mut next = Some(self.url(&first));
        let mut out = Vec::new();
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            let (v, headers) = self.call_url(Method::GET, url?, None).await?;
            let list = v.as_array().ok_or_else(|| ApiError::Failed {
                call: self.shown(&first),
                reason: "the answer is not a list".into(),
            })?;
            out.extend(list.iter().filter_map(comment));
            next = next_link(&headers).map(|l| self.same_origin(&l));
            if next.is_some() && pages >= MAX_PAGES {
                // Stopping quietly would miss a comment further on and write a second.
                return Err(ApiError::Failed {
                    call: self.shown(&first),
                    reason: format!(
                        "more than {MAX_PAGES} pages of comments (or a `Link` that never ends): the sticky comment cannot be looked for among them all"
                    ),
                });
            }
        }
        Ok(out)
    }

    /// `POST` a new comment.
    pub(crate) async fn create(&self, number: u64, body: &str) -> Result<Comment, ApiError> {
        let path = format!("repos/{}/issues/{number}/comments", self.repository);
        let (v, _) = self
            .call(Method::POST, &path, Some(json!({ "body": body })))
            .await?;
        comment(&v).ok_or_else(|| self.unreadable(&path))
    }

    /// `PATCH` a comment's body.
    pub(crate) async fn update(&self, id: u64, body: &str) -> Result<Comment, ApiError> {
        let path = format!("repos/{}/issues/comments/{id}", self.repository);
        let (v, _) = self
            .call(Method::PATCH, &path, Some(json!({ "body": body })))
            .await?;
        comment(&v).ok_or_else(|| self.unreadable(&path))
    }

    /// The merged pull request whose merge made `sha`, for the comment of an apply on
    /// `push`.
    pub(crate) async fn merged_pull(&self, sha: &str) -> Result<Option<u64>, ApiError> {
        if !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let path = format!("repos/{}/commits/{sha}/pulls", self.repository);
        let (v, _) = self.call(Method::GET, &path, None).await?;
        let pulls = v.as_array().cloned().unwrap_or_default();
        let merged = |p: &&Value| p.get("merged_at").is_some_and(|m| !m.is_null());
        let by_merge = pulls
            .iter()
            .filter(merged)
            .find(|p| p.get("merge_commit_sha").and_then(Value::as_str) == Some(sha));
        Ok(by_merge
            .or_else(|| pulls.iter().find(merged))
            .and_then(|p| p.get("number"))
            .and_then(Value::as_u64))
    }

    fn url(&self, path: &str) -> Result<Url, ApiError> {
        self.base.join(path).map_err(|e| ApiError::Failed {
            call: self.shown(path),
            reason: e.to_string(),
        })
    }

    fn same_origin(&self, link: &str) -> Result<Url, ApiError> {
        let url = Url::parse(link).map_err(|e| ApiError::Failed {
            call: "the next page".into(),
            reason: e.to_string(),
        })?;
        if url.origin() != self.base.origin() {
            return Err(ApiError::Failed {
                call: "the next page".into(),
                reason: "its link leads to another host; the token is not sent there".into(),
            });
        }
        Ok(url)
    }

    fn shown(&self, path: &str) -> String {
        let path = path.split('?').next().unwrap_or(path);
        format!("/{}", terminal_line(path))
    }

    fn unreadable(&self, path: &str) -> ApiError {
        ApiError::Failed {
            call: self.shown(path),
            reason: "the answer is not a comment".into(),
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(Value, HeaderMap), ApiError> {
        self.call_url(method, self.url(path)?, body).await
    }

    /// One logical call: retried after secondary rate limits (and, for reads and
    /// updates, after 5xx) while the wait budget lasts.
    async fn call_url(
        &self,
        method: Method,
        url: Url,
        body: Option<Value>,
    ) -> Result<(Value, HeaderMap), ApiError> {
        let call = format!("{method} {}", terminal_line(url.path()));
        let mut waited = Duration::ZERO;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header(AUTHORIZATION, format!("Bearer {}", self.token.expose()))
                .header(ACCEPT, "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28");
            if let Some(b) = &body {
                request = request.json(b);
            }
            let failed = |reason: String| ApiError::Failed {
                call: call.clone(),
                reason: self.clean(&reason),
            };
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) if attempt < 3 && method != Method::POST => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                Err(e) => return Err(failed(error_chain(&e))),
            };
            let status = response.status();
            let headers = response.headers().clone();
            let text = response.text().await.map_err(|e| failed(e.to_string()))?;
            if status.is_success() {
                let value = if text.trim().is_empty() {
                    Value::Null
                } else {
                    serde_json::from_str(&text).map_err(|e| failed(format!("not JSON: {e}")))?
                };
                return Ok((value, headers));
            }
            let message = self.clean(&api_message(&text));
            if let Some(wait) = rate_limit_wait(status, &headers, &text) {
                if waited + wait <= self.wait_budget && attempt <= 5 {
                    eprintln!(
                        "note: GitHub rate limit on {call}: waiting {} s before retrying",
                        wait.as_secs()
                    );
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    continue;
                }
                return Err(failed(format!(
                    "rate limited ({status}) for longer than mcpform waits: {message}"
                )));
            }
            if status.is_server_error() && attempt < 3 && method != Method::POST {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            return Err(match status.as_u16() {
                s @ (401 | 403 | 404) => ApiError::Denied {
                    status: s,
                    call,
                    message,
                },
                _ => failed(format!("{status}: {message}")),
            });
        }
    }

    /// Escaped, on one line, at most 300 characters, the token scrubbed.
    fn clean(&self, text: &str) -> String {
        let token = self.token.expose();
        let scrubbed = if token.is_empty() {
            text.to_owned()
        } else {
            text.replace(token, "****")
        };
        let line = terminal_line(&scrubbed).into_owned();
        crate::diagnostic::truncate(&line, 300)
    }
}

/// How long to wait before retrying, when the answer is a rate limit worth waiting for.
fn rate_limit_wait(status: StatusCode, headers: &HeaderMap, body: &str) -> Option<Duration> {
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(secs) = header(RETRY_AFTER.as_str()).and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs.max(1)));
    }
    if header("x-ratelimit-remaining") == Some("0") {
        let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok())?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        return Some(Duration::from_secs(reset.saturating_sub(now).max(1)));
    }
    // GitHub: without a header, wait at least a minute.
    body.to_ascii_lowercase()
        .contains("secondary rate limit")
        .then(|| Duration::from_secs(60))
}

/// The `rel="next"` target of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}

fn api_message(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| text.chars().take(200).collect())
}

fn comment(v: &Value) -> Option<Comment> {
    Some(Comment {
        id: v.get("id")?.as_u64()?,
        body: v
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        html_url: v
            .get("html_url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        login: v
            .pointer("/user/login")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        user_type: v
            .pointer("/user/type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    })
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn next_links_are_found_among_others() {
        let h = headers(&[(
            "link",
            r#"<https://api.example/x?page=3>; rel="next", <https://api.example/x?page=9>; rel="last""#,
        )]);
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.example/x?page=3")
        );
        let last = headers(&[("link", r#"<https://api.example/x?page=1>; rel="first""#)]);
        assert_eq!(next_link(&last), None);
    }

    #[test]
    fn secondary_rate_limits_are_waited_for_and_permissions_are_not() {
        let forbidden = StatusCode::FORBIDDEN;
        assert_eq!(
            rate_limit_wait(forbidden, &headers(&[("retry-after", "7")]), ""),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            rate_limit_wait(
                forbidden,
                &HeaderMap::new(),
                r#"{"message":"You have exceeded a secondary rate limit"}"#
            ),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            rate_limit_wait(
                forbidden,
                &HeaderMap::new(),
                r#"{"message":"Resource not accessible by integration"}"#
            ),
            None
        );
        assert_eq!(
            rate_limit_wait(StatusCode::NOT_FOUND, &headers(&[("retry-after", "7")]), ""),
            None
        );
    }

    #[test]
    fn links_to_another_origin_are_refused_and_the_token_is_scrubbed() {
        let api = Api::new("https://api.example/", "o/r", Secret::new("ghs_canary")).unwrap();
        assert!(api.same_origin("https://api.example/next?page=2").is_ok());
        assert!(api.same_origin("https://evil.example/next").is_err());
        assert_eq!(api.clean("token ghs_canary\nleaked"), "token ****\\nleaked");
    }

    /// A loopback API whose every answer is `status` with `headers` and `body`; `{base}`
    /// in a header becomes its own address.
    async fn serve(
        status: u16,
        headers: &'static [(&'static str, &'static str)],
        body: &'static str,
    ) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let own = base.clone();
        let app = axum::Router::new().fallback(move || {
            let own = own.clone();
            async move {
                let mut response = axum::http::Response::builder().status(status);
                for (k, v) in headers {
                    response = response.header(*k, v.replace("{base}", &own));
                }
                response.body(axum::body::Body::from(body)).unwrap()
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    }

    #[tokio::test]
    async fn who_the_token_is_is_unknown_only_when_github_says_so() {
        let denied = serve(
            403,
            &[],
            r#"{"message":"Resource not accessible by integration"}"#,
        )
        .await;
        let api = Api::new(&denied, "o/r", Secret::new("t")).unwrap();
        assert_eq!(api.me().await, Ok(None));
        // Any other failure is an error, never "no identity" (which would look for a
        // bot's comment instead of the token's own, and write a second one).
        let broken = serve(500, &[], "{}").await;
        let api = Api::new(&broken, "o/r", Secret::new("t")).unwrap();
        let err = api.me().await.unwrap_err();
        assert!(err.to_string().contains("GET /user"), "{err}");
    }

    #[tokio::test]
    async fn a_next_link_that_never_ends_is_an_error_not_a_short_list() {
        let endless = serve(
            200,
            &[(
                "link",
                r#"<{base}/repos/o/r/issues/1/comments?page=2>; rel="next""#,
            )],
            r#"[{"id": 1, "body": "b", "user": {"login": "u", "type": "User"}}]"#,
        )
        .await;
        let api = Api::new(&endless, "o/r", Secret::new("t")).unwrap();
        let err = api.comments(1).await.unwrap_err();
        assert!(err.to_string().contains("pages"), "{err}");
    }

    #[test]
    fn bad_repository_names_and_api_urls_are_refused() {
        assert!(Api::new("https://api.example", "o/r/x", Secret::new("t")).is_err());
        assert!(Api::new("https://u:p@api.example", "o/r", Secret::new("t")).is_err());
        assert!(Api::new("ftp://api.example", "o/r", Secret::new("t")).is_err());
    }
}
