//! The proxy's base URL as a type: parsed once, shown safely, and the only way request
//! URLs are built.
//!
//! Whatever the user gives as `--proxy-url` or `LITELLM_PROXY_URL` may hold a secret:
//! `https://admin:pw@host` (the proxy would then read a `Basic` header instead of the
//! admin key), a `?key=…` query, or a key pasted into the wrong variable. So the parser
//! refuses userinfo, queries and fragments, and no error ever echoes the input: it says
//! what is wrong and shows at most a redacted form.

use std::fmt;

use url::Url;

/// A parsed, checked base URL of a LiteLLM proxy: http or https, a host, an optional
/// port and path prefix; no userinfo, query or fragment.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(Url);

/// Why a proxy URL was refused. No variant holds the input itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyUrlError {
    /// Empty after trimming.
    #[error("the proxy URL is empty")]
    Empty,
    /// A space, tab, line break or other control character inside the URL: most likely
    /// two values pasted together (the value is not shown, it may hold a key).
    #[error(
        "the proxy URL contains a space or control character (the value is not shown: it may hold a secret)"
    )]
    Whitespace,
    /// Not a URL at all.
    #[error(
        "the proxy URL is not a valid URL: {reason} (the value is not shown: it may hold a secret)"
    )]
    Malformed {
        /// The parser's words (they never quote the input).
        reason: String,
    },
    /// Another scheme than http or https.
    #[error("the proxy URL must start with http:// or https:// (the value is not shown)")]
    Scheme,
    /// A user name or password in the URL.
    #[error(
        "the proxy URL `{shown}` must not contain a user name or password: mcpform sends the admin key itself, from LITELLM_API_KEY (or the variable named by --api-key-env), and the proxy would read the URL's credentials instead"
    )]
    Userinfo {
        /// The URL with its userinfo replaced by `****`, query and fragment left out.
        shown: String,
    },
    /// A `?query` or `#fragment`.
    #[error(
        "the proxy URL `{shown}` must not have a query (`?…`) or fragment (`#…`): give the base address only (the rest is not shown: it may hold a secret)"
    )]
    QueryOrFragment {
        /// The URL without its query and fragment.
        shown: String,
    },
}

impl ProxyUrl {
    /// Parses and checks a base URL (surrounding whitespace is ignored).
    pub fn parse(input: &str) -> Result<ProxyUrl, ProxyUrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ProxyUrlError::Empty);
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ProxyUrlError::Whitespace);
        }
        let url = Url::parse(input).map_err(|e| ProxyUrlError::Malformed {
            // url::ParseError's messages are fixed texts ("invalid port number", …).
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ProxyUrlError::Scheme);
        }
        if url.host().is_none() {
            return Err(ProxyUrlError::Malformed {
                reason: "no host".into(),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ProxyUrlError::Userinfo {
                shown: shown(&url, true),
            });
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ProxyUrlError::QueryOrFragment {
                shown: shown(&url, false),
            });
        }
        Ok(ProxyUrl(url))
    }

    /// The URL of an API endpoint under this base: each segment is percent-encoded by the
    /// url crate, so ids holding `/`, `%`, `?`, `#` or spaces stay one segment. `None`
    /// for a segment no URL can carry: empty, `.` or `..` (the url crate would drop it
    /// and the request would reach another endpoint).
    pub fn endpoint(&self, segments: &[&str]) -> Option<Url> {
        if segments.iter().any(|s| matches!(*s, "" | "." | "..")) {
            return None;
        }
        let mut url = self.0.clone();
        url.path_segments_mut()
            .ok()?
            .pop_if_empty()
            .extend(segments);
        Some(url)
    }

    /// The parsed URL.
    pub(crate) fn as_url(&self) -> &Url {
        &self.0
    }
}

/// `scheme://[****@]host[:port]/path`, never a query or fragment; a path of `/` is left
/// out so that `http://h:4000` shows as given.
fn shown(url: &Url, hide_userinfo: bool) -> String {
    let mut out = format!("{}://", url.scheme());
    if hide_userinfo {
        out.push_str("****@");
    }
    if let Some(host) = url.host_str() {
        out.push_str(host);
    }
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    let path = url.path().trim_end_matches('/');
    out.push_str(path);
    out
}

/// Shows an address for messages (a redirect's target, a request URL): scheme, host,
/// port and path, never userinfo, query or fragment.
pub fn shown_url(url: &Url) -> String {
    shown(url, false)
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shown(&self.0, false))
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

impl std::str::FromStr for ProxyUrl {
    type Err = ProxyUrlError;

    fn from_str(s: &str) -> Result<ProxyUrl, ProxyUrlError> {
        ProxyUrl::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "sk-s3cr3t-paste";

    #[test]
    fn good_urls_show_scheme_host_port_and_path() {
        for (input, shown) in [
            ("http://127.0.0.1:4000", "http://127.0.0.1:4000"),
            ("http://127.0.0.1:4000/", "http://127.0.0.1:4000"),
            (
                "  https://LiteLLM.example.com  ",
                "https://litellm.example.com",
            ),
            (
                "https://h.example.com:443/litellm/",
                "https://h.example.com/litellm",
            ),
            ("http://[::1]:9/", "http://[::1]:9"),
        ] {
            let url = ProxyUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(url.to_string(), shown, "{input}");
            assert_eq!(format!("{url:?}"), format!("ProxyUrl({shown})"));
        }
    }

    #[test]
    fn userinfo_is_refused_without_the_password() {
        let e = ProxyUrl::parse(&format!("https://admin:{SECRET}@proxy.example.com/x"))
            .expect_err("userinfo");
        assert!(matches!(e, ProxyUrlError::Userinfo { .. }));
        let text = e.to_string();
        assert!(
            text.contains("`https://****@proxy.example.com/x`"),
            "{text}"
        );
        assert!(!text.contains(SECRET) && !text.contains("admin:"), "{text}");
        let e = ProxyUrl::parse("http://someone@h.example.com").expect_err("user only");
        assert!(!e.to_string().contains("someone"));
    }

    #[test]
    fn queries_and_fragments_are_refused_without_showing_them() {
        for input in [
            format!("https://h.example.com/?key={SECRET}"),
            format!("https://h.example.com/p#{SECRET}"),
        ] {
            let e = ProxyUrl::parse(&input).expect_err("query");
            assert!(matches!(e, ProxyUrlError::QueryOrFragment { .. }));
            assert!(!e.to_string().contains(SECRET), "{e}");
        }
    }

    #[test]
    fn malformed_urls_never_echo_the_input() {
        for input in [
            format!("http://127.0.0.1:4000 {SECRET}"),
            format!("http://127.0.0.1:4000\n{SECRET}"),
            SECRET.to_string(),
            format!("http://h.example.com:{SECRET}"),
            format!("{SECRET}://h.example.com"),
            format!("ftp://{SECRET}.example.com"),
            "http://".to_string(),
            format!("http://[{SECRET}]"),
        ] {
            let e = ProxyUrl::parse(&input).expect_err("malformed");
            let text = e.to_string();
            assert!(!text.contains(SECRET) && !text.contains("s3cr3t"), "{text}");
        }
        assert_eq!(ProxyUrl::parse("  "), Err(ProxyUrlError::Empty));
        assert_eq!(
            ProxyUrl::parse("file:///etc/passwd"),
            Err(ProxyUrlError::Scheme)
        );
    }

    #[test]
    fn endpoints_encode_segments_and_refuse_dot_segments() {
        let base = ProxyUrl::parse("https://h.example.com/litellm/").expect("url");
        let url = base
            .endpoint(&["v1", "mcp", "server", "a/b c%?#"])
            .expect("endpoint");
        assert_eq!(
            url.as_str(),
            "https://h.example.com/litellm/v1/mcp/server/a%2Fb%20c%25%3F%23"
        );
        let root = ProxyUrl::parse("http://127.0.0.1:4000").expect("url");
        assert_eq!(
            root.endpoint(&["v1", "mcp", "server"])
                .expect("endpoint")
                .as_str(),
            "http://127.0.0.1:4000/v1/mcp/server"
        );
        for id in ["", ".", ".."] {
            assert_eq!(root.endpoint(&["v1", "mcp", "server", id]), None, "{id:?}");
        }
        assert!(root.endpoint(&["v1", "mcp", "server", "..."]).is_some());
    }
}
