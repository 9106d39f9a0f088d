//! The client's one error type. Every shape of proxy error body becomes a message in
//! the proxy's own words; the admin key never appears in any of them.

use serde_json::Value;

use super::transport::Tries;
use crate::diagnostic::truncate;
use crate::escape::{terminal_line, terminal_text};
use crate::secret::urls::redact_urls;

/// The longest proxy message an error repeats, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// A failed request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The HTTP client could not be set up (TLS).
    #[error("cannot set up the HTTP client: {reason}")]
    Setup {
        /// What failed.
        reason: String,
    },
    /// A server id that no URL path can carry (empty, `.` or `..`): a request would reach
    /// another endpoint.
    #[error("server id `{id}` cannot be used in a URL path (empty, `.` or `..`)")]
    InvalidId {
        /// The id, escaped.
        id: String,
    },
    /// No connection (refused, reset, DNS, TLS), on every attempt.
    #[error("cannot reach the proxy: {method} {url} ({tries}): {reason}")]
    Connect {
        /// The method.
        method: String,
        /// The request URL.
        url: String,
        /// What the transport said (escaped, key scrubbed).
        reason: String,
        /// Attempts made, over how long.
        tries: Tries,
    },
    /// No answer within the budget of the whole logical request (retries and waits
    /// included).
    #[error(
        "the proxy did not answer {method} {url} within {budget_secs} s, the budget of --timeout ({tries})"
    )]
    Timeout {
        /// The method.
        method: String,
        /// The request URL.
        url: String,
        /// The budget (`--timeout`), in seconds.
        budget_secs: f64,
        /// Attempts made, over how long.
        tries: Tries,
    },
    /// The proxy asked (`Retry-After`) to wait longer than what is left of the budget:
    /// mcpform stopped at once instead of waiting in silence.
    #[error(
        "{method} {url} answered {status} and the proxy asked to wait {asked_secs} s before retrying, more than the {left_secs:.1} s left of --timeout; stopped{} ({message})",
        .tries.after()
    )]
    RetryAfterTooLong {
        /// The method.
        method: String,
        /// The request URL.
        url: String,
        /// The status that asked (429 or 503).
        status: u16,
        /// The `Retry-After`, in seconds.
        asked_secs: u64,
        /// What was left of the budget, in seconds.
        left_secs: f64,
        /// Attempts made, over how long.
        tries: Tries,
        /// The proxy's own message.
        message: String,
    },
    /// 401 or 403.
    #[error("{}", auth_message(*.status, message))]
    Auth {
        /// 401 or 403.
        status: u16,
        /// The proxy's message.
        message: String,
    },
    /// Any other non-success status (for a transient one, after the last retry).
    #[error("{method} {url} failed with {status}{}: {message}", .tries.after())]
    Status {
        /// The method.
        method: String,
        /// The request URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The proxy's own message.
        message: String,
        /// Attempts made, over how long.
        tries: Tries,
    },
    /// A 3xx: mcpform does not follow redirects, because the admin key would travel
    /// along to wherever the proxy points (or, dropped on the way, be reported as
    /// refused).
    #[error(
        "{method} {url} answered {status}, a redirect to `{location}`: mcpform does not follow redirects (the admin key would travel along); set the proxy URL to the address that answers itself"
    )]
    Redirect {
        /// The method.
        method: String,
        /// The request URL.
        url: String,
        /// The 3xx status.
        status: u16,
        /// Where to: scheme, host, port and path only (no userinfo, query or fragment),
        /// escaped; or a note that the proxy named none.
        location: String,
    },
    /// An answer larger than the client's cap: mcpform stopped reading it.
    #[error(
        "the answer to {method} {url} ({status}) is larger than {limit_mib} MiB; mcpform stopped reading it"
    )]
    TooLarge {
        /// The method.
        method: String,
        /// The request URL.
        url: String,
        /// The HTTP status of the answer.
        status: u16,
        /// The cap, in MiB.
        limit_mib: u64,
    },
    /// A success status with a body that is not what the API documents.
    #[error("unexpected answer to {method} {url}: {reason}")]
    Decode {
        /// The method.
        method: String,
        /// The request URL.
        url: String,
        /// What was wrong.
        reason: String,
    },
}

fn auth_message(status: u16, message: &str) -> String {
    let what = if status == 401 {
        "the proxy refused the admin key"
    } else {
        "the key is not allowed to manage MCP servers"
    };
    format!(
        "{what} ({status}: {message}); mcpform needs a proxy_admin key (the master key or an admin user's key) in LITELLM_API_KEY, or in the variable named by --api-key-env"
    )
}

impl ClientError {
    /// The HTTP status, if the proxy answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Auth { status, .. }
            | ClientError::Status { status, .. }
            | ClientError::Redirect { status, .. }
            | ClientError::TooLarge { status, .. }
            | ClientError::RetryAfterTooLong { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The proxy's message from any of its error body shapes: `{"detail": {"error": m}}`,
/// `{"detail": m}`, `{"detail": [{"loc", "msg"}]}` (validation), `{"error": {"message": m}}`.
pub fn proxy_message(body: &str) -> String {
    let Ok(json) = serde_json::from_str::<Value>(body) else {
        let trimmed = body.trim();
        return if trimmed.is_empty() {
            "(empty body)".to_owned()
        } else {
            truncate(trimmed, 300)
        };
    };
    if let Some(detail) = json.get("detail") {
        if let Some(m) = detail.get("error").and_then(Value::as_str) {
            return m.to_owned();
        }
        if let Some(m) = detail.as_str() {
            return m.to_owned();
        }
        if let Some(items) = detail.as_array() {
            let parts: Vec<String> = items.iter().map(validation_item).collect();
            if !parts.is_empty() {
                return parts.join("; ");
            }
        }
        if let Some(m) = detail.get("message").and_then(Value::as_str) {
            return m.to_owned();
        }
    }
    if let Some(m) = json.pointer("/error/message").and_then(Value::as_str) {
        return m.to_owned();
    }
    truncate(&json.to_string(), 300)
}

fn validation_item(item: &Value) -> String {
    let msg = item.get("msg").and_then(Value::as_str).unwrap_or("invalid");
    let loc: Vec<String> = item
        .get("loc")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter(|p| p.as_str() != Some("body"))
                .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if loc.is_empty() {
        msg.to_owned()
    } else {
        format!("{}: {msg}", loc.join("."))
    }
}

/// The proxy's message from an answer body, safe to print: the key is scrubbed from the
/// WHOLE body before anything is cut (cutting first can leave a prefix of the key that
/// no longer matches), then the message is shortened and its control characters and
/// bidirectional overrides escaped.
pub fn proxy_text(body: &str, key: &str) -> String {
    let message = scrub(&proxy_message(&scrub(body, key)), key);
    // An upstream's URL in the message (a health check's error) may carry a token.
    let message = redact_urls(&message);
    terminal_text(&truncate(&message, MAX_MESSAGE_CHARS)).into_owned()
}

/// Any other text from outside (a transport error, a header) for one line of an error:
/// the key scrubbed and the secret parts of URLs hidden, then shortened, then escaped.
pub fn outside_line(text: &str, key: &str) -> String {
    let text = scrub(text, key);
    terminal_line(&truncate(&redact_urls(&text), MAX_MESSAGE_CHARS)).into_owned()
}

/// Removes every occurrence of a secret from a message (proxies echo keys in some
/// errors), and what proxies before 1.105 derive from a refused key: its SHA-256 (the
/// token's id in their database) and its last four characters (`Received API Key =
/// sk-...abcd, Key Hash (Token) =<sha256>`).
pub fn scrub(message: &str, secret: &str) -> String {
    if secret.len() < 4 {
        return message.to_owned();
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
    let hash: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let tail: String = {
        let chars: Vec<char> = secret.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    };
    message
        .replace(secret, "****")
        .replace(&hash, "****")
        .replace(&format!("sk-...{tail}"), "sk-...****")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_shape() {
        assert_eq!(
            proxy_message(r#"{"detail":{"error":"MCP Server not found, passed server_id=x"}}"#),
            "MCP Server not found, passed server_id=x"
        );
        assert_eq!(proxy_message(r#"{"detail":"Not Found"}"#), "Not Found");
        assert_eq!(
            proxy_message(
                r#"{"detail":[{"type":"greater_than_equal","loc":["body","rpm"],"msg":"Input should be greater than or equal to 0"}]}"#
            ),
            "rpm: Input should be greater than or equal to 0"
        );
        assert_eq!(
            proxy_message(
                r#"{"detail":[{"type":"value_error","loc":["body"],"msg":"Value error, url or spec_path is required"}]}"#
            ),
            "Value error, url or spec_path is required"
        );
        assert_eq!(
            proxy_message(
                r#"{"error":{"message":"Authentication Error, No api key passed in.","type":"auth_error","param":"None","code":"401"}}"#
            ),
            "Authentication Error, No api key passed in."
        );
        assert_eq!(proxy_message(""), "(empty body)");
        assert_eq!(
            proxy_message("<html>bad gateway</html>"),
            "<html>bad gateway</html>"
        );
    }

    #[test]
    fn the_key_is_scrubbed_before_the_body_is_cut() {
        // 291 characters, then the 14-character key: cutting at 300 first left 8 of them.
        let key = "sk-fake-master";
        for body in [
            format!("{}{key} and more", "x".repeat(291)),
            serde_json::Value::from(format!("{}{key}", "x".repeat(291))).to_string(),
            format!(r#"{{"detail": {{"error": "{}{key}"}}}}"#, "x".repeat(2000)),
        ] {
            let text = proxy_text(&body, key);
            assert!(!text.contains("sk-fake"), "{text}");
            assert!(text.chars().count() <= MAX_MESSAGE_CHARS + 1, "shortened");
        }
    }

    #[test]
    fn proxy_messages_are_escaped_for_a_terminal() {
        let body = r#"{"detail":{"error":"boom \u001b]0;pwned\u0007 \u202e done\nline two"}}"#;
        assert_eq!(
            proxy_text(body, "sk-k1234"),
            "boom \\x1b]0;pwned\\x07 \\u{202e} done\nline two"
        );
        assert_eq!(outside_line("a\nb\x1b", "sk-k1234"), "a\\nb\\x1b");
    }

    #[test]
    fn scrub_hides_the_key() {
        assert_eq!(
            scrub("bad key sk-abc123 given", "sk-abc123"),
            "bad key **** given"
        );
    }

    #[test]
    fn auth_errors_say_what_key_is_needed() {
        let e = ClientError::Auth {
            status: 401,
            message: "Authentication Error, Invalid API key provided.".into(),
        };
        let text = e.to_string();
        assert!(
            text.contains("proxy_admin")
                && text.contains("LITELLM_API_KEY")
                && text.contains("Invalid API key")
        );
    }

    #[test]
    fn what_an_old_proxy_derives_from_a_refused_key_is_scrubbed_too() {
        // The real 1.87.5's 401 for `sk-wrong-key`.
        let message = "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...-key, Key Hash (Token) =fa15715de513b67c4e7f1d37f1ee57fa9aa172a4f3218804114b34df5044a3be. Unable to find token in cache or `LiteLLM_VerificationTokenTable`";
        let shown = scrub(message, "sk-wrong-key");
        assert!(
            !shown.contains("fa15715de513") && !shown.contains("-key,"),
            "{shown}"
        );
        assert!(
            shown.contains("Received API Key = sk-...****, Key Hash (Token) =****."),
            "{shown}"
        );
    }
}
