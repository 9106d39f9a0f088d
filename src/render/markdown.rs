//! Markdown for pull-request comments and job summaries: the summary first (counts,
//! guarded changes, a table), details per server in `<details>`, and never more than
//! GitHub's 65,536 characters: details are trimmed first, and the comment says so.

use super::human::change_line;
use super::{PlanContext, guard_sentence, summary_line};
use crate::plan::{Action, ActionKind, Plan, UnmanagedReason};
use crate::secret::redact_url_userinfo;

/// GitHub's limit for a comment body.
pub const MARKDOWN_LIMIT: usize = 65_536;

/// Rows of the summary table and items of a list shown before trimming to a count.
const MAX_ROWS: usize = 200;

/// The Markdown rendering.
pub fn render_markdown(plan: &Plan, ctx: &PlanContext<'_>) -> String {
    render_with_limit(plan, ctx, MARKDOWN_LIMIT)
}

/// The same with another size limit (tests use small ones).
pub fn render_with_limit(plan: &Plan, ctx: &PlanContext<'_>, limit: usize) -> String {
    let head = summary(plan, ctx);
    let tail_reserve = 400;
    let mut body = String::new();
    let mut omitted = 0;
    for a in &plan.actions {
        let block = details(a, ctx);
        if head.len() + body.len() + block.len() + tail_reserve > limit {
            omitted += 1;
        } else {
            body.push_str(&block);
        }
    }
    let mut out = head;
    out.push_str(&body);
    if omitted > 0 {
        out.push_str(&format!(
            "\n_Details of {omitted} server(s) are left out to keep this comment under GitHub's {MARKDOWN_LIMIT}-character limit; run `mcpform plan` or read the JSON plan for everything._\n"
        ));
    }
    out
}

fn summary(plan: &Plan, ctx: &PlanContext<'_>) -> String {
    let s = plan.summary();
    let mut out = String::from("### mcpform plan\n\n");
    let blocked: Vec<&Action> = plan.actions.iter().filter(|a| a.is_blocked()).collect();
    if !blocked.is_empty() {
        out.push_str(&format!(
            "> [!CAUTION]\n> **{} guarded change(s): apply will skip them.**\n",
            blocked.len()
        ));
        for a in blocked.iter().take(MAX_ROWS) {
            if let Some(g) = &a.guard {
                out.push_str(&format!("> - `{}`: {}\n", a.server_name, guard_sentence(g)));
            }
        }
        if blocked.len() > MAX_ROWS {
            out.push_str(&format!("> - … and {} more\n", blocked.len() - MAX_ROWS));
        }
        out.push('\n');
    }
    if !plan.errors.is_empty() {
        out.push_str("> [!CAUTION]\n> **The plan has errors:**\n");
        notices(&mut out, &plan.errors);
        out.push('\n');
    }
    if !plan.warnings.is_empty() {
        out.push_str("> [!WARNING]\n");
        notices(&mut out, &plan.warnings);
        out.push('\n');
    }
    out.push_str(&format!("**{}**", summary_line(&s)));
    out.push_str(&format!(
        " Proxy: `{}`.\n\n",
        redact_url_userinfo(ctx.proxy_url)
    ));
    if plan.actions.is_empty() {
        out.push_str("No changes: the proxy matches the files.\n");
    } else {
        out.push_str("| | Server | Action | Fields |\n|---|---|---|---|\n");
        for a in plan.actions.iter().take(MAX_ROWS) {
            out.push_str(&row(a));
        }
        if plan.actions.len() > MAX_ROWS {
            out.push_str(&format!(
                "| | … | {} more | |\n",
                plan.actions.len() - MAX_ROWS
            ));
        }
    }
    let left: Vec<_> = plan
        .unmanaged
        .iter()
        .filter(|u| u.reason != UnmanagedReason::Config)
        .collect();
    if !left.is_empty() {
        out.push_str(&format!(
            "\n{} server(s) on the proxy are not declared and are left alone.\n",
            left.len()
        ));
    }
    out.push('\n');
    out
}

fn notices(out: &mut String, list: &[crate::plan::Notice]) {
    for n in list.iter().take(MAX_ROWS) {
        let who = n
            .server
            .as_deref()
            .map(|s| format!("`{s}`: "))
            .unwrap_or_default();
        out.push_str(&format!("> - {who}{}\n", n.message));
    }
    if list.len() > MAX_ROWS {
        out.push_str(&format!("> - … and {} more\n", list.len() - MAX_ROWS));
    }
}

fn row(a: &Action) -> String {
    let (icon, verb) = match (a.is_blocked(), a.action) {
        (true, _) => ("⛔", "guarded"),
        (_, ActionKind::Create) => ("➕", "create"),
        (_, ActionKind::Update) => ("✏️", "update"),
        (_, ActionKind::Delete) => ("🗑️", "delete"),
    };
    let mut fields: Vec<&str> = a.changes.iter().map(|c| c.field.as_str()).collect();
    let more = fields.len().saturating_sub(8);
    fields.truncate(8);
    let mut list = fields
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        list.push_str(&format!(", +{more}"));
    }
    format!("| {icon} | `{}` | {verb} | {list} |\n", a.server_name)
}

fn details(a: &Action, ctx: &PlanContext<'_>) -> String {
    let verb = match a.action {
        ActionKind::Create => "create",
        ActionKind::Update => "update",
        ActionKind::Delete => "delete",
    };
    let at = a
        .origin
        .as_ref()
        .and_then(|o| (ctx.locate)(o))
        .map(|l| format!(" — {l}"))
        .unwrap_or_default();
    let mut out = format!(
        "<details><summary><code>{}</code>: {verb} (server_id <code>{}</code>){at}</summary>\n\n```diff\n",
        html_escape(&a.server_name),
        html_escape(&a.server_id)
    );
    for c in &a.changes {
        out.push_str(&change_line(a.action, c).replace("```", "'''"));
        out.push('\n');
    }
    if a.action == ActionKind::Delete {
        out.push_str(&format!("- {}\n", a.server_name));
    }
    out.push_str("```\n");
    if let Some(g) = &a.guard {
        out.push_str(&format!("\n**{}**\n", guard_sentence(g)));
    }
    for n in &a.notes {
        out.push_str(&format!("\n_{n}_\n"));
    }
    out.push_str("\n</details>\n");
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
