//! client: the LiteLLM MCP management API over HTTP. Knows nothing of plans.
//!
//! reqwest with rustls (ring), on the caller's tokio runtime. Every request has a
//! connect timeout and a total timeout. Reads (GET) are retried with exponential
//! backoff and jitter on connection errors, timeouts, 429 (honouring `Retry-After`),
//! 502, 503 and 504, a bounded number of times. Writes are never retried here: apply
//! decides, after re-reading what the proxy holds.

mod error;
mod proxy_url;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

pub use error::{ClientError, MAX_MESSAGE_CHARS, outside_line, proxy_message, proxy_text, scrub};
pub use proxy_url::{ProxyUrl, ProxyUrlError, shown_url};

use crate::escape::terminal_line;
use crate::live::CredentialCount;
use crate::secret::Secret;

/// How to reach the proxy.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `http://127.0.0.1:4000`.
    pub base_url: ProxyUrl,
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
    /// The largest answer body read, in bytes ([`MAX_BODY_BYTES`]).
    pub max_body: usize,
}

/// The largest answer mcpform reads: far above any real list (10,000 servers are about
/// 30 MiB), far below what would exhaust a CI runner's memory.
pub const MAX_BODY_BYTES: usize = 128 * 1024 * 1024;

/// Longest wait between two attempts (also caps `Retry-After`).
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);

impl ClientConfig {
    /// Defaults: 5 s to connect, 30 s per request, 3 retries from 250 ms.
    pub fn new(base_url: ProxyUrl, api_key: Secret) -> ClientConfig {
        ClientConfig {
            base_url,
            api_key,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(250),
            max_body: MAX_BODY_BYTES,
        }
    }
}

/// A client of one proxy.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
}

/// One user's stored credential on a server, as the admin list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    /// Whose.
    pub user_id: String,
    /// `byok` or `oauth2`.
    pub credential_type: String,
}

impl Client {
    /// A client (the URL was checked when it became a [`ProxyUrl`]).
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        // reqwest is built without a default crypto provider; install ring once.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(concat!("mcpform/", env!("CARGO_PKG_VERSION")))
            // A redirect would take the admin key along (same host) or drop it and make
            // the target's 401 look like a refused key (another host): never follow.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Setup {
                reason: error_chain(&e),
            })?;
        Ok(Client { http, config })
    }

    /// The base URL for messages: scheme, host, port and path.
    pub fn shown_base(&self) -> String {
        self.config.base_url.to_string()
    }

    /// `GET /v1/mcp/server`: every server, in one request.
    pub async fn list_servers(&self) -> Result<Value, ClientError> {
        let url = self.endpoint(SERVERS)?;
        let (status, body) = self.get(&url).await?;
        if !status.is_success() {
            return Err(self.status_error("GET", &url, status, &body));
        }
        self.decode("GET", &url, &body)
    }

    /// `GET /v1/mcp/server/{id}`: one server, found by id even when the list leaves it
    /// out. The proxy health-checks the upstream on every such call, so mcpform only
    /// uses it to look for OpenAPI servers the list may hide. `Ok(None)`: no such server.
    pub async fn get_server(&self, server_id: &str) -> Result<Option<Value>, ClientError> {
        let url = self.server_url(server_id, None)?;
        let (status, body) = self.get(&url).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.status_error("GET", &url, status, &body));
        }
        self.decode("GET", &url, &body).map(Some)
    }

    /// `GET /v1/mcp/server/{id}/user-credentials`: the users holding stored keys.
    /// `Ok(None)` when the proxy is too old to say (the route is missing).
    pub async fn user_credentials(
        &self,
        server_id: &str,
    ) -> Result<Option<Vec<StoredCredential>>, ClientError> {
        let url = self.server_url(server_id, Some("user-credentials"))?;
        let (status, body) = self.get(&url).await?;
        if status == StatusCode::NOT_FOUND && proxy_message(&body) == "Not Found" {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.status_error("GET", &url, status, &body));
        }
        let Value::Array(items) = self.decode("GET", &url, &body)? else {
            return Err(ClientError::Decode {
                method: "GET".into(),
                url: shown_url(&url),
                reason: "expected a list".into(),
            });
        };
        Ok(Some(
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
                        .unwrap_or_default()
                        .to_owned(),
                })
                .collect(),
        ))
    }

    /// How many users hold stored BYOK keys on a server.
    pub async fn byok_count(&self, server_id: &str) -> Result<CredentialCount, ClientError> {
        Ok(match self.user_credentials(server_id).await? {
            Some(list) => {
                CredentialCount::Known(list.iter().filter(|c| c.credential_type == "byok").count())
            }
            None => CredentialCount::Unsupported,
        })
    }

    /// `POST /v1/mcp/server`: creates a server; returns the row. Not retried.
    pub async fn create(
        &self,
        body: &serde_json::Map<String, Value>,
    ) -> Result<Value, ClientError> {
        self.write(Method::POST, &self.endpoint(SERVERS)?, Some(body))
            .await
    }

    /// `PUT /v1/mcp/server` (`server_id` in the body): updates; returns the row. Not retried.
    pub async fn update(
        &self,
        body: &serde_json::Map<String, Value>,
    ) -> Result<Value, ClientError> {
        self.write(Method::PUT, &self.endpoint(SERVERS)?, Some(body))
            .await
    }

    /// `DELETE /v1/mcp/server/{id}` (answers 202 with an empty body). Not retried.
    pub async fn delete(&self, server_id: &str) -> Result<(), ClientError> {
        let url = self.server_url(server_id, None)?;
        self.write(Method::DELETE, &url, None).await.map(|_| ())
    }

    async fn write(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Map<String, Value>>,
    ) -> Result<Value, ClientError> {
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(self.config.api_key.expose())
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(&method, url, &e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(self.redirect_error(method.as_str(), url, &response));
        }
        let text = self.read_body(&method, url, response).await?;
        if !status.is_success() {
            return Err(self.status_error(method.as_str(), url, status, &text));
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        self.decode(method.as_str(), url, &text)
    }

    /// An endpoint under the base URL.
    fn endpoint(&self, segments: &[&str]) -> Result<Url, ClientError> {
        self.config
            .base_url
            .endpoint(segments)
            .ok_or_else(|| ClientError::InvalidId {
                id: segments
                    .last()
                    .map_or_else(String::new, |s| terminal_line(s).into_owned()),
            })
    }

    /// `/v1/mcp/server/{id}[/{sub}]`; an id no URL path can carry is an error, never a
    /// request to another endpoint.
    fn server_url(&self, server_id: &str, sub: Option<&str>) -> Result<Url, ClientError> {
        let mut segments = SERVERS.to_vec();
        segments.push(server_id);
        let url = self.endpoint(&segments)?;
        match sub {
            Some(sub) => {
                segments.push(sub);
                self.endpoint(&segments)
            }
            None => Ok(url),
        }
    }

    fn decode(&self, method: &str, url: &Url, body: &str) -> Result<Value, ClientError> {
        serde_json::from_str(body).map_err(|e| ClientError::Decode {
            method: method.into(),
            url: shown_url(url),
            reason: format!("not JSON ({})", outside_line(&e.to_string(), "")),
        })
    }

    fn status_error(&self, method: &str, url: &Url, status: StatusCode, body: &str) -> ClientError {
        let message = proxy_text(body, self.config.api_key.expose());
        match status.as_u16() {
            401 | 403 => ClientError::Auth {
                status: status.as_u16(),
                message,
            },
            code => ClientError::Status {
                method: method.into(),
                url: shown_url(url),
                status: code,
                message,
            },
        }
    }

    /// A GET with retries; returns the final status and body text.
    async fn get(&self, url: &Url) -> Result<(StatusCode, String), ClientError> {
        let mut attempt = 0;
        loop {
            let outcome = self.send(Method::GET, url).await;
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
        url: &Url,
    ) -> Result<(StatusCode, String, Option<Duration>), ClientError> {
        let response = self
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(self.config.api_key.expose())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| self.transport_error(&method, url, &e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(self.redirect_error(method.as_str(), url, &response));
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = self.read_body(&method, url, response).await?;
        Ok((status, body, retry_after))
    }

    /// The body as text, read in chunks and never past [`ClientConfig::max_body`]: a
    /// declared length over the cap is refused before reading, a stream stops at it.
    async fn read_body(
        &self,
        method: &Method,
        url: &Url,
        mut response: reqwest::Response,
    ) -> Result<String, ClientError> {
        let cap = self.config.max_body;
        let too_large = |status: StatusCode| ClientError::TooLarge {
            method: method.to_string(),
            url: shown_url(url),
            status: status.as_u16(),
            limit_mib: (cap as u64).div_ceil(1024 * 1024),
        };
        let status = response.status();
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(too_large(status));
        }
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(method, url, &e))?
        {
            if bytes.len() + chunk.len() > cap {
                return Err(too_large(status));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// A 3xx answer as an error naming where it pointed (resolved against the request
    /// URL; userinfo, query and fragment left out).
    fn redirect_error(&self, method: &str, url: &Url, response: &reqwest::Response) -> ClientError {
        let location = match response.headers().get(reqwest::header::LOCATION) {
            None => "(no Location given)".to_owned(),
            Some(value) => match value.to_str().ok().and_then(|v| url.join(v).ok()) {
                Some(target) => outside_line(&shown_url(&target), self.config.api_key.expose()),
                None => "(a Location mcpform cannot read)".to_owned(),
            },
        };
        ClientError::Redirect {
            method: method.into(),
            url: shown_url(url),
            status: response.status().as_u16(),
            location,
        }
    }

    fn transport_error(&self, method: &Method, url: &Url, e: &reqwest::Error) -> ClientError {
        if e.is_timeout() {
            return ClientError::Timeout {
                method: method.to_string(),
                url: shown_url(url),
                seconds: self.config.timeout.as_secs_f64(),
            };
        }
        ClientError::Connect {
            url: shown_url(url),
            reason: outside_line(&error_chain(e), self.config.api_key.expose()),
        }
    }
}

/// `/v1/mcp/server`, as path segments.
const SERVERS: &[&str] = &["v1", "mcp", "server"];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_honours_retry_after() {
        let c = ClientConfig::new(base(), Secret::new("k"));
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

    fn base() -> ProxyUrl {
        ProxyUrl::parse("http://x.invalid").expect("url")
    }

    #[test]
    fn ids_no_url_path_can_carry_are_errors_not_other_endpoints() {
        let client = Client::new(ClientConfig::new(base(), Secret::new("k"))).expect("client");
        for id in ["", ".", ".."] {
            assert!(
                matches!(
                    client.server_url(id, None),
                    Err(ClientError::InvalidId { .. })
                ),
                "{id:?}"
            );
        }
        let url = client
            .server_url("a/b c", Some("user-credentials"))
            .expect("url");
        assert_eq!(
            url.as_str(),
            "http://x.invalid/v1/mcp/server/a%2Fb%20c/user-credentials"
        );
    }
}
