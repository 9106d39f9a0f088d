//! Terraform-like text: changed fields only, old → new, secrets hidden, everything from
//! outside escaped for the terminal.

use anstyle::{AnsiColor, Style};

use super::{guard_sentence, shown_text, summary_line, symbol};
use crate::escape::{terminal_line, terminal_text};
use crate::plan::{Action, ActionKind, FieldChange, Notice, PlanDocument, Shown, UnmanagedReason};

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
pub fn render_human(doc: &PlanDocument, color: bool) -> String {
    let p = Paint { color };
    let mut out = String::new();
    let version = format!(
        "LiteLLM {}, ",
        terminal_line(doc.proxy.version.as_deref().unwrap_or("version unknown"))
    );
    out.push_str(&format!(
        "mcpform plan for {} ({version}{} live server(s), {} declared)\n",
        terminal_line(&doc.proxy.url),
        doc.proxy.live_servers,
        doc.declared_servers,
    ));
    if !doc.actions.is_empty() {
        out.push_str("\nmcpform will perform these actions:\n");
        for a in &doc.actions {
            out.push('\n');
            action(&mut out, a, &p);
        }
    } else if doc.errors.is_empty() {
        out.push_str("\nNo changes: the proxy matches the files.\n");
    } else {
        out.push_str("\nNo plan: the errors below must be fixed first.\n");
    }
    unmanaged(&mut out, doc);
    notices(&mut out, "Warnings", "⚠", &doc.warnings);
    notices(&mut out, "Errors", "✗", &doc.errors);
    out.push('\n');
    out.push_str(&p.bold(&summary_line(&doc.summary)));
    out.push('\n');
    if doc.has_changes {
        out.push_str(&format!("Plan digest: {}\n", doc.plan_digest));
    }
    out
}

fn notices(out: &mut String, title: &str, mark: &str, list: &[Notice]) {
    if list.is_empty() {
        return;
    }
    out.push_str(&format!("\n{title}:\n"));
    for n in list {
        let who = n
            .server
            .as_deref()
            .map(|s| format!("{}: ", terminal_line(s)))
            .unwrap_or_default();
        let at = n
            .source
            .as_deref()
            .map(|l| format!(" ({})", terminal_line(l)))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {mark} {who}{}{at}\n",
            terminal_text(&n.message)
        ));
    }
}

fn action(out: &mut String, a: &Action, p: &Paint) {
    let sym = symbol(a);
    let verb = match a.action {
        ActionKind::Create => "create",
        ActionKind::Update => "update in place",
        ActionKind::Delete => "delete",
    };
    let at = a
        .source
        .as_deref()
        .map(|l| format!(", {}", terminal_line(l)))
        .unwrap_or_default();
    let guarded = if a.is_blocked() { "  GUARDED" } else { "" };
    out.push_str(&format!(
        "  {} {} ({verb}, server_id {}{at}){}\n",
        p.for_symbol(sym, &sym.to_string()),
        p.bold(&terminal_line(&a.server_name)),
        terminal_line(&a.server_id),
        p.for_symbol('!', guarded),
    ));
    for c in &a.changes {
        let line = terminal_line(&change_line(a.action, c)).into_owned();
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
        out.push_str(&format!("      · {}\n", terminal_text(n)));
    }
}

/// `~ description: "a" → "b"`, `+ url: "…"`, `~ credentials: (sensitive, will be sent)`.
/// Raw text: each destination escapes it.
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
            "~ {}: {} → {}{}{keys}",
            c.field,
            shown_text(old),
            shown_text(new),
            // Both sides show alike only when what differs is hidden (a URL's token).
            if matches!(old, Shown::Value(_)) && old == new {
                " (a hidden part changed)"
            } else {
                ""
            }
        ),
    }
}

fn unmanaged(out: &mut String, doc: &PlanDocument) {
    if doc.unmanaged.is_empty() {
        return;
    }
    out.push_str("\nLeft alone on the proxy:\n");
    for u in &doc.unmanaged {
        let why = match u.reason {
            UnmanagedReason::NotOwned => "not declared, not created by mcpform",
            UnmanagedReason::Config => "defined in the proxy's config.yaml (read-only)",
            UnmanagedReason::OwnedNotDeclared => {
                "created by mcpform, no longer declared (`--prune` deletes it)"
            }
            UnmanagedReason::Protected => {
                "created by mcpform, no longer declared, kept by `prevent_destroy`"
            }
            UnmanagedReason::ForeignMarker => {
                "carries `managed_by: mcpform` without mcpform's proof of ownership: never pruned"
            }
            UnmanagedReason::Pending => {
                "a submission the proxy has not approved: it holds its name and id"
            }
        };
        let name = u.server_name.as_deref().unwrap_or("(no name)");
        out.push_str(&format!(
            "  * {} (server_id {}): {why}\n",
            terminal_line(name),
            terminal_line(&u.server_id)
        ));
    }
}
