//! Secrets come from the environment: never plain text in git.

use crate::diagnostic::Diagnostic;
use crate::env;
use crate::lint::{Ctx, Rule};
use crate::rule::RuleId;

/// A secret `credentials` value written in plain text.
pub(super) struct PlaintextSecret;

impl Rule for PlaintextSecret {
    fn id(&self) -> RuleId {
        RuleId::PlaintextSecret
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            let Some(creds) = s.spec.credentials.value() else {
                continue;
            };
            for (key, value) in creds.secrets() {
                if value.is_none() {
                    continue;
                }
                let pointer = format!("/credentials/{key}");
                let from_env = s.env_refs.iter().any(|r| r.pointer == pointer)
                    || s.env_ref_problems.iter().any(|p| p.pointer == pointer);
                if !from_env {
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
pub(crate) struct EnvRefRule;

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
                // A reserved variable is `env-reserved`'s finding; it is never read.
                let readable =
                    |name: &&str| env::reserved(name, ctx.options.reserved_env).is_none();
                for name in r.template.env_names().filter(readable) {
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

/// `${env:…}` naming a variable that holds mcpform's or CI's own credentials.
pub(crate) struct EnvReserved;

impl Rule for EnvReserved {
    fn id(&self) -> RuleId {
        RuleId::EnvReserved
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            for r in &s.env_refs {
                for name in r.template.env_names() {
                    let Some(why) = env::reserved(name, ctx.options.reserved_env) else {
                        continue;
                    };
                    out.push(
                        ctx.at_text(
                            self.id(),
                            s,
                            &r.pointer,
                            &format!("${{env:{name}}}"),
                            format!("`{name}` is reserved: {why}; a file may not send it to the proxy"),
                        )
                        .with_label("reserved variable")
                        .with_help(
                            "put the secret this server needs in a variable of its own, and reference that",
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test_support::{hits, hits_with_env, lint_one, one_server};
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

    #[test]
    fn reserved_variables_are_errors_at_the_reference() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\ncredentials:\n  auth_value: ${env:GITHUB_TOKEN}\nstatic_headers:\n  X-Run: 'run ${env:ACTIONS_RUNTIME_TOKEN}'\n  X-Ok: ${env:TEAM_TOKEN}",
        );
        assert_eq!(hits(RuleId::EnvReserved, &y), vec![(7, 19), (9, 19)]);
        let d = lint_one(&y, &[], RuleId::EnvReserved);
        let span = d[1].span.unwrap();
        // `${env:ACTIONS_RUNTIME_TOKEN}` exactly: 28 characters.
        assert_eq!(span.end.col - span.start.col, 28);
        assert!(d[0].message.contains("`GITHUB_TOKEN`"), "{}", d[0].message);
    }

    #[test]
    fn the_api_key_variable_named_by_the_run_is_reserved() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\ncredentials:\n  auth_value: ${env:TEAM_ADMIN}",
        );
        assert!(lint_one(&y, &[], RuleId::EnvReserved).is_empty());
        assert_eq!(lint_one(&y, &["TEAM_ADMIN"], RuleId::EnvReserved).len(), 1);
    }

    #[test]
    fn require_env_does_not_read_reserved_variables() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\ncredentials:\n  auth_value: ${env:LITELLM_MASTER_KEY}",
        );
        assert!(hits_with_env(RuleId::EnvRef, &y, true, &[]).is_empty());
        assert_eq!(hits(RuleId::EnvReserved, &y), vec![(7, 19)]);
    }
}
