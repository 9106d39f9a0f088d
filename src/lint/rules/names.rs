//! Names and ids: what the proxy accepts, and what must be unique across all files.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::lint::{Ctx, Rule};
use crate::model::{DeclaredServer, Field};
use crate::rule::RuleId;

use crate::model::proxy::RESERVED_SERVER_IDS;

/// Whether a name fits `[A-Za-z0-9._]{1,128}`.
pub(crate) fn is_valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
}

/// Whether a server id is safe in a URL path: `[A-Za-z0-9._-]{1,128}`.
pub(crate) fn is_valid_server_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `server_name` and `alias` characters.
pub(super) struct NameCharset;

impl Rule for NameCharset {
    fn id(&self) -> RuleId {
        RuleId::NameCharset
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            if let Some(name) = s.name() {
                check_name(ctx, s, "server_name", name, out);
            }
            if let Field::Value(alias) = &s.spec.alias {
                check_name(ctx, s, "alias", alias, out);
            }
        }
    }
}

fn check_name(
    ctx: &Ctx<'_>,
    s: &DeclaredServer,
    field: &str,
    name: &str,
    out: &mut Vec<Diagnostic>,
) {
    if is_valid_name(name) {
        return;
    }
    let (problem, help) = if name.is_empty() {
        (
            "is empty".to_owned(),
            "give it 1 to 128 letters, digits, `.` or `_`".to_owned(),
        )
    } else if name.len() > 128 {
        (
            format!("is {} characters long", name.len()),
            "shorten it to at most 128 characters".to_owned(),
        )
    } else if name.contains('-') {
        (
            "contains `-`, which the proxy uses to separate the server prefix from tool names"
                .to_owned(),
            format!("use `{}`", name.replace('-', "_")),
        )
    } else if name.contains(' ') {
        (
            "contains a space (the proxy rejects it in names and turns it into `_` in aliases)"
                .to_owned(),
            format!("use `{}`", name.replace(' ', "_")),
        )
    } else {
        let bad: String = name
            .chars()
            .filter(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '_'))
            .take(5)
            .collect();
        (
            format!("contains characters the proxy rejects: `{bad}`"),
            "use only letters, digits, `.` and `_`".to_owned(),
        )
    };
    out.push(
        ctx.at_value(
            RuleId::NameCharset,
            s,
            field,
            format!("{field} `{name}` {problem}"),
        )
        .with_help(help),
    );
}

/// Names and aliases are one namespace on the proxy, compared ignoring case.
pub(super) struct NameUnique;

struct Claim<'a> {
    server: &'a DeclaredServer,
    field: &'static str,
    name: String,
}

impl Rule for NameUnique {
    fn id(&self) -> RuleId {
        RuleId::NameUnique
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        let mut seen: HashMap<String, Claim<'_>> = HashMap::new();
        for s in ctx.servers() {
            let mut names = Vec::with_capacity(2);
            if let Some(name) = s.name() {
                names.push(("server_name", name.to_owned()));
            }
            if let (Some(_), Some(alias)) = (s.spec.alias.value(), s.effective_alias()) {
                names.push(("alias", alias));
            }
            for (field, name) in names {
                let key = name.to_lowercase();
                match seen.get(&key) {
                    Some(first) if !std::ptr::eq(first.server, s) => {
                        let mut d = ctx.at_value(
                            self.id(),
                            s,
                            field,
                            format!(
                                "{field} `{name}` is already used by server `{}` as its {} `{}` (names and aliases are unique, ignoring case)",
                                first.server.label(),
                                first.field,
                                first.name
                            ),
                        );
                        // Spans are looked up only for the rare duplicate.
                        if let Some(span) = ctx.value_span(first.server, first.field) {
                            d = d.with_related(span, format!("`{}` first used here", first.name));
                        }
                        out.push(d);
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(
                            key,
                            Claim {
                                server: s,
                                field,
                                name,
                            },
                        );
                    }
                }
            }
        }
    }
}

/// `server_id`: unique, not reserved, usable in a URL path.
pub(crate) struct ServerIdRule;

impl Rule for ServerIdRule {
    fn id(&self) -> RuleId {
        RuleId::ServerId
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        let mut seen: HashMap<&str, &DeclaredServer> = HashMap::new();
        for s in ctx.servers() {
            let Some(id) = s.spec.server_id.as_deref() else {
                continue;
            };
            if RESERVED_SERVER_IDS.contains(&id) {
                out.push(ctx.at_value(
                    self.id(),
                    s,
                    "server_id",
                    format!("server_id `{id}` is reserved by the proxy"),
                ));
            } else if !is_valid_server_id(id) {
                out.push(
                    ctx.at_value(
                        self.id(),
                        s,
                        "server_id",
                        format!("server_id `{id}` cannot be used in a URL path (1 to 128 letters, digits, `.`, `_` or `-`)"),
                    )
                    .with_help("a server created with such an id cannot be read, updated or deleted by id"),
                );
            }
            if let Some(first) = seen.get(id) {
                let mut d = ctx.at_value(
                    self.id(),
                    s,
                    "server_id",
                    format!(
                        "server_id `{id}` is also the id of server `{}`",
                        first.label()
                    ),
                );
                if let Some(span) = ctx.value_span(first, "server_id") {
                    d = d.with_related(span, "first used here");
                }
                out.push(d);
            } else {
                seen.insert(id, s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rules::test_support::{hits, one_server};
    use crate::load::load_texts;

    #[test]
    fn valid_names() {
        for ok in ["a", "dot.name", "UPPER_x", "_1", &"a".repeat(128)] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in ["", "a-b", "a b", "café", "a/b", &"a".repeat(129)] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn name_charset_points_at_the_value() {
        let y = "version: 1\nservers:\n  - server_name: bad-name\n    alias: my alias\n    transport: http\n    url: https://a.invalid\n";
        assert_eq!(hits(RuleId::NameCharset, y), vec![(3, 18), (4, 12)]);
    }

    #[test]
    fn names_and_aliases_share_one_case_insensitive_namespace_across_files() {
        let loaded = load_texts([
            (
                "a.yaml",
                "version: 1\nservers:\n  - {server_name: github, transport: sse, url: 'https://a.invalid'}\n",
            ),
            (
                "b.yaml",
                "version: 1\nservers:\n  - {server_name: other, alias: GitHub, transport: sse, url: 'https://a.invalid'}\n",
            ),
        ]);
        let env = |_: &str| None;
        let linted = crate::lint::lint(
            loaded,
            &crate::lint::LintOptions {
                require_env: false,
                env: &env,
                reserved_env: &[],
                proxy_version: None,
            },
        );
        let d: Vec<_> = linted
            .diagnostics
            .iter()
            .filter(|d| d.rule == RuleId::NameUnique)
            .collect();
        assert_eq!(d.len(), 1);
        let span = d[0].span.unwrap();
        assert_eq!(
            linted.loaded.sources.get(span.file).display_name(),
            "b.yaml"
        );
        assert_eq!((span.start.line, span.start.column1()), (3, 33));
        assert_eq!(d[0].related[0].span.start.line, 3);
        assert_ne!(d[0].related[0].span.file, span.file);
    }

    #[test]
    fn an_alias_taken_before_the_name_is_declared_is_caught_at_the_name() {
        let y = "version: 1\nservers:\n  - {server_name: other, alias: GitHub, transport: sse, url: 'https://a.invalid'}\n  - {server_name: github, transport: sse, url: 'https://a.invalid'}\n";
        assert_eq!(hits(RuleId::NameUnique, y), vec![(4, 19)]);
    }

    #[test]
    fn a_server_may_use_its_own_name_as_alias() {
        let y = one_server("alias: S1\ntransport: sse\nurl: https://a.invalid");
        assert!(hits(RuleId::NameUnique, &y).is_empty());
    }

    #[test]
    fn server_ids() {
        let y = "version: 1\nservers:\n  - {server_id: x, server_name: a, transport: sse, url: 'https://a.invalid'}\n  - {server_id: x, server_name: b, transport: sse, url: 'https://a.invalid'}\n  - {server_id: all-proxy-mcpservers, server_name: c, transport: sse, url: 'https://a.invalid'}\n  - {server_id: 'a/b', server_name: d, transport: sse, url: 'https://a.invalid'}\n";
        assert_eq!(hits(RuleId::ServerId, y), vec![(4, 17), (5, 17), (6, 17)]);
    }
}
