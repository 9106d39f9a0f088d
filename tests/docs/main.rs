//! `docs/reference/` is generated from the code and checked in, as the schema is; this
//! test binary is its generator. Each page is made here from what the code holds (clap's
//! definitions, the rule catalogue and its examples, the normalisation and support
//! tables, the exit codes, `env::ALL`), and `generated_pages_are_fresh` fails when a
//! committed page differs, naming the command that writes them again:
//!
//! ```sh
//! UPDATE_DOCS=1 cargo test --test docs
//! ```
//!
//! Everything in `docs/reference/` is generated: a file there that no generator makes is
//! stale too (regenerating deletes it). The other tests here keep the generated pages
//! honest: every rule example fails or passes as it says, and every variable the code
//! reads is in `env::ALL`.

mod commands;
mod environment;
mod links;
mod markdown;
mod rules;
mod tables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The command that writes every generated page again.
pub(crate) const REGENERATE: &str = "UPDATE_DOCS=1 cargo test --test docs";

/// The variable that makes `generated_pages_are_fresh` write the pages.
const UPDATE: &str = "UPDATE_DOCS";

/// The generated tree, relative to the repository.
pub(crate) const REFERENCE: &str = "docs/reference";

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The first line of every generated Markdown page.
pub(crate) fn generated_note(from: &str) -> String {
    format!("<!-- Generated from {from} by tests/docs; do not edit. Regenerate: {REGENERATE} -->\n")
}

/// Every generated file: its path under `docs/reference/` and its bytes.
fn pages() -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut add = |path: String, text: String| {
        assert!(
            out.insert(path.clone(), text.into_bytes()).is_none(),
            "{path} twice"
        );
    };
    add("commands.md".into(), commands::page());
    for (name, roff) in commands::man_pages() {
        add(format!("man/{name}"), roff);
    }
    add("rules.md".into(), rules::page());
    add("normalisation.md".into(), tables::normalisation());
    add("field-support.md".into(), tables::field_support());
    add("exit-codes.md".into(), tables::exit_codes());
    add("environment.md".into(), environment::page());
    add("README.md".into(), index(&out_names()));
    out
}

/// The pages the index lists (its own entry aside), with their titles.
fn out_names() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "commands.md",
            "every command's usage, arguments and flags (also as man pages, `man/`)",
        ),
        (
            "rules.md",
            "every lint rule, with a failing and a fixed example",
        ),
        (
            "normalisation.md",
            "how plan makes the proxy's values and the files' comparable",
        ),
        (
            "field-support.md",
            "what each LiteLLM version stores, accepts and does",
        ),
        ("exit-codes.md", "what each exit code means, per command"),
        (
            "environment.md",
            "every environment variable mcpform reads, and those a file may not",
        ),
    ]
}

fn index(pages: &[(&str, &str)]) -> String {
    let mut s = generated_note("tests/docs/main.rs");
    s.push_str("\n# Reference\n\n");
    s.push_str(
        "Generated from the code, so that it cannot drift from it: a test fails when a page \
         here is stale. The file format's reference is the JSON Schema, \
         [`schemas/mcpform.schema.json`](../../schemas/mcpform.schema.json) (`mcpform schema` \
         prints it).\n\n",
    );
    for (page, what) in pages {
        s.push_str(&format!("* [{page}]({page}): {what}\n"));
    }
    s
}

/// Every file under `dir`, relative to it, `/`-separated.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap();
                out.push(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn generated_pages_are_fresh() {
    let dir = root().join(REFERENCE);
    let pages = pages();
    if std::env::var_os(UPDATE).is_some() {
        for old in files_under(&dir) {
            if !pages.contains_key(&old) {
                std::fs::remove_file(dir.join(&old)).unwrap();
            }
        }
        for (path, bytes) in &pages {
            let target = dir.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, bytes).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (path, bytes) in &pages {
        match std::fs::read(dir.join(path)) {
            Ok(committed) if committed == *bytes => {}
            Ok(_) => stale.push(format!(
                "{REFERENCE}/{path} differs from what the code makes"
            )),
            Err(_) => stale.push(format!("{REFERENCE}/{path} is missing")),
        }
    }
    for file in files_under(&dir) {
        if !pages.contains_key(&file) {
            stale.push(format!(
                "{REFERENCE}/{file} is generated by nothing (regenerating deletes it)"
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "the generated reference is stale:\n  {}\nregenerate it with:\n  {REGENERATE}\nand commit the result",
        stale.join("\n  ")
    );
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(pages(), pages());
}
