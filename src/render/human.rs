//! Terraform-like text: changed fields only, old → new, secrets hidden.

use anstyle::{AnsiColor, Style};

use super::{PlanContext, guard_sentence, shown_text, summary_line, symbol};
use crate::plan::{Action, ActionKind, FieldChange, Plan, Shown, UnmanagedReason};
use crate::secret::redact_url_userinfo;

struct Paint {
    color: bool,
}

impl Paint {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    fn for_symbol(&self, c: char, text: &str) -> String {
        let color = match c {
            '+' => AnsiColor::Green,
            '~' => AnsiColor::Yellow,
            _ => AnsiColor::Red,
        };
        self.paint(Style::new().fg_color(Some(color.into())), text)
    }

    fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }
}

/// The human rendering.
pub fn render_human(plan: &Plan, ctx: &PlanContext<'_>) -> String {
    let p = Paint { color: ctx.color };
    let mut out = String::new();
    let summary = plan.summary();
    out.push_str(&format!(
        "mcpform plan for {} ({} live server(s), {} declared)\n",
        redact_url_userinfo(ctx.proxy_url),
        ctx.live_count,
        summary.create + summary.update + summary.unchanged,
    ));
    if plan.actions.is_empty() {
        out.push_str("\nNo changes: the proxy matches the files.\n");
    } else {
        out.push_str("\nmcpform will perform these actions:\n");
        for a in &plan.actions {
            out.push('\n');
            action(&mut out, a, ctx, &p);
        }
    }
    unmanaged(&mut out, plan);
    for (title, list, mark) in [
        ("Warnings", &plan.warnings, "⚠"),
        ("Errors", &plan.errors, "✗"),
    ] {
        if list.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n"));
        for n in list {
            let who = n
                .server
                .as_deref()
                .map(|s| format!("{s}: "))
                .unwrap_or_default();
            let at = n
                .origin
                .as_ref()
                .and_then(|o| (ctx.locate)(o))
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            out.push_str(&format!("  {mark} {who}{}{at}\n", n.message));
        }
    }
    out.push('\n');
    out.push_str(&p.bold(&summary_line(&summary)));
    out.push('\n');
    out
}

fn action(out: &mut String, a: &Action, ctx: &PlanContext<'_>, p: &Paint) {
    let sym = symbol(a);
    let verb = match a.action {
        ActionKind::Create => "create",
        ActionKind::Update => "update in place",
        ActionKind::Delete => "delete",
    };
    let at = a
        .origin
        .as_ref()
        .and_then(|o| (ctx.locate)(o))
        .map(|l| format!(", {l}"))
        .unwrap_or_default();
    let guarded = if a.is_blocked() { "  GUARDED" } else { "" };
    out.push_str(&format!(
        "  {} {} {}{}\n",
        p.for_symbol(sym, &sym.to_string()),
        p.bold(&a.server_name),
        format_args!("({verb}, server_id {}{at})", a.server_id),
        p.for_symbol('!', guarded),
    ));
    for c in &a.changes {
        let line = change_line(a.action, c);
        let csym = line.chars().next().unwrap_or(' ');
        out.push_str(&format!("      {}\n", p.for_symbol(csym, &line)));
    }
    if let Some(g) = &a.guard {
        let mark = if g.blocks() { "!" } else { "·" };
        out.push_str(&format!(
            "      {} {}\n",
            p.for_symbol('!', mark),
            guard_sentence(g)
        ));
    }
    for n in &a.notes {
        out.push_str(&format!("      · {n}\n"));
    }
}

/// `~ description: "a" → "b"`, `+ url: "…"`, `~ credentials: (sensitive, will be sent)`.
pub(crate) fn change_line(kind: ActionKind, c: &FieldChange) -> String {
    let keys = c
        .keys
        .as_ref()
        .map(|k| {
            let mut parts = Vec::new();
            for (label, list) in [
                ("added", &k.added),
                ("removed", &k.removed),
                ("changed", &k.changed),
            ] {
                if !list.is_empty() {
                    parts.push(format!("{label}: {}", list.join(", ")));
                }
            }
            if parts.is_empty() {
                String::new()
            } else {
                format!(" [{}]", parts.join("; "))
            }
        })
        .unwrap_or_default();
    if c.field == "credentials" {
        return format!(
            "{} credentials: (sensitive, will be sent)",
            if kind == ActionKind::Create { '+' } else { '~' }
        );
    }
    match (kind, &c.old, &c.new) {
        (ActionKind::Create, _, new) => format!("+ {}: {}{keys}", c.field, shown_text(new)),
        (_, Shown::Absent, new) => format!("+ {}: {}{keys}", c.field, shown_text(new)),
        (_, old, Shown::Absent) => format!("- {}: {}{keys}", c.field, shown_text(old)),
        (_, old, new) => format!(
            "~ {}: {} → {}{keys}",
            c.field,
            shown_text(old),
            shown_text(new)
        ),
    }
}

fn unmanaged(out: &mut String, plan: &Plan) {
    if plan.unmanaged.is_empty() {
        return;
    }
    out.push_str("\nLeft alone on the proxy:\n");
    for u in &plan.unmanaged {
        let why = match u.reason {
            UnmanagedReason::NotOwned => "not declared, not created by mcpform",
            UnmanagedReason::Config => "defined in the proxy's config.yaml (read-only)",
            UnmanagedReason::OwnedNotDeclared => {
                "created by mcpform, no longer declared (`--prune` deletes it)"
            }
            UnmanagedReason::Protected => {
                "created by mcpform, no longer declared, kept by `prevent_destroy`"
            }
        };
        let name = u.server_name.as_deref().unwrap_or("(no name)");
        out.push_str(&format!("  * {name} (server_id {}): {why}\n", u.server_id));
    }
}
