//! Helpers for the rules' unit tests: lint a YAML text, get `(rule, line, column)`.

use crate::diagnostic::Diagnostic;
use crate::lint::{LintOptions, lint};
use crate::load::load_text;
use crate::rule::RuleId;

/// Lints `yaml` and returns every finding of `rule` as `(line, column)`.
pub(crate) fn hits(rule: RuleId, yaml: &str) -> Vec<(u32, u32)> {
    hits_with_env(rule, yaml, false, &[])
}

/// Like [`hits`], with `--require-env` and a fake environment.
pub(crate) fn hits_with_env(
    rule: RuleId,
    yaml: &str,
    require_env: bool,
    env: &[(&str, &str)],
) -> Vec<(u32, u32)> {
    let lookup = |name: &str| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let options = LintOptions {
        require_env,
        env: &lookup,
        reserved_env: &[],
        proxy_version: None,
    };
    lint(load_text("t.yaml", yaml), &options)
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == rule)
        .map(|d| {
            let pos = d.span.map(|s| s.start).unwrap_or_default();
            (pos.line, pos.column1())
        })
        .collect()
}

/// Lints `yaml` with `reserved_env` and returns every finding of `rule`.
pub(crate) fn lint_one(yaml: &str, reserved_env: &[&str], rule: RuleId) -> Vec<Diagnostic> {
    let env = |_: &str| None;
    let options = LintOptions {
        require_env: false,
        env: &env,
        reserved_env,
        proxy_version: None,
    };
    lint(load_text("t.yaml", yaml), &options)
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == rule)
        .collect()
}

/// A file with one server: `fields` are extra lines at server indentation.
pub(crate) fn one_server(fields: &str) -> String {
    let mut out = String::from("version: 1\nservers:\n  - server_name: s1\n");
    for line in fields.lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Lints `yaml` for a proxy of `version` (`--proxy-version`) and returns every
/// `proxy-version` finding.
pub(crate) fn lint_at_version(
    yaml: &str,
    version: Option<crate::model::support::ProxyVersion>,
) -> Vec<Diagnostic> {
    let env = |_: &str| None;
    let options = LintOptions {
        require_env: false,
        env: &env,
        reserved_env: &[],
        proxy_version: version,
    };
    lint(load_text("t.yaml", yaml), &options)
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == RuleId::ProxyVersion)
        .collect()
}
