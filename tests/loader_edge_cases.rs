//! Bad input gets a clear error with file:line:column, never a panic.
//!
//! Each test writes files to a temporary directory, runs the `mcpform` binary there
//! (relative paths, so file names in the output are predictable) with `NO_COLOR=1`, and
//! asserts the exit code, the rule id and the position in `--format json`; some also
//! check the human, github and sarif formats. Positions are 1-based lines and columns
//! (columns in characters) as the JSON report prints them.

use std::fs::{self, File};
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A run that takes longer than this has hung (alias bombs must be cut short quickly).
const TIMEOUT: Duration = Duration::from_secs(60);

/// A well-formed server, so that a test's finding is the only one.
const GOOD: &str = "version: 1
servers:
  - server_name: s1
    transport: http
    url: https://s1.example.invalid/mcp
";

// ---------------------------------------------------------------- helpers

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `mcpform ARGS` in `dir` without colour.
fn mcpform(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("mcpform")
        .expect("the mcpform binary is built")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .expect("mcpform runs");
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "mcpform did not exit normally ({}: killed by a signal, or by the {TIMEOUT:?} timeout)\nstderr:\n{stderr}",
            out.status
        )
    });
    Run {
        code,
        stdout,
        stderr,
    }
}

/// `mcpform lint --format FORMAT PATHS…` in `dir`.
fn lint(dir: &Path, format: &str, paths: &[&str]) -> Run {
    let mut args = vec!["lint", "--format", format];
    args.extend_from_slice(paths);
    mcpform(dir, &args)
}

/// `mcpform lint --format json PATHS…`: the exit code and the parsed report.
fn lint_json(dir: &Path, paths: &[&str]) -> (i32, Value) {
    let run = lint(dir, "json", paths);
    assert!(
        !run.stderr.contains("panicked"),
        "mcpform panicked:\n{}",
        run.stderr
    );
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", run.stdout));
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "mcpform");
    (run.code, doc)
}

fn tempdir() -> TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Writes a file (and its parent directories) under `dir`.
fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create directories");
    }
    fs::write(path, bytes).expect("write file");
}

fn diagnostics(doc: &Value) -> &[Value] {
    doc["diagnostics"].as_array().expect("diagnostics array")
}

/// The one diagnostic of the report, which must have this rule.
fn only<'a>(doc: &'a Value, rule: &str) -> &'a Value {
    let all = diagnostics(doc);
    assert_eq!(
        all.len(),
        1,
        "expected one `{rule}` diagnostic, got {doc:#}"
    );
    assert_eq!(all[0]["rule"], rule, "{doc:#}");
    &all[0]
}

/// The first diagnostic with this rule.
fn find<'a>(doc: &'a Value, rule: &str) -> &'a Value {
    diagnostics(doc)
        .iter()
        .find(|d| d["rule"] == rule)
        .unwrap_or_else(|| panic!("no `{rule}` diagnostic in {doc:#}"))
}

/// (line, column) of a range's start.
fn start(range: &Value) -> (u64, u64) {
    let p = &range["start"];
    (
        p["line"].as_u64().expect("line"),
        p["column"].as_u64().expect("column"),
    )
}

/// Byte offset of a range's start.
fn offset(range: &Value) -> usize {
    range["start"]["offset"].as_u64().expect("offset") as usize
}

fn assert_summary(doc: &Value, files: u64, errors: u64) {
    assert_eq!(doc["summary"]["files"], files, "{doc:#}");
    assert_eq!(doc["summary"]["errors"], errors, "{doc:#}");
}

/// The `file:line:column` of the human format: in the snippet header, or before the
/// message when the file is not clean text and gets no snippet.
fn assert_human_points_at(dir: &Path, file: &str, line: u64, column: u64, rule: &str) {
    let run = lint(dir, "human", &[file]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let at = format!("{file}:{line}:{column}");
    assert!(
        run.stdout.contains(&at),
        "human output lacks {at}:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains(rule), "{}", run.stdout);
}

// ---------------------------------------------------------------- alias bombs

/// "Billion laughs": ten levels of ten aliases each would expand to 10^10 nodes. The
/// alias budget (1,000,000 nodes) runs out at the 8th `*a4` of line 6: levels a1..a4
/// cost 123,440 nodes, each `*a4` 111,111.
#[test]
fn billion_laughs_alias_bomb_is_stopped_at_the_alias_over_budget() {
    let dir = tempdir();
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let aliases = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{aliases}]\n"));
    }
    write(dir.path(), "bomb.yaml", &text);

    let (code, doc) = lint_json(dir.path(), &["bomb.yaml"]);
    assert_eq!(code, 1);
    assert_summary(&doc, 1, 1);
    let d = only(&doc, "yaml-syntax");
    assert_eq!(d["file"], "bomb.yaml");
    assert!(
        d["message"].as_str().unwrap().contains("alias bomb"),
        "{d:#}"
    );
    assert_eq!(start(&d["range"]), (6, 45));
    assert_eq!(&text[offset(&d["range"])..][..3], "*a4");
    assert_human_points_at(dir.path(), "bomb.yaml", 6, 45, "yaml-syntax");
}

/// Quadratic: one anchored list of 1,000 items aliased 1,000 times is 1,001,000 nodes
/// from a 5 KB file. 999 aliases fit the budget; the 1,000th (column 7 + 999 × 4 + 1)
/// does not.
#[test]
fn quadratic_alias_expansion_is_stopped() {
    let dir = tempdir();
    let items = vec!["x"; 1000].join(", ");
    let aliases = vec!["*b"; 1000].join(", ");
    let text = format!("base: &b [{items}]\nuses: [{aliases}]\n");
    write(dir.path(), "wide.yaml", &text);

    let (code, doc) = lint_json(dir.path(), &["wide.yaml"]);
    assert_eq!(code, 1);
    let d = only(&doc, "yaml-syntax");
    assert!(d["message"].as_str().unwrap().contains("alias bomb"));
    assert_eq!(start(&d["range"]), (2, 7 + 999 * 4 + 1));
    assert_eq!(&text[offset(&d["range"])..][..2], "*b");
}

/// Nested aliases that double at each level: `xN: &xN [*xN-1, *xN-1]`. Level 17's
/// second alias is the first to exceed the budget (line 18, column 18).
#[test]
fn nested_doubling_aliases_are_stopped() {
    let dir = tempdir();
    let mut text = String::from("x0: &x0 [a, b]\n");
    for i in 1..40 {
        text.push_str(&format!("x{i}: &x{i} [*x{p}, *x{p}]\n", p = i - 1));
    }
    write(dir.path(), "chain.yaml", &text);

    let (code, doc) = lint_json(dir.path(), &["chain.yaml"]);
    assert_eq!(code, 1);
    let d = only(&doc, "yaml-syntax");
    assert!(d["message"].as_str().unwrap().contains("alias bomb"));
    assert_eq!(start(&d["range"]), (18, 18));
    assert_eq!(&text[offset(&d["range"])..][..4], "*x16");
}

/// Aliases could nest a tree far deeper than MAX_DEPTH: each line anchors a 63-deep chain
/// of lists (within the limit) whose innermost item is an alias of the previous line's
/// chain. 178 lines stay within the alias budget (992,616 nodes) and would nest about
/// 11,000 levels, enough for recursive walks over the tree to overflow the stack (found
/// by this test). The nesting limit holds for expanded aliases too, reported at the first
/// alias that nests too deep (line 2, after `x1: &x1 ` and 63 `[`).
#[test]
fn nested_aliases_deeper_than_max_depth_are_an_error_not_a_stack_overflow() {
    let dir = tempdir();
    let depth = 63;
    let (open, close) = ("[".repeat(depth), "]".repeat(depth));
    let mut text = format!("x0: &x0 {open}leaf{close}\n");
    for i in 1..178 {
        text.push_str(&format!("x{i}: &x{i} {open}*x{p}{close}\n", p = i - 1));
    }
    write(dir.path(), "deep-aliases.yaml", &text);

    let (code, doc) = lint_json(dir.path(), &["deep-aliases.yaml"]);
    assert_eq!(code, 1);
    let d = find(&doc, "yaml-syntax");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("nesting deeper than 64 levels"),
        "{d:#}"
    );
    assert_eq!(start(&d["range"]), (2, 8 + depth as u64 + 1));
}

// ---------------------------------------------------------------- nesting

/// 200 nested flow sequences under a key: the root mapping is level 1, so the 64th `[`
/// (column 3 + 64) opens level 65 and is reported.
#[test]
fn flow_nesting_200_deep_is_an_error_at_level_65() {
    let dir = tempdir();
    let text = format!("v: {}{}\n", "[".repeat(200), "]".repeat(200));
    write(dir.path(), "deep-flow.yaml", &text);

    let (code, doc) = lint_json(dir.path(), &["deep-flow.yaml"]);
    assert_eq!(code, 1);
    let d = only(&doc, "yaml-syntax");
    assert_eq!(d["message"], "nesting deeper than 64 levels");
    assert_eq!(start(&d["range"]), (1, 3 + 64));
    assert_human_points_at(dir.path(), "deep-flow.yaml", 1, 67, "yaml-syntax");
}

/// 200 nested block mappings: `kN:` on line N+1, indented 2N. The mapping that holds
/// `k64` is level 65: line 65, column 129.
#[test]
fn block_nesting_200_deep_is_an_error_at_level_65() {
    let dir = tempdir();
    let mut text = String::new();
    for i in 0..200 {
        text.push_str(&format!("{}k{i}:\n", "  ".repeat(i)));
    }
    text.push_str(&format!("{}leaf: 1\n", "  ".repeat(200)));
    write(dir.path(), "deep-block.yaml", &text);

    let (code, doc) = lint_json(dir.path(), &["deep-block.yaml"]);
    assert_eq!(code, 1);
    let d = only(&doc, "yaml-syntax");
    assert_eq!(d["message"], "nesting deeper than 64 levels");
    assert_eq!(start(&d["range"]), (65, 129));
    assert_eq!(&text[offset(&d["range"])..][..4], "k64:");
}

/// Exactly 64 levels parse: the only findings are the schema's.
#[test]
fn nesting_of_exactly_64_levels_parses() {
    let dir = tempdir();
    let text = format!("{GOOD}x-deep: {}{}\n", "[".repeat(63), "]".repeat(63));
    write(dir.path(), "deep-ok.yaml", &text);

    let (code, doc) = lint_json(dir.path(), &["deep-ok.yaml"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(diagnostics(&doc).is_empty(), "{doc:#}");
    assert_eq!(doc["summary"]["servers"], 1);
}

// ---------------------------------------------------------------- huge files

/// A sparse file one byte over 64 MiB: refused from its size, before reading it.
#[test]
fn file_over_64_mib_is_refused_without_reading_it() {
    let dir = tempdir();
    let size = 64 * 1024 * 1024 + 1;
    let file = File::create(dir.path().join("huge.yaml")).expect("create");
    file.set_len(size).expect("set_len (sparse)");
    drop(file);

    let started = std::time::Instant::now();
    let (code, doc) = lint_json(dir.path(), &["huge.yaml"]);
    assert_eq!(code, 1);
    assert_summary(&doc, 1, 1);
    let d = only(&doc, "file-read");
    assert_eq!(d["file"], "huge.yaml");
    assert_eq!(
        d["message"],
        format!("file is {size} bytes; mcpform reads files of at most 64 MiB")
    );
    assert!(d["range"].is_null());
    // Reading and parsing 64 MiB would take far longer than a metadata check.
    assert!(started.elapsed() < Duration::from_secs(30));
}

// ---------------------------------------------------------------- invalid UTF-8

/// Line 3 is `  - server_name: a\xFFb`: the bad byte is at offset 38, line 3, column 19.
const BAD_UTF8: &[u8] = b"version: 1\nservers:\n  - server_name: a\xffb\n";

#[test]
fn invalid_utf8_is_a_file_read_error_naming_the_offset_and_line() {
    let dir = tempdir();
    write(dir.path(), "bad.yaml", BAD_UTF8);

    let (code, doc) = lint_json(dir.path(), &["bad.yaml"]);
    assert_eq!(code, 1);
    assert_summary(&doc, 1, 1);
    let d = only(&doc, "file-read");
    assert_eq!(d["file"], "bad.yaml");
    assert_eq!(
        d["message"],
        "file is not valid UTF-8 (first bad byte at offset 38)"
    );
    assert_eq!(d["help"], "save the file as UTF-8");
    assert_eq!(d["range"]["start"]["line"], 3);
}

/// The range starts at the first bad byte (3:19, offset 38) in every format, also when
/// the bad byte starts a line (this test once found it reported one character early).
#[test]
fn invalid_utf8_points_at_the_first_bad_byte_in_every_format() {
    let dir = tempdir();
    write(dir.path(), "bad.yaml", BAD_UTF8);
    write(dir.path(), "bad-bol.yaml", b"a: 1\n\xffb: 2\n");

    let (_, doc) = lint_json(dir.path(), &["bad.yaml"]);
    let range = &only(&doc, "file-read")["range"];
    assert_eq!(start(range), (3, 19), "{doc:#}");
    assert_eq!(offset(range), 38, "{doc:#}");

    assert_human_points_at(dir.path(), "bad.yaml", 3, 19, "file-read");
    // Text that is not UTF-8 is not clean: its position, but no snippet of it.
    let human = lint(dir.path(), "human", &["bad.yaml"]);
    assert!(
        human
            .stdout
            .contains("bad.yaml:3:19: file is not valid UTF-8"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("server_name"), "{}", human.stdout);

    let github = lint(dir.path(), "github", &["bad.yaml"]);
    assert_eq!(github.code, 1);
    assert!(
        github
            .stdout
            .starts_with("::error file=bad.yaml,line=3,col=19,"),
        "{}",
        github.stdout
    );
    assert!(github.stdout.contains("title=file-read::"));

    let sarif = lint(dir.path(), "sarif", &["bad.yaml"]);
    assert_eq!(sarif.code, 1);
    let sarif: Value = serde_json::from_str(&sarif.stdout).expect("sarif is JSON");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "file-read");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (&region["startLine"], &region["startColumn"]),
        (&3.into(), &19.into())
    );

    let (_, doc) = lint_json(dir.path(), &["bad-bol.yaml"]);
    let range = &only(&doc, "file-read")["range"];
    assert_eq!(start(range), (2, 1), "{doc:#}");
    assert_eq!(offset(range), 5, "{doc:#}");
}

/// The range covers the bad byte and ends inside the file, also when it is the last
/// byte (the fuzzer found an end offset past the file's end: the offsets were those of
/// a lossy text, where the bad byte became a three-byte U+FFFD).
#[test]
fn invalid_utf8_range_ends_inside_the_file() {
    let dir = tempdir();
    write(dir.path(), "end.yaml", b"a: \xef");

    let (_, doc) = lint_json(dir.path(), &["end.yaml"]);
    let range = &only(&doc, "file-read")["range"];
    assert_eq!(start(range), (1, 4), "{doc:#}");
    assert_eq!(offset(range), 3, "{doc:#}");
    assert_eq!(range["end"]["offset"], 4, "{doc:#}");
}

// ---------------------------------------------------------------- duplicate keys

/// Plain `server_name` and quoted `"server_name"` in one server are the same key.
#[test]
fn duplicate_key_plain_and_quoted_in_a_server() {
    let dir = tempdir();
    write(
        dir.path(),
        "dup.yaml",
        format!("{GOOD}    \"server_name\": s2\n"),
    );

    let (code, doc) = lint_json(dir.path(), &["dup.yaml"]);
    assert_eq!(code, 1);
    let d = only(&doc, "duplicate-key");
    assert_eq!(
        d["message"],
        "key `server_name` is given twice in this mapping"
    );
    assert_eq!(d["label"], "second occurrence");
    assert_eq!(start(&d["range"]), (6, 5));
    let related = d["related"].as_array().expect("related");
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["message"], "first given here");
    assert_eq!(related[0]["file"], "dup.yaml");
    assert_eq!(start(&related[0]["range"]), (3, 5));
    // The first one wins: the server is still s1.
    assert_eq!(doc["summary"]["servers"], 1);
    assert_human_points_at(dir.path(), "dup.yaml", 6, 5, "duplicate-key");
}

/// At the top level: plain `a` then quoted `"a"`, and `version` then `'version'`.
#[test]
fn duplicate_keys_plain_and_quoted_at_top_level() {
    let dir = tempdir();
    write(
        dir.path(),
        "dup-top.yaml",
        format!("a: 1\n{GOOD}\"a\": 2\n'version': 2\n"),
    );

    let (code, doc) = lint_json(dir.path(), &["dup-top.yaml"]);
    assert_eq!(code, 1);
    let dups: Vec<&Value> = diagnostics(&doc)
        .iter()
        .filter(|d| d["rule"] == "duplicate-key")
        .collect();
    assert_eq!(dups.len(), 2, "{doc:#}");
    assert_eq!(dups[0]["message"], "key `a` is given twice in this mapping");
    assert_eq!(start(&dups[0]["range"]), (7, 1));
    assert_eq!(start(&dups[0]["related"][0]["range"]), (1, 1));
    assert_eq!(
        dups[1]["message"],
        "key `version` is given twice in this mapping"
    );
    assert_eq!(start(&dups[1]["range"]), (8, 1));
    assert_eq!(start(&dups[1]["related"][0]["range"]), (2, 1));
    // `a` itself is also unknown to the schema, reported at its first occurrence.
    assert_eq!(start(&find(&doc, "schema")["range"]), (1, 1));
}

// ---------------------------------------------------------------- no usable document

#[test]
fn empty_file_is_an_error() {
    let dir = tempdir();
    write(dir.path(), "empty.yaml", "");

    let (code, doc) = lint_json(dir.path(), &["empty.yaml"]);
    assert_eq!(code, 1);
    assert_summary(&doc, 1, 1);
    let d = only(&doc, "empty-file");
    assert_eq!(d["file"], "empty.yaml");
    assert_eq!(d["message"], "file holds no YAML document");
    assert!(d["range"].is_null());
}

#[test]
fn comment_only_file_is_an_empty_file() {
    let dir = tempdir();
    write(
        dir.path(),
        "comments.yaml",
        "# nothing here\n\n   # still nothing\n",
    );

    let (code, doc) = lint_json(dir.path(), &["comments.yaml"]);
    assert_eq!(code, 1);
    let d = only(&doc, "empty-file");
    assert_eq!(d["file"], "comments.yaml");
    assert!(d["range"].is_null());
}

/// A top-level list is a schema error at the start of the document.
#[test]
fn top_level_sequence_is_a_schema_error_where_the_document_starts() {
    let dir = tempdir();
    write(
        dir.path(),
        "list.yaml",
        "# servers\n- version: 1\n- servers: []\n",
    );

    let (code, doc) = lint_json(dir.path(), &["list.yaml"]);
    assert_eq!(code, 1);
    assert_summary(&doc, 1, 1);
    let d = only(&doc, "schema");
    assert_eq!(d["file"], "list.yaml");
    assert_eq!(
        d["message"],
        "an mcpform file is a mapping with `version` and `servers`, not a list"
    );
    assert_eq!(start(&d["range"]), (2, 1));
    assert_eq!(offset(&d["range"]), "# servers\n".len());
    assert_human_points_at(dir.path(), "list.yaml", 2, 1, "schema");
}

#[test]
fn top_level_scalar_is_a_schema_error_where_the_document_starts() {
    let dir = tempdir();
    write(dir.path(), "scalar.yaml", "# note\n\n  hello\n");

    let (code, doc) = lint_json(dir.path(), &["scalar.yaml"]);
    assert_eq!(code, 1);
    let d = only(&doc, "schema");
    assert_eq!(
        d["message"],
        "an mcpform file is a mapping with `version` and `servers`, not the string \"hello\""
    );
    assert_eq!(start(&d["range"]), (3, 3));
}

/// `---` before the only document is fine; a second `---` is an error at that marker.
#[test]
fn second_document_is_an_error_at_its_marker() {
    let dir = tempdir();
    write(dir.path(), "one.yaml", format!("---\n{GOOD}...\n"));
    write(dir.path(), "two.yaml", format!("{GOOD}---\n{GOOD}"));

    let (code, doc) = lint_json(dir.path(), &["one.yaml"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(diagnostics(&doc).is_empty());

    let (code, doc) = lint_json(dir.path(), &["two.yaml"]);
    assert_eq!(code, 1);
    let d = only(&doc, "yaml-syntax");
    assert_eq!(d["message"], "a second YAML document in one file");
    assert_eq!(start(&d["range"]), (6, 1));
    assert!(d["help"].as_str().unwrap().contains("split the servers"));
}

// ---------------------------------------------------------------- encodings and whitespace

#[test]
fn utf8_bom_lints_clean() {
    let dir = tempdir();
    write(dir.path(), "bom.yaml", format!("\u{feff}{GOOD}"));

    let (code, doc) = lint_json(dir.path(), &["bom.yaml"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(diagnostics(&doc).is_empty(), "{doc:#}");
    assert_eq!(doc["summary"]["servers"], 1);
}

/// The BOM is not a column: a key right after it is at 1:1.
#[test]
fn utf8_bom_does_not_shift_columns() {
    let dir = tempdir();
    write(
        dir.path(),
        "bom-err.yaml",
        format!("\u{feff}bogus: 1\n{GOOD}"),
    );

    let (code, doc) = lint_json(dir.path(), &["bom-err.yaml"]);
    assert_eq!(code, 1);
    let d = only(&doc, "schema");
    assert_eq!(d["message"], "unknown field `bogus`");
    assert_eq!(start(&d["range"]), (1, 1));
}

/// With CRLF line endings, lines and columns are the same as with LF; offsets count the
/// `\r`s.
#[test]
fn crlf_line_endings_keep_positions() {
    let dir = tempdir();
    let text = format!("{GOOD}    \"transport\": sse\n    bogus: 1\n").replace('\n', "\r\n");
    write(dir.path(), "crlf.yaml", &text);

    let (code, doc) = lint_json(dir.path(), &["crlf.yaml"]);
    assert_eq!(code, 1);
    let dup = find(&doc, "duplicate-key");
    assert_eq!(start(&dup["range"]), (6, 5));
    assert_eq!(&text[offset(&dup["range"])..][..11], "\"transport\"");
    assert_eq!(start(&dup["related"][0]["range"]), (4, 5));
    let unknown = find(&doc, "schema");
    assert_eq!(unknown["message"], "unknown field `bogus`");
    assert_eq!(start(&unknown["range"]), (7, 5));
    assert_eq!(&text[offset(&unknown["range"])..][..5], "bogus");
    assert_human_points_at(dir.path(), "crlf.yaml", 6, 5, "duplicate-key");
}

/// A tab used for indentation is a syntax error on its line. saphyr reports the
/// character after the tab (3:2), not the tab itself (3:1).
#[test]
fn tab_indentation_is_a_syntax_error() {
    let dir = tempdir();
    write(
        dir.path(),
        "tabs.yaml",
        "version: 1\nservers:\n\t- server_name: s1\n",
    );

    let (code, doc) = lint_json(dir.path(), &["tabs.yaml"]);
    assert_eq!(code, 1);
    let d = only(&doc, "yaml-syntax");
    assert_eq!(
        d["message"],
        "tabs disallowed within this context (block indentation)"
    );
    assert_eq!(start(&d["range"]), (3, 2));
}

// ---------------------------------------------------------------- paths

#[test]
fn missing_path_is_a_file_read_error() {
    let dir = tempdir();

    let (code, doc) = lint_json(dir.path(), &["nope.yaml"]);
    assert_eq!(code, 1);
    assert_summary(&doc, 1, 1);
    let d = only(&doc, "file-read");
    assert_eq!(d["file"], "nope.yaml");
    assert_eq!(d["message"], "no such file or directory");
    assert!(d["range"].is_null());

    let github = lint(dir.path(), "github", &["nope.yaml"]);
    assert_eq!(github.code, 1);
    assert!(
        github
            .stdout
            .starts_with("::error file=nope.yaml,title=file-read::no such file or directory"),
        "{}",
        github.stdout
    );
}

/// Non-YAML files and hidden YAML files do not count.
#[test]
fn directory_without_yaml_is_a_file_read_error() {
    let dir = tempdir();
    write(dir.path(), "conf/readme.txt", "not yaml");
    write(dir.path(), "conf/.hidden.yaml", "not: counted");
    write(dir.path(), "conf/.git/x.yml", "not: counted");
    fs::create_dir_all(dir.path().join("conf/empty")).expect("mkdir");

    let (code, doc) = lint_json(dir.path(), &["conf"]);
    assert_eq!(code, 1);
    assert_summary(&doc, 1, 1);
    let d = only(&doc, "file-read");
    assert_eq!(d["file"], "conf");
    assert_eq!(
        d["message"],
        "no `*.yaml` or `*.yml` files in this directory"
    );
    assert!(d["range"].is_null());
}

/// A tree with `.yaml` and `.yml` files at several depths, hidden directories and files
/// (skipped) and other extensions (ignored). Each found file has one unknown field on
/// line 6, so the JSON shows which files were read, in sorted order.
#[test]
fn directory_tree_is_searched_recursively_sorted_and_hidden_entries_skipped() {
    let dir = tempdir();
    // A server named NAME with an unknown top-level field NAME on line 6.
    let file = |name: &str| format!("{}{name}: 1\n", GOOD.replace("s1", name));
    write(dir.path(), "tree/b.yaml", file("bee"));
    write(dir.path(), "tree/a.yml", file("ay"));
    write(dir.path(), "tree/sub/deeper/d.yml", file("dee"));
    write(dir.path(), "tree/sub/c.yaml", file("see"));
    write(dir.path(), "tree/.hidden/h.yaml", file("hidden_dir"));
    write(dir.path(), "tree/sub/.h.yml", file("hidden_file"));
    write(dir.path(), "tree/notes.json", file("json"));
    write(dir.path(), "tree/e.yaml.bak", file("bak"));

    let (code, doc) = lint_json(dir.path(), &["tree"]);
    assert_eq!(code, 1);
    let found: Vec<(&str, &str, (u64, u64))> = diagnostics(&doc)
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap(),
                d["message"].as_str().unwrap(),
                start(&d["range"]),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("tree/a.yml", "unknown field `ay`", (6, 1)),
            ("tree/b.yaml", "unknown field `bee`", (6, 1)),
            ("tree/sub/c.yaml", "unknown field `see`", (6, 1)),
            ("tree/sub/deeper/d.yml", "unknown field `dee`", (6, 1)),
        ]
    );
    assert!(diagnostics(&doc).iter().all(|d| d["rule"] == "schema"));
    assert_summary(&doc, 4, 4);
}

/// Every finding names its file in the human format too, also those about a whole file
/// (missing, empty, directory without YAML), which have no snippet to show it.
#[test]
fn human_output_names_the_file_of_whole_file_findings() {
    let dir = tempdir();
    write(dir.path(), "empty.yaml", "");
    write(dir.path(), "list.yaml", "- a\n");
    fs::create_dir_all(dir.path().join("nothing")).expect("mkdir");

    let run = lint(
        dir.path(),
        "human",
        &["empty.yaml", "list.yaml", "missing.yaml", "nothing"],
    );
    assert_eq!(run.code, 1);
    for (file, rule) in [
        ("empty.yaml", "empty-file"),
        ("list.yaml", "schema"),
        ("missing.yaml", "file-read"),
        ("nothing", "file-read"),
    ] {
        assert!(run.stdout.contains(rule), "{}", run.stdout);
        assert!(
            run.stdout.contains(file),
            "human output does not name {file}:\n{}",
            run.stdout
        );
    }
}

// ---------------------------------------------------------------- aliases as keys

/// An alias used as a mapping key names the key its anchor holds (a string), whether
/// the anchor was on a value or on a key.
#[test]
fn an_alias_to_a_string_as_a_mapping_key_is_that_key() {
    let dir = tempdir();
    write(
        dir.path(),
        "s.yaml",
        "x-keys:\n  - &desc description\nversion: 1\nservers:\n  - server_name: s1\n    transport: http\n    &u url: https://s1.example.invalid/mcp\n    *desc : shared\n  - server_name: s2\n    transport: http\n    *u : https://s2.example.invalid/mcp\n",
    );
    let (code, doc) = lint_json(dir.path(), &["s.yaml"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(diagnostics(&doc).is_empty(), "{doc:#}");
}

/// An alias to a mapping or list cannot be a key: one located error that says so,
/// instead of the key going missing and its value read as the next key.
#[test]
fn an_alias_to_a_collection_as_a_mapping_key_is_a_located_error() {
    let dir = tempdir();
    write(
        dir.path(),
        "s.yaml",
        "x-defaults: &d {transport: http}\nversion: 1\nservers:\n  - server_name: s1\n    url: https://s1.example.invalid/mcp\n    *d : http\n",
    );
    let (code, doc) = lint_json(dir.path(), &["s.yaml"]);
    assert_eq!(code, 1, "{doc:#}");
    let d = only(&doc, "yaml-syntax");
    assert_eq!(start(&d["range"]), (6, 5), "{doc:#}");
    let human = lint(dir.path(), "human", &["s.yaml"]);
    insta::assert_snapshot!("alias_to_a_collection_as_a_key", human.stdout);
}
