//! The README is short and true: its set-up commands come first, its tour's server
//! lints clean, its plan excerpt is what plan prints, and the supported-versions page
//! names the newest version the support table was checked against. (The tables the code
//! keeps are generated into `docs/reference/` and checked by `tests/docs`; the example
//! workflow is checked against `action.yml` by `tests/action/readme.rs`.)

use mcpform::lint::{LintOptions, lint};
use mcpform::load::load_text;
use mcpform::model::support::NEWEST_CHECKED;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn readme() -> String {
    read("README.md")
}

/// The fenced block right after the line `marker`.
fn block_after(text: &str, marker: &str) -> String {
    let at = text.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let rest = &text[at + marker.len()..];
    let start = rest.find("```").unwrap();
    let start = start + rest[start..].find('\n').unwrap() + 1;
    let end = rest[start..].find("\n```").unwrap();
    rest[start..start + end + 1].to_owned()
}

#[test]
fn the_readme_is_read_in_ten_minutes() {
    let lines = readme().lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines: move the detail to docs/"
    );
}

#[test]
fn the_two_set_up_commands_are_near_the_top() {
    let text = readme();
    let head: String = text.lines().take(40).collect::<Vec<_>>().join("\n");
    assert!(head.contains("cargo run --release -- lint examples/"));
    assert!(head.contains("\ncargo test "));
}

/// The tour's server (the yaml block that starts `# servers/github.yaml`) lints clean.
#[test]
fn the_tours_server_lints_clean() {
    let yaml = block_after(&readme(), "**1. Declare a server.**");
    assert!(yaml.starts_with("# servers/github.yaml\n"), "{yaml}");
    let env = |_: &str| None;
    let options = LintOptions {
        require_env: false,
        env: &env,
        reserved_env: &[],
        proxy_version: None,
    };
    let linted = lint(load_text("servers/github.yaml", &yaml), &options);
    assert!(linted.diagnostics.is_empty(), "{:#?}", linted.diagnostics);
    assert_eq!(linted.desired.servers.len(), 1);
}

/// The plan excerpt is the snapshot its marker names, with a readable proxy URL and
/// digest in place of the snapshot's placeholders.
#[test]
fn the_readme_plan_excerpt_is_what_plan_prints() {
    let marker = "<!-- output: ";
    let text = readme();
    let at = text.find(marker).expect("an output marker");
    let path = text[at + marker.len()..].split(' ').next().unwrap();
    let shown = block_after(&text[at..], "-->");
    let snapshot = read(path);
    let printed = snapshot.splitn(3, "---\n").nth(2).unwrap();
    let shown = shown
        .replace("https://litellm.example.com", "[PROXY]")
        .replace("hmac-sha256:…", "hmac-sha256:[digest]");
    assert_eq!(shown.trim_end(), printed.trim_end(), "README vs {path}");
}

/// "Supported LiteLLM versions" says which version the table was last checked against,
/// and lists it among the tested versions; the README says the same range.
#[test]
fn the_supported_versions_page_names_the_newest_checked() {
    let page = read("docs/litellm-versions.md");
    let prose = page.split_whitespace().collect::<Vec<_>>().join(" ");
    let newest = NEWEST_CHECKED.to_string();
    for claim in [
        format!("1.80.0 to {newest}"),
        format!("{newest} is the newest checked"),
    ] {
        assert!(prose.contains(&claim), "docs/litellm-versions.md: {claim}");
    }
    assert!(
        page.contains(&format!("| {newest} | the newest release checked")),
        "docs/litellm-versions.md: {newest} in the table of tested versions"
    );
    assert!(
        readme().contains(&format!("1.80.0 to {newest}")),
        "README: 1.80.0 to {newest}"
    );
}
