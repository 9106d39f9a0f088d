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
pub(crate) const SCHEMA_TEXT: &str = include_str!("../../schemas/mcpform.schema.json");

/// The committed schema, parsed (`Null` if it does not parse; `validate_file` then
/// reports that as an error instead of checking nothing).
pub fn schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).unwrap_or(serde_json::Value::Null))
}

/// The two validators: whole files, and one server.
struct Validators {
    file: jsonschema::Validator,
    server: jsonschema::Validator,
}

/// Parses and compiles a schema text; the error says why not.
fn compile_all(text: &str) -> Result<Validators, String> {
    let schema: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("it is not JSON ({e})"))?;
    let compile = |s: &serde_json::Value| {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(s)
            .map_err(|e| format!("it does not compile ({e})"))
    };
    let file = compile(&schema)?;
    // One server: the file schema with `$ref` to `ServerSpec` at its root.
    let mut one = schema.clone();
    let obj = one
        .as_object_mut()
        .ok_or_else(|| "it is not an object".to_owned())?;
    obj.retain(|k, _| k == "$schema" || k == "$defs");
    obj.insert("$ref".into(), "#/$defs/ServerSpec".into());
    Ok(Validators {
        file,
        server: compile(&one)?,
    })
}

/// The embedded schema's validators, compiled once.
fn validators() -> Result<&'static Validators, &'static str> {
    static VALIDATORS: OnceLock<Result<Validators, String>> = OnceLock::new();
    VALIDATORS
        .get_or_init(|| compile_all(SCHEMA_TEXT))
        .as_ref()
        .map_err(String::as_str)
}

fn server_validator() -> Option<&'static jsonschema::Validator> {
    validators().ok().map(|v| &v.server)
}

/// The finding that replaces every schema check when the embedded schema is broken: a
/// bug in mcpform, never a silent pass.
fn broken(file: FileId, why: &str) -> Diagnostic {
    Diagnostic::in_file(
        crate::rule::RuleId::Schema,
        file,
        format!(
            "mcpform's embedded JSON Schema cannot be used: {why}; no schema check ran (a bug in mcpform: please report it)"
        ),
    )
}

/// Validates a file's top level: `version`, the type of `servers`, unknown keys. The
/// servers' items are validated by [`validate_server`] when they do not fit the model.
pub(crate) fn validate_file(loaded: &Loaded, doc: &Document) -> Vec<Diagnostic> {
    let validator = match validators() {
        Ok(v) => &v.file,
        Err(why) => return vec![broken(doc.file, why)],
    };
    let Some(root) = &doc.root else {
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
    let validator = match validators() {
        Ok(v) => &v.server,
        Err(why) => return vec![broken(file, why)],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_schema_is_an_error_never_a_silent_pass() {
        assert!(
            compile_all(SCHEMA_TEXT).is_ok(),
            "the embedded schema compiles"
        );
        let not_json = compile_all("{").err().unwrap();
        assert!(not_json.contains("not JSON"), "{not_json}");
        let bad = compile_all(r#"{"type": 12}"#).err().unwrap();
        assert!(bad.contains("does not compile"), "{bad}");
        let d = broken(FileId(0), &bad);
        assert_eq!(d.severity, crate::rule::Severity::Error);
        assert!(d.message.contains("no schema check ran"));
    }
}
