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
    let tail_reserve = 400;
    // The summary is never trimmed, only shortened: fewer rows, with the counts kept.
    let mut rows = MAX_ROWS;
    let mut head = summary(plan, ctx, rows);
    while head.len() + tail_reserve > limit && rows > 5 {
        rows /= 2;
        head = summary(plan, ctx, rows);
    }
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

fn summary(plan: &Plan, ctx: &PlanContext<'_>, max_rows: usize) -> String {
    let s = plan.summary();
    let mut out = String::from("### mcpform plan\n\n");
    let blocked: Vec<&Action> = plan.actions.iter().filter(|a| a.is_blocked()).collect();
    if !blocked.is_empty() {
        out.push_str(&format!(
            "> [!CAUTION]\n> **{} guarded change(s): apply will skip them.**\n",
            blocked.len()
        ));
        for a in blocked.iter().take(max_rows) {
            if let Some(g) = &a.guard {
                out.push_str(&format!("> - `{}`: {}\n", a.server_name, guard_sentence(g)));
            }
        }
        if blocked.len() > max_rows {
            out.push_str(&format!("> - … and {} more\n", blocked.len() - max_rows));
        }
        out.push('\n');
    }
    if !plan.errors.is_empty() {
        out.push_str("> [!CAUTION]\n> **The plan has errors:**\n");
        notices(&mut out, &plan.errors, max_rows);
        out.push('\n');
    }
    if !plan.warnings.is_empty() {
        out.push_str("> [!WARNING]\n");
        notices(&mut out, &plan.warnings, max_rows);
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

fn notices(out: &mut String, list: &[crate::plan::Notice], max_rows: usize) {
    for n in list.iter().take(max_rows) {
        let who = n
            .server
            .as_deref()
            .map(|s| format!("`{s}`: "))
            .unwrap_or_default();
        out.push_str(&format!("> - {who}{}\n", n.message));
    }
    if list.len() > max_rows {
        out.push_str(&format!("> - … and {} more\n", list.len() - max_rows));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{FieldChange, Shown};
    use serde_json::json;

    fn action(i: usize) -> Action {
        Action {
            action: ActionKind::Create,
            server_name: format!("server_{i:05}"),
            server_id: format!("server_{i:05}"),
            origin: None,
            changes: (0..12)
                .map(|f| FieldChange {
                    field: format!("field_{f}"),
                    old: Shown::Absent,
                    new: Shown::Value(json!(format!(
                        "a value long enough to take some room {i} {f}"
                    ))),
                    keys: None,
                })
                .collect(),
            guard: None,
            notes: Vec::new(),
            body: None,
            sends_credentials: false,
            secrets_fingerprint: None,
            live_fingerprint: None,
        }
    }

    fn ctx_render(plan: &Plan, limit: usize) -> String {
        let locate = |_: &crate::model::Origin| None;
        let ctx = PlanContext {
            proxy_url: "https://proxy.invalid",
            locate: &locate,
            live_count: 0,
            color: false,
        };
        render_with_limit(plan, &ctx, limit)
    }

    #[test]
    fn huge_plans_stay_under_the_limit_and_say_what_was_left_out() {
        let plan = Plan {
            actions: (0..5000).map(action).collect(),
            ..Plan::default()
        };
        let text = ctx_render(&plan, MARKDOWN_LIMIT);
        assert!(text.len() <= MARKDOWN_LIMIT, "{} characters", text.len());
        assert!(text.contains("**Plan: 5000 to create, 0 to update, 0 to delete, 0 guarded.**"));
        assert!(
            text.contains("| | … | 4800 more | |"),
            "the table is capped, the count kept"
        );
        assert!(text.contains("are left out to keep this comment under"));
        assert!(text.contains("<details>"), "as many details as fit");
    }

    #[test]
    fn many_guards_and_warnings_still_fit() {
        let mut plan = Plan {
            actions: (0..3000).map(action).collect(),
            ..Plan::default()
        };
        for a in &mut plan.actions {
            a.action = ActionKind::Update;
            a.guard = Some(crate::plan::Guard {
                reason: crate::plan::GuardReason::ByokDisabled,
                count: crate::live::CredentialCount::Known(7),
                allowed: false,
            });
        }
        plan.warnings = (0..3000)
            .map(|i| crate::plan::Notice {
                server: Some(format!("server_{i}")),
                message: "x".repeat(300),
                origin: None,
            })
            .collect();
        let text = ctx_render(&plan, MARKDOWN_LIMIT);
        assert!(text.len() <= MARKDOWN_LIMIT, "{}", text.len());
        assert!(text.contains("3000 guarded change(s)"));
        assert!(text.contains("**Plan: 0 to create, 3000 to update, 0 to delete, 3000 guarded.**"));
    }

    #[test]
    fn small_plans_are_complete() {
        let plan = Plan {
            actions: (0..3).map(action).collect(),
            ..Plan::default()
        };
        let text = ctx_render(&plan, MARKDOWN_LIMIT);
        assert_eq!(text.matches("<details>").count(), 3);
        assert!(!text.contains("left out"));
    }

    #[test]
    fn the_summary_survives_the_smallest_limit() {
        let plan = Plan {
            actions: (0..50).map(action).collect(),
            ..Plan::default()
        };
        let text = ctx_render(&plan, 100);
        assert!(text.contains("**Plan: 50 to create"));
        assert!(!text.contains("<details>"));
        assert!(text.contains("Details of 50 server(s) are left out"));
    }
}
