//! Files written by someone who wants to read what is not theirs, or to write into the
//! reviewer's terminal or CI log: a pull request controls the YAML files and the
//! symbolic links of the repository, while CI runs `mcpform lint` and `plan` with the
//! proxy's admin key in its environment and shows their output to everyone.
//!
//! Every case runs the built binary in a temporary directory, in every `lint` format,
//! and checks that a canary secret never appears on stdout or stderr, that human and
//! github output carry no raw control character or bidirectional override, that the
//! process exits (FIFOs and devices must not hang it), and that the finding names the
//! file, with its line where there is one.

#![cfg(unix)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A run that takes longer than this has hung (a FIFO read without a writer).
const TIMEOUT: Duration = Duration::from_secs(30);

/// The secret the cases try to leak. Built at run time so that it never appears in the
/// test binary's own command line or in a file the tests write by accident.
fn canary() -> String {
    format!("mcpform-canary-{}", 0x5eed_c0de_u32)
}

const FORMATS: [&str; 4] = ["human", "json", "github", "sarif"];

/// A well-formed server.
const GOOD: &str = "version: 1
servers:
  - server_name: s1
    transport: http
    url: https://s1.example.invalid/mcp
";

// ---------------------------------------------------------------- helpers

struct Run {
    format: String,
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `mcpform ARGS` in `dir` without colour, with the canary in the environment
/// (as CI has the admin key there).
fn mcpform(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("mcpform")
        .expect("the mcpform binary is built")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env("MCPFORM_TEST_CANARY", canary())
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .expect("mcpform runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "mcpform {args:?} did not exit normally ({}: killed by a signal, or by the {TIMEOUT:?} timeout)\nstdout:\n{stdout}\nstderr:\n{stderr}",
            out.status
        )
    });
    Run {
        format: args
            .iter()
            .skip_while(|a| **a != "--format")
            .nth(1)
            .map_or("human", |f| f)
            .to_owned(),
        code,
        stdout,
        stderr,
    }
}

/// `mcpform lint --format F PATHS…` for every format, each checked by [`assert_safe`].
fn lint_all(dir: &Path, paths: &[&str]) -> Vec<Run> {
    FORMATS
        .iter()
        .map(|format| {
            let mut args = vec!["lint", "--format", format];
            args.extend_from_slice(paths);
            let run = mcpform(dir, &args);
            assert_safe(&run);
            run
        })
        .collect()
}

/// The JSON run of [`lint_all`]'s results, parsed.
fn json_of(runs: &[Run]) -> Value {
    let run = runs
        .iter()
        .find(|r| r.format == "json")
        .expect("a json run");
    serde_json::from_str(&run.stdout).expect("json output is JSON")
}

fn human_of(runs: &[Run]) -> &Run {
    runs.iter()
        .find(|r| r.format == "human")
        .expect("a human run")
}

fn github_of(runs: &[Run]) -> &Run {
    runs.iter()
        .find(|r| r.format == "github")
        .expect("a github run")
}

fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// No canary anywhere, no panic, and for the formats meant for a terminal or a log no
/// control character but the line break and no bidirectional control.
fn assert_safe(run: &Run) {
    let canary = canary();
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains(&canary),
            "the canary leaked on {stream} of --format {}:\n{text}",
            run.format
        );
        assert!(
            !text.contains("panicked"),
            "mcpform panicked:\n{}",
            run.stderr
        );
        if matches!(run.format.as_str(), "human" | "github") {
            let bad: Vec<char> = text
                .chars()
                .filter(|&c| (c.is_control() && c != '\n') || is_bidi_control(c))
                .collect();
            assert!(
                bad.is_empty(),
                "raw {bad:?} on {stream} of --format {}:\n{text}",
                run.format
            );
        }
    }
    if matches!(run.format.as_str(), "json" | "sarif") {
        let doc: Result<Value, _> = serde_json::from_str(&run.stdout);
        assert!(
            doc.is_ok(),
            "--format {} is not JSON:\n{}",
            run.format,
            run.stdout
        );
    }
}

fn diagnostics(doc: &Value) -> &[Value] {
    doc["diagnostics"].as_array().expect("diagnostics array")
}

/// The diagnostic about `file` with this rule.
fn finding<'a>(doc: &'a Value, file: &str, rule: &str) -> &'a Value {
    diagnostics(doc)
        .iter()
        .find(|d| d["file"] == file && d["rule"] == rule)
        .unwrap_or_else(|| panic!("no `{rule}` finding about `{file}` in {doc:#}"))
}

/// Files that produced at least one diagnostic.
fn files_with_findings(doc: &Value) -> Vec<&str> {
    let mut files: Vec<&str> = diagnostics(doc)
        .iter()
        .filter_map(|d| d["file"].as_str())
        .collect();
    files.dedup();
    files
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

/// `dir/link` → `target` (the link text as given).
fn link(dir: &Path, link: &str, target: impl AsRef<Path>) {
    let path = dir.join(link);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create directories");
    }
    symlink(target, path).expect("create symlink");
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A file whose every byte would show in a snippet: a server named after the canary
/// (a `name-charset` error, with a snippet of the name, if it were ever read).
fn secret_yaml() -> String {
    format!(
        "version: 1\nservers:\n  - server_name: {}\n    transport: http\n    url: https://x.example.invalid/mcp\n",
        canary()
    )
}

/// `work/` (the current directory of every run) with `servers/good.yaml`, and
/// `outside/secret.yaml` next to it, outside the working tree.
fn repo() -> (TempDir, std::path::PathBuf) {
    let root = tempdir();
    write(root.path(), "work/servers/good.yaml", GOOD);
    write(root.path(), "outside/secret.yaml", secret_yaml());
    let work = root.path().join("work");
    (root, work)
}

// ---------------------------------------------------------------- symlinks: files

/// `servers/zz.yaml -> ../../outside/secret.yaml`: refused, named, never read.
#[test]
fn symlink_out_of_the_tree_is_refused_and_never_read() {
    let (_root, work) = repo();
    link(&work, "servers/zz.yaml", "../../outside/secret.yaml");

    let runs = lint_all(&work, &["servers"]);
    for run in &runs {
        assert_eq!(run.code, 1, "--format {}", run.format);
    }
    let doc = json_of(&runs);
    let d = finding(&doc, "servers/zz.yaml", "file-read");
    assert!(d["range"].is_null(), "{doc:#}");
    let message = d["message"].as_str().expect("message");
    assert!(message.contains("outside `servers`"), "{message}");
    assert_eq!(files_with_findings(&doc), ["servers/zz.yaml"], "{doc:#}");
    assert_eq!(
        doc["summary"]["servers"], 1,
        "good.yaml is still read: {doc:#}"
    );
    assert!(human_of(&runs).stdout.contains("servers/zz.yaml"));
    assert!(
        github_of(&runs)
            .stdout
            .contains("::error file=servers/zz.yaml,title=file-read::")
    );
}

/// The environment (with the admin key in it) is a file too.
#[test]
fn symlink_to_proc_self_environ_is_refused() {
    let (_root, work) = repo();
    link(&work, "servers/zz.yaml", "/proc/self/environ");

    let runs = lint_all(&work, &["servers"]);
    let doc = json_of(&runs);
    let d = finding(&doc, "servers/zz.yaml", "file-read");
    assert!(d["range"].is_null(), "{doc:#}");
    for run in &runs {
        assert_eq!(run.code, 1, "--format {}", run.format);
    }
}

/// `.git/config` holds the token actions/checkout uses: a link into `.git` is refused
/// when searching `servers` (outside it) and when searching `.` (a hidden path).
#[test]
fn symlink_into_dot_git_is_refused() {
    let (_root, work) = repo();
    write(
        &work,
        ".git/config",
        format!(
            "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic {}\n",
            canary()
        ),
    );
    write(&work, ".git/servers.yaml", secret_yaml());
    link(&work, "servers/zz.yaml", "../.git/config");
    link(&work, "servers/zy.yaml", "../.git/servers.yaml");

    let runs = lint_all(&work, &["servers"]);
    let doc = json_of(&runs);
    finding(&doc, "servers/zz.yaml", "file-read");
    finding(&doc, "servers/zy.yaml", "file-read");

    let runs = lint_all(&work, &["."]);
    let doc = json_of(&runs);
    let d = finding(&doc, "./servers/zy.yaml", "file-read");
    let message = d["message"].as_str().expect("message");
    assert!(message.contains("hidden"), "{message}");
    finding(&doc, "./servers/zz.yaml", "file-read");
    for run in &runs {
        assert_eq!(run.code, 1, "--format {}", run.format);
    }
}

/// A link inside the tree is followed, and a file reached under two names is read once
/// (it would otherwise clash with itself in `name-unique`).
#[test]
fn symlink_inside_the_tree_is_followed_and_read_once() {
    let (_root, work) = repo();
    link(&work, "servers/again.yaml", "good.yaml");
    link(&work, "servers/sub/deeper.yaml", "../good.yaml");

    let runs = lint_all(&work, &["servers"]);
    let doc = json_of(&runs);
    assert!(diagnostics(&doc).is_empty(), "{doc:#}");
    assert_eq!(doc["summary"]["files"], 1, "{doc:#}");
    assert_eq!(doc["summary"]["servers"], 1, "{doc:#}");
    for run in &runs {
        assert_eq!(run.code, 0, "--format {}: {}", run.format, run.stdout);
    }
}

/// A path named on the command line that is a symlink is followed only into the
/// current directory; a plain path is read as given.
#[test]
fn explicit_symlink_is_followed_only_inside_the_current_directory() {
    let (_root, work) = repo();
    link(&work, "out.yaml", "../outside/secret.yaml");
    link(&work, "in.yaml", "servers/good.yaml");
    link(&work, "git.yaml", ".git/config");
    write(&work, ".git/config", secret_yaml());

    for path in ["out.yaml", "git.yaml"] {
        let runs = lint_all(&work, &[path]);
        let doc = json_of(&runs);
        let d = finding(&doc, path, "file-read");
        assert!(d["range"].is_null(), "{doc:#}");
        for run in &runs {
            assert_eq!(run.code, 1, "--format {}", run.format);
        }
    }

    let runs = lint_all(&work, &["in.yaml"]);
    let doc = json_of(&runs);
    assert!(diagnostics(&doc).is_empty(), "{doc:#}");
    assert_eq!(doc["summary"]["servers"], 1, "{doc:#}");
}

/// `servers/` itself replaced by a link out of the tree, named with and without a
/// trailing slash, and a path through a linked directory.
#[test]
fn explicit_path_through_a_linked_directory_is_refused_outside_the_current_directory() {
    let root = tempdir();
    write(root.path(), "outside/secret.yaml", secret_yaml());
    let work = root.path().join("work");
    fs::create_dir_all(&work).expect("mkdir");
    link(&work, "servers", "../outside");

    for path in ["servers", "servers/", "servers/secret.yaml"] {
        let runs = lint_all(&work, &[path]);
        let doc = json_of(&runs);
        assert_eq!(diagnostics(&doc).len(), 1, "{path}: {doc:#}");
        assert_eq!(diagnostics(&doc)[0]["rule"], "file-read", "{doc:#}");
        for run in &runs {
            assert_eq!(run.code, 1, "{path} --format {}", run.format);
        }
    }
}

/// The user may name any regular file: the rule is about links a pull request adds.
#[test]
fn explicit_plain_path_outside_the_current_directory_is_read() {
    let (_root, work) = repo();
    let run = mcpform(
        &work,
        &["lint", "--format", "json", "../outside/secret.yaml"],
    );
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    finding(&doc, "../outside/secret.yaml", "name-charset");
}

// ---------------------------------------------------------------- symlinks: directories

/// A linked directory inside the searched directory is searched (its files are the
/// same files, so they are read once, under their first name in sorted order).
#[test]
fn symlinked_directory_inside_the_tree_is_followed() {
    let (_root, work) = repo();
    write(&work, "servers/prod/p.yaml", GOOD.replace("s1", "p1"));
    link(&work, "servers/a_prod", "prod");

    let runs = lint_all(&work, &["servers"]);
    let doc = json_of(&runs);
    assert!(diagnostics(&doc).is_empty(), "{doc:#}");
    assert_eq!(doc["summary"]["files"], 2, "{doc:#}");

    // Named alone, the linked directory is searched and its files keep its name.
    let doc = json_of(&lint_all(
        &work,
        &["servers/a_prod", "servers/unknown.yaml"],
    ));
    assert_eq!(
        files_with_findings(&doc),
        ["servers/unknown.yaml"],
        "{doc:#}"
    );
    assert_eq!(doc["summary"]["servers"], 1, "{doc:#}");
}

/// A linked directory that leads out of the searched directory is an error naming the
/// link, not a silent skip, and nothing under it is read.
#[test]
fn symlinked_directory_out_of_the_tree_is_refused() {
    let (_root, work) = repo();
    link(&work, "servers/ext", "../../outside");

    let runs = lint_all(&work, &["servers"]);
    let doc = json_of(&runs);
    let d = finding(&doc, "servers/ext", "file-read");
    assert!(d["range"].is_null(), "{doc:#}");
    assert_eq!(files_with_findings(&doc), ["servers/ext"], "{doc:#}");
    for run in &runs {
        assert_eq!(run.code, 1, "--format {}", run.format);
    }

    // Named on the command line, a link to a directory outside the current directory.
    link(&work, "ext", "../outside");
    let doc = json_of(&lint_all(&work, &["ext"]));
    finding(&doc, "ext", "file-read");
}

/// Links that loop: a directory linking to itself or its parent is searched once, and
/// two files linking to each other are an error each, not a hang.
#[test]
fn symlink_cycles_terminate() {
    let (_root, work) = repo();
    link(&work, "servers/self", ".");
    link(&work, "servers/sub/up", "..");
    link(&work, "servers/x.yaml", "y.yaml");
    link(&work, "servers/y.yaml", "x.yaml");

    let runs = lint_all(&work, &["servers"]);
    let doc = json_of(&runs);
    finding(&doc, "servers/x.yaml", "file-read");
    finding(&doc, "servers/y.yaml", "file-read");
    assert_eq!(doc["summary"]["servers"], 1, "{doc:#}");
    assert_eq!(
        files_with_findings(&doc),
        ["servers/x.yaml", "servers/y.yaml"],
        "{doc:#}"
    );
}

// ---------------------------------------------------------------- not regular files

/// Reading a FIFO without a writer blocks forever: it is refused from its metadata.
#[test]
fn fifo_is_refused_not_waited_on() {
    let (_root, work) = repo();
    mkfifo(&work.join("servers/pipe.yaml"));
    mkfifo(&work.join("pipe.yaml"));

    let runs = lint_all(&work, &["pipe.yaml"]);
    let doc = json_of(&runs);
    let d = finding(&doc, "pipe.yaml", "file-read");
    let message = d["message"].as_str().expect("message");
    assert!(message.contains("not a regular file"), "{message}");
    assert!(message.contains("named pipe"), "{message}");
    for run in &runs {
        assert_eq!(run.code, 1, "--format {}", run.format);
    }

    // In a searched directory it is named too, not skipped in silence.
    let doc = json_of(&lint_all(&work, &["servers"]));
    finding(&doc, "servers/pipe.yaml", "file-read");
    assert_eq!(doc["summary"]["servers"], 1, "{doc:#}");
}

/// `/dev/zero` reports size 0 and never ends: refused as a device before any read. The
/// run is limited to 2 GiB of address space, so a regression fails instead of
/// exhausting the machine's memory.
#[test]
fn dev_zero_named_explicitly_is_refused() {
    let dir = tempdir();
    for format in FORMATS {
        let out = Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 2097152 && exec \"$0\" lint --format \"$1\" /dev/zero")
            .arg(assert_cmd::cargo::cargo_bin("mcpform"))
            .arg(format)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .timeout(TIMEOUT)
            .output()
            .expect("sh runs");
        let run = Run {
            format: format.to_owned(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert_eq!(
            run.code, 1,
            "--format {format}: {}{}",
            run.stdout, run.stderr
        );
        assert_safe(&run);
        if format == "json" {
            let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
            let d = finding(&doc, "/dev/zero", "file-read");
            let message = d["message"].as_str().expect("message");
            assert!(message.contains("character device"), "{message}");
        }
    }
}

// ---------------------------------------------------------------- huge lines

/// One line of 1 MB with a finding near its end: the snippet shows a window around the
/// finding, not the megabyte.
#[test]
fn one_megabyte_single_line_file_shows_a_window() {
    let dir = tempdir();
    let filler = "x".repeat(1 << 20);
    let text = format!(
        "{{version: 1, servers: [{{server_name: s1, transport: http, url: \"https://s1.example.invalid/mcp\", description: \"{filler}\", bogus: 1}}]}}"
    );
    let column = text.find("bogus").expect("bogus") + 1;
    write(dir.path(), "long.yaml", &text);

    let runs = lint_all(dir.path(), &["long.yaml"]);
    let doc = json_of(&runs);
    let d = finding(&doc, "long.yaml", "schema");
    assert_eq!(d["range"]["start"]["line"], 1, "{doc:#}");
    assert_eq!(d["range"]["start"]["column"], column, "{doc:#}");
    for run in &runs {
        assert_eq!(run.code, 1, "--format {}", run.format);
        assert!(
            run.stdout.len() + run.stderr.len() < 64 * 1024,
            "--format {} printed {} bytes",
            run.format,
            run.stdout.len()
        );
    }
    let human = &human_of(&runs).stdout;
    assert!(human.contains(&format!("long.yaml:1:{column}")), "{human}");
    assert!(human.contains("…"), "{human}");
    assert!(human.contains("bogus: 1"), "{human}");
}

/// Two labels of one finding far apart get a snippet each: the lines between them are
/// not printed (miette joined them, printing hundreds of lines for one finding).
#[test]
fn distant_labels_do_not_print_the_lines_between() {
    let dir = tempdir();
    let mut text = String::from("version: 1\nservers:\n");
    for i in 0..600 {
        let name = if i == 300 || i == 500 {
            "dup".to_owned()
        } else {
            format!("s{i}")
        };
        text.push_str(&format!(
            "  - server_name: {name}\n    transport: http\n    url: https://a.example.invalid/mcp\n"
        ));
    }
    write(dir.path(), "far.yaml", &text);

    let runs = lint_all(dir.path(), &["far.yaml"]);
    let human = &human_of(&runs).stdout;
    assert!(human.contains("far.yaml:903:18"), "{human}");
    assert!(human.contains("far.yaml:1503:18"), "{human}");
    assert!(human.lines().count() < 40, "{human}");
}

// ---------------------------------------------------------------- controls and bidi

/// A raw ESC, even inside double quotes, is not YAML: a located syntax error, and the
/// file, not being clean text, gets no snippet.
#[test]
fn raw_escape_in_a_quoted_value_is_a_syntax_error_without_snippet() {
    let dir = tempdir();
    write(
        dir.path(),
        "esc.yaml",
        "version: 1\nservers:\n  - server_name: \"a\x1b[2J\x1b]0;pwned\x07b\"\n    transport: http\n    url: https://a.example.invalid/mcp\n",
    );

    let runs = lint_all(dir.path(), &["esc.yaml"]);
    let doc = json_of(&runs);
    let d = finding(&doc, "esc.yaml", "yaml-syntax");
    assert_eq!(d["range"]["start"]["line"], 3, "{doc:#}");
    assert_eq!(d["range"]["start"]["column"], 20, "{doc:#}");
    assert_eq!(
        d["message"],
        "control character U+001B is not allowed in YAML; inside double quotes write it as an escape such as `\\e`"
    );
    assert_eq!(
        diagnostics(&doc).len(),
        1,
        "nothing after the first: {doc:#}"
    );
    let human = &human_of(&runs).stdout;
    assert!(human.contains("esc.yaml:3:20"), "{human}");
    assert!(
        !human.contains("server_name"),
        "no snippet of a file that is not clean text:\n{human}"
    );
    assert!(
        github_of(&runs)
            .stdout
            .starts_with("::error file=esc.yaml,line=3,col=20,")
    );
}

/// A raw C1 control (U+009B, a one-character CSI) and DEL in a key.
#[test]
fn raw_c1_control_and_del_are_syntax_errors() {
    let dir = tempdir();
    write(dir.path(), "c1.yaml", "version: 1\nx\u{9b}2J: 1\n");
    write(
        dir.path(),
        "del.yaml",
        "version: 1\nservers: []\ny\x7f: 1\n",
    );

    let runs = lint_all(dir.path(), &["c1.yaml", "del.yaml"]);
    let doc = json_of(&runs);
    let c1 = finding(&doc, "c1.yaml", "yaml-syntax");
    assert_eq!(c1["range"]["start"]["line"], 2);
    assert_eq!(c1["range"]["start"]["column"], 2);
    assert!(
        c1["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("control character U+009B is not allowed in YAML")),
        "{doc:#}"
    );
    let del = finding(&doc, "del.yaml", "yaml-syntax");
    assert_eq!(del["range"]["start"]["line"], 3);
}

/// Bidirectional overrides are printable YAML, so the file is parsed and its snippet
/// shown, with the overrides as visible placeholders, and escaped in messages.
#[test]
fn bidi_overrides_in_keys_and_values_are_shown_escaped() {
    let dir = tempdir();
    write(
        dir.path(),
        "bidi.yaml",
        "version: 1\nservers:\n  - server_name: \"adm\u{202e}nimda\"\n    transport: http\n    url: https://a.example.invalid/mcp\n  - server_name: s2\n    transport: http\n    url: https://a.example.invalid/mcp\n    descr\u{2066}iption: x\n",
    );

    let runs = lint_all(dir.path(), &["bidi.yaml"]);
    let doc = json_of(&runs);
    let name = finding(&doc, "bidi.yaml", "name-charset");
    assert_eq!(name["range"]["start"]["line"], 3);
    let key = finding(&doc, "bidi.yaml", "schema");
    assert_eq!(key["range"]["start"]["line"], 9);
    let human = &human_of(&runs).stdout;
    assert!(human.contains("\\u{202e}"), "message escaped:\n{human}");
    assert!(
        human.contains("descr\u{FFFD}iption: x"),
        "placeholder:\n{human}"
    );
    let github = &github_of(&runs).stdout;
    assert!(github.contains("\\u{2066}"), "{github}");
}

/// `"\e[31m"` written as a YAML escape is valid text but a raw ESC once parsed: the
/// message that quotes the value must escape it.
#[test]
fn escape_sequences_written_as_yaml_escapes_are_escaped_in_messages() {
    let dir = tempdir();
    write(
        dir.path(),
        "esc.yaml",
        "version: 1\nservers:\n  - server_name: \"a\\e[31mb\\u009b2J\\r\\nc\"\n    transport: http\n    url: https://a.example.invalid/mcp\n",
    );

    let runs = lint_all(dir.path(), &["esc.yaml"]);
    let doc = json_of(&runs);
    finding(&doc, "esc.yaml", "name-charset");
    let human = &human_of(&runs).stdout;
    assert!(human.contains("\\x1b[31m"), "{human}");
    assert!(human.contains("esc.yaml:3:18"), "{human}");
}

/// File names are the pull request's too: controls, bidi overrides, newlines, and the
/// characters GitHub's workflow commands give meaning to.
#[test]
fn hostile_file_names_are_escaped() {
    let dir = tempdir();
    let bad = GOOD.replace("s1", "a-b");
    let names = [
        "servers/evil\x1b[31m.yaml",
        "servers/rev\u{202e}lmay.yaml",
        "servers/new\nline.yaml",
        "servers/a,b:c.yaml",
    ];
    for (i, name) in names.iter().enumerate() {
        write(dir.path(), name, bad.replace("a-b", &format!("a-b{i}")));
    }

    let runs = lint_all(dir.path(), &["servers"]);
    let doc = json_of(&runs);
    assert_eq!(diagnostics(&doc).len(), names.len(), "{doc:#}");
    let human = &human_of(&runs).stdout;
    assert!(human.contains("servers/evil\\x1b[31m.yaml:3:18"), "{human}");
    assert!(
        human.contains("servers/rev\\u{202e}lmay.yaml:3:18"),
        "{human}"
    );
    assert!(human.contains("servers/new\\nline.yaml:3:18"), "{human}");
    let github = &github_of(&runs).stdout;
    assert!(
        github.contains("::error file=servers/a%2Cb%3Ac.yaml,line=3,"),
        "{github}"
    );
    assert!(github.contains("file=servers/new%0Aline.yaml,"), "{github}");
    let sarif: Value = serde_json::from_str(
        &runs
            .iter()
            .find(|r| r.format == "sarif")
            .expect("sarif")
            .stdout,
    )
    .expect("JSON");
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.iter().all(|u| u.chars().all(|c| c.is_ascii_graphic())),
        "{uris:?}"
    );
}

/// `plan` prints lint findings in the human format on stderr, whatever `--format` is:
/// the same escaping applies there, and it stops before any request.
#[test]
fn plan_prints_findings_escaped_on_stderr() {
    let dir = tempdir();
    write(
        dir.path(),
        "servers/bidi.yaml",
        "version: 1\nservers:\n  - server_name: \"a\u{202e}b\"\n    transport: http\n    url: https://a.example.invalid/mcp\n",
    );
    let (_root, work) = repo();
    link(&work, "servers/zz.yaml", "/proc/self/environ");
    for (cwd, path) in [(dir.path(), "servers"), (work.as_path(), "servers")] {
        let run = mcpform(
            cwd,
            &[
                "plan",
                "--format",
                "json",
                "--proxy-url",
                "http://127.0.0.1:9",
                path,
            ],
        );
        let run = Run {
            format: "human".to_owned(),
            ..run
        };
        assert_safe(&run);
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
}
