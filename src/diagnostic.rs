//! A finding about the user's files: which rule, how bad, where, and what to do.
//! Produced by `load`, `schema` and `lint`; printed by `report`.

use crate::rule::{RuleId, Severity};
use crate::source::{FileId, Span};

/// A secondary location, such as "first defined here".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that found it.
    pub rule: RuleId,
    /// Its severity (the rule's default unless changed).
    pub severity: Severity,
    /// What is wrong, in one sentence, lower case, values in backticks.
    pub message: String,
    /// The file it is about.
    pub file: FileId,
    /// The exact key or value; `None` when the finding is about the whole file.
    pub span: Option<Span>,
    /// Short text under the primary span.
    pub label: Option<String>,
    /// Other places that matter.
    pub related: Vec<Related>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A finding at a span, with the rule's default severity.
    pub fn at(rule: RuleId, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            severity: rule.default_severity(),
            message: message.into(),
            file: span.file,
            span: Some(span),
            label: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// A finding about a whole file.
    pub(crate) fn in_file(rule: RuleId, file: FileId, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            severity: rule.default_severity(),
            message: message.into(),
            file,
            span: None,
            label: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// A finding at a span when one is known, else about the whole file.
    pub fn located(
        rule: RuleId,
        file: FileId,
        span: Option<Span>,
        message: impl Into<String>,
    ) -> Diagnostic {
        match span {
            Some(span) => Diagnostic::at(rule, span, message),
            None => Diagnostic::in_file(rule, file, message),
        }
    }

    /// Adds the label under the primary span.
    pub(crate) fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Adds a hint.
    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary location.
    pub(crate) fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// Sort key: file, then position, then rule, so every output format is stable.
    pub(crate) fn sort_key(&self) -> (FileId, u32, u32, RuleId) {
        let pos = self.span.map(|s| s.start).unwrap_or_default();
        (self.file, pos.line, pos.col, self.rule)
    }
}

/// Shortens text for a message: at most `max` characters, then `…`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Notes.
    pub notes: usize,
}

impl Tally {
    /// Counts a list of findings.
    pub(crate) fn of(diagnostics: &[Diagnostic]) -> Tally {
        let mut t = Tally::default();
        for d in diagnostics {
            match d.severity {
                Severity::Error => t.errors += 1,
                Severity::Warning => t.warnings += 1,
                Severity::Note => t.notes += 1,
            }
        }
        t
    }
}
