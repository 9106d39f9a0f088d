//! `docs/reference/rules.md`: every rule of the catalogue with a failing and a fixed
//! example from `tests/fixtures/rules/<id>/`, and what `mcpform lint` says of the failing
//! one, as the built binary prints it. The examples are linted here, so they cannot rot:
//! the failing one must raise that rule and no other, the fixed one nothing at all.

use std::path::PathBuf;
use std::process::Command;

use mcpform::rule::RuleId;
use serde_json::Value;

use crate::generated_note;
use crate::markdown::{fence, table, text};

/// Where the examples live.
const EXAMPLES: &str = "tests/fixtures/rules";

/// A first line `# lint with: ARGS` gives the example's extra `lint` arguments; the line
/// is not part of the example.
const ARGS_LINE: &str = "# lint with: ";

/// The name the examples are linted under (what the output shows).
const FILE: &str = "servers.yaml";

struct Example {
    /// The file as linted (without the arguments line).
    bytes: Vec<u8>,
    /// Extra `lint` arguments.
    args: Vec<String>,
}

fn example(rule: RuleId, which: &str) -> Example {
    let path: PathBuf = crate::root()
        .join(EXAMPLES)
        .join(rule.id())
        .join(format!("{which}.yaml"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "rule `{}` needs a {which} example, {}: {e}",
            rule.id(),
            path.display()
        )
    });
    match bytes.strip_prefix(ARGS_LINE.as_bytes()) {
        Some(rest) => {
            let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
            let args = std::str::from_utf8(&rest[..end])
                .unwrap()
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            Example {
                bytes: rest[(end + 1).min(rest.len())..].to_vec(),
                args,
            }
        }
        None => Example {
            bytes,
            args: Vec::new(),
        },
    }
}

/// Runs the built `mcpform lint ARGS servers.yaml` on the example in a directory of its
/// own: its exit code and stdout.
fn lint(example: &Example, format: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(FILE), &example.bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mcpform"))
        .arg("lint")
        .args(&example.args)
        .args(["--format", format, "--color", "never", FILE])
        .current_dir(dir.path())
        .env_clear()
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// The rule ids of the example's findings.
fn findings(example: &Example) -> Vec<String> {
    let (_, json) = lint(example, "json");
    let doc: Value = serde_json::from_str(&json).unwrap();
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn command_line(example: &Example) -> String {
    let mut words = vec!["mcpform", "lint"];
    words.extend(example.args.iter().map(String::as_str));
    words.push(FILE);
    format!("$ {}", words.join(" "))
}

fn shown(example: &Example) -> String {
    String::from_utf8_lossy(&example.bytes).into_owned()
}

pub(crate) fn page() -> String {
    let mut s = generated_note("src/rule.rs and tests/fixtures/rules/");
    s.push_str("\n# Lint rules\n\n");
    s.push_str(
        "Every finding of `mcpform lint` (and of the lint that `plan`, `apply` and `export` \
         run first) carries one of these rule ids, in every output format. An error fails \
         the run; a warning fails it only with `--strict`. `mcpform rules` prints the same \
         list, and SARIF output links each finding here. Each rule below has an example \
         that raises it, what `mcpform lint` prints for it, and the example fixed; both are \
         linted by `cargo test --test docs`, so they stay true. How lint works, its formats \
         and what its output shows: [the lint command](../commands/lint.md).\n\n",
    );
    let rows: Vec<Vec<String>> = RuleId::ALL
        .iter()
        .map(|r| {
            vec![
                format!("[`{}`](#{})", r.id(), r.id()),
                r.default_severity().as_str().to_owned(),
                text(r.summary()),
            ]
        })
        .collect();
    s.push_str(&table(&["rule", "severity", "what"], &rows));
    for rule in RuleId::ALL {
        let failing = example(*rule, "failing");
        let fixed = example(*rule, "fixed");
        s.push_str(&format!(
            "\n## {}\n\n**{}**: {}\n\n",
            rule.id(),
            rule.default_severity().as_str(),
            text(rule.summary())
        ));
        s.push_str("Raises it:\n\n");
        s.push_str(&fence("yaml", &shown(&failing)));
        let (code, human) = lint(&failing, "human");
        s.push_str(&format!(
            "\n{}",
            fence(
                "console",
                &format!("{}\n{}[exit {code}]", command_line(&failing), human)
            )
        ));
        s.push_str("\nFixed:\n\n");
        s.push_str(&fence("yaml", &shown(&fixed)));
        if !fixed.args.is_empty() {
            s.push_str(&format!(
                "\n(linted with `{}`)\n",
                command_line(&fixed).trim_start_matches("$ ")
            ));
        }
    }
    s
}

#[test]
fn every_failing_example_raises_its_rule_and_no_other() {
    let mut wrong = Vec::new();
    for rule in RuleId::ALL {
        let found = findings(&example(*rule, "failing"));
        if found.is_empty() || found.iter().any(|f| f != rule.id()) {
            wrong.push(format!("{}: {found:?}", rule.id()));
        }
    }
    assert!(
        wrong.is_empty(),
        "failing examples ({EXAMPLES}/<id>/failing.yaml) that do not raise exactly their rule:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn every_fixed_example_is_clean() {
    let mut wrong = Vec::new();
    for rule in RuleId::ALL {
        let found = findings(&example(*rule, "fixed"));
        if !found.is_empty() {
            wrong.push(format!("{}: {found:?}", rule.id()));
        }
    }
    assert!(
        wrong.is_empty(),
        "fixed examples ({EXAMPLES}/<id>/fixed.yaml) with findings:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn every_example_belongs_to_a_rule() {
    let ids: Vec<&str> = RuleId::ALL.iter().map(|r| r.id()).collect();
    for entry in std::fs::read_dir(crate::root().join(EXAMPLES)).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            ids.contains(&name.as_str()),
            "{EXAMPLES}/{name}: no rule has that id"
        );
    }
}

#[test]
fn sarif_and_mcpform_rules_link_to_each_rule_on_this_page() {
    use mcpform::rule::RULES_PAGE;
    assert!(
        RULES_PAGE.ends_with(&format!("/{}/rules.md", crate::REFERENCE)),
        "{RULES_PAGE}"
    );
    let page = page();
    for rule in RuleId::ALL {
        assert_eq!(rule.help_uri(), format!("{RULES_PAGE}#{}", rule.id()));
        assert!(
            page.contains(&format!("\n## {}\n", rule.id())),
            "{}",
            rule.id()
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_mcpform"))
        .arg("rules")
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains(RULES_PAGE));
}
