//! lint: the JSON Schema and the semantic rules over the loaded files → diagnostics.
//!
//! Offline: no network, no clock. The environment is only read through
//! [`LintOptions::env`], and only for `--require-env`. Each rule is a small unit struct
//! in `rules/` with its id, and its tests beside it.

mod context;
pub mod rules;

pub use context::Ctx;

use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::model::Locate;
use crate::model::{self, DesiredState};
use crate::rule::RuleId;

/// How to lint.
pub struct LintOptions<'a> {
    /// Report `${env:…}` references to unset variables.
    pub require_env: bool,
    /// Reads an environment variable (injected so tests need not touch the process env).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Variables `${env:…}` may not read besides [`crate::env::RESERVED`]: the one
    /// `--api-key-env` names (plan and lint pass it, so that both agree).
    pub reserved_env: &'a [&'a str],
}

/// A semantic rule.
pub trait Rule: Sync {
    /// The rule's id.
    fn id(&self) -> RuleId;
    /// Appends the rule's findings for the whole desired state.
    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>);
}

/// What a lint run produced.
#[derive(Debug)]
pub struct Linted {
    /// The files.
    pub loaded: Loaded,
    /// The servers that deserialized (all of them when the files are clean).
    pub desired: DesiredState,
    /// Every finding, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Linted {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == crate::rule::Severity::Error)
    }
}

/// Runs the schema and every rule over loaded files.
pub fn lint(mut loaded: Loaded, options: &LintOptions<'_>) -> Linted {
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    for doc in &loaded.documents {
        diagnostics.extend(crate::schema::validate_file(&loaded, doc));
    }
    let (desired, rejected) = model::build(&loaded);
    for r in &rejected {
        let found = loaded
            .node(r.origin.file, &r.origin.pointer)
            .map(|node| {
                crate::schema::validate_server(&loaded, r.origin.file, &r.origin.pointer, node)
            })
            .unwrap_or_default();
        if found.is_empty() {
            diagnostics.push(model_schema_disagreement(&loaded, r));
        }
        diagnostics.extend(found);
    }
    let ctx = Ctx::new(&loaded, &desired, options);
    for rule in rules::ALL {
        rule.check(&ctx, &mut diagnostics);
    }
    diagnostics.sort_by_key(Diagnostic::sort_key);
    diagnostics.dedup();
    Linted {
        loaded,
        desired,
        diagnostics,
    }
}

fn model_schema_disagreement(loaded: &Loaded, r: &model::Rejected) -> Diagnostic {
    let message = format!("this server does not match mcpform's model: {}", r.message);
    let span = loaded.value_span(r.origin.file, &r.origin.pointer);
    Diagnostic::located(RuleId::Schema, r.origin.file, span, message)
}
