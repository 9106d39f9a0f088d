//! schema: the JSON Schema of mcpform files, compiled once, and the mapping of its
//! errors back to the exact key or value in the YAML.
//!
//! Knows nothing of semantic rules (those live in `lint`).

mod errors;
mod generate;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;

pub use generate::{generated, server_fields};

use crate::diagnostic::Diagnostic;
use crate::load::{Document, Loaded, Node, Value};
use crate::source::FileId;

/// The committed schema file, as shipped in the binary (`mcpform schema` prints it).
pub const SCHEMA_TEXT: &str = include_str!("../../schemas/mcpform.schema.json");

/// The committed schema, parsed.
pub fn schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).unwrap_or(serde_json::Value::Null))
}

fn compile(schema: &serde_json::Value) -> Option<jsonschema::Validator> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(schema)
        .ok()
}

/// Validates whole files (the servers' items are checked one by one instead).
fn file_validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR.get_or_init(|| compile(schema())).as_ref()
}

/// Validates one server: the file schema with `$ref` to `ServerSpec` at its root.
fn server_validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let mut s = schema().clone();
            let obj = s.as_object_mut()?;
            obj.retain(|k, _| k == "$schema" || k == "$defs");
            obj.insert("$ref".into(), "#/$defs/ServerSpec".into());
            compile(&s)
        })
        .as_ref()
}

/// Validates a file's top level: `version`, the type of `servers`, unknown keys. The
/// servers' items are validated by [`validate_server`] when they do not fit the model.
pub fn validate_file(loaded: &Loaded, doc: &Document) -> Vec<Diagnostic> {
    let (Some(validator), Some(root)) = (file_validator(), &doc.root) else {
        return Vec::new();
    };
    let shallow = shallow_json(root);
    validator
        .iter_errors(&shallow)
        .flat_map(|e| errors::to_diagnostics(&e, loaded, doc.file, ""))
        .collect()
}

/// Validates one server (the node at `pointer` in `file`).
pub fn validate_server(
    loaded: &Loaded,
    file: FileId,
    pointer: &str,
    node: &Node,
) -> Vec<Diagnostic> {
    let Some(validator) = server_validator() else {
        return Vec::new();
    };
    let instance = node.to_json();
    validator
        .iter_errors(&instance)
        .flat_map(|e| errors::to_diagnostics(&e, loaded, file, pointer))
        .collect()
}

/// The top-level fields of one server the schema finds fault with: a field whose value
/// (or something inside it) is invalid, an unknown key, a missing required field; `""`
/// when the server is not a mapping. The model's partial reading must leave out exactly
/// these (`tests/lint_properties.rs` checks it).
pub fn faulty_fields(node: &Node) -> BTreeSet<String> {
    let Some(validator) = server_validator() else {
        return BTreeSet::new();
    };
    let instance = node.to_json();
    let mut fields = BTreeSet::new();
    for e in validator.iter_errors(&instance) {
        let path = e.instance_path().as_str().to_owned();
        if let Some(first) = crate::load::pointer_tokens(&path).into_iter().next() {
            fields.insert(first);
            continue;
        }
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                fields.extend(unexpected.iter().cloned());
            }
            ValidationErrorKind::Required { property } => {
                fields.insert(property.as_str().unwrap_or_default().to_owned());
            }
            _ => {
                fields.insert(String::new());
            }
        }
    }
    fields
}

/// The file as JSON with an empty `servers` list, so the file-level check stays cheap.
fn shallow_json(root: &Node) -> serde_json::Value {
    let Some(entries) = root.as_map() else {
        return root.to_json();
    };
    let mut map = serde_json::Map::new();
    for e in entries {
        let value = match (&e.key[..], &e.value.value) {
            ("servers", Value::Seq(_)) => serde_json::Value::Array(Vec::new()),
            _ => e.value.to_json(),
        };
        map.insert(e.key.clone(), value);
    }
    serde_json::Value::Object(map)
}
