//! Symbolic links: out of the tree, to `/proc/self/environ`, into `.git`, inside the
//! tree, named on the command line, linked directories, cycles.

use std::fs;

use serde_json::Value;

use super::*;

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

    for (path, says) in [
        (
            "servers",
            "symbolic link leads outside the current directory (to `../outside`)",
        ),
        (
            "servers/",
            "symbolic link leads outside the current directory (to `../outside`)",
        ),
        (
            "servers/secret.yaml",
            "path goes through a symbolic link that leads outside the current directory",
        ),
    ] {
        let runs = lint_all(&work, &[path]);
        let doc = json_of(&runs);
        assert_eq!(diagnostics(&doc).len(), 1, "{path}: {doc:#}");
        let d = &diagnostics(&doc)[0];
        assert_eq!(d["rule"], "file-read", "{doc:#}");
        let message = d["message"].as_str().expect("message");
        assert!(message.starts_with(says), "{path}: {message}");
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

/// A linked directory inside the searched directory is followed; its files are files
/// already found, read once, under their own name rather than the link's (the name a
/// reader, and a GitHub annotation, can find).
#[test]
fn symlinked_directory_inside_the_tree_is_followed() {
    let (_root, work) = repo();
    // One unknown field, so the report names the file it was read as.
    write(
        &work,
        "servers/prod/p.yaml",
        format!("{}bogus: 1\n", GOOD.replace("s1", "p1")),
    );
    link(&work, "servers/a_prod", "prod");

    let runs = lint_all(&work, &["servers"]);
    let doc = json_of(&runs);
    assert_eq!(diagnostics(&doc).len(), 1, "{doc:#}");
    assert_eq!(
        files_with_findings(&doc),
        ["servers/prod/p.yaml"],
        "{doc:#}"
    );
    assert_eq!(doc["summary"]["files"], 2, "{doc:#}");

    // Named alone, the linked directory is searched and its files keep its name.
    let doc = json_of(&lint_all(&work, &["servers/a_prod"]));
    assert_eq!(
        files_with_findings(&doc),
        ["servers/a_prod/p.yaml"],
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
