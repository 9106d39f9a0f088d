//! Markdown for pull-request comments and job summaries: the summary first (counts,
//! guarded changes, a table), details per server in `<details>`, and never more than
//! GitHub's 65,536 characters: details are trimmed first, then the summary's lists
//! shrink (their counts kept), and the comment says so. Every outside-sourced string
//! goes through [`crate::escape::markdown`].

use super::human::change_line;
use super::{guard_sentence, summary_line};
use crate::escape::markdown::{code, html, text};
use crate::escape::terminal_line;
use crate::plan::{Action, ActionKind, Notice, PlanDocument, UnmanagedReason};

/// GitHub's limit for a comment body.
pub const MARKDOWN_LIMIT: usize = 65_536;

/// Rows of the summary table and items of a list shown at most, before shrinking.
const MAX_ROWS: usize = 200;

/// Room kept after the summary for the "details left out" line.
const TAIL_RESERVE: usize = 400;

/// The Markdown rendering.
pub fn render_markdown(doc: &PlanDocument) -> String {
    render_markdown_with_limit(doc, MARKDOWN_LIMIT)
}

/// The same with another size limit (tests use small ones; the GitHub step summary
/// has its own budget).
pub fn render_markdown_with_limit(doc: &PlanDocument, limit: usize) -> String {
    // The summary is never cut, only shortened: fewer rows, with the counts kept.
    let mut rows = MAX_ROWS;
    let mut head = summary(doc, rows);
    while head.len() + TAIL_RESERVE > limit && rows > 0 {
        rows /= 2;
        head = summary(doc, rows);
    }
    let mut body = String::new();
    let mut omitted = 0;
    for a in &doc.actions {
        let block = details(a);
        if head.len() + body.len() + block.len() + TAIL_RESERVE > limit {
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

fn summary(doc: &PlanDocument, max_rows: usize) -> String {
    let mut out = String::from("### mcpform plan\n\n");
    let blocked: Vec<&Action> = doc.actions.iter().filter(|a| a.is_blocked()).collect();
    if !blocked.is_empty() {
        out.push_str(&format!(
            "> [!CAUTION]\n> **{} guarded change(s): apply will skip them.**\n",
            blocked.len()
        ));
        for a in blocked.iter().take(max_rows) {
            if let Some(g) = &a.guard {
                out.push_str(&format!(
                    "> - {}: {}\n",
                    code(&a.server_name),
                    guard_sentence(g)
                ));
            }
        }
        more(&mut out, "> - ", blocked.len(), max_rows);
        out.push('\n');
    }
    if !doc.errors.is_empty() {
        out.push_str("> [!CAUTION]\n> **The plan has errors:**\n");
        notices(&mut out, &doc.errors, max_rows);
        out.push('\n');
    }
    if !doc.warnings.is_empty() {
        out.push_str("> [!WARNING]\n");
        notices(&mut out, &doc.warnings, max_rows);
        out.push('\n');
    }
    out.push_str(&format!("**{}**", summary_line(&doc.summary)));
    let version = match doc.proxy.version.as_deref() {
        Some(v) => format!(" (LiteLLM {})", code(v)),
        None => " (LiteLLM version unknown)".to_owned(),
    };
    out.push_str(&format!(" Proxy: {}{version}.", code(&doc.proxy.url)));
    if doc.has_changes {
        out.push_str(&format!(" Digest: {}.", code(&doc.plan_digest)));
    }
    out.push_str("\n\n");
    if !doc.actions.is_empty() {
        out.push_str("| | Server | Action | Fields |\n|---|---|---|---|\n");
        for a in doc.actions.iter().take(max_rows) {
            out.push_str(&row(a));
        }
        if doc.actions.len() > max_rows {
            out.push_str(&format!(
                "| | … | {} more | |\n",
                doc.actions.len() - max_rows
            ));
        }
    } else if doc.errors.is_empty() {
        out.push_str("No changes: the proxy matches the files.\n");
    } else {
        out.push_str("No plan: the errors above must be fixed first.\n");
    }
    let left = doc
        .unmanaged
        .iter()
        .filter(|u| u.reason != UnmanagedReason::Config)
        .count();
    if left > 0 {
        out.push_str(&format!(
            "\n{left} server(s) on the proxy are not declared and are left alone.\n"
        ));
    }
    out.push('\n');
    out
}

fn more(out: &mut String, prefix: &str, total: usize, shown: usize) {
    if total > shown {
        out.push_str(&format!("{prefix}… and {} more\n", total - shown));
    }
}

fn notices(out: &mut String, list: &[Notice], max_rows: usize) {
    for n in list.iter().take(max_rows) {
        let who = n
            .server
            .as_deref()
            .map(|s| format!("{}: ", code(s)))
            .unwrap_or_default();
        out.push_str(&format!("> - {who}{}\n", text(&n.message)));
    }
    more(out, "> - ", list.len(), max_rows);
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
        .map(|f| code(f))
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        list.push_str(&format!(", +{more}"));
    }
    format!("| {icon} | {} | {verb} | {list} |\n", code(&a.server_name))
}

fn details(a: &Action) -> String {
    let at = a
        .source
        .as_deref()
        .map(|l| format!(" — {}", html(l)))
        .unwrap_or_default();
    let mut out = format!(
        "<details><summary><code>{}</code>: {} (server_id <code>{}</code>){at}</summary>\n\n```diff\n",
        html(&a.server_name),
        a.action.as_str(),
        html(&a.server_id)
    );
    // Every line starts with `+`, `~` or `-` and stays on one line, so nothing inside
    // can close the fence.
    for c in &a.changes {
        out.push_str(&terminal_line(&change_line(a.action, c)));
        out.push('\n');
    }
    if a.action == ActionKind::Delete {
        out.push_str(&format!("- {}\n", terminal_line(&a.server_name)));
    }
    out.push_str("```\n");
    if let Some(g) = &a.guard {
        out.push_str(&format!("\n**{}**\n", guard_sentence(g)));
    }
    for n in &a.notes {
        out.push_str(&format!("\n_{}_\n", text(n)));
    }
    out.push_str("\n</details>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::document::ProxyInfo;
    use crate::plan::{FieldChange, Phase, Plan, PlanMeta, PlanOptions, Precondition, Seen, Shown};
    use serde_json::json;

    fn action(i: usize, name_len: usize) -> Action {
        let name = format!("server_{i:05}_{}", "x".repeat(name_len));
        Action {
            action: ActionKind::Create,
            server_name: name.clone(),
            server_id: name,
            origin: None,
            source: None,
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
            references: Vec::new(),
            sends_credentials: false,
            secrets_fingerprint: None,
            precondition: Precondition::Absent { names: Vec::new() },
            seen: Seen::New,
            phase: Phase::default(),
            order: 0,
            after: Vec::new(),
            temp_names: None,
            restores_oauth: false,
            from_live: Vec::new(),
            writes: 1,
            blocked: false,
        }
    }

    fn doc(plan: Plan) -> PlanDocument {
        let meta = PlanMeta {
            created_at: "2026-12-02T00:00:00Z".into(),
            proxy: ProxyInfo {
                url: "https://proxy.invalid".into(),
                version: None,
                live_servers: 0,
            },
            options: PlanOptions::default(),
            declared_servers: plan.actions.len(),
        };
        let key = crate::secret::FingerprintKey::new(&crate::secret::Secret::new("k"));
        PlanDocument::new(plan, meta, &|_| None, &key)
    }

    fn render(plan: Plan, limit: usize) -> String {
        render_markdown_with_limit(&doc(plan), limit)
    }

    fn actions(n: usize, name_len: usize) -> Vec<Action> {
        (0..n).map(|i| action(i, name_len)).collect()
    }

    #[test]
    fn huge_plans_stay_under_the_limit_and_say_what_was_left_out() {
        let plan = Plan {
            actions: actions(5000, 0),
            ..Plan::default()
        };
        let text = render(plan, MARKDOWN_LIMIT);
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
    fn the_table_shrinks_with_the_row_budget_at_the_edge() {
        // 600 changes with 120-character names: 200 rows alone are ~30,000 characters,
        // so with long warnings the summary must shrink its table, not just its lists.
        let mut plan = Plan {
            actions: actions(600, 120),
            ..Plan::default()
        };
        plan.warnings = (0..600)
            .map(|i| Notice {
                server: Some(format!("server_{i}_{}", "y".repeat(100))),
                message: "w".repeat(200),
                origin: None,
                source: None,
            })
            .collect();
        let text = render(plan, MARKDOWN_LIMIT);
        assert!(text.len() <= MARKDOWN_LIMIT, "{}", text.len());
        let rows = text.lines().filter(|l| l.starts_with("| ➕")).count();
        assert!(rows > 0 && rows < 200, "{rows} rows");
        assert!(text.contains(&format!("| | … | {} more | |", 600 - rows)));
        assert!(text.contains("**Plan: 600 to create"));
    }

    #[test]
    fn many_guards_and_warnings_still_fit() {
        let mut plan = Plan {
            actions: actions(3000, 0),
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
            .map(|i| Notice {
                server: Some(format!("server_{i}")),
                message: "x".repeat(300),
                origin: None,
                source: None,
            })
            .collect();
        let text = render(plan, MARKDOWN_LIMIT);
        assert!(text.len() <= MARKDOWN_LIMIT, "{}", text.len());
        assert!(text.contains("3000 guarded change(s)"));
        assert!(text.contains("**Plan: 0 to create, 3000 to update, 0 to delete, 3000 guarded.**"));
    }

    #[test]
    fn small_plans_are_complete() {
        let text = render(
            Plan {
                actions: actions(3, 0),
                ..Plan::default()
            },
            MARKDOWN_LIMIT,
        );
        assert_eq!(text.matches("<details>").count(), 3);
        assert!(!text.contains("left out"));
    }

    #[test]
    fn the_summary_survives_the_smallest_limit() {
        let text = render(
            Plan {
                actions: actions(50, 0),
                ..Plan::default()
            },
            100,
        );
        assert!(text.contains("**Plan: 50 to create"));
        assert!(!text.contains("<details>"));
        assert!(text.contains("Details of 50 server(s) are left out"));
    }

    #[test]
    fn errors_without_actions_never_say_no_changes() {
        let plan = Plan {
            errors: vec![Notice {
                server: Some("s".into()),
                message: "bad".into(),
                origin: None,
                source: None,
            }],
            ..Plan::default()
        };
        let text = render(plan, MARKDOWN_LIMIT);
        assert!(!text.contains("No changes"), "{text}");
        assert!(text.contains("No plan: the errors above must be fixed first."));
    }

    #[test]
    fn outside_text_cannot_break_out_of_the_comment() {
        let hostile = "x</code></summary>\n\n# Owned\n```\n@org/team ![i](https://e.invalid/p.png)";
        let mut a = action(0, 0);
        a.server_id = hostile.into();
        a.server_name = hostile.into();
        a.changes[0].new = Shown::Value(json!(hostile));
        a.notes = vec![hostile.into()];
        let plan = Plan {
            actions: vec![a],
            warnings: vec![Notice {
                server: Some(hostile.into()),
                message: hostile.into(),
                origin: None,
                source: Some(hostile.into()),
            }],
            ..Plan::default()
        };
        let text = render(plan, MARKDOWN_LIMIT);
        assert_eq!(
            text.matches("```diff\n").count(),
            1,
            "one fence, opened once"
        );
        assert_eq!(
            text.lines().filter(|l| *l == "```").count(),
            1,
            "and closed once"
        );
        // What GitHub renders as text (outside code spans and code blocks) holds no
        // markup of its own, mention, image or link.
        let prose = outside_code(&text);
        assert_eq!(prose.matches("</summary>").count(), 1);
        assert_eq!(prose.matches("<details>").count(), 1);
        assert!(
            text.lines()
                .filter(|l| l.starts_with('#'))
                .all(|l| l == "### mcpform plan"),
            "no injected heading"
        );
        for needle in ["@org", "![", "](", "https://"] {
            assert!(!prose.contains(needle), "{needle:?} in\n{prose}");
        }
    }

    /// The text with code spans and fenced blocks removed (where GitHub renders
    /// nothing as markup).
    fn outside_code(text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '\\' && i + 1 < chars.len() {
                out.push(chars[i]);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if chars[i] != '`' {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let run = chars[i..].iter().take_while(|c| **c == '`').count();
            if run >= 3 && (i == 0 || chars[i - 1] == '\n') {
                // A fenced block ends only at a line that is the fence.
                let rest: String = chars[i..].iter().collect();
                let fence = "`".repeat(run);
                let close = rest
                    .match_indices(&format!("\n{fence}\n"))
                    .next()
                    .map(|(at, _)| at + fence.len() + 2);
                match close {
                    Some(end) => i += rest[..end].chars().count(),
                    None => break,
                }
                continue;
            }
            let mut j = i + run;
            let mut closed = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let len = chars[j..].iter().take_while(|c| **c == '`').count();
                    if len == run {
                        closed = Some(j + len);
                        break;
                    }
                    j += len;
                } else {
                    j += 1;
                }
            }
            match closed {
                Some(end) => i = end,
                None => {
                    out.extend(&chars[i..]);
                    break;
                }
            }
        }
        out
    }
}
