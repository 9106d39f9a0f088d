//! Markdown of lint findings and of an apply report, for the job summary and the
//! sticky comment (plans have `crate::render::render_markdown_with_limit`). Each keeps
//! under the byte budget it is given: the counts first, then a table that shrinks
//! (its count kept) until it fits. Text from files, the proxy and the API goes through
//! [`crate::escape::markdown`].

use crate::apply::{ActionResult, Outcome, ReportMeta, Status, summary_line};
use crate::diagnostic::{Diagnostic, Tally};
use crate::escape::markdown::{code, text};
use crate::report::{Location, counts_phrase};
use crate::rule::Severity;
use crate::source::Sources;

/// Rows of a table before any shrinking.
const MAX_ROWS: usize = 500;

/// Room kept for the closing line that says rows were left out.
const TAIL: usize = 300;

/// Lint findings: counts, then a table of findings (errors first).
pub(crate) fn lint(sources: &Sources, diagnostics: &[Diagnostic], limit: usize) -> String {
    let tally = Tally::of(diagnostics);
    let mut head = String::from("### mcpform lint\n\n");
    if diagnostics.is_empty() {
        head.push_str(&format!("**No problems** in {} file(s).\n", sources.len()));
        return head;
    }
    head.push_str(&format!(
        "**{} in {} file(s).**\n\n",
        counts_phrase(tally),
        sources.len()
    ));
    let mut ordered: Vec<&Diagnostic> = diagnostics.iter().collect();
    ordered.sort_by_key(|d| std::cmp::Reverse(d.severity));
    let rows: Vec<String> = ordered.iter().map(|d| lint_row(sources, d)).collect();
    table(
        head,
        "| | Rule | Where | Message |\n|---|---|---|---|\n",
        &rows,
        "finding(s)",
        limit,
    )
}

fn lint_row(sources: &Sources, d: &Diagnostic) -> String {
    let icon = match d.severity {
        Severity::Error => "❌",
        Severity::Warning => "⚠️",
        Severity::Note => "ℹ️",
    };
    let file = sources.get(d.file).display_name();
    let place = match d.span {
        Some(span) => {
            let loc = Location::of(span, sources);
            format!("{file}:{}:{}", loc.line, loc.column)
        }
        None => file,
    };
    let message = crate::diagnostic::truncate(&d.message, 400);
    format!(
        "| {icon} | {} | {} | {} |\n",
        code(d.rule.id()),
        code(&place),
        text(&message)
    )
}

/// An apply report: the summary line, the proxy and digest, then a row per action.
pub(crate) fn apply(outcome: &Outcome, meta: &ReportMeta, limit: usize) -> String {
    let mut head = String::from("### mcpform apply\n\n");
    if let Some(why) = &outcome.refused {
        head.push_str(&format!(
            "> [!CAUTION]\n> **Apply refused:** {}\n\n",
            text(why)
        ));
    }
    head.push_str(&format!(
        "**{}** Proxy: {}. Digest: {}.\n\n",
        summary_line(outcome),
        code(&meta.proxy_url),
        code(&meta.plan_digest)
    ));
    if !outcome.verification.problems.is_empty() {
        head.push_str("> [!WARNING]\n> **Verification found:**\n");
        for p in outcome.verification.problems.iter().take(20) {
            head.push_str(&format!("> - {}\n", text(p)));
        }
        head.push('\n');
    }
    let rows: Vec<String> = outcome.results.iter().map(apply_row).collect();
    table(
        head,
        "| | Server | Action | Status | Detail |\n|---|---|---|---|---|\n",
        &rows,
        "result(s)",
        limit,
    )
}

fn apply_row(r: &ActionResult) -> String {
    let icon = match r.status {
        Status::Applied | Status::AlreadyApplied => "✅",
        Status::SkippedGuard | Status::Blocked => "⛔",
        Status::Partial => "⚠️",
        Status::Failed | Status::Stale | Status::NotAttempted | Status::Interrupted => "❌",
    };
    let mut detail = Vec::new();
    if let Some(m) = &r.message {
        detail.push(text(&crate::diagnostic::truncate(m, 300)));
    }
    if let Some(c) = &r.cause {
        detail.push(format!(
            "likely cause: {}",
            text(&crate::diagnostic::truncate(c, 200))
        ));
    }
    if r.outcome_unknown {
        detail.push("the outcome on the proxy is unknown".into());
    }
    format!(
        "| {icon} | {} | {} | {} | {} |\n",
        code(&r.server_name),
        r.action.as_str(),
        r.status.as_str(),
        detail.join("; ")
    )
}

/// A short report of a command that stopped before its result (files with errors, a
/// refused key, a fork without secrets).
pub(crate) fn note(command: &str, severity: &str, message: &str) -> String {
    format!(
        "### mcpform {command}\n\n> [!{severity}]\n> {}\n",
        text(message)
    )
}

/// `head`, then as many rows as fit in `limit` bytes under `header`, then a line
/// saying how many were left out.
fn table(mut out: String, header: &str, rows: &[String], what: &str, limit: usize) -> String {
    if rows.is_empty() {
        return out;
    }
    let budget = limit.saturating_sub(out.len() + header.len() + TAIL);
    let mut used = 0;
    let mut shown = 0;
    for row in rows.iter().take(MAX_ROWS) {
        if used + row.len() > budget {
            break;
        }
        used += row.len();
        shown += 1;
    }
    if shown > 0 {
        out.push_str(header);
        for row in &rows[..shown] {
            out.push_str(row);
        }
    }
    if shown < rows.len() {
        out.push_str(&format!(
            "\n_{} more {what} left out to keep within GitHub's size limit; the job log has them all._\n",
            rows.len() - shown
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_keeps_to_its_budget_and_says_what_it_left_out() {
        let rows: Vec<String> = (0..1000).map(|i| format!("| {i:0>90} |\n")).collect();
        let out = table("### t\n\n".into(), "| h |\n|---|\n", &rows, "rows", 20_000);
        assert!(out.len() <= 20_000, "{}", out.len());
        assert!(out.contains("more rows left out"), "{out}");
        let all = table(String::new(), "| h |\n|---|\n", &rows[..3], "rows", 20_000);
        assert!(!all.contains("left out"));
        assert_eq!(all.matches("\n| 0").count(), 3);
    }

    #[test]
    fn a_note_escapes_its_message() {
        let out = note("plan", "WARNING", "see @admin and <b>x</b>\n# heading");
        assert!(
            out.starts_with("### mcpform plan\n\n> [!WARNING]\n> "),
            "{out}"
        );
        assert!(
            !out.contains("\n# heading") && !out.contains("<b>"),
            "{out}"
        );
        assert!(out.contains("@\u{2060}admin"), "{out}");
    }
}
