//! `--format human`: miette's graphical reports, one per finding, and a summary line.
//!
//! The theme is chosen here, once, from the run's colour decision, so output does not
//! depend on which of stdout or stderr happens to be a terminal.

use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, NamedSource, SourceCode,
    SourceSpan, SpanContents,
};

use super::{ReportInput, counts_phrase};
use crate::diagnostic::{Diagnostic, Tally};
use crate::rule::Severity;
use crate::source::{Sources, Span};

/// Width reports wrap at (stable for snapshots and CI logs).
const WIDTH: usize = 100;

pub(super) fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let theme = if input.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false);
    for d in input.diagnostics {
        let view = View::new(d, input.sources);
        let mut text = String::new();
        handler
            .render_report(&mut text, &view)
            .map_err(|e| io::Error::other(e.to_string()))?;
        out.write_all(text.as_bytes())?;
        writeln!(out)?;
    }
    let tally = Tally::of(input.diagnostics);
    if input.diagnostics.is_empty() {
        writeln!(
            out,
            "mcpform lint: {} server(s) in {} file(s), no problems",
            input.servers,
            input.sources.len()
        )
    } else {
        writeln!(
            out,
            "mcpform lint: {} in {} file(s)",
            counts_phrase(tally),
            input.sources.len()
        )
    }
}

/// A diagnostic as miette sees it.
struct View {
    message: String,
    code: &'static str,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<ArcText>>,
    labels: Vec<LabeledSpan>,
    related: Vec<View>,
}

/// Shared file text, so every finding in a file does not copy it.
#[derive(Clone)]
struct ArcText(Arc<str>);

impl SourceCode for ArcText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        self.0
            .as_ref()
            .read_span(span, context_lines_before, context_lines_after)
    }
}

impl View {
    fn new(d: &Diagnostic, sources: &Sources) -> View {
        let file = sources.get(d.file);
        let source = NamedSource::new(file.display_name(), ArcText(file.text().clone()));
        let mut labels = Vec::new();
        if let Some(span) = d.span {
            labels.push(LabeledSpan::new_primary_with_span(
                d.label.clone(),
                source_span(span, sources),
            ));
        }
        let mut related = Vec::new();
        for r in &d.related {
            if r.span.file == d.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(r.message.clone()),
                    source_span(r.span, sources),
                ));
            } else {
                related.push(View::related(r.span, &r.message, sources));
            }
        }
        // Without a span miette shows no file name: put it in the message.
        let message = match d.span {
            Some(_) => d.message.clone(),
            None => format!("{}: {}", file.display_name(), d.message),
        };
        View {
            message,
            code: d.rule.id(),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Note => miette::Severity::Advice,
            },
            help: d.help.clone(),
            source: d.span.map(|_| source),
            labels,
            related,
        }
    }

    fn related(span: Span, message: &str, sources: &Sources) -> View {
        let file = sources.get(span.file);
        View {
            message: message.to_owned(),
            code: "",
            severity: miette::Severity::Advice,
            help: None,
            source: Some(NamedSource::new(
                file.display_name(),
                ArcText(file.text().clone()),
            )),
            labels: vec![LabeledSpan::new_primary_with_span(
                Some(message.to_owned()),
                source_span(span, sources),
            )],
            related: Vec::new(),
        }
    }
}

fn source_span(span: Span, sources: &Sources) -> SourceSpan {
    let range = span.byte_range(sources.get(span.file));
    SourceSpan::new(range.start.into(), range.end - range.start)
}

impl std::fmt::Debug for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View {}

impl miette::Diagnostic for View {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn std::fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = _>>
        })
    }
}
