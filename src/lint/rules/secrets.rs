//! Secrets come from the environment: never plain text in git.

use crate::diagnostic::Diagnostic;
use crate::lint::{Ctx, Rule};
use crate::model::Credentials;
use crate::rule::RuleId;

/// A secret `credentials` value written in plain text.
pub struct PlaintextSecret;

impl Rule for PlaintextSecret {
    fn id(&self) -> RuleId {
        RuleId::PlaintextSecret
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            let Some(creds) = s.spec.credentials.value() else {
                continue;
            };
            let json = serde_json::to_value(creds).unwrap_or_default();
            for key in Credentials::SECRET_KEYS {
                let Some(value) = json.get(*key).and_then(|v| v.as_str()) else {
                    continue;
                };
                let pointer = format!("/credentials/{key}");
                let from_env = s.env_refs.iter().any(|r| r.pointer == pointer)
                    || s.env_ref_problems.iter().any(|p| p.pointer == pointer);
                if !from_env {
                    let _ = value;
                    out.push(
                        ctx.at_value(
                            self.id(),
                            s,
                            &pointer,
                            format!("`credentials.{key}` is a secret written in plain text"),
                        )
                        .with_label("secret in plain text")
                        .with_help(format!(
                            "write `{key}: ${{env:NAME}}` and set NAME where mcpform runs; then rotate this secret, it is in your git history"
                        )),
                    );
                }
            }
        }
    }
}

/// Malformed `${env:…}` references; with `--require-env`, unset variables.
pub struct EnvRefRule;

impl Rule for EnvRefRule {
    fn id(&self) -> RuleId {
        RuleId::EnvRef
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            for p in &s.env_ref_problems {
                out.push(ctx.at_value(self.id(), s, &p.pointer, p.error.message.clone()));
            }
            if !ctx.options.require_env {
                continue;
            }
            for r in &s.env_refs {
                for name in r.template.env_names() {
                    if (ctx.options.env)(name).is_none() {
                        out.push(
                            ctx.at_value(
                                self.id(),
                                s,
                                &r.pointer,
                                format!("environment variable `{name}` is not set"),
                            )
                            .with_help(format!("set `{name}` before running mcpform (checked because of --require-env)")),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test_support::{hits, hits_with_env, one_server};
    use crate::rule::RuleId;

    #[test]
    fn plaintext_secrets_are_errors_at_the_value() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\nauth_type: bearer_token\ncredentials:\n  auth_value: sk-live-123\n  scopes: [read]\n  client_id: plain-is-fine",
        );
        assert_eq!(hits(RuleId::PlaintextSecret, &y), vec![(8, 19)]);
        let ok = one_server(
            "transport: http\nurl: https://a.invalid\ncredentials:\n  auth_value: 'user:${env:PASS}'",
        );
        assert!(hits(RuleId::PlaintextSecret, &ok).is_empty());
    }

    #[test]
    fn malformed_references() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\nstatic_headers:\n  X-Key: ${ENV:KEY}",
        );
        assert_eq!(hits(RuleId::EnvRef, &y), vec![(7, 14)]);
        let litellm =
            one_server("transport: http\nurl: https://a.invalid\nstatic_headers:\n  X-Key: ${KEY}");
        assert!(hits(RuleId::EnvRef, &litellm).is_empty());
    }

    #[test]
    fn require_env_reports_unset_variables_only() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\ncredentials:\n  auth_value: ${env:SET_ONE}\n  client_secret: ${env:UNSET_ONE}",
        );
        assert!(
            hits(RuleId::EnvRef, &y).is_empty(),
            "not checked without --require-env"
        );
        assert_eq!(
            hits_with_env(RuleId::EnvRef, &y, true, &[("SET_ONE", "x")]),
            vec![(8, 22)]
        );
    }
}
