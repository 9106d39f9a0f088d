//! `docs/reference/environment.md` from `env::ALL` and `env::RESERVED`, and the check
//! that the code reads no variable by a name `env::ALL` does not list.

use std::collections::BTreeSet;
use std::path::Path;

use mcpform::env::{ALL, RESERVED, Reader};

use crate::generated_note;
use crate::markdown::{table, text};

pub(crate) fn page() -> String {
    let mut s = generated_note("src/env.rs");
    s.push_str("\n# Environment variables\n\n");
    s.push_str(
        "Every variable mcpform reads by a fixed name, by who reads it. Besides these, \
         plan and apply read the variables the files' `${env:NAME}` references name (and \
         `lint --require-env` checks that they are set), and the admin key from the \
         variable `--api-key-env NAME` names instead of `LITELLM_API_KEY`. The test suite's \
         own variables are in [development](../development.md).\n",
    );
    for (title, intro, pick) in [
        (
            "mcpform",
            "",
            (|r: Reader| r == Reader::Mcpform) as fn(Reader) -> bool,
        ),
        (
            "GitHub Actions (with `--github`)",
            "Set by the runner; read only with `--github` (the Action passes it). See \
             [the GitHub Actions guide](../guides/github-actions.md).\n\n",
            |r| r == Reader::Github,
        ),
        (
            "Read by the libraries mcpform is built with",
            "These follow the libraries' own rules, named in the table.\n\n",
            |r| matches!(r, Reader::Library(_)),
        ),
    ] {
        s.push_str(&format!("\n## {title}\n\n{intro}"));
        let rows: Vec<Vec<String>> = ALL
            .iter()
            .filter(|v| pick(v.reader))
            .map(|v| {
                let mut row = vec![format!("`{}`", v.name), text(v.commands)];
                if let Reader::Library(lib) = v.reader {
                    row.push(format!("`{lib}`"));
                }
                row.push(text(v.what));
                row
            })
            .collect();
        if rows.first().is_some_and(|r| r.len() == 4) {
            s.push_str(&table(&["variable", "read by", "library", "what"], &rows));
        } else {
            s.push_str(&table(&["variable", "read by", "what"], &rows));
        }
    }
    s.push_str(
        "\n## Variables a file may not read\n\nA file's `${env:…}` may not name these (lint \
         rule [`env-reserved`](rules.md#env-reserved); case is ignored), nor the variable \
         `--api-key-env` names: they hold mcpform's or CI's own credentials, and a reference \
         would send one to the proxy, and from there to any upstream URL the same file \
         names.\n\n",
    );
    let rows: Vec<Vec<String>> = RESERVED
        .iter()
        .map(|r| {
            let name = if r.prefix {
                format!("`{}*`", r.pattern)
            } else {
                format!("`{}`", r.pattern)
            };
            vec![name, text(r.why)]
        })
        .collect();
    s.push_str(&table(&["variable", "why"], &rows));
    s
}

/// The functions through which `src/` reads a variable by name: `std::env::var`,
/// `var_os`, and the lookups the rooms pass around (`env`, `set`, `env_of`, …).
const READERS: &[&str] = &[
    "var",
    "var_os",
    "env",
    "set",
    "env_of",
    "env_sync",
    "env_secret",
    "lookup",
];

/// `src/` without its unit tests (`#[cfg(test)]` modules at the foot of a file, and
/// files of tests).
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "tests" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" && name != "test_support.rs" {
            let text = std::fs::read_to_string(&path).unwrap();
            let code = match text.find("#[cfg(test)]") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            out.push((path.display().to_string(), code));
        }
    }
}

/// The constants of `src/env.rs`: `NAME` → its value.
fn env_constants() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(crate::root().join("src/env.rs")).unwrap();
    text.lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("pub")?;
            let rest = rest.split_once("const ")?.1;
            let (name, value) = rest.split_once(": &str = \"")?;
            Some((name.to_owned(), value.split('"').next()?.to_owned()))
        })
        .collect()
}

/// Every name `src/` (but `src/env.rs`, the list itself) reads: the literal first
/// argument of a reader (`var("CI")`, `set("GITHUB_SHA")`), and every constant of
/// `src/env.rs` the code names (`env(env::PROXY_URL)`, `env_secret(env,
/// env::FINGERPRINT_KEY)`, `default_value = env::API_KEY`).
fn names_read() -> Vec<(String, String)> {
    let mut files = Vec::new();
    sources(&crate::root().join("src"), &mut files);
    files.retain(|(path, _)| !path.ends_with("src/env.rs"));
    let constants = env_constants();
    let is_name = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_uppercase())
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    };
    let mut found = Vec::new();
    for (path, code) in &files {
        for reader in READERS {
            let needle = format!("{reader}(");
            for (at, _) in code.match_indices(&needle) {
                let before = code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let arg = code[at + needle.len()..].trim_start();
                if let Some(lit) = arg.strip_prefix('"') {
                    let name = lit.split('"').next().unwrap();
                    if is_name(name) {
                        found.push((path.clone(), name.to_owned()));
                    }
                }
            }
        }
        for (at, _) in code.match_indices("env::") {
            if code[..at].ends_with("std::") {
                continue;
            }
            let constant: String = code[at + 5..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !is_name(&constant) {
                continue;
            }
            // `env::RESERVED` and the like are lists, not names.
            if let Some((_, value)) = constants.iter().find(|(n, _)| *n == constant) {
                found.push((path.clone(), value.clone()));
            }
        }
    }
    found
}

#[test]
fn every_variable_the_code_reads_is_listed_in_env_all() {
    let listed: BTreeSet<&str> = ALL.iter().map(|v| v.name).collect();
    let read = names_read();
    let missing: Vec<String> = read
        .iter()
        .filter(|(_, name)| !listed.contains(name.as_str()))
        .map(|(path, name)| format!("{path} reads `{name}`"))
        .collect();
    assert!(
        missing.is_empty(),
        "variables read but not in `env::ALL` (src/env.rs); list them there, then run {}:\n  {}",
        crate::REGENERATE,
        missing.join("\n  ")
    );
    // And the other way: every variable listed as mcpform's is read somewhere.
    let read: BTreeSet<&str> = read.iter().map(|(_, n)| n.as_str()).collect();
    for v in ALL {
        if matches!(v.reader, Reader::Mcpform | Reader::Github) {
            assert!(
                read.contains(v.name),
                "`{}` is in env::ALL, but nothing in src/ reads it",
                v.name
            );
        }
    }
    assert_eq!(listed.len(), ALL.len(), "a name twice in env::ALL");
}

#[test]
fn the_scan_finds_the_reads_it_knows_of() {
    let read: BTreeSet<String> = names_read().into_iter().map(|(_, n)| n).collect();
    for name in [
        "LITELLM_PROXY_URL",
        "MCPFORM_FINGERPRINT_KEY",
        "CI",
        "NO_COLOR",
        "GITHUB_EVENT_PATH",
    ] {
        assert!(read.contains(name), "the scan misses {name}: {read:?}");
    }
}
