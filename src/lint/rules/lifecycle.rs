//! `lifecycle.ignore_changes` entries that cannot do what they say.

use crate::diagnostic::Diagnostic;
use crate::lint::{Ctx, Rule};
use crate::model::{Locate, is_always_managed};
use crate::rule::RuleId;

/// `ignore_changes` naming an always-managed or undeclared field.
pub(crate) struct IgnoreChanges;

impl Rule for IgnoreChanges {
    fn id(&self) -> RuleId {
        RuleId::IgnoreChanges
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            let Some(lifecycle) = s.spec.lifecycle.value() else {
                continue;
            };
            for (i, field) in lifecycle.ignore_changes.iter().enumerate() {
                let pointer = format!("/lifecycle/ignore_changes/{i}");
                let message = if is_always_managed(field) {
                    format!(
                        "`{field}` is always compared and sent; ignore_changes has no effect on it"
                    )
                } else if s.fits(field) && !declares(ctx, s, field) {
                    format!(
                        "`{field}` is not declared on this server, so it is never compared anyway"
                    )
                } else {
                    continue;
                };
                out.push(ctx.at_value(self.id(), s, &pointer, message));
            }
        }
    }
}

/// Whether the server's mapping has the key (with any value, `null` too): read from
/// the file's tree, which has merge keys applied, as the model was.
fn declares(ctx: &Ctx<'_>, s: &crate::model::DeclaredServer, field: &str) -> bool {
    ctx.loaded
        .node(s.origin.file, &s.origin.field_pointer(field))
        .is_some()
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test_support::{hits, one_server};
    use crate::rule::RuleId;

    #[test]
    fn ignore_changes_entries() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\ndescription: d\nlifecycle:\n  ignore_changes: [description, is_byok, allowed_tools]",
        );
        assert_eq!(hits(RuleId::IgnoreChanges, &y), vec![(8, 37), (8, 46)]);
    }
}
