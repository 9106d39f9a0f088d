//! schema: the JSON Schema of mcpform files, compiled once, and the mapping of its
//! errors back to the exact key or value in the YAML.
//!
//! Knows nothing of semantic rules (those live in `lint`).

mod errors;
mod generate;

use std::sync::OnceLock;

pub use generate::{generated, server_fields};

use crate::diagnostic::Diagnostic;
use crate::load::Loaded;

/// The committed schema file, as shipped in the binary (`mcpform schema` prints it).
pub const SCHEMA_TEXT: &str = include_str!("../../schemas/mcpform.schema.json");

/// The committed schema, parsed.
pub fn schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).unwrap_or(serde_json::Value::Null))
}

fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(schema())
                .ok()
        })
        .as_ref()
}

/// Validates every loaded document; one diagnostic per problem, at its span.
pub fn validate(loaded: &Loaded) -> Vec<Diagnostic> {
    let Some(validator) = validator() else {
        // The committed schema is checked by tests; this cannot happen in a release.
        return Vec::new();
    };
    let mut out = Vec::new();
    for doc in &loaded.documents {
        let Some(root) = &doc.root else { continue };
        let instance = root.to_json();
        for error in validator.iter_errors(&instance) {
            out.extend(errors::to_diagnostics(&error, loaded, doc.file));
        }
    }
    out
}
