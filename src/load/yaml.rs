//! YAML text → spanned [`Node`] tree, built from saphyr's event stream.
//!
//! We build the tree ourselves instead of using saphyr's `MarkedYaml` because we need
//! things it does not do: merge keys (`<<`), duplicate keys found on the resolved key
//! text (saphyr compares quoting style too), findings that do not stop the parse
//! (duplicates, ambiguous booleans), a nesting limit, and one diagnostic type.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use saphyr::Scalar;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Tag};

use super::tree::{Entry, Node, Value};
use crate::diagnostic::Diagnostic;
use crate::rule::RuleId;
use crate::source::{FileId, Pos, Span};

/// Most nodes that aliases may produce in one file. A "billion laughs" document needs
/// millions; real files that share defaults through anchors need far fewer.
pub const ALIAS_NODE_BUDGET: usize = 1_000_000;

/// Deepest nesting accepted. mcpform files nest about six levels; the limit keeps
/// recursive walks over the tree far from the stack's end.
pub const MAX_DEPTH: usize = 64;

/// The outcome of parsing one file.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The document, unless the file is empty or did not parse.
    pub root: Option<Node>,
    /// Everything found on the way (syntax errors are fatal; others are not).
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one file's text.
pub fn parse(file: FileId, text: &str) -> Parsed {
    let mut builder = Builder::new(file);
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let step = match event {
            Ok((event, span)) => builder.on_event(event, span),
            Err(e) => Err(Fatal::from_scan(file, &e)),
        };
        if let Err(fatal) = step {
            builder.diagnostics.push(*fatal.0);
            return Parsed {
                root: None,
                diagnostics: builder.diagnostics,
            };
        }
    }
    if builder.root.is_none() {
        builder.diagnostics.push(
            Diagnostic::in_file(RuleId::EmptyFile, file, "file holds no YAML document").with_help(
                "an mcpform file needs at least `version: 1`; delete the file or fill it",
            ),
        );
    }
    Parsed {
        root: builder.root,
        diagnostics: builder.diagnostics,
    }
}

/// A finding that stops the parse.
struct Fatal(Box<Diagnostic>);

impl Fatal {
    fn from_scan(file: FileId, e: &ScanError) -> Fatal {
        let pos = to_pos(*e.marker());
        let span = Span::new(file, pos, Pos::new(pos.line, pos.col + 1));
        Fatal(Box::new(Diagnostic::at(
            RuleId::YamlSyntax,
            span,
            e.info().to_owned(),
        )))
    }

    fn at(span: Span, message: impl Into<String>) -> Fatal {
        Fatal(Box::new(Diagnostic::at(RuleId::YamlSyntax, span, message)))
    }
}

fn to_pos(m: Marker) -> Pos {
    Pos::new(m.line() as u32, m.col() as u32)
}

/// A collection being built.
enum Frame {
    Seq {
        start: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Pos,
        anchor: usize,
        entries: Vec<Entry>,
        /// Keys seen, once the mapping is big enough for a linear scan to hurt.
        index: Option<HashSet<String>>,
        pending_key: Option<PendingKey>,
        merges: Vec<Node>,
    },
}

struct PendingKey {
    text: String,
    span: Span,
    is_merge: bool,
}

struct Builder {
    file: FileId,
    stack: Vec<Frame>,
    /// Anchored nodes with their size (the alias budget's unit) and nesting depth.
    anchors: HashMap<usize, (Node, usize, usize)>,
    alias_budget: usize,
    root: Option<Node>,
    documents: usize,
    diagnostics: Vec<Diagnostic>,
}

impl Builder {
    fn new(file: FileId) -> Builder {
        Builder {
            file,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_budget: ALIAS_NODE_BUDGET,
            root: None,
            documents: 0,
            diagnostics: Vec::new(),
        }
    }

    fn span(&self, span: saphyr_parser::Span) -> Span {
        Span::new(self.file, to_pos(span.start), to_pos(span.end))
    }

    fn on_event(&mut self, event: Event<'_>, raw: saphyr_parser::Span) -> Result<(), Fatal> {
        let span = self.span(raw);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(Fatal::at(span, "a second YAML document in one file")
                        .with_help("mcpform reads one document per file: split the servers over several files instead of using `---`"));
                }
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_collection_tag(tag.as_deref(), "seq", span)?;
                self.open(
                    span,
                    Frame::Seq {
                        start: span.start,
                        anchor,
                        items: Vec::new(),
                    },
                )?;
            }
            Event::MappingStart(anchor, tag) => {
                self.check_collection_tag(tag.as_deref(), "map", span)?;
                self.open(
                    span,
                    Frame::Map {
                        start: span.start,
                        anchor,
                        entries: Vec::new(),
                        index: None,
                        pending_key: None,
                        merges: Vec::new(),
                    },
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
            Event::Scalar(text, style, anchor, tag) => {
                self.on_scalar(text, style, anchor, tag.as_deref(), span)?;
            }
            Event::Alias(id) => self.on_alias(id, span)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn check_collection_tag(
        &self,
        tag: Option<&Tag>,
        expected: &str,
        span: Span,
    ) -> Result<(), Fatal> {
        match tag {
            None => Ok(()),
            Some(t) if t.is_yaml_core_schema() && t.suffix == expected => Ok(()),
            Some(t) => Err(unsupported_tag(t, span)),
        }
    }

    fn open(&mut self, span: Span, frame: Frame) -> Result<(), Fatal> {
        if let Some(Frame::Map {
            pending_key: None, ..
        }) = self.stack.last()
        {
            return Err(
                Fatal::at(span, "a mapping key that is itself a mapping or sequence")
                    .with_help("mcpform keys are plain strings"),
            );
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(Fatal::at(
                span,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self, end: Span) -> Result<(), Fatal> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (node, anchor) = match frame {
            Frame::Seq {
                start,
                anchor,
                mut items,
            } => {
                // Trees of large files live until the run ends: no slack from doubling.
                items.shrink_to_fit();
                let end_pos = items.last().map_or(end.end, |n| n.span.end);
                let span = Span::new(self.file, start, end_pos.max(start));
                (
                    Node {
                        span,
                        value: Value::Seq(items),
                    },
                    anchor,
                )
            }
            Frame::Map {
                start,
                anchor,
                mut entries,
                merges,
                ..
            } => {
                let end_pos = entries.last().map_or(end.end, |e| e.value.span.end);
                apply_merges(&mut entries, merges);
                entries.shrink_to_fit();
                let span = Span::new(self.file, start, end_pos.max(start));
                (
                    Node {
                        span,
                        value: Value::Map(entries),
                    },
                    anchor,
                )
            }
        };
        self.insert(node, anchor)
    }

    fn on_scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<(), Fatal> {
        if let Some(Frame::Map { pending_key, .. }) = self.stack.last_mut()
            && pending_key.is_none()
        {
            *pending_key = Some(PendingKey {
                is_merge: style == ScalarStyle::Plain && text == "<<",
                text: text.into_owned(),
                span,
            });
            return Ok(());
        }
        if let Some(t) = tag
            && !t.is_yaml_core_schema()
        {
            return Err(unsupported_tag(t, span));
        }
        let tag_cow = tag.map(|t| Cow::Owned(t.clone()));
        let is_plain = style == ScalarStyle::Plain;
        let value = match Scalar::parse_from_cow_and_metadata(text, style, tag_cow.as_ref()) {
            Some(Scalar::Null) => Value::Null,
            Some(Scalar::Boolean(b)) => Value::Bool(b),
            Some(Scalar::Integer(i)) => Value::Int(i),
            Some(Scalar::FloatingPoint(f)) => Value::Float(f.into_inner()),
            Some(Scalar::String(s)) => Value::Str(s.into_owned()),
            None => {
                let tag = tag.map_or_else(String::new, |t| format!("{}{}", t.handle, t.suffix));
                return Err(Fatal::at(
                    span,
                    format!("the value does not match its tag `{tag}`"),
                ));
            }
        };
        if is_plain
            && tag.is_none()
            && let Value::Str(s) = &value
            && is_yaml11_bool(s)
        {
            self.diagnostics.push(ambiguous_bool(s, span));
        }
        self.insert(Node { span, value }, anchor)
    }

    fn on_alias(&mut self, id: usize, span: Span) -> Result<(), Fatal> {
        let Some((node, size, depth)) = self.anchors.get(&id) else {
            return Err(Fatal::at(span, "an alias to an unknown anchor"));
        };
        // An alias pastes a whole subtree: the nesting limit applies to it too.
        if self.stack.len() + depth > MAX_DEPTH {
            return Err(Fatal::at(
                span,
                format!("nesting deeper than {MAX_DEPTH} levels (through this alias)"),
            ));
        }
        if *size > self.alias_budget {
            return Err(Fatal::at(
                span,
                format!("aliases expand to more than {ALIAS_NODE_BUDGET} nodes (an alias bomb?)"),
            )
            .with_help("mcpform stops expanding here; share less through anchors"));
        }
        self.alias_budget -= size;
        let node = node.clone();
        self.insert(node, 0)
    }

    fn insert(&mut self, node: Node, anchor: usize) -> Result<(), Fatal> {
        if anchor > 0 {
            let (size, depth) = (count_nodes(&node), depth_of(&node));
            self.anchors.insert(anchor, (node.clone(), size, depth));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                index,
                pending_key,
                merges,
                ..
            }) => {
                let Some(key) = pending_key.take() else {
                    return Ok(());
                };
                if key.is_merge {
                    return push_merge(merges, node, key.span);
                }
                if let Some(first) = find_key(entries, index, &key.text) {
                    let first_span = entries[first].key_span;
                    self.diagnostics.push(
                        Diagnostic::at(
                            RuleId::DuplicateKey,
                            key.span,
                            format!("key `{}` is given twice in this mapping", key.text),
                        )
                        .with_label("second occurrence")
                        .with_related(first_span, "first given here")
                        .with_help("remove one; mcpform keeps the first"),
                    );
                    return Ok(());
                }
                if let Some(index) = index {
                    index.insert(key.text.clone());
                } else if entries.len() >= 16 {
                    let mut set: HashSet<String> = entries.iter().map(|e| e.key.clone()).collect();
                    set.insert(key.text.clone());
                    *index = Some(set);
                }
                entries.push(Entry {
                    key: key.text,
                    key_span: key.span,
                    value: node,
                });
                Ok(())
            }
        }
    }
}

impl Fatal {
    fn with_help(mut self, help: &str) -> Fatal {
        self.0.help = Some(help.to_owned());
        self
    }
}

fn find_key(entries: &[Entry], index: &Option<HashSet<String>>, key: &str) -> Option<usize> {
    if let Some(index) = index
        && !index.contains(key)
    {
        return None;
    }
    entries.iter().position(|e| e.key == key)
}

fn push_merge(merges: &mut Vec<Node>, node: Node, key_span: Span) -> Result<(), Fatal> {
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
fn apply_merges(entries: &mut Vec<Entry>, merges: Vec<Node>) {
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
fn depth_of(node: &Node) -> usize {
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

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries.iter().map(|e| 1 + count_nodes(&e.value)).sum(),
        _ => 0,
    }
}

fn unsupported_tag(tag: &Tag, span: Span) -> Fatal {
    // saphyr hands `!!map` over expanded; show it the way it was written.
    let shown = match tag.handle.as_str() {
        "tag:yaml.org,2002:" => format!("!!{}", tag.suffix),
        handle => format!("{handle}{}", tag.suffix),
    };
    if tag.is_yaml_core_schema() {
        return Fatal::at(span, format!("the tag `{shown}` does not fit this value"))
            .with_help("remove the tag: mcpform reads the value's own type");
    }
    let help = if shown.contains("env") {
        "write secrets as `${env:NAME}` strings instead of a tag"
    } else {
        "mcpform reads plain YAML 1.2: remove the tag"
    };
    Fatal::at(span, format!("unsupported tag `{shown}`")).with_help(help)
}

/// The YAML 1.1 spellings of booleans that YAML 1.2 reads as strings.
fn is_yaml11_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

fn ambiguous_bool(s: &str, span: Span) -> Diagnostic {
    let meaning = matches!(s, "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON");
    Diagnostic::at(
        RuleId::AmbiguousBool,
        span,
        format!("plain `{s}` is the string \"{s}\" in YAML 1.2, but YAML 1.1 tools read it as `{meaning}`"),
    )
    .with_help(format!("write `{meaning}` for a boolean, or quote it (\"{s}\") for a string"))
}

#[cfg(test)]
mod tests;
