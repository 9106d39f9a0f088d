//! The BYOK rules: where a user's own key can (and cannot) go.

use crate::diagnostic::Diagnostic;
use crate::lint::{Ctx, Rule};
use crate::model::{Field, Transport};
use crate::rule::RuleId;

/// Whether the transport is known and can carry a user's key.
fn byok_transport(t: Option<Transport>) -> bool {
    t.is_some_and(Transport::supports_byok)
}

/// `is_byok: true` on a stdio server: the user's key travels in an HTTP header.
pub(super) struct ByokTransport;

impl Rule for ByokTransport {
    fn id(&self) -> RuleId {
        RuleId::ByokTransport
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            if s.is_byok() && matches!(s.transport(), Some(t) if !t.supports_byok()) {
                let mut d = ctx.at_value(
                    self.id(),
                    s,
                    "is_byok",
                    "BYOK needs an HTTP transport (http, sse or openapi), but this server uses `stdio`".to_owned(),
                );
                if let Some(t) = ctx.value_span(s, "transport") {
                    d = d.with_related(t, "transport is stdio");
                }
                out.push(d.with_help("remove `is_byok` or change the transport"));
            }
        }
    }
}

/// BYOK text fields on a server without BYOK: users never see them.
pub(crate) struct ByokFieldsWithoutByok;

impl Rule for ByokFieldsWithoutByok {
    fn id(&self) -> RuleId {
        RuleId::ByokFieldsWithoutByok
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        // Unknown when `is_byok` does not fit: the schema reports that.
        for s in ctx.servers().filter(|s| !s.is_byok() && s.fits("is_byok")) {
            let has_description = s
                .spec
                .byok_description
                .value()
                .is_some_and(|d| !d.is_empty());
            if has_description {
                out.push(
                    ctx.at_key(
                        self.id(),
                        s,
                        "byok_description",
                        "`byok_description` has no effect: `is_byok` is not true".to_owned(),
                    )
                    .with_help("set `is_byok: true` or remove the field"),
                );
            }
            if let Field::Value(_) = s.spec.byok_api_key_help_url {
                out.push(
                    ctx.at_key(
                        self.id(),
                        s,
                        "byok_api_key_help_url",
                        "`byok_api_key_help_url` has no effect: `is_byok` is not true".to_owned(),
                    )
                    .with_help("set `is_byok: true` or remove the field"),
                );
            }
        }
    }
}

/// BYOK with an `auth_type` the proxy cannot put a user's key into.
pub(crate) struct ByokAuthType;

impl Rule for ByokAuthType {
    fn id(&self) -> RuleId {
        RuleId::ByokAuthType
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        const HELP: &str = "use bearer_token, api_key, token, basic or authorization: the proxy sends each user's key with one of these";
        // A stdio server is `byok-transport`'s; an unfit `auth_type` the schema's.
        for s in ctx
            .servers()
            .filter(|s| s.is_byok() && byok_transport(s.transport()) && s.fits("auth_type"))
        {
            match &s.spec.auth_type {
                Field::Value(a) if a.carries_user_key() => {}
                Field::Value(a) => out.push(
                    ctx.at_value(
                        self.id(),
                        s,
                        "auth_type",
                        format!("BYOK with `auth_type: {}`: the proxy cannot send a user's key with it", a.as_str()),
                    )
                    .with_help(HELP),
                ),
                Field::Null | Field::Absent => out.push(
                    ctx.at_value(
                        self.id(),
                        s,
                        "is_byok",
                        "BYOK without `auth_type`: the proxy does not know how to send a user's key".to_owned(),
                    )
                    .with_help(HELP),
                ),
            }
        }
    }
}

/// A BYOK server with a shared `auth_value`, which users' tool calls never use.
pub(crate) struct ByokSharedCredential;

impl Rule for ByokSharedCredential {
    fn id(&self) -> RuleId {
        RuleId::ByokSharedCredential
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        // On stdio, BYOK itself is the error (`byok-transport`).
        for s in ctx
            .servers()
            .filter(|s| s.is_byok() && byok_transport(s.transport()))
        {
            let shared = s
                .spec
                .credentials
                .value()
                .is_some_and(|c| c.auth_value.value().is_some());
            if shared {
                out.push(
                    ctx.at_key(
                        self.id(),
                        s,
                        "/credentials/auth_value",
                        "a BYOK server with a shared `credentials.auth_value`: users' tool calls use their own keys, never this one".to_owned(),
                    )
                    .with_help("remove `auth_value` unless you want it for the proxy's tool listing only"),
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
    fn byok_on_stdio_is_an_error_at_is_byok() {
        let y = one_server("transport: stdio\ncommand: npx\nargs: [x]\nis_byok: true");
        assert_eq!(hits(RuleId::ByokTransport, &y), vec![(7, 14)]);
        let ok =
            one_server("transport: sse\nurl: https://a.invalid\nauth_type: api_key\nis_byok: true");
        assert!(hits(RuleId::ByokTransport, &ok).is_empty());
    }

    #[test]
    fn byok_fields_without_byok() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\nbyok_description: [a]\nbyok_api_key_help_url: https://h.invalid",
        );
        assert_eq!(
            hits(RuleId::ByokFieldsWithoutByok, &y),
            vec![(6, 5), (7, 5)]
        );
        let empty = one_server("transport: http\nurl: https://a.invalid\nbyok_description: []");
        assert!(hits(RuleId::ByokFieldsWithoutByok, &empty).is_empty());
    }

    #[test]
    fn byok_auth_type() {
        let oauth =
            one_server("transport: http\nurl: https://a.invalid\nauth_type: oauth2\nis_byok: true");
        assert_eq!(hits(RuleId::ByokAuthType, &oauth), vec![(6, 16)]);
        let missing = one_server("transport: http\nurl: https://a.invalid\nis_byok: true");
        assert_eq!(hits(RuleId::ByokAuthType, &missing), vec![(6, 14)]);
        for good in ["bearer_token", "api_key", "token", "basic", "authorization"] {
            let y = one_server(&format!(
                "transport: http\nurl: https://a.invalid\nauth_type: {good}\nis_byok: true"
            ));
            assert!(hits(RuleId::ByokAuthType, &y).is_empty(), "{good}");
        }
    }

    #[test]
    fn byok_shared_credential() {
        let y = one_server(
            "transport: http\nurl: https://a.invalid\nauth_type: bearer_token\nis_byok: true\ncredentials:\n  auth_value: ${env:T}",
        );
        assert_eq!(hits(RuleId::ByokSharedCredential, &y), vec![(9, 7)]);
        let not_byok = one_server(
            "transport: http\nurl: https://a.invalid\nauth_type: bearer_token\ncredentials:\n  auth_value: ${env:T}",
        );
        assert!(hits(RuleId::ByokSharedCredential, &not_byok).is_empty());
    }
}
