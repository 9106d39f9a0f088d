//! `--format sarif`: SARIF 2.1.0 with rule metadata, for GitHub code scanning.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Location, ReportInput};
use crate::escape::{terminal_line, uri_path};
use crate::rule::{RuleId, Severity};
use crate::source::{Sources, Span};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn region(span: Span, sources: &Sources) -> Value {
    let loc = Location::of(span, sources);
    json!({
        "startLine": loc.line,
        "startColumn": loc.column,
        "endLine": loc.end_line,
        "endColumn": loc.end_column,
    })
}

fn physical(file: &str, span: Option<Span>, sources: &Sources) -> Value {
    let mut p = json!({ "artifactLocation": { "uri": uri_path(file) } });
    if let Some(span) = span {
        p["region"] = region(span, sources);
    }
    json!({ "physicalLocation": p })
}

pub(super) fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = RuleId::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "name": r.id(),
                "shortDescription": { "text": r.summary() },
                "fullDescription": { "text": r.summary() },
                "help": { "text": format!("mcpform rule `{}`: {}", r.id(), r.summary()) },
                "helpUri": r.help_uri(),
                "defaultConfiguration": { "level": level(r.default_severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = input
        .diagnostics
        .iter()
        .map(|d| {
            let file = input.sources.get(d.file).display_name();
            // Viewers show the text as is: controls and bidi overrides from the files
            // are escaped, as in the human format.
            let mut text = terminal_line(&d.message).into_owned();
            if let Some(help) = &d.help {
                text.push_str(" (help: ");
                text.push_str(&terminal_line(help));
                text.push(')');
            }
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut loc = physical(
                        &input.sources.get(r.span.file).display_name(),
                        Some(r.span),
                        input.sources,
                    );
                    loc["id"] = json!(i);
                    loc["message"] = json!({ "text": terminal_line(&r.message) });
                    loc
                })
                .collect();
            let index = RuleId::ALL.iter().position(|r| *r == d.rule).unwrap_or(0);
            let mut result = json!({
                "ruleId": d.rule.id(),
                "ruleIndex": index,
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [physical(&file, d.span, input.sources)],
            });
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "mcpform",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    // Serialised first, so a closed pipe is reported as one (serde would wrap it).
    let text =
        crate::escape::json_text(serde_json::to_string_pretty(&doc).map_err(io::Error::other)?);
    writeln!(out, "{text}")
}
