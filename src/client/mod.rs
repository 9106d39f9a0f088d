//! client: the LiteLLM MCP management API over HTTP. Knows nothing of plans.
//!
//! reqwest with rustls (ring), on the caller's tokio runtime. [`ClientConfig::timeout`]
//! is the budget of one logical request, retries and waits included (`transport`).
//! Reads (GET) are retried with exponential backoff and jitter on connection errors,
//! 429 (honouring `Retry-After`), 502, 503 and 504, a bounded number of times, and every
//! wait is reported through [`ClientConfig::notify`]. Writes are never retried here:
//! apply decides, after re-reading what the proxy holds. Redirects are never followed;
//! answers are read under `MAX_BODY_BYTES`; every error is scrubbed of the key and
//! escaped for a terminal.
//!
//! Besides the MCP server API, [`Client::caller`] (who the key belongs to, its
//! [`Role`]), [`Client::proxy_version`] and [`Client::list_submissions`] give the
//! planner the facts for its policy (module `caller`, with what each route answers).

mod caller;
mod error;
mod proxy_url;
mod transport;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};
use url::Url;

pub use caller::{Caller, KeyScope, Role};
pub use error::{ClientError, MAX_MESSAGE_CHARS, outside_line, proxy_message, proxy_text, scrub};
pub use proxy_url::{ProxyUrl, ProxyUrlError, shown_url};
pub use transport::Tries;

use crate::escape::terminal_line;
use crate::secret::Secret;
use transport::{Answer, error_chain};

/// Receives a line for every wait between attempts ("waiting 2 s before retrying GET
/// /v1/mcp/server: 429 rate limited (attempt 2 of 4)"); the CLI prints it on stderr.
pub(crate) type Notify = Arc<dyn Fn(&str) + Send + Sync>;

/// How to reach the proxy.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `http://127.0.0.1:4000`.
    pub base_url: ProxyUrl,
    /// A proxy_admin key.
    pub api_key: Secret,
    /// Time to establish one connection.
    pub connect_timeout: Duration,
    /// The budget of one logical request: every attempt, every wait between attempts
    /// and every body read must fit in it.
    pub timeout: Duration,
    /// Retries of a read after the first attempt.
    pub retries: u32,
    /// First backoff; doubles each retry, up to `BACKOFF_CAP`.
    pub backoff: Duration,
    /// The largest answer body read, in bytes (`MAX_BODY_BYTES`).
    pub max_body: usize,
    /// Told about every wait before a retry; `None`: nobody is told.
    pub notify: Option<Notify>,
}

/// The largest answer mcpform reads: far above any real list (10,000 servers are about
/// 30 MiB), far below what would exhaust a CI runner's memory.
pub(crate) const MAX_BODY_BYTES: usize = 128 * 1024 * 1024;

/// Longest backoff between two attempts (a `Retry-After` is honoured up to what is left
/// of the budget instead).
pub(crate) const BACKOFF_CAP: Duration = Duration::from_secs(30);

impl ClientConfig {
    /// Defaults: 5 s to connect, 30 s per logical request, 3 retries from 250 ms, answers
    /// up to 128 MiB, nobody notified.
    pub fn new(base_url: ProxyUrl, api_key: Secret) -> ClientConfig {
        ClientConfig {
            base_url,
            api_key,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(250),
            max_body: MAX_BODY_BYTES,
            notify: None,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("backoff", &self.backoff)
            .field("max_body", &self.max_body)
            .field("notify", &self.notify.as_ref().map(|_| "Fn(&str)"))
            .finish()
    }
}

/// A client of one proxy.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
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

/// `/v1/mcp/server`, as path segments.
const SERVERS: &[&str] = &["v1", "mcp", "server"];

impl Client {
    /// A client (the URL was checked when it became a [`ProxyUrl`]).
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        // reqwest is built without a default crypto provider; install ring once.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
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
        let answer = self.request(Method::GET, &url, None).await?;
        self.success_json(&Method::GET, &url, &answer)
    }

    /// `GET /v1/mcp/server/{id}`: one server, found by id even when the list leaves it
    /// out. The proxy health-checks the upstream on every such call, so mcpform only
    /// uses it to look for OpenAPI servers the list may hide. `Ok(None)`: no such server.
    pub async fn get_server(&self, server_id: &str) -> Result<Option<Value>, ClientError> {
        let url = self.server_url(server_id, None)?;
        let answer = self.request(Method::GET, &url, None).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.success_json(&Method::GET, &url, &answer).map(Some)
    }

    /// `GET /v1/mcp/server/{id}/user-credentials`: the users holding stored keys.
    /// Entries are kept even when unreadable, so that a caller counting keys fails
    /// closed.
    pub async fn user_credentials(
        &self,
        server_id: &str,
    ) -> Result<StoredCredentials, ClientError> {
        let url = self.server_url(server_id, Some("user-credentials"))?;
        let answer = self.request(Method::GET, &url, None).await?;
        if route_missing(&answer) {
            return Ok(StoredCredentials::Unsupported);
        }
        if !answer.status.is_success() {
            return Err(self.status_error(&Method::GET, &url, &answer));
        }
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&answer.body) else {
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
    pub async fn create(&self, body: &Map<String, Value>) -> Result<Value, ClientError> {
        self.write(Method::POST, &self.endpoint(SERVERS)?, Some(body))
            .await
    }

    /// `PUT /v1/mcp/server` (`server_id` in the body): updates; returns the row. Not retried.
    pub async fn update(&self, body: &Map<String, Value>) -> Result<Value, ClientError> {
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
        body: Option<&Map<String, Value>>,
    ) -> Result<Value, ClientError> {
        let answer = self.request(method.clone(), url, body).await?;
        if answer.status.is_success() && answer.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        self.success_json(&method, url, &answer)
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

    /// The body of a success answer as JSON; any other status is an error.
    fn success_json(
        &self,
        method: &Method,
        url: &Url,
        answer: &Answer,
    ) -> Result<Value, ClientError> {
        if !answer.status.is_success() {
            return Err(self.status_error(method, url, answer));
        }
        serde_json::from_str(&answer.body).map_err(|e| {
            self.decode_error(
                method,
                url,
                &format!("not JSON ({})", outside_line(&e.to_string(), "")),
            )
        })
    }

    fn decode_error(&self, method: &Method, url: &Url, reason: &str) -> ClientError {
        ClientError::Decode {
            method: method.to_string(),
            url: shown_url(url),
            reason: reason.to_owned(),
        }
    }

    fn status_error(&self, method: &Method, url: &Url, answer: &Answer) -> ClientError {
        let message = proxy_text(&answer.body, self.config.api_key.expose());
        match answer.status.as_u16() {
            401 | 403 => ClientError::Auth {
                status: answer.status.as_u16(),
                message,
            },
            code => ClientError::Status {
                method: method.to_string(),
                url: shown_url(url),
                status: code,
                message,
                tries: answer.tries,
            },
        }
    }
}

/// Starlette's answer for a path no route matches (`404 {"detail":"Not Found"}`): the
/// endpoint is newer than the proxy.
fn route_missing(answer: &Answer) -> bool {
    answer.status == StatusCode::NOT_FOUND
        && serde_json::from_str::<Value>(&answer.body)
            .is_ok_and(|v| v == serde_json::json!({"detail": "Not Found"}))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_config_debug_shows_no_key() {
        let mut config = ClientConfig::new(base(), Secret::new("sk-very-secret"));
        config.notify = Some(Arc::new(|_| {}));
        let shown = format!("{config:?}");
        assert!(!shown.contains("sk-very-secret") && shown.contains("Fn(&str)"));
    }
}
