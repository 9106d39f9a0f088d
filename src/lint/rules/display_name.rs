//! Tool display names replace tool names sent to model providers.

use crate::diagnostic::Diagnostic;
use crate::lint::{Ctx, Rule};
use crate::load::escape_token;
use crate::rule::RuleId;

/// Whether a display name fits `[A-Za-z0-9_-]+` (the proxy's check).
pub(crate) fn is_valid_display_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `tool_name_to_display_name` values the proxy rejects.
pub(crate) struct DisplayName;

impl Rule for DisplayName {
    fn id(&self) -> RuleId {
        RuleId::DisplayName
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            let Some(map) = s.spec.tool_name_to_display_name.value() else {
                continue;
            };
            for (tool, name) in map {
                // The proxy skips empty values.
                if name.is_empty() || is_valid_display_name(name) {
                    continue;
                }
                let pointer = format!("/tool_name_to_display_name/{}", escape_token(tool));
                out.push(
                    ctx.at_value(
                        self.id(),
                        s,
                        &pointer,
                        format!("display name `{name}` of tool `{tool}` may only use letters, digits, `_` and `-`"),
                    )
                    .with_help(format!("try `{}`", name.replace(|c: char| !(c.is_ascii_alphanumeric() || c == '-'), "_"))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test_support::{hits, one_server};
    use crate::rule::RuleId;

    #[test]
    fn display_names() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\ntool_name_to_display_name:\n  a: good-name_1\n  b: bad name\n  c: ''",
        );
        assert_eq!(hits(RuleId::DisplayName, &y), vec![(8, 10)]);
    }
}
