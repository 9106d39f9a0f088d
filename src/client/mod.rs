//! client: the LiteLLM MCP management API over HTTP. Knows nothing of plans.
//!
//! reqwest with rustls (ring), on the caller's tokio runtime. Every request has a
//! connect timeout and a total timeout. Reads (GET) are retried with exponential
//! backoff and jitter on connection errors, timeouts, 429 (honouring `Retry-After`),
//! 502, 503 and 504, a bounded number of times. Writes are never retried here: apply
//! decides, after re-reading what the proxy holds.

mod error;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

pub use error::{ClientError, proxy_message, scrub};

use crate::secret::{Secret, redact_url_userinfo};

/// How to reach the proxy.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `http://127.0.0.1:4000`.
    pub base_url: String,
    /// A proxy_admin key.
    pub api_key: Secret,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for a whole request, body included.
    pub timeout: Duration,
    /// Retries of a read after the first attempt.
    pub retries: u32,
    /// First backoff; doubles each retry, up to [`BACKOFF_CAP`].
    pub backoff: Duration,
}

/// Longest wait between two attempts (also caps `Retry-After`).
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);

impl ClientConfig {
    /// Defaults: 5 s to connect, 30 s per request, 3 retries from 250 ms.
    pub fn new(base_url: impl Into<String>, api_key: Secret) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into(),
            api_key,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(250),
        }
    }
}

/// A client of one proxy.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
    base: String,
}

/// The answer of the admin credential list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredCredentials {
    /// The users' credentials.
    Listed(Vec<StoredCredential>),
    /// The route is missing (a proxy older than 1.103).
    Unsupported,
    /// A success status with a body that is not a list.
    Unreadable,
}

/// One user's stored credential on a server, as the admin list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    /// Whose.
    pub user_id: String,
    /// `byok` or `oauth2` as the proxy says; `None` when it says nothing readable.
    pub credential_type: Option<String>,
}

impl Client {
    /// A client; checks the URL.
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        // reqwest is built without a default crypto provider; install ring once.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = config.base_url.trim_end_matches('/').to_owned();
        let shown = redact_url_userinfo(&base);
        let parsed = reqwest::Url::parse(&base).map_err(|e| ClientError::InvalidUrl {
            url: shown.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::InvalidUrl {
                url: shown,
                reason: "use http:// or https://".into(),
            });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(concat!("mcpform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::InvalidUrl {
                url: shown,
                reason: e.to_string(),
            })?;
        Ok(Client { http, config, base })
    }

    /// The base URL with credentials hidden, for messages.
    pub fn shown_base(&self) -> String {
        redact_url_userinfo(&self.base)
    }

    /// `GET /v1/mcp/server`: every server, in one request.
    pub async fn list_servers(&self) -> Result<Value, ClientError> {
        let (status, body) = self.get("/v1/mcp/server").await?;
        if !status.is_success() {
            return Err(self.status_error("GET", "/v1/mcp/server", status, &body));
        }
        self.decode("GET", "/v1/mcp/server", &body)
    }

    /// `GET /v1/mcp/server/{id}`: one server, found by id even when the list leaves it
    /// out. The proxy health-checks the upstream on every such call, so mcpform only
    /// uses it to look for OpenAPI servers the list may hide. `Ok(None)`: no such server.
    pub async fn get_server(&self, server_id: &str) -> Result<Option<Value>, ClientError> {
        let path = format!("/v1/mcp/server/{}", encode_segment(server_id));
        let (status, body) = self.get(&path).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.status_error("GET", &path, status, &body));
        }
        self.decode("GET", &path, &body).map(Some)
    }

    /// `GET /v1/mcp/server/{id}/user-credentials`: the users holding stored keys.
    /// Entries are kept even when unreadable, so that a caller counting keys fails
    /// closed.
    pub async fn user_credentials(
        &self,
        server_id: &str,
    ) -> Result<StoredCredentials, ClientError> {
        let path = format!(
            "/v1/mcp/server/{}/user-credentials",
            encode_segment(server_id)
        );
        let (status, body) = self.get(&path).await?;
        if status == StatusCode::NOT_FOUND && proxy_message(&body) == "Not Found" {
            return Ok(StoredCredentials::Unsupported);
        }
        if !status.is_success() {
            return Err(self.status_error("GET", &path, status, &body));
        }
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&body) else {
            return Ok(StoredCredentials::Unreadable);
        };
        Ok(StoredCredentials::Listed(
            items
                .iter()
                .map(|i| StoredCredential {
                    user_id: i
                        .get("user_id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    credential_type: i
                        .get("credential_type")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
                .collect(),
        ))
    }

    /// `POST /v1/mcp/server`: creates a server; returns the row. Not retried.
    pub async fn create(
        &self,
        body: &serde_json::Map<String, Value>,
    ) -> Result<Value, ClientError> {
        self.write(Method::POST, "/v1/mcp/server", Some(body)).await
    }

    /// `PUT /v1/mcp/server` (`server_id` in the body): updates; returns the row. Not retried.
    pub async fn update(
        &self,
        body: &serde_json::Map<String, Value>,
    ) -> Result<Value, ClientError> {
        self.write(Method::PUT, "/v1/mcp/server", Some(body)).await
    }

    /// `DELETE /v1/mcp/server/{id}` (answers 202 with an empty body). Not retried.
    pub async fn delete(&self, server_id: &str) -> Result<(), ClientError> {
        let path = format!("/v1/mcp/server/{}", encode_segment(server_id));
        self.write(Method::DELETE, &path, None).await.map(|_| ())
    }

    async fn write(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Map<String, Value>>,
    ) -> Result<Value, ClientError> {
        let mut request = self
            .http
            .request(method.clone(), self.url(path))
            .bearer_auth(self.config.api_key.expose())
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(&method, path, &e))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| self.transport_error(&method, path, &e))?;
        if !status.is_success() {
            return Err(self.status_error(method.as_str(), path, status, &text));
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        self.decode(method.as_str(), path, &text)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn url_shown(&self, path: &str) -> String {
        redact_url_userinfo(&self.url(path))
    }

    fn decode(&self, method: &str, path: &str, body: &str) -> Result<Value, ClientError> {
        serde_json::from_str(body).map_err(|e| ClientError::Decode {
            method: method.into(),
            url: self.url_shown(path),
            reason: format!("not JSON ({e})"),
        })
    }

    fn status_error(
        &self,
        method: &str,
        path: &str,
        status: StatusCode,
        body: &str,
    ) -> ClientError {
        let message = scrub(&proxy_message(body), self.config.api_key.expose());
        match status.as_u16() {
            401 | 403 => ClientError::Auth {
                status: status.as_u16(),
                message,
            },
            code => ClientError::Status {
                method: method.into(),
                url: self.url_shown(path),
                status: code,
                message,
            },
        }
    }

    /// A GET with retries; returns the final status and body text.
    async fn get(&self, path: &str) -> Result<(StatusCode, String), ClientError> {
        let mut attempt = 0;
        loop {
            let outcome = self.send(Method::GET, path).await;
            let wait = match &outcome {
                Ok((status, _, retry_after)) if is_retryable_status(*status) => {
                    Some(backoff(&self.config, attempt, *retry_after))
                }
                Err(ClientError::Connect { .. } | ClientError::Timeout { .. }) => {
                    Some(backoff(&self.config, attempt, None))
                }
                _ => None,
            };
            match wait {
                Some(wait) if attempt < self.config.retries => {
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                }
                _ => return outcome.map(|(s, b, _)| (s, b)),
            }
        }
    }

    /// One request: status, body and `Retry-After` (seconds).
    async fn send(
        &self,
        method: Method,
        path: &str,
    ) -> Result<(StatusCode, String, Option<Duration>), ClientError> {
        let response = self
            .http
            .request(method.clone(), self.url(path))
            .bearer_auth(self.config.api_key.expose())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| self.transport_error(&method, path, &e))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response
            .text()
            .await
            .map_err(|e| self.transport_error(&method, path, &e))?;
        Ok((status, body, retry_after))
    }

    fn transport_error(&self, method: &Method, path: &str, e: &reqwest::Error) -> ClientError {
        if e.is_timeout() {
            return ClientError::Timeout {
                method: method.to_string(),
                url: self.url_shown(path),
                seconds: self.config.timeout.as_secs_f64(),
            };
        }
        ClientError::Connect {
            url: self.url_shown(path),
            reason: scrub(&error_chain(e), self.config.api_key.expose()),
        }
    }
}

fn is_retryable_status(s: StatusCode) -> bool {
    matches!(s.as_u16(), 429 | 502 | 503 | 504)
}

/// Exponential backoff with full jitter, or the proxy's `Retry-After`, capped.
fn backoff(config: &ClientConfig, attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(after) = retry_after {
        return after.min(BACKOFF_CAP);
    }
    let ceiling = config
        .backoff
        .saturating_mul(1 << attempt.min(16))
        .min(BACKOFF_CAP);
    let fraction = (jitter() % 1000) as u32;
    // Between half and all of the ceiling: spread, but never a busy retry.
    ceiling / 2 + ceiling * fraction / 2000
}

fn jitter() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}

/// The messages of an error and its sources, joined.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Percent-encodes one path segment (ids the proxy accepted may hold anything).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(encode_segment("b3d2-4949.x_y~z"), "b3d2-4949.x_y~z");
    }

    #[test]
    fn backoff_grows_is_jittered_and_honours_retry_after() {
        let c = ClientConfig::new("http://x.invalid", Secret::new("k"));
        for attempt in 0..6 {
            let ceiling = (c.backoff * (1 << attempt)).min(BACKOFF_CAP);
            let b = backoff(&c, attempt, None);
            assert!(b >= ceiling / 2 && b <= ceiling, "{attempt}: {b:?}");
        }
        assert_eq!(
            backoff(&c, 0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(backoff(&c, 0, Some(Duration::from_secs(3600))), BACKOFF_CAP);
    }

    #[test]
    fn bad_urls_are_errors() {
        for url in ["not a url", "ftp://x.invalid"] {
            assert!(
                Client::new(ClientConfig::new(url, Secret::new("k"))).is_err(),
                "{url}"
            );
        }
    }
}
