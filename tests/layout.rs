//! The house's layout rules, checked on the source: data flows one way between rooms,
//! and no file grows past what one person reads in one sitting.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn room(name: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let dir = root.join(name);
    if dir.is_dir() {
        rust_files(&dir, &mut files);
    }
    let single = root.join(format!("{name}.rs"));
    if single.is_file() {
        files.push(single);
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// Files of `room` that name `crate::{other}` (in a `use` or a path).
fn uses(room_name: &str, other: &str) -> Vec<String> {
    let needle = format!("crate::{other}");
    room(room_name)
        .into_iter()
        .filter(|(_, text)| {
            text.lines().any(|l| {
                let code = l.split("//").next().unwrap_or("");
                code.contains(&needle)
                    && code[code.find(&needle).unwrap() + needle.len()..]
                        .starts_with([':', ';', ',', '}', ' '])
            })
        })
        .map(|(p, _)| p.display().to_string())
        .collect()
}

#[test]
fn the_model_knows_nothing_of_the_schema_lint_or_cli() {
    for other in ["schema", "lint", "cli", "live", "plan"] {
        assert_eq!(
            uses("model", other),
            Vec::<String>::new(),
            "model uses {other}"
        );
    }
}

#[test]
fn library_rooms_do_not_depend_on_cli() {
    for r in [
        "lint",
        "model",
        "schema",
        "env",
        "load",
        "rule",
        "diagnostic",
        "github",
        "export",
    ] {
        assert_eq!(uses(r, "cli"), Vec::<String>::new(), "{r} uses cli");
    }
}

#[test]
fn the_ground_floor_env_module_uses_no_other_room() {
    let files = room("env");
    assert_eq!(files.len(), 1);
    assert!(
        !files[0].1.contains("crate::"),
        "src/env.rs uses another room"
    );
}

#[test]
fn no_file_of_model_schema_lint_or_export_is_over_500_lines() {
    let mut long = Vec::new();
    for r in ["model", "schema", "lint", "rule", "env", "export"] {
        for (path, text) in room(r) {
            let lines = text.lines().count();
            if lines > 500 {
                long.push(format!("{} ({lines} lines)", path.display()));
            }
        }
    }
    assert!(long.is_empty(), "split these: {long:?}");
}
