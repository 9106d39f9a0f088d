//! Running the built `mcpform` binary in tests: a temp dir of YAML files, the fake (or
//! real) proxy's URL and key in the environment, and nothing else of the host's.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// Environment variables of the host that must not leak into a test run.
const SCRUBBED: &[&str] = &[
    "LITELLM_PROXY_URL",
    "LITELLM_API_KEY",
    "MCPFORM_FINGERPRINT_KEY",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "CLICOLOR_FORCE",
];

/// A scratch directory with mcpform files in it.
pub struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    /// An empty workspace.
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Writes a file (relative path) and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `mcpform` run in this directory against a proxy.
    pub fn mcpform(&self, base_url: &str, key: &str) -> Command {
        let mut cmd = Command::cargo_bin("mcpform").expect("binary");
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        cmd.current_dir(self.path())
            .env("LITELLM_PROXY_URL", base_url)
            .env("LITELLM_API_KEY", key)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env("NO_COLOR", "1");
        cmd
    }
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code.
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Stdout parsed as JSON.
pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", stdout(o)))
}

/// Replaces the temp dir, the proxy's port and plan digests (which cover the proxy's
/// URL) so snapshots are stable.
pub fn stable(text: &str, ws: &Workspace, base_url: &str) -> String {
    let text = text
        .replace(&ws.path().display().to_string(), "[WS]")
        .replace(base_url, "[PROXY]");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("sha256:") {
        let digits = rest[at + 7..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .count();
        out.push_str(&rest[..at]);
        if digits == 64 {
            out.push_str("sha256:[digest]");
        } else {
            out.push_str(&rest[at..at + 7 + digits]);
        }
        rest = &rest[at + 7 + digits..];
    }
    out.push_str(rest);
    out
}
