//! model: the typed desired state, built from the spanned trees of `load`.
//!
//! Knows nothing of HTTP, output or the JSON Schema (which is generated from it). Each
//! server keeps where it came from (file and JSON pointer), so rules and plans can point
//! back into the YAML, and every `${env:…}` reference it contains, still symbolic (plan
//! resolves them). Two kinds of server: a [`DeclaredServer`] holds whatever fits of
//! what a file declares (lint's rules read it); only a complete one becomes a
//! [`DesiredServer`] (plan reads those).

mod build;
mod declared;
mod field;
mod fields;
pub mod proxy;
mod spec;
pub mod support;
mod template;

pub use build::{Rejected, build};
pub use declared::DeclaredServer;
pub use field::{Field, NotNull};
pub use fields::{
    AuthSet, Compared, FieldKind, Managed, RequestDefault, SERVER_FIELDS, ServerField,
    always_managed, cleared_on_auth_change, flag_defaults, ignorable_fields, is_always_managed,
    is_byok_field, is_compared_as_value, is_ignorable, is_secret_capable, listed_default,
    mints_oauth, server_field, url_fields,
};
pub use spec::{
    AuthType, CostInfo, Credentials, EnvVar, EnvVarScope, FileSpec, Lifecycle, McpInfo, OAuth2Flow,
    PartialSpec, ProtocolVersion, ServerSpec, TokenEndpointAuthMethod, Transport, Version,
};
pub use template::{Template, TemplateError, is_env_name};

use crate::load::{Document, Loaded, Node, escape_token, pointer_tokens};
use crate::source::{FileId, Span};

/// Where a server is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file.
    pub file: FileId,
    /// JSON pointer of the server in its file, e.g. `/servers/3`.
    pub pointer: String,
}

impl Origin {
    /// Pointer of one of the server's fields (`field` is a relative pointer like
    /// `/credentials/auth_value`, or a bare key like `url`).
    pub(crate) fn field_pointer(&self, field: &str) -> String {
        if field.starts_with('/') {
            format!("{}{}", self.pointer, field)
        } else {
            format!("{}/{}", self.pointer, escape_token(field))
        }
    }
}

/// A `${env:…}` reference found in a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRefUse {
    /// Pointer of the string value, relative to the server (`/static_headers/X-Key`).
    pub pointer: String,
    /// The parsed string.
    pub template: Template,
}

/// A malformed reference found in a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRefProblem {
    /// Pointer of the string value, relative to the server.
    pub pointer: String,
    /// What is wrong.
    pub error: TemplateError,
}

/// A complete declared server (every field fits the model): what plan reads.
#[derive(Debug, Clone)]
pub struct DesiredServer {
    /// The fields as written.
    pub spec: ServerSpec,
    /// Where.
    pub origin: Origin,
    /// Every well-formed `${env:…}` reference.
    pub env_refs: Vec<EnvRefUse>,
    /// Every malformed one.
    pub env_ref_problems: Vec<EnvRefProblem>,
}

impl DesiredServer {
    /// Whether the file turns BYOK on.
    pub fn is_byok(&self) -> bool {
        self.spec.is_byok.get() == Some(true)
    }

    /// The lifecycle block, or the defaults.
    pub fn lifecycle(&self) -> Lifecycle {
        self.spec.lifecycle.value().cloned().unwrap_or_default()
    }
}

/// The complete servers declared across all files, in file order: what plan reads.
#[derive(Debug, Clone, Default)]
pub struct DesiredState {
    /// The servers.
    pub servers: Vec<DesiredServer>,
}

/// Span lookups into the loaded files by JSON pointer.
pub(crate) trait Locate {
    /// The node at `pointer` in `file`.
    fn node(&self, file: FileId, pointer: &str) -> Option<&Node>;
    /// The span of the value at `pointer`.
    fn value_span(&self, file: FileId, pointer: &str) -> Option<Span> {
        self.node(file, pointer).map(|n| n.span)
    }
    /// The span of the key whose value is at `pointer` (for the last token).
    fn key_span(&self, file: FileId, pointer: &str) -> Option<Span>;
}

impl Locate for Loaded {
    fn node(&self, file: FileId, pointer: &str) -> Option<&Node> {
        document(self, file)?
            .root
            .as_ref()?
            .lookup(pointer_tokens(pointer))
    }

    fn key_span(&self, file: FileId, pointer: &str) -> Option<Span> {
        let mut tokens = pointer_tokens(pointer);
        let last = tokens.pop()?;
        let parent = document(self, file)?.root.as_ref()?.lookup(tokens)?;
        parent.entry(&last).map(|e| e.key_span)
    }
}

fn document(loaded: &Loaded, file: FileId) -> Option<&Document> {
    loaded.documents.iter().find(|d| d.file == file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_text;

    fn one(server: &str) -> DeclaredServer {
        let (mut servers, rejected) = build(&load_text(
            "a.yaml",
            &format!("version: 1\nservers:\n  - {server}\n"),
        ));
        assert!(rejected.is_empty(), "{rejected:?}");
        servers.remove(0)
    }

    #[test]
    fn builds_servers_with_origins_and_env_refs() {
        let loaded = load_text(
            "a.yaml",
            "version: 1\nservers:\n  - server_name: a\n    transport: http\n    url: https://a.invalid\n    credentials:\n      auth_value: ${env:TOKEN}\n    static_headers:\n      X-Bad: ${ENV:NOPE}\n",
        );
        let (servers, rejected) = build(&loaded);
        assert!(rejected.is_empty());
        let s = &servers[0];
        assert!(s.is_complete());
        assert_eq!(s.origin.pointer, "/servers/0");
        assert_eq!(s.env_refs.len(), 1);
        assert_eq!(s.env_refs[0].pointer, "/credentials/auth_value");
        assert_eq!(s.env_ref_problems[0].pointer, "/static_headers/X-Bad");
        let span = loaded
            .value_span(
                s.origin.file,
                &s.origin.field_pointer("/credentials/auth_value"),
            )
            .unwrap();
        assert_eq!((span.start.line, span.start.column1()), (7, 19));
        let key = loaded
            .key_span(s.origin.file, &s.origin.field_pointer("url"))
            .unwrap();
        assert_eq!((key.start.line, key.start.column1()), (5, 5));
    }

    #[test]
    fn a_server_with_unfit_fields_keeps_every_field_that_fits() {
        let s = one(
            "{server_name: my-tools, transport: stdio, is_byok: true, auth_type: bearer, descripton: x, rpm: -1, credentials: {auth_value: sk-1}, static_headers: {X: '${env:}'}, url: '${ENV:X}'}",
        );
        assert_eq!(s.unfit, ["auth_type", "descripton", "rpm"]);
        assert!(!s.fits("auth_type") && s.fits("url") && s.fits("command"));
        assert_eq!(
            (s.name(), s.transport()),
            (Some("my-tools"), Some(Transport::Stdio))
        );
        assert!(s.is_byok() && s.spec.auth_type.is_absent());
        assert!(s.spec.credentials.value().is_some());
        // References are read from the fields that fit only.
        assert_eq!(s.env_ref_problems.len(), 2);
        assert!(!s.is_complete());
        assert!(s.into_desired().is_none());
    }

    #[test]
    fn missing_required_fields_make_a_partial_server_not_a_rejected_one() {
        let s = one("{transport: sse, url: 'https://x.invalid', server_name: null}");
        assert!(s.unfit.is_empty());
        assert_eq!((s.name(), s.transport()), (None, Some(Transport::Sse)));
        assert_eq!(s.label(), "servers[0]");
        assert!(!s.is_complete());
        let s = one("{server_name: a, transport: websocket}");
        assert_eq!((s.name(), s.transport()), (Some("a"), None));
        assert_eq!(s.unfit, ["transport"]);
    }

    #[test]
    fn a_complete_server_becomes_a_desired_one() {
        let s = one("{server_name: a, transport: sse, url: 'https://x.invalid', rpm: 3}");
        let d = s.into_desired().unwrap();
        assert_eq!(d.spec.server_name, "a");
        assert_eq!(d.spec.transport, Transport::Sse);
        assert_eq!(d.spec.rpm.value(), Some(&3));
    }

    #[test]
    fn http_with_a_spec_is_an_openapi_server_as_the_api_writes_it() {
        let s = one("{server_name: a, transport: http, spec_path: 'https://x.invalid/o.json'}");
        assert_eq!(s.transport(), Some(Transport::Openapi));
        assert_eq!(s.transport_as_written, Some(Transport::Http));
        assert_eq!(s.into_desired().unwrap().spec.transport, Transport::Openapi);
        // Without a spec it stays http; other transports are what they say.
        for (yaml, t) in [
            (
                "{server_name: a, transport: http, spec_path: ''}",
                Transport::Http,
            ),
            (
                "{server_name: a, transport: sse, spec_path: x}",
                Transport::Sse,
            ),
            (
                "{server_name: a, transport: openapi, spec_path: x}",
                Transport::Openapi,
            ),
        ] {
            let s = one(yaml);
            assert_eq!(
                (s.transport(), s.transport_as_written),
                (Some(t), Some(t)),
                "{yaml}"
            );
        }
    }

    #[test]
    fn only_a_server_that_is_not_a_mapping_is_rejected() {
        let (servers, rejected) = build(&load_text("a.yaml", "version: 1\nservers:\n  - 5\n"));
        assert_eq!((servers.len(), rejected.len()), (0, 1));
    }

    #[test]
    fn ignore_changes_may_name_only_ignorable_fields() {
        let server = |names: &str| {
            one(&format!(
                "{{server_name: a, transport: sse, url: 'https://x.invalid', lifecycle: {{ignore_changes: [{names}]}}}}"
            ))
        };
        assert!(server("description, url").is_complete());
        for bad in ["server_name", "lifecycle", "descripton"] {
            assert_eq!(server(bad).unfit, ["lifecycle"], "{bad}");
        }
    }

    #[test]
    fn effective_alias_defaults_to_the_name() {
        assert_eq!(
            one("{server_name: a_b, transport: sse}").effective_alias(),
            Some("a_b".to_owned())
        );
        let aliased = one("{server_name: c, alias: my alias, transport: sse}");
        assert_eq!(aliased.effective_alias(), Some("my_alias".to_owned()));
        // Unknown when the alias does not fit (it is not the name then).
        assert_eq!(
            one("{server_name: c, alias: [x], transport: sse}").effective_alias(),
            None
        );
    }
}
