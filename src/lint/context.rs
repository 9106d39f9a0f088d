//! What every rule can see: the files (for spans), the servers, and the options.
//!
//! A server may have fields that do not fit the model (the schema reports them): they
//! are missing from its `spec`, so a rule that infers from a field being absent checks
//! [`DeclaredServer::fits`] first, and no rule reports on a field that does not fit.

use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::model::{DeclaredServer, Locate};
use crate::rule::RuleId;
use crate::source::Span;

use super::LintOptions;

/// The context of one lint run.
pub struct Ctx<'a> {
    /// The files.
    pub loaded: &'a Loaded,
    /// Every declared server, complete or not.
    pub servers: &'a [DeclaredServer],
    /// The options.
    pub options: &'a LintOptions<'a>,
}

impl<'a> Ctx<'a> {
    /// A context.
    pub fn new(
        loaded: &'a Loaded,
        servers: &'a [DeclaredServer],
        options: &'a LintOptions<'a>,
    ) -> Ctx<'a> {
        Ctx {
            loaded,
            servers,
            options,
        }
    }

    /// Every declared server, complete or not: rules read the fields that fit.
    pub fn servers(&self) -> impl Iterator<Item = &'a DeclaredServer> {
        self.servers.iter()
    }

    /// Span of a server's field value (`field`: a key or a relative pointer).
    pub(crate) fn value_span(&self, server: &DeclaredServer, field: &str) -> Option<Span> {
        self.loaded
            .value_span(server.origin.file, &server.origin.field_pointer(field))
    }

    /// Span of a server's field key.
    pub(crate) fn key_span(&self, server: &DeclaredServer, field: &str) -> Option<Span> {
        self.loaded
            .key_span(server.origin.file, &server.origin.field_pointer(field))
    }

    /// Span of the server's first key, for findings about the server as a whole.
    pub(crate) fn server_span(&self, server: &DeclaredServer) -> Option<Span> {
        let node = self
            .loaded
            .node(server.origin.file, &server.origin.pointer)?;
        node.as_map()
            .and_then(|m| m.first())
            .map(|e| e.key_span)
            .or(Some(node.span))
    }

    /// A finding at a field's value, falling back to its key, then to the server.
    pub(crate) fn at_value(
        &self,
        rule: RuleId,
        server: &DeclaredServer,
        field: &str,
        message: String,
    ) -> Diagnostic {
        let span = self
            .value_span(server, field)
            .or_else(|| self.key_span(server, field))
            .or_else(|| self.server_span(server));
        self.finding(rule, server, span, message)
    }

    /// A finding at a field's key, falling back to the server.
    pub(crate) fn at_key(
        &self,
        rule: RuleId,
        server: &DeclaredServer,
        field: &str,
        message: String,
    ) -> Diagnostic {
        let span = self
            .key_span(server, field)
            .or_else(|| self.server_span(server));
        self.finding(rule, server, span, message)
    }

    /// A finding at `needle` inside a string value (a `${env:…}` reference) when the
    /// source spells the value as written (plain, or quoted without escapes); else at
    /// the whole value.
    pub(crate) fn at_text(
        &self,
        rule: RuleId,
        server: &DeclaredServer,
        field: &str,
        needle: &str,
        message: String,
    ) -> Diagnostic {
        let span = self
            .value_span(server, field)
            .map(|whole| self.narrow(whole, server, field, needle).unwrap_or(whole));
        match span {
            Some(span) => self.finding(rule, server, Some(span), message),
            None => self.at_value(rule, server, field, message),
        }
    }

    /// The span of `needle` inside the value at `field`, when it can be found exactly.
    fn narrow(
        &self,
        whole: Span,
        server: &DeclaredServer,
        field: &str,
        needle: &str,
    ) -> Option<Span> {
        let node = self
            .loaded
            .node(server.origin.file, &server.origin.field_pointer(field))?;
        let crate::load::Value::Str(value) = &node.value else {
            return None;
        };
        let file = self.loaded.sources.get(whole.file);
        let range = whole.byte_range(file);
        let source = file.text().get(range.clone())?;
        // Plain scalars are their text; quoted ones add one quote on each side.
        let lead = if source == value {
            0
        } else if source.len() == value.len() + 2 && source.get(1..source.len() - 1) == Some(value)
        {
            1
        } else {
            return None;
        };
        let at = range.start + lead + value.find(needle)?;
        Some(Span::new(
            whole.file,
            file.pos_at_byte(at),
            file.pos_at_byte(at + needle.len()),
        ))
    }

    fn finding(
        &self,
        rule: RuleId,
        server: &DeclaredServer,
        span: Option<Span>,
        message: String,
    ) -> Diagnostic {
        Diagnostic::located(rule, server.origin.file, span, message)
    }
}
