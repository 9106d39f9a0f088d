//! Transport-dependent shape: what each transport needs, and the proxy's own
//! combination checks (protocol version, OAuth flags).

use crate::diagnostic::Diagnostic;
use crate::lint::{Ctx, Rule};
use crate::model::{AuthType, Field, OAuth2Flow, ProtocolVersion, Transport};
use crate::rule::RuleId;

use crate::model::proxy::STDIO_ALLOWED_COMMANDS;

fn non_empty(f: &Field<String>) -> bool {
    f.value().is_some_and(|v| !v.is_empty())
}

/// http/sse need `url`; openapi needs `spec_path`.
pub(super) struct UrlRequired;

impl Rule for UrlRequired {
    fn id(&self) -> RuleId {
        RuleId::UrlRequired
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            // Not when the transport, or what it needs, does not fit: the schema says so.
            let Some(transport) = s.transport() else {
                continue;
            };
            let (missing, help) = match transport {
                Transport::Http | Transport::Sse
                    if !non_empty(&s.spec.url) && s.all_fit(&["url", "spec_path"]) =>
                {
                    ("url", "add `url:` with the server's MCP endpoint")
                }
                Transport::Openapi if !non_empty(&s.spec.spec_path) && s.fits("spec_path") => (
                    "spec_path",
                    "add `spec_path:` with the URL of the OpenAPI spec",
                ),
                _ => continue,
            };
            out.push(
                ctx.at_value(
                    self.id(),
                    s,
                    "transport",
                    format!("transport `{}` needs `{missing}`", transport.as_str()),
                )
                .with_label(format!("needs `{missing}`"))
                .with_help(help),
            );
        }
    }
}

/// `spec_path` belongs to `transport: openapi`.
pub(crate) struct SpecPathTransport;

impl Rule for SpecPathTransport {
    fn id(&self) -> RuleId {
        RuleId::SpecPathTransport
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            let Some(transport) = s.transport() else {
                continue;
            };
            if non_empty(&s.spec.spec_path) && transport != Transport::Openapi {
                let mut d = ctx.at_key(
                    self.id(),
                    s,
                    "spec_path",
                    format!(
                        "`spec_path` with transport `{}`: a spec makes an OpenAPI server, which the proxy runs over http",
                        transport.as_str()
                    ),
                );
                if let Some(t) = ctx.value_span(s, "transport") {
                    d = d.with_related(t, "transport set here");
                }
                out.push(d.with_help("use `transport: openapi`, or remove `spec_path`"));
            }
        }
    }
}

/// `transport: http` + `spec_path`, the API's spelling of an OpenAPI server: the model
/// reads it as `openapi`; the file reads better saying so.
pub(super) struct HttpSpecPath;

impl Rule for HttpSpecPath {
    fn id(&self) -> RuleId {
        RuleId::HttpSpecPath
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers().filter(|s| {
            s.transport_as_written == Some(Transport::Http)
                && s.transport() == Some(Transport::Openapi)
        }) {
            let mut d = ctx.at_value(
                self.id(),
                s,
                "transport",
                "`transport: http` with a `spec_path` is an OpenAPI server; mcpform reads it as `transport: openapi`".to_owned(),
            );
            if let Some(span) = ctx.key_span(s, "spec_path") {
                d = d.with_related(span, "the spec makes it an OpenAPI server");
            }
            out.push(d.with_help(
                "write `transport: openapi`: it is sent to the proxy as `http` + `spec_path` all the same",
            ));
        }
    }
}

/// stdio needs `command` and at least one argument.
pub(crate) struct StdioCommand;

impl Rule for StdioCommand {
    fn id(&self) -> RuleId {
        RuleId::StdioCommand
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx
            .servers()
            .filter(|s| s.transport() == Some(Transport::Stdio) && s.all_fit(&["command", "args"]))
        {
            let has_command = non_empty(&s.spec.command);
            let has_args = s.spec.args.value().is_some_and(|a| !a.is_empty());
            let missing = match (has_command, has_args) {
                (true, true) => continue,
                (false, false) => "`command` and `args`",
                (false, true) => "`command`",
                (true, false) => "non-empty `args`",
            };
            out.push(
                ctx.at_value(
                    self.id(),
                    s,
                    "transport",
                    format!("transport `stdio` needs {missing}"),
                )
                .with_label(format!("needs {missing}")),
            );
        }
    }
}

/// stdio commands outside the proxy's default allow-list.
pub(crate) struct StdioCommandAllowed;

impl Rule for StdioCommandAllowed {
    fn id(&self) -> RuleId {
        RuleId::StdioCommandAllowed
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx
            .servers()
            .filter(|s| s.transport() == Some(Transport::Stdio))
        {
            let Field::Value(command) = &s.spec.command else {
                continue;
            };
            let base = command.rsplit(['/', '\\']).next().unwrap_or(command);
            if command.is_empty() || STDIO_ALLOWED_COMMANDS.contains(&base) {
                continue;
            }
            out.push(
                ctx.at_value(
                    self.id(),
                    s,
                    "command",
                    format!("stdio command `{base}` is not on the proxy's default allow-list"),
                )
                .with_help(format!(
                    "the proxy runs {} unless `LITELLM_MCP_STDIO_EXTRA_COMMANDS` adds more",
                    STDIO_ALLOWED_COMMANDS.join(", ")
                )),
            );
        }
    }
}

/// `mcp_info.protocol_version: 2026-07-28` cannot run over SSE.
pub(crate) struct ProtocolTransport;

impl Rule for ProtocolTransport {
    fn id(&self) -> RuleId {
        RuleId::ProtocolTransport
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx
            .servers()
            .filter(|s| s.transport() == Some(Transport::Sse))
        {
            let version = s
                .spec
                .mcp_info
                .value()
                .and_then(|i| i.protocol_version.get());
            if version == Some(ProtocolVersion::V2026_07_28) {
                out.push(
                    ctx.at_value(
                        self.id(),
                        s,
                        "/mcp_info/protocol_version",
                        "protocol version `2026-07-28` needs transport http or stdio, not sse"
                            .to_owned(),
                    )
                    .with_help("use `transport: http`, or an earlier protocol version"),
                );
            }
        }
    }
}

/// OAuth flags that are only valid with certain `auth_type`s.
pub(crate) struct OauthFlags;

impl Rule for OauthFlags {
    fn id(&self) -> RuleId {
        RuleId::OauthFlags
    }

    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for s in ctx.servers() {
            let auth = s.spec.auth_type.value().copied();
            if s.spec.dcr_bridge == Field::Value(true)
                && s.fits("auth_type")
                && !matches!(
                    auth,
                    Some(AuthType::TruePassthrough | AuthType::OauthDelegate)
                )
            {
                out.push(
                    ctx.at_value(
                        self.id(),
                        s,
                        "dcr_bridge",
                        "`dcr_bridge: true` needs `auth_type` true_passthrough or oauth_delegate"
                            .to_owned(),
                    ),
                );
            }
            let known = s.all_fit(&["auth_type", "oauth2_flow", "delegate_auth_to_upstream"]);
            if s.spec.per_server_oauth_discovery.get() == Some(true) && known {
                // The proxy checks the request body itself, so an absent flow fails too.
                let flow = s.spec.oauth2_flow.value().copied();
                let eligible = auth == Some(AuthType::Oauth2)
                    && flow == Some(OAuth2Flow::AuthorizationCode)
                    && s.spec.delegate_auth_to_upstream.get() != Some(true);
                if !eligible {
                    out.push(ctx.at_value(
                        self.id(),
                        s,
                        "per_server_oauth_discovery",
                        "`per_server_oauth_discovery: true` needs `auth_type: oauth2`, `oauth2_flow: authorization_code` and no `delegate_auth_to_upstream`".to_owned(),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test_support::{hits, one_server};
    use crate::rule::RuleId;

    #[test]
    fn url_required_points_at_the_transport() {
        assert_eq!(
            hits(RuleId::UrlRequired, &one_server("transport: http")),
            vec![(4, 16)]
        );
        assert_eq!(
            hits(RuleId::UrlRequired, &one_server("transport: sse\nurl: ''")),
            vec![(4, 16)]
        );
        assert_eq!(
            hits(
                RuleId::UrlRequired,
                &one_server("transport: openapi\nurl: https://a.invalid")
            ),
            vec![(4, 16)]
        );
        assert!(
            hits(
                RuleId::UrlRequired,
                &one_server("transport: openapi\nspec_path: https://a.invalid/o.json")
            )
            .is_empty()
        );
        assert!(
            hits(
                RuleId::UrlRequired,
                &one_server("transport: stdio\ncommand: npx\nargs: [a]")
            )
            .is_empty()
        );
    }

    #[test]
    fn spec_path_with_sse_or_stdio_is_an_error() {
        let y = one_server(
            "transport: sse\nurl: https://a.invalid\nspec_path: https://a.invalid/o.json",
        );
        assert_eq!(hits(RuleId::SpecPathTransport, &y), vec![(6, 5)]);
        let stdio = one_server("transport: stdio\ncommand: npx\nargs: [x]\nspec_path: o.json");
        assert_eq!(hits(RuleId::SpecPathTransport, &stdio), vec![(7, 5)]);
    }

    #[test]
    fn http_with_a_spec_is_openapi_with_a_hint() {
        for fields in [
            "transport: http\nurl: https://a.invalid\nspec_path: https://a.invalid/o.json",
            "transport: http\nspec_path: https://a.invalid/o.json",
        ] {
            let y = one_server(fields);
            assert_eq!(hits(RuleId::HttpSpecPath, &y), vec![(4, 16)], "{fields}");
            for other in [RuleId::SpecPathTransport, RuleId::UrlRequired] {
                assert!(hits(other, &y).is_empty(), "{fields}: {other:?}");
            }
        }
        let written = one_server("transport: openapi\nspec_path: https://a.invalid/o.json");
        assert!(hits(RuleId::HttpSpecPath, &written).is_empty());
    }

    #[test]
    fn stdio_needs_command_and_args() {
        assert_eq!(
            hits(RuleId::StdioCommand, &one_server("transport: stdio")),
            vec![(4, 16)]
        );
        assert_eq!(
            hits(
                RuleId::StdioCommand,
                &one_server("transport: stdio\ncommand: npx\nargs: []")
            ),
            vec![(4, 16)]
        );
        assert!(
            hits(
                RuleId::StdioCommand,
                &one_server("transport: stdio\ncommand: npx\nargs: [x]")
            )
            .is_empty()
        );
    }

    #[test]
    fn stdio_allow_list_uses_the_basename() {
        assert!(
            hits(
                RuleId::StdioCommandAllowed,
                &one_server("transport: stdio\ncommand: /usr/bin/python3\nargs: [x]")
            )
            .is_empty()
        );
        assert_eq!(
            hits(
                RuleId::StdioCommandAllowed,
                &one_server("transport: stdio\ncommand: bash\nargs: [x]")
            ),
            vec![(5, 14)]
        );
    }

    #[test]
    fn protocol_version_against_transport() {
        let y = one_server(
            "transport: sse\nurl: https://a.invalid\nmcp_info:\n  protocol_version: '2026-07-28'",
        );
        assert_eq!(hits(RuleId::ProtocolTransport, &y), vec![(7, 25)]);
        let http = y.replace("transport: sse", "transport: http");
        assert!(hits(RuleId::ProtocolTransport, &http).is_empty());
    }

    #[test]
    fn oauth_flag_combinations() {
        let dcr = one_server(
            "transport: http\nurl: https://a.invalid\nauth_type: oauth2\ndcr_bridge: true",
        );
        assert_eq!(hits(RuleId::OauthFlags, &dcr), vec![(7, 17)]);
        let dcr_ok = one_server(
            "transport: http\nurl: https://a.invalid\nauth_type: oauth_delegate\ndcr_bridge: true",
        );
        assert!(hits(RuleId::OauthFlags, &dcr_ok).is_empty());
        let psod = one_server(
            "transport: http\nurl: https://a.invalid\nauth_type: oauth2\nper_server_oauth_discovery: true",
        );
        assert_eq!(hits(RuleId::OauthFlags, &psod), vec![(7, 33)]);
        let psod_ok = one_server(
            "transport: http\nurl: https://a.invalid\nauth_type: oauth2\noauth2_flow: authorization_code\nper_server_oauth_discovery: true",
        );
        assert!(hits(RuleId::OauthFlags, &psod_ok).is_empty());
    }
}
