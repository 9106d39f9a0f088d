//! render: a [`Plan`] → human text, JSON or Markdown. Knows nothing of the client.
//!
//! All three formats read the same [`Plan`] and the same [`PlanContext`]; wording that
//! appears in several formats (guard explanations, counts) lives here once.

mod human;
mod json;
mod markdown;

pub use human::render_human;
pub use json::{PLAN_FORMAT_VERSION, render_json, to_json};
pub use markdown::{MARKDOWN_LIMIT, render_markdown};

use crate::live::CredentialCount;
use crate::model::Origin;
use crate::plan::{Action, ActionKind, Guard, GuardReason, Plan, Shown, Summary};

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

/// What a rendering needs besides the plan.
pub struct PlanContext<'a> {
    /// The proxy's base URL (credentials in it are hidden).
    pub proxy_url: &'a str,
    /// `file:line` of a declared server.
    pub locate: &'a dyn Fn(&Origin) -> Option<String>,
    /// How many servers the proxy has.
    pub live_count: usize,
    /// Colour (human only).
    pub color: bool,
}

/// "Plan: 2 to create, 1 to update, 0 to delete, 1 guarded."
pub fn summary_line(s: &Summary) -> String {
    format!(
        "Plan: {} to create, {} to update, {} to delete, {} guarded.",
        s.create, s.update, s.delete, s.guarded
    )
}

/// "3 users hold stored keys" / "unknown: proxy older than 1.103".
pub fn count_phrase(count: CredentialCount) -> String {
    match count {
        CredentialCount::Known(0) => "no user holds a stored key".to_owned(),
        CredentialCount::Known(1) => "1 user holds a stored key".to_owned(),
        CredentialCount::Known(n) => format!("{n} users hold stored keys"),
        CredentialCount::Unsupported => "stored keys: unknown (proxy older than 1.103)".to_owned(),
        CredentialCount::NotChecked => "stored keys: not checked".to_owned(),
    }
}

/// One sentence on what a guarded change does and what apply will do about it.
pub fn guard_sentence(g: &Guard) -> String {
    let what = match g.reason {
        GuardReason::ByokDisabled => "turns BYOK off",
        GuardReason::TransportStdio => "moves to stdio, which ends BYOK",
        GuardReason::ServerDeleted => "deletes the server and its users' stored keys",
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

/// A shown value as text.
pub fn shown_text(v: &Shown) -> String {
    match v {
        Shown::Absent => "(none)".to_owned(),
        Shown::Sensitive => "(sensitive)".to_owned(),
        Shown::Value(v) => v.to_string(),
    }
}

/// The symbol of an action: `+`, `~`, `-`, or `!` when guarded.
pub fn symbol(a: &Action) -> char {
    if a.is_blocked() {
        return '!';
    }
    match a.action {
        ActionKind::Create => '+',
        ActionKind::Update => '~',
        ActionKind::Delete => '-',
    }
}

/// Whether a plan has any blocked change.
pub fn has_guarded(plan: &Plan) -> bool {
    plan.actions.iter().any(Action::is_blocked)
}
