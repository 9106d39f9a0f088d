//! Files that are not regular files: FIFOs and devices.

use assert_cmd::Command;
use serde_json::Value;

use super::*;

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
