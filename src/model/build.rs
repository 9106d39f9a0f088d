//! From the loaded trees to [`DeclaredServer`]s, reading each server straight from its
//! tree with serde (no JSON in between).
//!
//! A server that fits as a whole costs one pass. One that does not is read field by
//! field: each top-level entry alone, then all the entries that fit together, so that
//! lint's rules still see everything the file got right.

use serde::Deserialize;

use super::{DeclaredServer, EnvRefProblem, EnvRefUse, Origin, PartialSpec, Template, Transport};
use crate::load::{Loaded, Node, Value, escape_token};

/// A server the model cannot read at all: not a mapping, or (the model and the schema
/// disagreeing) whose fitting fields still fail together.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Where.
    pub origin: Origin,
    /// serde's message.
    pub message: String,
}

/// Every server of the loaded documents, in file order, complete or not; and apart,
/// those the model cannot read at all. The schema explains what does not fit (a server
/// the schema accepts always fits: see the schema agreement tests).
pub fn build(loaded: &Loaded) -> (Vec<DeclaredServer>, Vec<Rejected>) {
    let total: usize = loaded
        .documents
        .iter()
        .filter_map(|d| match &d.root.as_ref()?.get("servers")?.value {
            Value::Seq(items) => Some(items.len()),
            _ => None,
        })
        .sum();
    let mut servers = Vec::with_capacity(total);
    let mut rejected = Vec::new();
    for doc in &loaded.documents {
        let Some(Value::Seq(items)) = doc
            .root
            .as_ref()
            .and_then(|r| r.get("servers"))
            .map(|s| &s.value)
        else {
            continue;
        };
        for (i, node) in items.iter().enumerate() {
            let origin = Origin {
                file: doc.file,
                pointer: format!("/servers/{i}"),
            };
            match declare(node, origin) {
                Ok(server) => servers.push(server),
                Err(r) => rejected.push(r),
            }
        }
    }
    (servers, rejected)
}

/// One server from its node.
fn declare(node: &Node, origin: Origin) -> Result<DeclaredServer, Rejected> {
    let (spec, unfit, fitting) = match PartialSpec::deserialize(node) {
        Ok(spec) => (spec, Vec::new(), None),
        Err(whole) => {
            let Value::Map(entries) = &node.value else {
                return Err(Rejected {
                    origin,
                    message: whole.to_string(),
                });
            };
            let (fit, unfit): (Vec<_>, Vec<_>) = entries.iter().partition(|e| {
                let alone = Node {
                    span: node.span,
                    value: Value::Map(vec![(*e).clone()]),
                };
                PartialSpec::deserialize(&alone).is_ok()
            });
            let fitting = Node {
                span: node.span,
                value: Value::Map(fit.into_iter().cloned().collect()),
            };
            let spec = PartialSpec::deserialize(&fitting).map_err(|e| Rejected {
                origin: origin.clone(),
                message: e.to_string(),
            })?;
            (
                spec,
                unfit.into_iter().map(|e| e.key.clone()).collect(),
                Some(fitting),
            )
        }
    };
    let (env_refs, env_ref_problems) = scan_env_refs(fitting.as_ref().unwrap_or(node));
    let transport_as_written = spec.transport;
    Ok(DeclaredServer {
        spec: openapi_as_the_api_writes_it(spec),
        origin,
        env_refs,
        env_ref_problems,
        unfit,
        transport_as_written,
    })
}

/// `transport: http` with a `spec_path` is how the API, its docs and curl write an
/// OpenAPI server (the API has no `openapi` transport), and how the proxy reads it
/// back: the model reads it as `transport: openapi`, so that resolve, plan and the body
/// treat the two spellings as one server. Lint suggests mcpform's own spelling.
fn openapi_as_the_api_writes_it(mut spec: PartialSpec) -> PartialSpec {
    let has_spec = spec.spec_path.value().is_some_and(|p| !p.is_empty());
    if spec.transport == Some(Transport::Http) && has_spec {
        spec.transport = Some(Transport::Openapi);
    }
    spec
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
