//! model: the typed desired state, built from the spanned trees of `load`.
//!
//! Knows nothing of HTTP or output. Each server keeps where it came from (file and
//! JSON pointer), so rules and plans can point back into the YAML, and every
//! `${env:…}` reference it contains, still symbolic (plan resolves them).

mod field;
mod fields;
pub mod proxy;
mod spec;
mod template;

pub use field::{Field, NotNull};
pub use fields::{
    FieldKind, NOT_IGNORABLE, SERVER_FIELDS, ServerField, ignorable_fields, is_ignorable,
    server_field,
};
pub use spec::{
    AuthType, CostInfo, Credentials, EnvVar, EnvVarScope, FileSpec, Lifecycle, McpInfo, OAuth2Flow,
    ProtocolVersion, ServerSpec, TokenEndpointAuthMethod, Transport, Version,
};
pub use template::{Part, Template, TemplateError, is_env_name};

use serde::Deserialize;

use crate::load::{Document, Loaded, Node, Value, escape_token, pointer_tokens};
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
    pub fn field_pointer(&self, field: &str) -> String {
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

/// One declared server.
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
    /// The alias the proxy will store: the declared one, else the server name, with
    /// spaces turned into `_` as the proxy does.
    pub fn effective_alias(&self) -> String {
        proxy::effective_alias(
            self.spec.alias.value().map(String::as_str),
            &self.spec.server_name,
        )
    }

    /// Whether the file turns BYOK on.
    pub fn is_byok(&self) -> bool {
        self.spec.is_byok.get() == Some(true)
    }

    /// The lifecycle block, or the defaults.
    pub fn lifecycle(&self) -> Lifecycle {
        self.spec.lifecycle.value().cloned().unwrap_or_default()
    }

    /// Whether `ignore_changes` names this field.
    pub fn ignores(&self, field: &str) -> bool {
        self.spec
            .lifecycle
            .value()
            .is_some_and(|l| l.ignore_changes.iter().any(|f| f == field))
    }
}

/// Fields compared and sent whatever a file says (and that `lifecycle.ignore_changes`
/// cannot switch off): they decide what the server is and whether users' keys are safe.
pub const ALWAYS_MANAGED: &[&str] = &[
    "server_name",
    "transport",
    "url",
    "spec_path",
    "alias",
    "is_byok",
];

/// Every server declared across all files, in file order.
#[derive(Debug, Clone, Default)]
pub struct DesiredState {
    /// The servers.
    pub servers: Vec<DesiredServer>,
}

/// A server the schema accepted but serde did not (the model and schema disagree).
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Where.
    pub origin: Origin,
    /// serde's message.
    pub message: String,
}

/// Builds the desired state from loaded documents, reading each server straight from
/// its tree. Servers that do not fit the model are returned apart, for the schema to
/// explain (a server the schema accepts always fits: see the schema agreement tests).
pub fn build(loaded: &Loaded) -> (DesiredState, Vec<Rejected>) {
    let mut state = DesiredState::default();
    let mut rejected = Vec::new();
    let total: usize = loaded
        .documents
        .iter()
        .filter_map(|d| match &d.root.as_ref()?.get("servers")?.value {
            Value::Seq(items) => Some(items.len()),
            _ => None,
        })
        .sum();
    state.servers.reserve_exact(total);
    for doc in &loaded.documents {
        let Some(servers) = doc.root.as_ref().and_then(|r| r.get("servers")) else {
            continue;
        };
        let Value::Seq(items) = &servers.value else {
            continue;
        };
        for (i, node) in items.iter().enumerate() {
            let origin = Origin {
                file: doc.file,
                pointer: format!("/servers/{i}"),
            };
            match ServerSpec::deserialize(node) {
                Ok(spec) => {
                    let (env_refs, env_ref_problems) = scan_env_refs(node);
                    state.servers.push(DesiredServer {
                        spec,
                        origin,
                        env_refs,
                        env_ref_problems,
                    });
                }
                Err(e) => rejected.push(Rejected {
                    origin,
                    message: e.to_string(),
                }),
            }
        }
    }
    (state, rejected)
}

/// Every string value of a server that contains `${…}`, parsed.
fn scan_env_refs(server: &Node) -> (Vec<EnvRefUse>, Vec<EnvRefProblem>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    walk_strings(
        server,
        &mut String::new(),
        &mut |pointer, s| match Template::parse(s) {
            Ok(Some(template)) => found.push(EnvRefUse {
                pointer: pointer.to_owned(),
                template,
            }),
            Ok(None) => {}
            Err(error) => problems.push(EnvRefProblem {
                pointer: pointer.to_owned(),
                error,
            }),
        },
    );
    (found, problems)
}

fn walk_strings(node: &Node, pointer: &mut String, f: &mut dyn FnMut(&str, &str)) {
    match &node.value {
        Value::Str(s) => f(pointer, s),
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk_strings(item, pointer, f);
                pointer.truncate(len);
            }
        }
        Value::Map(entries) => {
            for e in entries {
                // lifecycle is mcpform's own and never sent: nothing there is a secret.
                if pointer.is_empty() && e.key == "lifecycle" {
                    continue;
                }
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(&e.key));
                walk_strings(&e.value, pointer, f);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Span lookups into the loaded files by JSON pointer.
pub trait Locate {
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

    #[test]
    fn builds_servers_with_origins_and_env_refs() {
        let loaded = load_text(
            "a.yaml",
            "version: 1\nservers:\n  - server_name: a\n    transport: http\n    url: https://a.invalid\n    credentials:\n      auth_value: ${env:TOKEN}\n    static_headers:\n      X-Bad: ${ENV:NOPE}\n",
        );
        let (state, rejected) = build(&loaded);
        assert!(rejected.is_empty());
        let s = &state.servers[0];
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
    fn ignore_changes_may_name_only_ignorable_fields() {
        let server = |names: &str| {
            format!(
                "version: 1\nservers:\n  - {{server_name: a, transport: sse, url: 'https://x.invalid', lifecycle: {{ignore_changes: [{names}]}}}}\n"
            )
        };
        let (state, rejected) = build(&load_text("a.yaml", &server("description, url")));
        assert_eq!((state.servers.len(), rejected.len()), (1, 0));
        for bad in ["server_name", "lifecycle", "descripton"] {
            let (state, rejected) = build(&load_text("a.yaml", &server(bad)));
            assert_eq!((state.servers.len(), rejected.len()), (0, 1), "{bad}");
            assert!(rejected[0].message.contains(bad), "{}", rejected[0].message);
        }
    }

    #[test]
    fn effective_alias_defaults_to_the_name() {
        let loaded = load_text(
            "a.yaml",
            "version: 1\nservers:\n  - {server_name: a_b, transport: sse, url: 'https://x.invalid'}\n  - {server_name: c, alias: my alias, transport: sse, url: 'https://x.invalid'}\n",
        );
        let (state, _) = build(&loaded);
        assert_eq!(state.servers[0].effective_alias(), "a_b");
        assert_eq!(state.servers[1].effective_alias(), "my_alias");
    }
}
