//! Schema validation errors → diagnostics at the exact key or value.
//!
//! jsonschema reports `required` and `additionalProperties` on the parent object; we
//! move them to the offending key (or to the key that holds the object), and word every
//! message for a person editing YAML, not for a JSON Schema expert.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::diagnostic::{Diagnostic, truncate};
use crate::load::{Loaded, escape_token, pointer_tokens};
use crate::model::Locate;
use crate::rule::RuleId;
use crate::source::{FileId, Span};

use super::schema;

pub(super) fn to_diagnostics(
    error: &ValidationError<'_>,
    loaded: &Loaded,
    file: FileId,
    prefix: &str,
) -> Vec<Diagnostic> {
    let at = Place {
        loaded,
        file,
        pointer: format!("{prefix}{}", error.instance_path().as_str()),
    };
    let schema_node = schema_parent(error.schema_path().as_str());
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|key| unknown_field(&at, key, schema_node))
            .collect(),
        ValidationErrorKind::Required { property } => {
            vec![missing_field(&at, property.as_str().unwrap_or_default())]
        }
        ValidationErrorKind::AnyOf { context } => {
            let branch = best_branch(context);
            if branch.is_empty() {
                vec![fallback(&at, error)]
            } else {
                branch
                    .iter()
                    .flat_map(|e| to_diagnostics(e, loaded, file, prefix))
                    .collect()
            }
        }
        ValidationErrorKind::Enum { options } => vec![bad_enum(&at, error.instance(), options)],
        ValidationErrorKind::Type { .. } => {
            vec![wrong_type(&at, error.instance(), schema_node)]
        }
        ValidationErrorKind::Constant { expected_value } => {
            vec![at.value_diag(format!("{} must be `{}`", at.field_name(), expected_value))]
        }
        ValidationErrorKind::Minimum { limit } => vec![at.value_diag(format!(
            "{} must be {limit} or more, not {}",
            at.field_name(),
            error.instance()
        ))],
        _ => vec![fallback(&at, error)],
    }
}

/// Where an error is: the file and the instance pointer.
struct Place<'a> {
    loaded: &'a Loaded,
    file: FileId,
    pointer: String,
}

impl Place<'_> {
    /// The value's span; for the document root, its first line.
    fn value_span(&self) -> Option<Span> {
        self.loaded.value_span(self.file, &self.pointer)
    }

    /// A diagnostic at the value.
    fn value_diag(&self, message: String) -> Diagnostic {
        let d = Diagnostic::located(RuleId::Schema, self.file, self.value_span(), message);
        d.with_label(display_path(&self.pointer))
    }

    /// `` `transport` `` for messages, "entry of `ignore_changes`" for list items, or
    /// "the file" at the root.
    fn field_name(&self) -> String {
        let tokens = pointer_tokens(&self.pointer);
        match tokens.as_slice() {
            [] => "the file".to_owned(),
            [.., parent, last] if last.parse::<usize>().is_ok() => format!("entry of `{parent}`"),
            [.., last] => format!("`{last}`"),
        }
    }
}

/// The schema object that holds the failing keyword (`.../properties/x/enum` → `.../properties/x`).
fn schema_parent(schema_path: &str) -> Option<&'static Value> {
    let mut tokens = pointer_tokens(schema_path);
    tokens.pop();
    let mut node = schema();
    for t in tokens {
        node = match node {
            Value::Object(m) => m.get(&t)?,
            Value::Array(a) => a.get(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// `servers[3].env_vars[0].scope` from `/servers/3/env_vars/0/scope`.
pub(crate) fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for t in pointer_tokens(pointer) {
        if t.parse::<usize>().is_ok() {
            out.push_str(&format!("[{t}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&t);
        }
    }
    if out.is_empty() {
        "(file)".to_owned()
    } else {
        out
    }
}

fn unknown_field(at: &Place<'_>, key: &str, schema_node: Option<&Value>) -> Diagnostic {
    let child = format!("{}/{}", at.pointer, escape_token(key));
    let span = at
        .loaded
        .key_span(at.file, &child)
        .or_else(|| at.value_span());
    let known: Vec<&str> = schema_node
        .and_then(|n| n.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let message = format!("unknown field `{key}`");
    let mut d = Diagnostic::located(RuleId::Schema, at.file, span, message)
        .with_label(display_path(&child));
    d = match closest(key, known.iter().copied()) {
        Some(best) => d.with_help(format!("did you mean `{best}`?")),
        None if !known.is_empty() => d.with_help(format!(
            "known fields here: {}",
            list_backticked(&known, 12)
        )),
        None => d,
    };
    if at.pointer.is_empty() {
        d = d.with_help(match closest(key, known.iter().copied()) {
            Some(best) => {
                format!("did you mean `{best}`? (top-level keys starting with `x-` are ignored)")
            }
            None => {
                "top-level keys are `version` and `servers`; keys starting with `x-` are ignored"
                    .to_owned()
            }
        });
    }
    d
}

fn missing_field(at: &Place<'_>, property: &str) -> Diagnostic {
    let message = if at.pointer.is_empty() {
        format!("missing `{property}`: every mcpform file starts with `version: 1`")
    } else {
        format!("missing required field `{property}`")
    };
    // Point at the key that holds the object, or for a list item at its first key.
    let span = at
        .loaded
        .key_span(at.file, &at.pointer)
        .filter(|_| !ends_in_index(&at.pointer))
        .or_else(|| first_key_span(at))
        .or_else(|| at.value_span());
    let d = Diagnostic::located(RuleId::Schema, at.file, span, message);
    d.with_label(display_path(&at.pointer))
}

fn ends_in_index(pointer: &str) -> bool {
    pointer_tokens(pointer)
        .last()
        .is_some_and(|t| t.parse::<usize>().is_ok())
}

fn first_key_span(at: &Place<'_>) -> Option<Span> {
    let node = at.loaded.node(at.file, &at.pointer)?;
    node.as_map()?.first().map(|e| e.key_span)
}

fn bad_enum(at: &Place<'_>, value: &Value, options: &Value) -> Diagnostic {
    let allowed: Vec<String> = options
        .as_array()
        .map(|a| a.iter().filter(|v| !v.is_null()).map(show_value).collect())
        .unwrap_or_default();
    let shown = show_value(value);
    let mut d = at.value_diag(format!(
        "`{shown}` is not a valid {}; expected one of {}",
        at.field_name(),
        allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if let Some(s) = value.as_str()
        && let Some(best) = closest(s, allowed.iter().map(String::as_str))
    {
        d = d.with_help(format!("did you mean `{best}`?"));
    }
    d
}

fn wrong_type(at: &Place<'_>, value: &Value, schema_node: Option<&Value>) -> Diagnostic {
    let expected = schema_node
        .and_then(|n| n.get("type"))
        .map(describe_types)
        .unwrap_or_else(|| "another type".to_owned());
    let found = json_kind(value);
    if at.pointer.is_empty() {
        let message =
            format!("an mcpform file is a mapping with `version` and `servers`, not {found}");
        // Underline where the document starts, not the whole document.
        let start = at.value_span().map(|s| {
            Span::new(
                s.file,
                s.start,
                crate::source::Pos::new(s.start.line, s.start.col + 1),
            )
        });
        let d = Diagnostic::located(RuleId::Schema, at.file, start, message);
        return d.with_help("start the file with `version: 1` and list servers under `servers:`");
    }
    let mut d = at.value_diag(format!(
        "{} must be {expected}, not {found}",
        at.field_name()
    ));
    if let Some(s) = value.as_str()
        && expected.contains("boolean")
    {
        let yes = matches!(s.to_ascii_lowercase().as_str(), "yes" | "y" | "on" | "true");
        d = d.with_help(format!("write `{yes}` without quotes"));
    }
    d
}

fn fallback(at: &Place<'_>, error: &ValidationError<'_>) -> Diagnostic {
    at.value_diag(format!("{}: {}", display_path(&at.pointer), error.masked()))
}

/// Of `anyOf` branches, the errors of the one that got furthest: a branch that only
/// failed because the value is not `null` says nothing useful.
fn best_branch<'a>(context: &'a [Vec<ValidationError<'static>>]) -> &'a [ValidationError<'static>] {
    context
        .iter()
        .filter(|errors| {
            !errors.iter().all(|e| {
                matches!(e.kind(), ValidationErrorKind::Type { .. })
                    && schema_parent(e.schema_path().as_str())
                        .and_then(|n| n.get("type"))
                        .is_some_and(|t| t == "null")
            })
        })
        .min_by_key(|errors| errors.len())
        .map_or(&[], Vec::as_slice)
}

fn describe_types(t: &Value) -> String {
    let names: Vec<&str> = match t {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let words: Vec<String> = names
        .iter()
        .map(|n| match *n {
            "object" => "a mapping".to_owned(),
            "array" => "a list".to_owned(),
            "string" => "a string".to_owned(),
            "integer" => "an integer".to_owned(),
            "number" => "a number".to_owned(),
            "boolean" => "a boolean (true or false)".to_owned(),
            "null" => "null".to_owned(),
            other => other.to_owned(),
        })
        .collect();
    words.join(" or ")
}

fn json_kind(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string \"{}\"", truncate(s, 40)),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
    }
}

/// A value as text for messages, without quotes for strings.
fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => truncate(s, 40),
        other => other.to_string(),
    }
}

fn list_backticked(items: &[&str], max: usize) -> String {
    let mut shown: Vec<String> = items.iter().take(max).map(|s| format!("`{s}`")).collect();
    if items.len() > max {
        shown.push("…".to_owned());
    }
    shown.join(", ")
}

/// The nearest candidate by edit distance, if it is near enough to be a likely typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .map(|c| {
            (
                strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| {
            *d <= (c.len().max(word.len()) / 3).max(1) || c.contains(&lower) && lower.len() >= 3
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
