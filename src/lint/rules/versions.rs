//! `--proxy-version`: the support table applied offline, for a pre-commit hook or CI job
//! that knows which LiteLLM its proxy runs.

use crate::diagnostic::Diagnostic;
use crate::lint::{Ctx, Rule};
use crate::model::DeclaredServer;
use crate::model::Locate;
use crate::model::support::{
    Behaviour, ProxyVersion, SKIP_TOOL_OUTPUT_VALIDATION, VALUES, fields, skip_validation_ignored,
    value_support,
};
use crate::rule::{RuleId, Severity};

/// A field the given LiteLLM version does not store, or does not list; a warning for one
/// it stores and ignores.
pub(crate) struct ProxyVersionRule;

impl Rule for ProxyVersionRule {
    fn id(&self) -> RuleId {
        RuleId::ProxyVersion
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        let Some(version) = ctx.options.proxy_version else {
            return;
        };
        for s in ctx.servers() {
            self.check_values(ctx, s, version, out);
            self.check_ignored(ctx, s, version, out);
            for row in fields() {
                let Some(what) = row.at(version) else {
                    continue;
                };
                // A field that does not fit is the schema's finding alone.
                if !s.fits(row.field) {
                    continue;
                }
                let pointer = s.origin.field_pointer(row.field);
                let Some(node) = ctx.loaded.node(s.origin.file, &pointer) else {
                    continue;
                };
                if row.is_absent(&node.to_json()) {
                    continue;
                }
                out.push(
                    ctx.at_key(self.id(), s, row.field, row.problem(version, what))
                        .with_help(format!(
                            "remove `{}`, or upgrade the proxy to `{}` or later",
                            row.field, row.since
                        )),
                );
            }
        }
    }
}

impl ProxyVersionRule {
    /// `mcp_info.skip_tool_output_validation: true`, which proxies without
    /// [`Behaviour::SkipToolOutputValidation`] store and ignore: a warning, since the
    /// write is harmless and only the wish goes unmet.
    fn check_ignored(
        &self,
        ctx: &Ctx<'_>,
        s: &DeclaredServer,
        version: ProxyVersion,
        out: &mut Vec<Diagnostic>,
    ) {
        let at = format!("/mcp_info/{SKIP_TOOL_OUTPUT_VALIDATION}");
        let asked = ctx
            .loaded
            .node(s.origin.file, &s.origin.field_pointer(&at))
            .is_some_and(|n| n.to_json() == serde_json::Value::Bool(true));
        if let Some(why) = skip_validation_ignored(version).filter(|_| asked) {
            let mut d = ctx.at_key(self.id(), s, &at, why).with_help(format!(
                "upgrade the proxy to `{}` or later, or remove the key",
                Behaviour::SkipToolOutputValidation.since()
            ));
            d.severity = Severity::Warning;
            out.push(d);
        }
    }

    /// Enumerated values the version refuses (`auth_type: oauth_delegate` before it
    /// knows the value).
    fn check_values(
        &self,
        ctx: &Ctx<'_>,
        s: &DeclaredServer,
        version: ProxyVersion,
        out: &mut Vec<Diagnostic>,
    ) {
        let mut fields: Vec<&str> = VALUES.iter().map(|r| r.field).collect();
        fields.dedup();
        for field in fields {
            let pointer = s.origin.field_pointer(field);
            let Some(node) = ctx.loaded.node(s.origin.file, &pointer) else {
                continue;
            };
            if let Some(why) =
                value_support(field, &node.to_json()).and_then(|r| r.problem(version))
            {
                out.push(ctx.at_value(self.id(), s, field, why));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test_support::{lint_at_version, one_server};
    use crate::model::support::ProxyVersion;

    const FILE: &str = "transport: http\nurl: https://a.invalid/mcp\nrpm: 5\ntimeout: null\nenv_vars: []\ntool_name_to_display_name: {a: b}\n";

    #[test]
    fn fields_the_version_lacks_are_errors_at_their_keys() {
        let y = one_server(FILE);
        let found = lint_at_version(&y, Some(ProxyVersion::new(1, 87, 5)));
        let at: Vec<(u32, u32)> = found
            .iter()
            .map(|d| {
                let p = d.span.map(|s| s.start).unwrap_or_default();
                (p.line, p.column1())
            })
            .collect();
        assert_eq!(at, [(6, 5), (9, 5)], "{found:#?}");
        assert!(found[0].message.contains("`rpm`") && found[0].message.contains("`1.106.0`"));
        assert!(found[1].message.contains("leaves it out of its list"));
    }

    #[test]
    fn nothing_without_the_option_or_on_a_version_that_stores_them() {
        let y = one_server(FILE);
        assert!(lint_at_version(&y, None).is_empty());
        assert!(lint_at_version(&y, Some(ProxyVersion::new(1, 108, 7))).is_empty());
    }

    #[test]
    fn skipping_tool_output_validation_is_a_warning_before_1_110() {
        use crate::rule::Severity;
        let y = one_server(
            "transport: http\nurl: https://a.invalid/mcp\nmcp_info:\n  skip_tool_output_validation: true\n",
        );
        let found = lint_at_version(&y, Some(ProxyVersion::new(1, 109, 3)));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].severity, Severity::Warning);
        let p = found[0].span.map(|s| s.start).unwrap_or_default();
        assert_eq!((p.line, p.column1()), (7, 7), "at the nested key");
        assert!(
            found[0].message.contains("`1.110.0`"),
            "{}",
            found[0].message
        );
        assert!(lint_at_version(&y, Some(ProxyVersion::new(1, 110, 0))).is_empty());
        let off = one_server(
            "transport: http\nurl: https://a.invalid/mcp\nmcp_info:\n  skip_tool_output_validation: false\n",
        );
        assert!(lint_at_version(&off, Some(ProxyVersion::new(1, 87, 5))).is_empty());
    }

    #[test]
    fn auth_types_the_version_does_not_know_are_errors_at_the_value() {
        let y =
            one_server("transport: http\nurl: https://a.invalid/mcp\nauth_type: oauth_delegate\n");
        let found = lint_at_version(&y, Some(ProxyVersion::new(1, 87, 5)));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].message.contains("`auth_type: oauth_delegate`")
                && found[0].message.contains("`1.93.0`")
        );
        assert!(lint_at_version(&y, Some(ProxyVersion::new(1, 93, 0))).is_empty());
    }
}
