//! The spanned YAML tree: every node and every mapping key keeps where it came from,
//! so that any JSON pointer a later stage reports can be turned back into a span.

use serde_json::{Map, Number, Value as Json};

use crate::source::Span;

/// A node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node's text is (for a value reached through an alias: the anchored text).
    pub span: Span,
    /// What it holds.
    pub value: Value,
}

/// A node's value, resolved with the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A float (also `.inf` and `.nan`, which JSON cannot hold).
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys in document order (merge-key entries after explicit ones).
    Map(Vec<Entry>),
}

/// A mapping entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as text (YAML keys that are numbers or booleans keep their spelling).
    pub key: String,
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

impl Node {
    /// The entries of a mapping, or `None`.
    pub(crate) fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entry of a mapping with this key.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    /// The value of a mapping at this key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows RFC 6901 JSON-pointer tokens (already unescaped) down the tree.
    pub fn lookup<S: AsRef<str>>(&self, tokens: impl IntoIterator<Item = S>) -> Option<&Node> {
        let mut node = self;
        for token in tokens {
            let token = token.as_ref();
            node = match &node.value {
                Value::Seq(items) => items.get(token.parse::<usize>().ok()?)?,
                Value::Map(_) => node.get(token)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The tree as JSON, for the schema validator and serde. Non-finite floats, which
    /// JSON cannot hold, become their YAML spelling so the schema reports a type error.
    pub fn to_json(&self) -> Json {
        match &self.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::Number((*i).into()),
            Value::Float(f) => Number::from_f64(*f)
                .map_or_else(|| Json::String(float_spelling(*f).to_owned()), Json::Number),
            Value::Str(s) => Json::String(s.clone()),
            Value::Seq(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for e in entries {
                    map.insert(e.key.clone(), e.value.to_json());
                }
                Json::Object(map)
            }
        }
    }
}

/// How JSON (and so the schema and the proxy) sees a float it cannot hold: as the
/// YAML spelling, a string.
pub(crate) fn float_spelling(f: f64) -> &'static str {
    if f.is_nan() {
        ".nan"
    } else if f > 0.0 {
        ".inf"
    } else {
        "-.inf"
    }
}

/// Splits a JSON pointer (`/servers/0/url`) into unescaped tokens.
pub fn pointer_tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Escapes one token for a JSON pointer (borrowed when there is nothing to escape).
pub fn escape_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        std::borrow::Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(token)
    }
}
