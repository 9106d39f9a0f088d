//! Arbitrary bytes → load → lint → every report format. Must never panic.
//!
//! Text that is UTF-8 goes through `load_text`. Other bytes usually go through
//! `String::from_utf8_lossy`; one input in 16 is written to a temporary file and read
//! with `load_paths`, so the loader's own UTF-8 and size checks are fuzzed as well.
//! A line `#%%` splits the input into two files (`load_texts`), for the rules that
//! compare servers across files.
//!
//! Besides "no panic", the target checks that the JSON report is valid JSON whose summary
//! counts what its diagnostics list holds, that every range in it is well-formed and
//! inside the input, that SARIF has one result per finding, and that the human and
//! github reports carry no control character but the line break and no bidirectional
//! control, whatever the input held (they go to terminals and CI logs).

#![no_main]

use std::io::Write;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use mcpform::escape::is_bidi_control;
use mcpform::lint::{LintOptions, lint};
use mcpform::load::{load_paths, load_text, load_texts};
use mcpform::model::support::ProxyVersion;
use mcpform::report::{LintFormat, ReportInput, write_report};
use serde_json::Value;

const SPLIT: &str = "\n#%%\n";

fuzz_target!(|data: &[u8]| {
    // What was loaded, how many files, and a bound on any file's length in bytes.
    let (loaded, files, longest) = match std::str::from_utf8(data) {
        Ok(text) => match text.split_once(SPLIT) {
            Some((a, b)) => (
                load_texts([("a.yaml", a), ("b/c.yml", b)]),
                2,
                a.len().max(b.len()),
            ),
            None => (load_text("fuzz.yaml", text), 1, text.len()),
        },
        Err(_) if data.len().is_multiple_of(16) => (load_file(data), 1, data.len()),
        Err(_) => {
            let text = String::from_utf8_lossy(data);
            (load_text("fuzz.yaml", &text), 1, text.len())
        }
    };
    let env = |name: &str| name.len().is_multiple_of(2).then(|| "x".to_owned());
    let options = LintOptions {
        require_env: data.len().is_multiple_of(3),
        env: &env,
        reserved_env: &[],
        // One input in five is linted for an older proxy (rule `proxy-version`).
        proxy_version: data
            .len()
            .is_multiple_of(5)
            .then_some(ProxyVersion::new(1, 87, 5)),
    };
    let linted = lint(loaded, &options);
    let input = ReportInput {
        sources: &linted.loaded.sources,
        diagnostics: &linted.diagnostics,
        servers: linted.desired.servers.len(),
        color: false,
    };
    for format in [
        LintFormat::Human,
        LintFormat::Json,
        LintFormat::Github,
        LintFormat::Sarif,
    ] {
        let mut out = Vec::new();
        write_report(format, &input, &mut out).expect("writing to a Vec cannot fail");
        let text = String::from_utf8(out).expect("reports are UTF-8");
        match format {
            LintFormat::Json => check_json(&text, linted.diagnostics.len(), files, longest),
            // Parsing SARIF back (every rule's metadata, every time) would halve the
            // speed; one result per finding is checked on the text instead.
            LintFormat::Sarif => {
                assert_eq!(
                    text.matches("\"ruleIndex\"").count(),
                    linted.diagnostics.len()
                );
            }
            LintFormat::Human | LintFormat::Github => {
                assert!(text.ends_with('\n'));
                let raw = text
                    .chars()
                    .find(|&c| (c.is_control() && c != '\n') || is_bidi_control(c));
                assert_eq!(raw, None, "raw character in {format:?} output:\n{text}");
            }
        }
    }
});

/// Writes the bytes to a temporary file (one per fuzzing process) and loads it.
fn load_file(data: &[u8]) -> mcpform::load::Loaded {
    let path: PathBuf =
        std::env::temp_dir().join(format!("mcpform-fuzz-{}.yaml", std::process::id()));
    let mut file = std::fs::File::create(&path).expect("create temp file");
    file.write_all(data).expect("write temp file");
    drop(file);
    let loaded = load_paths(std::slice::from_ref(&path));
    let _ = std::fs::remove_file(&path);
    loaded
}

fn check_json(text: &str, count: usize, files: u64, longest: usize) {
    let doc: Value = serde_json::from_str(text).expect("JSON report is valid JSON");
    let diagnostics = doc["diagnostics"].as_array().expect("diagnostics array");
    assert_eq!(diagnostics.len(), count);
    let summary = &doc["summary"];
    let tally = |severity: &str| {
        diagnostics
            .iter()
            .filter(|d| d["severity"] == severity)
            .count() as u64
    };
    assert_eq!(summary["errors"].as_u64(), Some(tally("error")));
    assert_eq!(summary["warnings"].as_u64(), Some(tally("warning")));
    assert_eq!(summary["notes"].as_u64(), Some(tally("note")));
    assert_eq!(summary["files"].as_u64(), Some(files));
    for d in diagnostics {
        let related = d["related"].as_array().expect("related array");
        let ranges = std::iter::once(&d["range"]).chain(related.iter().map(|r| &r["range"]));
        for range in ranges.filter(|r| !r.is_null()) {
            let start = range["start"]["offset"].as_u64().expect("start offset") as usize;
            let end = range["end"]["offset"].as_u64().expect("end offset") as usize;
            assert!(
                start <= end && end <= longest,
                "range {start}..{end}, file {longest} bytes"
            );
            assert!(range["start"]["line"].as_u64() >= Some(1));
            assert!(range["start"]["column"].as_u64() >= Some(1));
            assert!(range["start"]["line"].as_u64() <= range["end"]["line"].as_u64());
        }
    }
}
