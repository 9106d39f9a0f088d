//! Every relative link of the README and of `docs/` leads to a file that exists, and to
//! a heading that exists in it: moving a section breaks a test, not a reader's click.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::markdown::slug;

/// The Markdown files checked: the README, and everything under `docs/`.
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let root = crate::root();
    let mut out = vec![root.join("README.md")];
    walk(&root.join("docs"), &mut out);
    out.sort();
    out
}

/// The text outside fenced blocks and code spans, line by line.
fn prose(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(f) = &fence {
            if trimmed.starts_with(f.as_str()) {
                fence = None;
            }
            out.push(String::new());
            continue;
        }
        if trimmed.starts_with("```") {
            fence = Some(trimmed.chars().take_while(|c| *c == '`').collect());
            out.push(String::new());
            continue;
        }
        let mut kept = String::new();
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
            } else if !in_code {
                kept.push(c);
            }
        }
        out.push(kept);
    }
    out
}

/// The anchors of a Markdown file: its headings' slugs (GitHub's: a repeated one gets
/// `-1`, `-2`…) and explicit `id="…"`s.
fn anchors(text: &str) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    let mut fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        if let Some(heading) = line.strip_prefix('#') {
            let heading = heading.trim_start_matches('#');
            if heading.starts_with(' ') {
                let base = slug(heading);
                let n = seen.entry(base.clone()).or_insert(0);
                out.push(if *n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                });
                *n += 1;
            }
        }
        let mut rest = line;
        while let Some(at) = rest.find("id=\"") {
            rest = &rest[at + 4..];
            out.push(rest.split('"').next().unwrap().to_owned());
        }
    }
    out
}

/// `](target)` links of one line.
fn links(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].to_owned());
        }
    }
    out
}

fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn every_relative_link_leads_somewhere() {
    let root = crate::root();
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(&root).unwrap().display().to_string();
        for (n, line) in prose(&text).iter().enumerate() {
            for target in links(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target.as_str(), None),
                };
                let dest = if path.is_empty() {
                    file.clone()
                } else {
                    normalise(&file.parent().unwrap().join(path))
                };
                if !dest.starts_with(&root) || !dest.exists() {
                    broken.push(format!("{shown}:{}: `{target}`: no such file", n + 1));
                    continue;
                }
                if let Some(anchor) = anchor {
                    let ok = dest.extension().is_some_and(|e| e == "md")
                        && anchors(&std::fs::read_to_string(&dest).unwrap())
                            .iter()
                            .any(|a| a == anchor);
                    if !ok {
                        broken.push(format!("{shown}:{}: `{target}`: no such heading", n + 1));
                    }
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken links:\n  {}",
        broken.join("\n  ")
    );
}

#[test]
fn anchors_are_githubs() {
    let text = "# A b\n## `mcpform lint`\n## A b\n```\n# not a heading\n```\n<a id=\"x\"></a>\n";
    assert_eq!(anchors(text), ["a-b", "mcpform-lint", "a-b-1", "x"]);
}
