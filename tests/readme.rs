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
        let line = format!("| `{}` | {} |", row.id, row.rule());
        assert!(text.contains(&line), "README lacks the row:\n{line}");
    }
}

#[test]
fn the_two_set_up_commands_are_there() {
    let text = readme();
    assert!(text.contains("cargo run --release -- lint examples/"));
    assert!(text.contains("cargo test "));
}

/// "Supported LiteLLM versions" holds every row of mcpform's support table.
#[test]
fn every_support_table_row_is_in_the_readme() {
    use mcpform::model::support::{BEHAVIOURS, Older, ProxyVersion, VALUES, fields};
    let text = readme();
    let any = ProxyVersion::new(0, 0, 0);
    for r in fields() {
        let older: Vec<String> = r
            .older
            .iter()
            .enumerate()
            .map(|(i, (from, what))| {
                let word = match what {
                    Older::Dropped => "dropped",
                    Older::Unlisted => "stored, not listed",
                    Older::Refused => "refused (500)",
                };
                match (*from == any, i) {
                    (true, 0) => word.to_owned(),
                    (true, _) => format!("{word} before"),
                    (false, _) => format!("{word} from {from}"),
                }
            })
            .collect();
        let row = format!(
            "| `{}` | {} | {} | {} |",
            r.field,
            r.since,
            r.last_without,
            older.join("; ")
        );
        assert!(text.contains(&row), "README lacks the row:\n{row}");
    }
    for r in VALUES {
        let row = format!(
            "| `{}: {}` | {} | {} | refused (422) |",
            r.field, r.value, r.since, r.last_without
        );
        assert!(text.contains(&row), "README lacks the row:\n{row}");
    }
    for r in BEHAVIOURS {
        let row = format!(
            "| {} | {} | {} | {} |",
            r.what, r.since, r.last_without, r.mcpform
        );
        assert!(text.contains(&row), "README lacks the row:\n{row}");
    }
}
