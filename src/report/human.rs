//! `--format human`: miette's graphical reports, one per finding, and a summary line.
//!
//! The theme is chosen here, once, from the run's colour decision, so output does not
//! depend on which of stdout or stderr happens to be a terminal. Everything printed that
//! came from the files (messages quoting keys and values, labels, help, file names, the
//! snippets themselves) is escaped for the terminal on its way in; files that are not
//! clean text get positions but no snippet.

use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::excerpt::{CONTEXT_LINES, Excerpt};
use super::{Location, ReportInput, counts_phrase};
use crate::diagnostic::{Diagnostic, Tally};
use crate::escape::terminal_line;
use crate::rule::Severity;
use crate::source::{SourceFile, Sources, Span};

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
        .with_links(false)
        .with_context_lines(CONTEXT_LINES as usize);
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

/// A diagnostic as miette sees it: every text in it escaped, its source an
/// [`Excerpt`] (only the lines it shows, made safe to print).
struct View {
    message: String,
    code: &'static str,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Excerpt>,
    labels: Vec<LabeledSpan>,
    related: Vec<View>,
}

impl View {
    fn new(d: &Diagnostic, sources: &Sources) -> View {
        let file = sources.get(d.file);
        let mut view = View {
            message: terminal_line(&d.message).into_owned(),
            code: d.rule.id(),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Note => miette::Severity::Advice,
            },
            help: d.help.as_deref().map(|h| terminal_line(h).into_owned()),
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        let Some(span) = d.span else {
            // Without a span miette shows no file name: put it in the message.
            view.message = format!("{}: {}", shown_name(file), view.message);
            return view;
        };
        if !file.shows_snippets() {
            // Text that is not clean (not UTF-8, or a raw control character) is never
            // shown: the position goes in the message instead.
            view.message = format!("{}: {}", position(span, sources), view.message);
            view.related = d
                .related
                .iter()
                .map(|r| View::related(r.span, &r.message, sources))
                .collect();
            return view;
        }
        let here: Vec<&crate::diagnostic::Related> =
            d.related.iter().filter(|r| r.span.file == d.file).collect();
        let spans: Vec<Span> = std::iter::once(span)
            .chain(here.iter().map(|r| r.span))
            .collect();
        let (excerpt, shown) = Excerpt::new(file, &spans);
        view.labels.push(LabeledSpan::new_primary_with_span(
            d.label.as_deref().map(|l| terminal_line(l).into_owned()),
            shown[0],
        ));
        for (r, at) in here.iter().zip(&shown[1..]) {
            view.labels.push(LabeledSpan::new_with_span(
                Some(terminal_line(&r.message).into_owned()),
                *at,
            ));
        }
        view.source = Some(excerpt);
        view.related = d
            .related
            .iter()
            .filter(|r| r.span.file != d.file)
            .map(|r| View::related(r.span, &r.message, sources))
            .collect();
        view
    }

    fn related(span: Span, message: &str, sources: &Sources) -> View {
        let file = sources.get(span.file);
        let message = terminal_line(message).into_owned();
        let mut view = View {
            message: message.clone(),
            code: "",
            severity: miette::Severity::Advice,
            help: None,
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        if file.shows_snippets() {
            let (excerpt, shown) = Excerpt::new(file, &[span]);
            view.labels = vec![LabeledSpan::new_primary_with_span(Some(message), shown[0])];
            view.source = Some(excerpt);
        } else {
            view.message = format!("{}: {message}", position(span, sources));
        }
        view
    }
}

/// A file's name, safe for a terminal.
fn shown_name(file: &SourceFile) -> String {
    terminal_line(&file.display_name()).into_owned()
}

/// `file:line:column` of a span's start, as in a snippet's header.
fn position(span: Span, sources: &Sources) -> String {
    let loc = Location::of(span, sources);
    format!(
        "{}:{}:{}",
        shown_name(sources.get(span.file)),
        loc.line,
        loc.column
    )
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
