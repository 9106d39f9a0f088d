//! `--format github`: workflow commands that GitHub turns into annotations.

use std::io::{self, Write};

use super::{Location, ReportInput, counts_phrase};
use crate::diagnostic::Tally;
use crate::escape::{github_data, github_property, terminal_line};
use crate::rule::Severity;

pub(super) fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in input.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = vec![format!(
            "file={}",
            github_property(&input.sources.get(d.file).display_name())
        )];
        if let Some(span) = d.span {
            let loc = Location::of(span, input.sources);
            props.push(format!("line={}", loc.line));
            props.push(format!("col={}", loc.column));
            props.push(format!("endLine={}", loc.end_line));
            props.push(format!("endColumn={}", loc.end_column));
        }
        props.push(format!("title={}", github_property(d.rule.id())));
        // Line breaks inside the message or help come from the files: escaped, so the
        // only one left is ours, between the two.
        let mut message = terminal_line(&d.message).into_owned();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(&terminal_line(help));
        }
        writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            github_data(&message)
        )?;
    }
    let tally = Tally::of(input.diagnostics);
    writeln!(
        out,
        "mcpform lint: {} in {} file(s)",
        counts_phrase(tally),
        input.sources.len()
    )
}
