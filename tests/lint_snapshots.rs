//! One fixture per rule in `tests/fixtures/lint/<rule-id>.yaml`, each rendered in the
//! human format (no colour) and as JSON, snapshotted. A second test checks that every
//! rule of the catalogue has a fixture that triggers it at least once.

use std::path::PathBuf;

use mcpform::lint::{LintOptions, Linted, lint};
use mcpform::load::load_paths;
use mcpform::model::support::ProxyVersion;
use mcpform::report::{LintFormat, ReportInput, write_report};
use mcpform::rule::RuleId;

const FIXTURES: &str = "tests/fixtures/lint";

fn lint_fixture(id: &str) -> Linted {
    let path = PathBuf::from(format!("{FIXTURES}/{id}.yaml"));
    let env = |_: &str| None;
    // `env-ref` shows both halves of the rule: malformed, and unset with --require-env;
    // `env-reserved` the built-in names and the one `--api-key-env` adds.
    // `proxy-version` lints for the oldest tested proxy.
    let options = LintOptions {
        require_env: id == "env-ref",
        env: &env,
        reserved_env: if id == "env-reserved" {
            &["TEAM_ADMIN_KEY"]
        } else {
            &[]
        },
        proxy_version: (id == "proxy-version").then(|| ProxyVersion::new(1, 87, 5)),
    };
    lint(load_paths(&[path]), &options)
}

fn render(linted: &Linted, format: LintFormat) -> String {
    let input = ReportInput {
        sources: &linted.loaded.sources,
        diagnostics: &linted.diagnostics,
        servers: linted.declared,
        color: false,
    };
    let mut out = Vec::new();
    write_report(format, &input, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    for rule in RuleId::ALL {
        let linted = lint_fixture(rule.id());
        assert!(
            linted.diagnostics.iter().any(|d| d.rule == *rule),
            "fixture {}.yaml does not trigger `{}`; found {:?}",
            rule.id(),
            rule.id(),
            linted
                .diagnostics
                .iter()
                .map(|d| d.rule.id())
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn snapshots_of_every_rule() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/lint");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for rule in RuleId::ALL {
            let linted = lint_fixture(rule.id());
            insta::assert_snapshot!(
                format!("{}.human", rule.id()),
                render(&linted, LintFormat::Human)
            );
            insta::assert_snapshot!(
                format!("{}.json", rule.id()),
                render(&linted, LintFormat::Json)
            );
        }
    });
}

#[test]
fn github_and_sarif_for_one_fixture() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/lint");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        let linted = lint_fixture("name-unique");
        insta::assert_snapshot!("name-unique.github", render(&linted, LintFormat::Github));
        insta::assert_snapshot!("name-unique.sarif", render(&linted, LintFormat::Sarif));
        let linted = lint_fixture("schema");
        insta::assert_snapshot!("schema.github", render(&linted, LintFormat::Github));
    });
}

/// One run reports the schema error and the three semantic errors of a server that
/// does not fit the model, and nothing twice.
#[test]
fn a_schema_error_does_not_hide_the_other_findings() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/lint");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        let linted = lint_fixture("four-mistakes");
        let rules: Vec<&str> = linted.diagnostics.iter().map(|d| d.rule.id()).collect();
        assert_eq!(
            rules,
            [
                "name-charset",
                "byok-transport",
                "schema",
                "plaintext-secret"
            ]
        );
        // Nothing from it reaches plan.
        assert!(linted.has_errors() && linted.desired.servers.is_empty());
        assert_eq!(linted.declared, 1);
        insta::assert_snapshot!("four-mistakes.human", render(&linted, LintFormat::Human));
        insta::assert_snapshot!("four-mistakes.json", render(&linted, LintFormat::Json));
    });
}

#[test]
fn examples_lint_clean() {
    let env = |_: &str| None;
    let options = LintOptions {
        require_env: false,
        env: &env,
        reserved_env: &[],
        proxy_version: None,
    };
    let linted = lint(load_paths(&[PathBuf::from("examples")]), &options);
    assert!(linted.diagnostics.is_empty(), "{:#?}", linted.diagnostics);
    assert_eq!(linted.desired.servers.len(), 8);
}
