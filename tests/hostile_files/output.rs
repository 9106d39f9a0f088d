//! What reaches the output: long lines, distant labels, control characters, bidi
//! overrides and YAML escapes in keys, values and file names, and plan's stderr.

use serde_json::Value;

use super::*;

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
