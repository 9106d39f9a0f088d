//! The README documents every rule and every normalisation row; these tests fail when
//! one is added without its line.

use mcpform::live::normalise::TABLE;
use mcpform::rule::RuleId;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn every_rule_is_in_the_readme_table_with_its_severity_and_summary() {
    let text = readme();
    for rule in RuleId::ALL {
        let row = format!(
            "| `{}` | {} | {} |",
            rule.id(),
            rule.default_severity().as_str(),
            rule.summary()
        );
        assert!(text.contains(&row), "README lacks the row:\n{row}");
    }
}

#[test]
fn every_normalisation_row_is_in_the_readme() {
    let text = readme();
    for row in TABLE {
        let line = format!("| `{}` | {} |", row.id, row.rule);
        assert!(text.contains(&line), "README lacks the row:\n{line}");
    }
}

#[test]
fn the_two_set_up_commands_are_there() {
    let text = readme();
    assert!(text.contains("cargo run --release -- lint examples/"));
    assert!(text.contains("cargo test "));
}
