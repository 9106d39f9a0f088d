//! report: diagnostics → human (miette), json, github (workflow commands) and sarif.
//!
//! Knows nothing of the rules themselves: it prints what `lint` found. Every format
//! sees the same sorted list and the same [`Location`]s. Text from the files (file names,
//! messages quoting keys and values) may hold anything: human and github output escape
//! it with `crate::escape`, SARIF escapes messages and percent-encodes file URIs, and
//! JSON keeps it exact (serde escapes control characters).

mod excerpt;
mod github;
mod human;
mod json;
mod sarif;

use std::io::{self, Write};

use crate::diagnostic::{Diagnostic, Tally};
use crate::source::{Sources, Span};

/// Output formats of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    /// Source snippets with underlines (miette), for terminals.
    Human,
    /// A versioned JSON document (see docs/commands/lint.md).
    Json,
    /// GitHub Actions workflow commands (`::error file=…`), which become annotations.
    Github,
    /// SARIF 2.1.0, for GitHub code scanning and other viewers.
    Sarif,
}

/// What a report needs besides the findings.
pub struct ReportInput<'a> {
    /// The files (names and texts).
    pub sources: &'a Sources,
    /// The findings, sorted.
    pub diagnostics: &'a [Diagnostic],
    /// How many servers were declared (for summaries).
    pub servers: usize,
    /// Whether to use colour (human only).
    pub color: bool,
}

/// Writes a report.
pub fn write_report(
    format: LintFormat,
    input: &ReportInput<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        LintFormat::Human => human::write(input, out),
        LintFormat::Json => json::write(input, out),
        LintFormat::Github => github::write(input, out),
        LintFormat::Sarif => sarif::write(input, out),
    }
}

/// A span as line/column pairs (1-based columns) and byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based start line.
    pub line: u32,
    /// 1-based start column (characters).
    pub column: u32,
    /// 1-based end line.
    pub end_line: u32,
    /// 1-based end column (exclusive, characters).
    pub end_column: u32,
    /// Byte offset of the start in the file (a byte-order mark counts).
    pub offset: usize,
    /// Byte offset of the end.
    pub end_offset: usize,
}

impl Location {
    /// Resolves a span against its file.
    pub fn of(span: Span, sources: &Sources) -> Location {
        let file = sources.get(span.file);
        let bytes = span.byte_range(file);
        let start = file.pos_at_byte(bytes.start);
        let end = file.pos_at_byte(bytes.end);
        Location {
            line: start.line,
            column: start.column1(),
            end_line: end.line,
            end_column: end.column1(),
            offset: bytes.start + file.bom_len(),
            end_offset: bytes.end + file.bom_len(),
        }
    }
}

/// "2 errors, 1 warning" style counts.
pub(crate) fn counts_phrase(t: Tally) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut parts = vec![plural(t.errors, "error"), plural(t.warnings, "warning")];
    if t.notes > 0 {
        parts.push(plural(t.notes, "note"));
    }
    parts.join(", ")
}
