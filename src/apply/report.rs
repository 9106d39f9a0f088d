//! What apply did, for people (a closing table and a summary line that says what a
//! rerun does) and for machines (a versioned JSON report, written even when apply
//! fails or is interrupted).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ActionResult, Outcome, Status, Verification};
use crate::escape::{terminal_line, terminal_text};
use crate::plan::document::Tool;

/// Bumped when a field changes meaning or disappears.
pub const REPORT_VERSION: u32 = 1;

/// What the report says besides the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportMeta {
    /// The proxy, as shown to people.
    pub proxy_url: String,
    /// The digest of the plan applied.
    pub plan_digest: String,
    /// When apply started (RFC 3339, UTC).
    pub started_at: String,
    /// When it finished.
    pub finished_at: String,
}

/// The versioned apply report (`--format json`, `--report FILE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplyReport {
    /// [`REPORT_VERSION`].
    pub report_version: u32,
    /// Who wrote it.
    pub tool: Tool,
    /// Proxy, digest, times.
    #[serde(flatten)]
    pub meta: ReportMeta,
    /// The process's exit code.
    pub exit_code: u8,
    /// Why nothing was written, when apply refused the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// Whether an interrupt stopped it.
    pub interrupted: bool,
    /// What finishes the job, when something is left: `rerun` (the same command
    /// again), `plan_again` or `fix_then_plan` (plan again from the files).
    pub next: super::Next,
    /// Actions by status.
    pub summary: BTreeMap<Status, usize>,
    /// One per action, in execution order.
    pub results: Vec<ActionResult>,
    /// The read after all writes.
    pub verification: Verification,
    /// Milliseconds spent in each stage.
    pub durations_ms: super::Durations,
}

impl ApplyReport {
    /// The report of an outcome.
    pub fn new(outcome: &Outcome, meta: ReportMeta) -> ApplyReport {
        ApplyReport {
            report_version: REPORT_VERSION,
            tool: Tool {
                name: "mcpform".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            meta,
            exit_code: outcome.exit_code(),
            refused: outcome.refused.clone(),
            interrupted: outcome.interrupted,
            next: outcome.next,
            summary: outcome.counts(),
            results: outcome.results.clone(),
            verification: outcome.verification.clone(),
            durations_ms: outcome.durations_ms,
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(crate::escape::json_text(s))
    }
}

/// The closing table and summary line.
pub fn render_report(outcome: &Outcome) -> String {
    let mut out = String::new();
    if let Some(why) = &outcome.refused {
        out.push_str(&format!("Apply refused: {}\n", terminal_text(why)));
    }
    if !outcome.results.is_empty() {
        let width = outcome
            .results
            .iter()
            .map(|r| terminal_line(&r.server_name).chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        out.push_str(&format!(
            "\n  {:<width$}  {:<7}  {:<15}  detail\n",
            "server", "action", "status"
        ));
        for r in &outcome.results {
            out.push_str(&format!(
                "  {:<width$}  {:<7}  {:<15}  {}\n",
                terminal_line(&r.server_name),
                r.action.as_str(),
                r.status.as_str(),
                detail(r)
            ));
        }
    }
    if !outcome.verification.problems.is_empty() {
        out.push_str("\nVerification found:\n");
        for p in &outcome.verification.problems {
            out.push_str(&format!("  ✗ {}\n", terminal_line(p)));
        }
    }
    out.push('\n');
    out.push_str(&summary_line(outcome));
    out.push('\n');
    out
}

fn detail(r: &ActionResult) -> String {
    let mut parts = Vec::new();
    if let Some(m) = &r.message {
        parts.push(terminal_line(m).into_owned());
    }
    if !r.fields.is_empty() && r.status == Status::Stale {
        let moved: Vec<String> = r
            .fields
            .iter()
            .map(|f| match (&f.planned, &f.now) {
                (Some(old), Some(new)) => format!("{}: {old} → {new}", f.field),
                _ => format!("{}: changed (sensitive)", f.field),
            })
            .collect();
        parts.push(terminal_line(&moved.join("; ")).into_owned());
    }
    if let Some(c) = &r.cause {
        parts.push(format!("likely cause: {}", terminal_line(c)));
    }
    if r.outcome_unknown {
        parts.push("the outcome on the proxy is unknown".into());
    }
    if let Some(k) = r.kept_keys {
        parts.push(format!("stored keys kept: {k}"));
    }
    parts.join("; ")
}

/// "Apply: 3 applied, 1 failed. A rerun of the same command finishes the job." and the
/// like: the last sentence only when it is true (see [`super::Next`]).
pub fn summary_line(outcome: &Outcome) -> String {
    let counts = outcome.counts();
    if counts.is_empty() {
        return "Apply: nothing to do.".to_owned();
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str().replace('_', " ")))
        .collect();
    let mut line = format!("Apply: {}.", parts.join(", "));
    if outcome.refused.is_some() {
        line.push_str(" Nothing was written.");
    } else if let Some(next) = outcome.next.sentence() {
        line.push(' ');
        line.push_str(next);
    }
    if counts.contains_key(&Status::SkippedGuard) {
        line.push_str(" Guarded changes stay skipped until the file allows them.");
    }
    line
}
