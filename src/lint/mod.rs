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
    /// Variables `${env:…}` may not read besides `crate::env::RESERVED`: the one
    /// `--api-key-env` names (plan and lint pass it, so that both agree).
    pub reserved_env: &'a [&'a str],
    /// The LiteLLM version the files are meant for (`--proxy-version`): fields it does
    /// not store are errors (rule `proxy-version`). `None`: no such check.
    pub proxy_version: Option<crate::model::support::ProxyVersion>,
}

/// A semantic rule.
pub trait Rule: Sync {
    /// The rule's id.
    fn id(&self) -> RuleId;
    /// Appends the rule's findings about every declared server (what fits of each).
    fn check(&self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>);
}

/// What a lint run produced.
#[derive(Debug)]
pub struct Linted {
    /// The files.
    pub loaded: Loaded,
    /// The complete servers, those without a schema error, ready to plan. A server with
    /// a schema error is never here, even though the rules read what fits of it.
    pub desired: DesiredState,
    /// How many servers the files declare, complete or not.
    pub declared: usize,
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
///
/// The rules read every server, complete or not, through the fields that fit the model
/// ([`model::DeclaredServer`]): one run reports schema errors and semantic findings together.
/// The schema runs only on servers that do not fit as a whole (a server that fits as a
/// whole passes it: the property tests check that the two agree).
pub fn lint(mut loaded: Loaded, options: &LintOptions<'_>) -> Linted {
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    for doc in &loaded.documents {
        diagnostics.extend(crate::schema::validate_file(&loaded, doc));
    }
    let (servers, rejected) = model::build(&loaded);
    let incomplete = servers
        .iter()
        .filter(|s| !s.is_complete())
        .map(|s| (&s.origin, incomplete_because(s)));
    let unreadable = rejected.iter().map(|r| (&r.origin, r.message.clone()));
    for (origin, why) in incomplete.chain(unreadable) {
        let found = loaded
            .node(origin.file, &origin.pointer)
            .map(|node| crate::schema::validate_server(&loaded, origin.file, &origin.pointer, node))
            .unwrap_or_default();
        if found.is_empty() {
            diagnostics.push(model_schema_disagreement(&loaded, origin, &why));
        }
        diagnostics.extend(found);
    }
    let ctx = Ctx::new(&loaded, &servers, options);
    for rule in rules::ALL {
        rule.check(&ctx, &mut diagnostics);
    }
    diagnostics.sort_by_key(Diagnostic::sort_key);
    diagnostics.dedup();
    let declared = servers.len() + rejected.len();
    let desired = DesiredState {
        servers: servers
            .into_iter()
            .filter_map(model::DeclaredServer::into_desired)
            .collect(),
    };
    Linted {
        loaded,
        desired,
        declared,
        diagnostics,
    }
}

fn incomplete_because(s: &model::DeclaredServer) -> String {
    if s.unfit.is_empty() {
        "`server_name` or `transport` is missing".to_owned()
    } else {
        format!("`{}` do not fit", s.unfit.join("`, `"))
    }
}

fn model_schema_disagreement(loaded: &Loaded, origin: &model::Origin, why: &str) -> Diagnostic {
    let message = format!("this server does not match mcpform's model: {why}");
    let span = loaded.value_span(origin.file, &origin.pointer);
    Diagnostic::located(RuleId::Schema, origin.file, span, message)
}
