//! render: a [`PlanDocument`] → human text, JSON or Markdown. Knows nothing of the
//! client.
//!
//! Every format prints the same document; wording that appears in several formats
//! (guard explanations, counts) lives here once. Everything printed that came from
//! outside (live ids and names, proxy messages, file names, values) goes through
//! [`crate::escape`] for its destination.

mod human;
mod markdown;

pub use human::render_human;
pub use markdown::{MARKDOWN_LIMIT, render_markdown, render_markdown_with_limit};

use crate::live::CredentialCount;
use crate::plan::{Action, ActionKind, Guard, GuardReason, PlanDocument, Shown, Summary};

/// Output formats of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// Terraform-like text for terminals.
    Human,
    /// The versioned plan document (the same as `--out` writes).
    Json,
    /// Markdown for pull-request comments (under 65,536 characters).
    Markdown,
}

/// Renders a document in a format. JSON can fail only if serialisation fails, which
/// is reported, never replaced by an empty document.
pub fn render(
    doc: &PlanDocument,
    format: PlanFormat,
    color: bool,
) -> Result<String, serde_json::Error> {
    Ok(match format {
        PlanFormat::Human => render_human(doc, color),
        PlanFormat::Json => doc.to_json()?,
        PlanFormat::Markdown => render_markdown(doc),
    })
}

/// "Plan: 2 to create, 1 to update, 0 to delete, 1 guarded."
pub fn summary_line(s: &Summary) -> String {
    format!(
        "Plan: {} to create, {} to update, {} to delete, {} guarded.",
        s.create, s.update, s.delete, s.guarded
    )
}

/// "3 users hold stored keys" / "unknown: proxy older than 1.103".
pub(crate) fn count_phrase(count: CredentialCount) -> String {
    match count {
        CredentialCount::Known(0) => "no user holds a stored key".to_owned(),
        CredentialCount::Known(1) => "1 user holds a stored key".to_owned(),
        CredentialCount::Known(n) => format!("{n} users hold stored keys"),
        CredentialCount::Unsupported => format!(
            "stored keys: unknown (proxy older than {})",
            crate::model::support::Behaviour::AdminCredentialList
                .since()
                .short()
        ),
        CredentialCount::Unreadable => {
            "stored keys: unknown (the proxy's answer could not be read)".to_owned()
        }
        CredentialCount::NotChecked => "stored keys: not checked".to_owned(),
    }
}

/// One sentence on what a guarded change does and what apply will do about it.
pub(crate) fn guard_sentence(g: &Guard) -> String {
    let what = match g.reason {
        GuardReason::ByokDisabled => "turns BYOK off",
        GuardReason::TransportStdio => "moves to stdio, which ends BYOK",
        GuardReason::ServerDeleted => "deletes the server and its users' stored keys",
        GuardReason::AuthTypeNone => {
            "moves to `auth_type: none`, which sends users' stored keys nowhere"
        }
    };
    let count = count_phrase(g.count);
    if g.allowed {
        format!("{what} ({count}); allowed by `lifecycle.allow_byok_disable: true`")
    } else if g.blocks() {
        let how = match g.reason {
            GuardReason::ServerDeleted => "revoke the users' keys first, or delete it by hand",
            _ => "set `lifecycle.allow_byok_disable: true` to allow it",
        };
        format!("{what} while {count}: apply skips this change; {how}")
    } else {
        format!("{what} ({count})")
    }
}

/// A shown value as text (JSON for values; not yet escaped for any destination).
pub(crate) fn shown_text(v: &Shown) -> String {
    match v {
        Shown::Absent => "(none)".to_owned(),
        Shown::Sensitive => "(sensitive)".to_owned(),
        Shown::Value(v) => v.to_string(),
    }
}

/// The symbol of an action: `+`, `~`, `-`, or `!` when guarded.
pub(crate) fn symbol(a: &Action) -> char {
    if a.is_blocked() {
        return '!';
    }
    match a.action {
        ActionKind::Create => '+',
        ActionKind::Update => '~',
        ActionKind::Delete => '-',
    }
}
