//! `--format json`: a stable, versioned document (shape in `docs/commands/lint.md`, "The
//! JSON document").

use std::io::{self, Write};

use serde::Serialize;

use super::{Location, ReportInput};
use crate::diagnostic::{Diagnostic, Tally};
use crate::source::Sources;

/// Bumped when a field changes meaning or disappears (additions do not bump it).
pub(crate) const LINT_JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    servers: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    file: String,
    range: Option<Range>,
    label: Option<&'a str>,
    help: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    message: &'a str,
    file: String,
    range: Range,
}

#[derive(Serialize)]
struct Range {
    start: Point,
    end: Point,
}

#[derive(Serialize)]
struct Point {
    line: u32,
    column: u32,
    offset: usize,
}

impl Range {
    fn of(loc: Location) -> Range {
        Range {
            start: Point {
                line: loc.line,
                column: loc.column,
                offset: loc.offset,
            },
            end: Point {
                line: loc.end_line,
                column: loc.end_column,
                offset: loc.end_offset,
            },
        }
    }
}

fn convert<'a>(d: &'a Diagnostic, sources: &Sources) -> JsonDiagnostic<'a> {
    JsonDiagnostic {
        rule: d.rule.id(),
        severity: d.severity.as_str(),
        message: &d.message,
        file: sources.get(d.file).display_name(),
        range: d.span.map(|s| Range::of(Location::of(s, sources))),
        label: d.label.as_deref(),
        help: d.help.as_deref(),
        related: d
            .related
            .iter()
            .map(|r| JsonRelated {
                message: &r.message,
                file: sources.get(r.span.file).display_name(),
                range: Range::of(Location::of(r.span, sources)),
            })
            .collect(),
    }
}

pub(super) fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let tally = Tally::of(input.diagnostics);
    let doc = Document {
        version: LINT_JSON_VERSION,
        tool: Tool {
            name: "mcpform",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files: input.sources.len(),
            servers: input.servers,
            errors: tally.errors,
            warnings: tally.warnings,
            notes: tally.notes,
        },
        diagnostics: input
            .diagnostics
            .iter()
            .map(|d| convert(d, input.sources))
            .collect(),
    };
    // Serialised first, so a closed pipe is reported as one (serde would wrap it).
    let text =
        crate::escape::json_text(serde_json::to_string_pretty(&doc).map_err(io::Error::other)?);
    writeln!(out, "{text}")
}
