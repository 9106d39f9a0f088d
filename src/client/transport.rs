//! One logical request: attempts, waits and their one deadline.
//!
//! `--timeout` is the budget of the whole logical request, retries and waits included:
//! each attempt gets what is left of it. Reads (GET) are retried on connection errors,
//! 429, 502, 503 and 504, at most `retries` times, after an exponential backoff with
//! jitter or the proxy's `Retry-After`; a `Retry-After` longer than what is left stops at
//! once. Every wait is reported through [`ClientConfig::notify`]. Redirects are never
//! followed and bodies are read under [`ClientConfig::max_body`].

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use super::error::outside_line;
use super::{BACKOFF_CAP, Client, ClientConfig, ClientError, proxy_text, shown_url};

/// How many attempts a logical request made, over how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tries {
    /// Attempts made (1 when the first answer was final).
    pub attempts: u32,
    /// From the first attempt to the end of the last.
    pub elapsed: Duration,
}

impl Tries {
    /// ` after 3 attempts over 1.2 s` when there was more than one, else nothing.
    pub fn after(&self) -> String {
        if self.attempts > 1 {
            format!(" after {self}")
        } else {
            String::new()
        }
    }
}

impl fmt::Display for Tries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.attempts == 1 { "" } else { "s" };
        let secs = self.elapsed.as_secs_f64();
        // Two decimals under a second, so that a 0.05 s budget does not read "0.1 s".
        if secs < 1.0 {
            write!(f, "{} attempt{s} over {secs:.2} s", self.attempts)
        } else {
            write!(f, "{} attempt{s} over {secs:.1} s", self.attempts)
        }
    }
}

/// The final answer of a logical request (any status but a redirect).
#[derive(Debug, Clone)]
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: String,
    pub(super) tries: Tries,
}

/// What one attempt came to.
enum Outcome {
    Answer {
        status: StatusCode,
        body: String,
        retry_after: Option<u64>,
    },
    /// No connection, or it broke before the answer was complete (already cleaned).
    Connect(String),
    /// The attempt used up the budget.
    TimedOut,
    /// Not worth retrying: a redirect, an oversized answer.
    Fatal(ClientError),
}

impl Client {
    /// One logical request within [`ClientConfig::timeout`]; GETs are retried.
    pub(super) async fn request(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Map<String, Value>>,
    ) -> Result<Answer, ClientError> {
        let retry = method == Method::GET;
        let allowed = if retry {
            self.config.retries.saturating_add(1)
        } else {
            1
        };
        let started = Instant::now();
        let deadline = started + self.config.timeout;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let left = deadline.saturating_duration_since(Instant::now());
            let outcome = if left.is_zero() {
                Outcome::TimedOut
            } else {
                tokio::time::timeout(left, self.attempt(&method, url, body))
                    .await
                    .unwrap_or(Outcome::TimedOut)
            };
            let tries = Tries {
                attempts: attempt,
                elapsed: started.elapsed(),
            };
            let (reason, retry_after, last) = match outcome {
                Outcome::Answer {
                    status,
                    body,
                    retry_after,
                } => {
                    let answer = Answer {
                        status,
                        body,
                        tries,
                    };
                    if !(retry && is_retryable_status(status)) {
                        return Ok(answer);
                    }
                    (status_reason(status), retry_after, Ok(answer))
                }
                Outcome::Connect(reason) => {
                    let error = ClientError::Connect {
                        method: method.to_string(),
                        url: shown_url(url),
                        reason,
                        tries,
                    };
                    if !retry {
                        return Err(error);
                    }
                    ("the connection failed".to_owned(), None, Err(error))
                }
                Outcome::TimedOut => return Err(self.timeout_error(&method, url, tries)),
                Outcome::Fatal(e) => return Err(e),
            };
            if attempt >= allowed {
                return last;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let wait = match retry_after {
                Some(asked) if Duration::from_secs(asked) > left => {
                    return match &last {
                        Ok(answer) => {
                            Err(self.retry_after_error(&method, url, asked, left, answer))
                        }
                        Err(_) => last,
                    };
                }
                Some(asked) => Duration::from_secs(asked),
                None => backoff(&self.config, attempt - 1),
            };
            if wait >= left {
                // Waiting would leave no time for another attempt.
                return last;
            }
            self.notify(&format!(
                "waiting {} before retrying {method} {}: {reason} (attempt {} of {allowed})",
                seconds(wait),
                url.path(),
                attempt + 1,
            ));
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: send, refuse redirects, read the body under the cap.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&Map<String, Value>>,
    ) -> Outcome {
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(self.config.api_key.expose())
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return self.transport_outcome(&e),
        };
        let status = response.status();
        if status.is_redirection() {
            return Outcome::Fatal(self.redirect_error(method, url, &response));
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        match self.read_body(method, url, response).await {
            Ok(body) => Outcome::Answer {
                status,
                body,
                retry_after,
            },
            Err(outcome) => outcome,
        }
    }

    /// The body as text, read in chunks and never past [`ClientConfig::max_body`]: a
    /// declared length over the cap is refused before reading, a stream stops at it.
    async fn read_body(
        &self,
        method: &Method,
        url: &Url,
        mut response: reqwest::Response,
    ) -> Result<String, Outcome> {
        let cap = self.config.max_body;
        let status = response.status();
        let too_large = || {
            Outcome::Fatal(ClientError::TooLarge {
                method: method.to_string(),
                url: shown_url(url),
                status: status.as_u16(),
                limit_mib: (cap as u64).div_ceil(1024 * 1024),
            })
        };
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(too_large());
        }
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() > cap => return Err(too_large()),
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => return Ok(String::from_utf8_lossy(&bytes).into_owned()),
                Err(e) => return Err(self.transport_outcome(&e)),
            }
        }
    }

    fn transport_outcome(&self, e: &reqwest::Error) -> Outcome {
        // No total timeout is set on reqwest (the deadline is ours); a reqwest timeout
        // is the connect timeout, a connection failure like any other.
        Outcome::Connect(outside_line(&error_chain(e), self.config.api_key.expose()))
    }

    /// A 3xx answer as an error naming where it pointed (resolved against the request
    /// URL; userinfo, query and fragment left out).
    fn redirect_error(
        &self,
        method: &Method,
        url: &Url,
        response: &reqwest::Response,
    ) -> ClientError {
        let location = match response.headers().get(reqwest::header::LOCATION) {
            None => "(no Location given)".to_owned(),
            Some(value) => match value.to_str().ok().and_then(|v| url.join(v).ok()) {
                Some(target) => outside_line(&shown_url(&target), self.config.api_key.expose()),
                None => "(a Location mcpform cannot read)".to_owned(),
            },
        };
        ClientError::Redirect {
            method: method.to_string(),
            url: shown_url(url),
            status: response.status().as_u16(),
            location,
        }
    }

    fn timeout_error(&self, method: &Method, url: &Url, tries: Tries) -> ClientError {
        ClientError::Timeout {
            method: method.to_string(),
            url: shown_url(url),
            budget_secs: self.config.timeout.as_secs_f64(),
            tries,
        }
    }

    fn retry_after_error(
        &self,
        method: &Method,
        url: &Url,
        asked: u64,
        left: Duration,
        answer: &Answer,
    ) -> ClientError {
        ClientError::RetryAfterTooLong {
            method: method.to_string(),
            url: shown_url(url),
            status: answer.status.as_u16(),
            asked_secs: asked,
            left_secs: left.as_secs_f64(),
            tries: answer.tries,
            message: proxy_text(&answer.body, self.config.api_key.expose()),
        }
    }

    fn notify(&self, message: &str) {
        if let Some(notify) = &self.config.notify {
            notify(message);
        }
    }
}

pub(super) fn is_retryable_status(s: StatusCode) -> bool {
    matches!(s.as_u16(), 429 | 502 | 503 | 504)
}

/// `429 rate limited`, `503 service unavailable`.
fn status_reason(s: StatusCode) -> String {
    match s.as_u16() {
        429 => "429 rate limited".to_owned(),
        code => format!(
            "{code} {}",
            s.canonical_reason().unwrap_or("").to_ascii_lowercase()
        ),
    }
}

/// `Retry-After` in seconds. A number too large for a u64 is "longer than any budget";
/// the HTTP-date form (never sent by LiteLLM) is ignored in favour of the backoff.
fn parse_retry_after(value: &str) -> Option<u64> {
    let v = value.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(v.parse().unwrap_or(u64::MAX))
}

/// Exponential backoff with jitter: between half and all of `backoff · 2^attempt`,
/// capped at [`BACKOFF_CAP`].
pub(super) fn backoff(config: &ClientConfig, attempt: u32) -> Duration {
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

/// `2 s`, `0.3 s`.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The messages of an error and its sources, joined.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
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
    use crate::client::ProxyUrl;
    use crate::secret::Secret;

    #[test]
    fn backoff_grows_and_is_jittered() {
        let url = ProxyUrl::parse("http://x.invalid").expect("url");
        let c = ClientConfig::new(url, Secret::new("k"));
        for attempt in 0..8 {
            let ceiling = (c.backoff * (1 << attempt)).min(BACKOFF_CAP);
            let b = backoff(&c, attempt);
            assert!(b >= ceiling / 2 && b <= ceiling, "{attempt}: {b:?}");
        }
    }

    #[test]
    fn retry_after_is_seconds_and_huge_values_are_not_ignored() {
        assert_eq!(parse_retry_after(" 2 "), Some(2));
        assert_eq!(parse_retry_after("1000"), Some(1000));
        assert_eq!(
            parse_retry_after("99999999999999999999999999"),
            Some(u64::MAX)
        );
        assert_eq!(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after(""), None);
    }

    #[test]
    fn tries_and_waits_read_well() {
        let one = Tries {
            attempts: 1,
            elapsed: Duration::from_millis(300),
        };
        let three = Tries {
            attempts: 3,
            elapsed: Duration::from_millis(1234),
        };
        assert_eq!(one.to_string(), "1 attempt over 0.30 s");
        assert_eq!(one.after(), "");
        assert_eq!(three.after(), " after 3 attempts over 1.2 s");
        assert_eq!(seconds(Duration::from_secs(2)), "2 s");
        assert_eq!(seconds(Duration::from_millis(300)), "0.3 s");
        assert_eq!(
            status_reason(StatusCode::TOO_MANY_REQUESTS),
            "429 rate limited"
        );
        assert_eq!(
            status_reason(StatusCode::SERVICE_UNAVAILABLE),
            "503 service unavailable"
        );
    }
}
