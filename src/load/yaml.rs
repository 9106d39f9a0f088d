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
use nodes::{apply_merges, count_nodes, depth_of, find_key, push_merge, what_node};
use scalars::{ambiguous_bool, is_yaml11_bool, unsupported_tag};

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
            let text = text.into_owned();
            *pending_key = Some(PendingKey {
                is_merge: style == ScalarStyle::Plain && text == "<<",
                text: text.clone(),
                span,
            });
            // An anchor on a key (`&k description:`) names that key's text.
            if anchor > 0 {
                let node = Node {
                    span,
                    value: Value::Str(text),
                };
                self.anchors.insert(anchor, (node, 1, 0));
            }
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
        if let Some(Frame::Map { pending_key, .. }) = self.stack.last_mut()
            && pending_key.is_none()
        {
            // An alias as a key is the key its anchor names, when that is a string.
            let Value::Str(text) = node.value else {
                return Err(Fatal::at(
                    span,
                    format!(
                        "an alias used as a mapping key must name a string, and this one names {}",
                        what_node(&node.value)
                    ),
                )
                .with_help("mcpform keys are plain strings: write the key itself here"));
            };
            *pending_key = Some(PendingKey {
                text,
                span,
                is_merge: false,
            });
            return Ok(());
        }
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

mod nodes;
mod scalars;

#[cfg(test)]
mod tests;
