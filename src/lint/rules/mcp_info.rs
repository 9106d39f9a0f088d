//! `mcp_info`: keys mcpform owns, and the description trap.

use crate::diagnostic::Diagnostic;
use crate::lint::{Ctx, Rule};
use crate::load::escape_token;
use crate::model::Field;
use crate::rule::RuleId;

use crate::model::proxy::is_mcpform_key;

/// `mcp_info` keys that mcpform writes itself.
pub(crate) struct McpInfoReserved;

impl Rule for McpInfoReserved {
    fn id(&self) -> RuleId {
        RuleId::McpInfoReserved
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            let Some(info) = s.spec.mcp_info.value() else {
                continue;
            };
            for key in info.extra.keys().filter(|k| is_mcpform_key(k)) {
                out.push(
                    ctx.at_key(
                        self.id(),
                        s,
                        &format!("/mcp_info/{}", escape_token(key)),
                        format!("`mcp_info.{key}` is written by mcpform itself"),
                    )
                    .with_help(
                        "remove it; mcpform records ownership and credential fingerprints there",
                    ),
                );
            }
        }
    }
}

/// `mcp_info.description` that differs from `description`: the proxy lists the former.
pub(crate) struct McpInfoDescription;

impl Rule for McpInfoDescription {
    fn id(&self) -> RuleId {
        RuleId::McpInfoDescription
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        // Not when `description` does not fit: the schema reports it.
        for s in ctx.servers().filter(|s| s.fits("description")) {
            let Some(info_desc) = s
                .spec
                .mcp_info
                .value()
                .and_then(|i| i.description.value().map(String::as_str))
            else {
                continue;
            };
            let top = match &s.spec.description {
                Field::Value(d) => Some(d.as_str()),
                _ => None,
            };
            if top == Some(info_desc) {
                continue;
            }
            let mut d = ctx.at_value(
                self.id(),
                s,
                "/mcp_info/description",
                "`mcp_info.description` differs from `description`; the proxy lists this one as the server's description".to_owned(),
            );
            if let Some(span) = ctx.value_span(s, "description") {
                d = d.with_related(span, "`description` says this");
            }
            out.push(
                d.with_help("remove `mcp_info.description`, or make it equal to `description`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test_support::{hits, one_server};
    use crate::rule::RuleId;

    #[test]
    fn reserved_keys() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\nmcp_info:\n  managed_by: me\n  mcpform_x: 1\n  team: platform",
        );
        assert_eq!(hits(RuleId::McpInfoReserved, &y), vec![(7, 7), (8, 7)]);
    }

    #[test]
    fn description_trap() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\ndescription: A\nmcp_info:\n  description: B",
        );
        assert_eq!(hits(RuleId::McpInfoDescription, &y), vec![(8, 20)]);
        let same = one_server(
            "transport: http\nurl: https://a.invalid\ndescription: A\nmcp_info:\n  description: A",
        );
        assert!(hits(RuleId::McpInfoDescription, &same).is_empty());
    }
}
