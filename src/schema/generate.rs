//! The JSON Schema, generated from the model's types and then finished by hand in the
//! few places schemars cannot express (the `x-` keys, the `ignore_changes` names, which
//! come from the model's field table).

use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use crate::model::{FileSpec, ignorable_fields};

/// The schema as the model defines it, in the committed file's exact form.
pub fn generated() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<FileSpec>();
    let mut value = serde_json::to_value(schema).unwrap_or(Value::Null);
    finish(&mut value);
    value
}

/// Names of every server field, in declaration order (the `ServerSpec` properties).
pub fn server_fields(schema: &Value) -> Vec<String> {
    schema["$defs"]["ServerSpec"]["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn finish(schema: &mut Value) {
    let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
    inline_nullable_enums(schema, &defs);
    unwrap_descriptions(schema);
    if let Some(root) = schema.as_object_mut() {
        root.insert(
            "patternProperties".into(),
            json!({
                "^x-": {
                    "description": "Ignored by mcpform: a place for YAML anchors with shared defaults (`x-defaults: &defaults`)."
                }
            }),
        );
    }
    let ignorable: Vec<Value> = ignorable_fields().map(Value::from).collect();
    if let Some(items) = schema
        .pointer_mut("/$defs/Lifecycle/properties/ignore_changes/items")
        .and_then(Value::as_object_mut)
    {
        items.insert("enum".into(), Value::Array(ignorable));
    }
}

/// `anyOf: [{$ref: Enum}, {type: null}]` → `enum: [..., null]`: one keyword that
/// editors complete and that fails with one clear error.
fn inline_nullable_enums(node: &mut Value, defs: &Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Array(branches)) = map.get("anyOf")
                && let [Value::Object(first), Value::Object(second)] = branches.as_slice()
            {
                let target = first
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    .and_then(|name| defs.get(name));
                let is_null = second.get("type").and_then(Value::as_str) == Some("null");
                if let (Some(Value::Array(values)), true) =
                    (target.and_then(|t| t.get("enum")), is_null)
                {
                    let mut values = values.clone();
                    values.push(Value::Null);
                    map.remove("anyOf");
                    map.insert("type".into(), json!(["string", "null"]));
                    map.insert("enum".into(), Value::Array(values));
                }
            }
            for v in map.values_mut() {
                inline_nullable_enums(v, defs);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| inline_nullable_enums(v, defs)),
        _ => {}
    }
}

/// Doc comments are wrapped at 90 columns; editors show descriptions as paragraphs.
fn unwrap_descriptions(node: &mut Value) {
    match node {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "description" {
                    if let Value::String(s) = v {
                        *s = s
                            .split("\n\n")
                            .map(|para| {
                                para.split('\n')
                                    .map(str::trim)
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            })
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                } else {
                    unwrap_descriptions(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}
