//! The versioned plan document: `--format json` prints it, `--out` saves it, and apply
//! (later) reads it. It holds no secret: bodies keep `${env:…}` references, and
//! credentials are represented by fingerprints.

use serde::Serialize;
use serde_json::{Value, json};

use super::{PlanContext, has_guarded};
use crate::plan::{Action, Plan};
use crate::secret::redact_url_userinfo;

/// Bumped when a field changes meaning or disappears.
pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct ActionOut<'a> {
    #[serde(flatten)]
    action: &'a Action,
    /// `file:line` of the declaration.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    /// Whether apply will skip it.
    blocked: bool,
}

/// The plan document as JSON.
pub fn to_json(plan: &Plan, ctx: &PlanContext<'_>) -> Value {
    let actions: Vec<Value> = plan
        .actions
        .iter()
        .map(|a| {
            serde_json::to_value(ActionOut {
                action: a,
                source: a.origin.as_ref().and_then(|o| (ctx.locate)(o)),
                blocked: a.is_blocked(),
            })
            .unwrap_or(Value::Null)
        })
        .collect();
    let notices = |list: &[crate::plan::Notice]| -> Vec<Value> {
        list.iter()
            .map(|n| {
                json!({
                    "server": n.server,
                    "message": n.message,
                    "source": n.origin.as_ref().and_then(|o| (ctx.locate)(o)),
                })
            })
            .collect()
    };
    json!({
        "format_version": PLAN_FORMAT_VERSION,
        "tool": { "name": "mcpform", "version": env!("CARGO_PKG_VERSION") },
        "proxy_url": redact_url_userinfo(ctx.proxy_url),
        "summary": plan.summary(),
        "has_changes": plan.has_changes(),
        "guarded": has_guarded(plan),
        "actions": actions,
        "unchanged": plan.unchanged.iter().map(|(n, id)| json!({"server_name": n, "server_id": id})).collect::<Vec<_>>(),
        "unmanaged": plan.unmanaged,
        "warnings": notices(&plan.warnings),
        "errors": notices(&plan.errors),
    })
}

/// The plan document, pretty-printed.
pub fn render_json(plan: &Plan, ctx: &PlanContext<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&to_json(plan, ctx)).unwrap_or_default();
    s.push('\n');
    s
}
