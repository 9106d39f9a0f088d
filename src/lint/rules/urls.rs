//! Cleartext URLs to remote hosts.

use crate::diagnostic::Diagnostic;
use crate::lint::{Ctx, Rule};
use crate::load::Value;
use crate::model::{DeclaredServer, Locate, url_fields};
use crate::rule::RuleId;

/// The string a URL field holds, when it fits the model (the schema reports one that
/// does not): read from the file's tree by the field table's name, as the model read it.
fn url_field<'a>(ctx: &Ctx<'a>, s: &DeclaredServer, field: &str) -> Option<&'a str> {
    if !s.fits(field) {
        return None;
    }
    let node = ctx
        .loaded
        .node(s.origin.file, &s.origin.field_pointer(field))?;
    match &node.value {
        Value::Str(text) => Some(text),
        _ => None,
    }
}

/// The host of an `http://` URL as the url crate (WHATWG) reads it: lower-cased, IDNA
/// and percent-decoded, IPv4 in its canonical form (`127.1` is `127.0.0.1`), IPv6
/// without brackets; `None` for other schemes and for text that is not a URL.
pub(crate) fn http_host(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if parsed.scheme() != "http" {
        return None;
    }
    Some(match parsed.host()? {
        url::Host::Domain(d) => d.to_owned(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    })
}

/// Whether a host (as [`http_host`] gives it) is the machine itself.
pub(crate) fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `http://` to a host that is not loopback.
pub(super) struct InsecureUrl;

impl Rule for InsecureUrl {
    fn id(&self) -> RuleId {
        RuleId::InsecureUrl
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            for field in url_fields() {
                let Some(url) = url_field(ctx, s, field) else {
                    continue;
                };
                if s.env_refs.iter().any(|r| r.pointer == format!("/{field}")) {
                    continue; // the host is only known at plan time
                }
                let Some(host) = http_host(url) else { continue };
                if !is_loopback(&host) {
                    out.push(
                        ctx.at_value(
                            self.id(),
                            s,
                            field,
                            format!("`{field}` uses cleartext http:// to `{host}`"),
                        )
                        .with_help("use https://; keys and users' tokens would travel unencrypted"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rules::test_support::{hits, one_server};

    #[test]
    fn hosts() {
        assert_eq!(
            http_host("http://user:pw@Example.COM:8080/x").as_deref(),
            Some("example.com")
        );
        assert_eq!(http_host("HTTP://[::1]:9/x").as_deref(), Some("::1"));
        assert_eq!(http_host("https://a.invalid"), None);
        assert_eq!(http_host("./spec.json"), None);
        // Hosts a URL parser reads differently from a split on `/`, `@` and `:`.
        assert_eq!(
            http_host("http://127.1:8080/x").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            http_host("http://[0:0:0:0:0:0:0:1]/x").as_deref(),
            Some("::1")
        );
        assert_eq!(
            http_host("http://%6C%6Fcalhost/").as_deref(),
            Some("localhost")
        );
        assert_eq!(
            http_host("http://127.0.0.1\\@evil.example.invalid/").as_deref(),
            Some("127.0.0.1")
        );
        for h in [
            "localhost",
            "127.0.0.1",
            "127.8.0.1",
            "::1",
            "mcp.localhost",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        assert!(!is_loopback("10.0.0.1"));
        assert!(is_loopback("::1") && !is_loopback("::2"));
    }

    #[test]
    fn insecure_urls_warn_at_the_value() {
        let y = one_server(
            "transport: openapi\nurl: http://api.internal.invalid\nspec_path: http://127.0.0.1:8080/o.json",
        );
        assert_eq!(hits(RuleId::InsecureUrl, &y), vec![(5, 10)]);
        let short = one_server("transport: http\nurl: http://127.1:8080/mcp");
        assert!(
            hits(RuleId::InsecureUrl, &short).is_empty(),
            "127.1 is loopback"
        );
        let env = one_server("transport: http\nurl: http://${env:HOST}/mcp");
        assert!(hits(RuleId::InsecureUrl, &env).is_empty());
    }
}
