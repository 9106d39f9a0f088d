//! Helpers of the tree builder over whole nodes: keys, merge keys (`<<`), and the
//! size and depth that bound what aliases may paste.

use std::collections::HashSet;

use super::Fatal;
use crate::load::tree::{Entry, Node, Value};
use crate::source::Span;

/// What a node is, for a message: `a mapping`, `a number`.
pub(super) fn what_node(value: &Value) -> &'static str {
    match value {
        Value::Map(_) => "a mapping",
        Value::Seq(_) => "a list",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
        Value::Str(_) => "a string",
    }
}

pub(super) fn find_key(
    entries: &[Entry],
    index: &Option<HashSet<String>>,
    key: &str,
) -> Option<usize> {
    if let Some(index) = index
        && !index.contains(key)
    {
        return None;
    }
    entries.iter().position(|e| e.key == key)
}

pub(super) fn push_merge(merges: &mut Vec<Node>, node: Node, key_span: Span) -> Result<(), Fatal> {
    match &node.value {
        Value::Map(_) => merges.push(node),
        Value::Seq(items) if items.iter().all(|n| matches!(n.value, Value::Map(_))) => {
            merges.extend(items.iter().cloned());
        }
        _ => {
            return Err(Fatal::at(
                key_span,
                "a merge key `<<` must hold a mapping or a list of mappings",
            ));
        }
    }
    Ok(())
}

/// YAML merge keys: explicit keys win; among merged mappings the first wins.
pub(super) fn apply_merges(entries: &mut Vec<Entry>, merges: Vec<Node>) {
    if merges.is_empty() {
        return;
    }
    let mut present: HashSet<String> = entries.iter().map(|e| e.key.clone()).collect();
    for source in merges {
        if let Value::Map(source_entries) = source.value {
            for e in source_entries {
                if present.insert(e.key.clone()) {
                    entries.push(e);
                }
            }
        }
    }
}

/// Levels of collections in a node (a scalar has none).
pub(super) fn depth_of(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(depth_of).max().unwrap_or(0),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|e| depth_of(&e.value))
                .max()
                .unwrap_or(0)
        }
        _ => 0,
    }
}

pub(super) fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries.iter().map(|e| 1 + count_nodes(&e.value)).sum(),
        _ => 0,
    }
}
