//! Writing command output: stdout (a closed pipe is not an error) and files, written
//! atomically through a private temporary file in the target's directory, never over a
//! file the command reads, nor (without `--force`) over a file that is not mcpform's
//! own output of the same kind.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::CliError;
use crate::escape::terminal_line;

/// What a command writes to a file, for the rule on replacing one that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A plan document (`plan --out`).
    Plan,
    /// An apply report (`apply --report`).
    Report,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Plan => "an mcpform plan document",
            Kind::Report => "an mcpform apply report",
        }
    }

    /// Whether `doc` is one of this kind, as mcpform writes it.
    fn holds(self, doc: &serde_json::Value) -> bool {
        match self {
            Kind::Plan => {
                doc["tool"]["name"] == "mcpform"
                    && doc["format_version"].is_u64()
                    && doc["plan_digest"].is_string()
            }
            Kind::Report => doc["report_version"].is_u64() && doc["results"].is_array(),
        }
    }
}

/// Files read to decide whether one is mcpform's own output: larger ones are not.
const MAX_OWN_OUTPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Checks, before the command reads the proxy, that writing `kind` to `path` destroys
/// nothing: never a file the command reads (`inputs`: its YAML files, the saved plan it
/// applies; compared as the same file, links and other names for it included), and,
/// without `force`, no existing file other than an empty one or an earlier output of
/// the same kind (so `plan --out plan.json` can run again). `-` is standard output.
pub(crate) fn check_target(
    path: &Path,
    flag: &str,
    kind: Kind,
    inputs: &[PathBuf],
    force: bool,
) -> Result<(), CliError> {
    if path == Path::new("-") {
        return Ok(());
    }
    let shown = || terminal_line(&path.display().to_string()).into_owned();
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if inputs.iter().any(|i| same_file(path, i)) {
        return Err(CliError::Usage(format!(
            "{flag} `{}` is a file this command reads: write {} elsewhere",
            shown(),
            kind.name()
        )));
    }
    if force || !meta.is_file() || meta.len() == 0 || is_own(path, kind) {
        // Devices and pipes are refused by the write itself, with its own message.
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "{flag} `{}` exists and is not {}: pass --force to replace it",
        shown(),
        kind.name()
    )))
}

fn is_own(path: &Path, kind: Kind) -> bool {
    use std::io::Read;
    let mut text = String::new();
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(MAX_OWN_OUTPUT_BYTES).read_to_string(&mut text));
    read.is_ok()
        && serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|doc| kind.holds(&doc))
}

/// Whether two paths name the same file (the same device and inode on Unix; the same
/// canonical path elsewhere).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// Writes to stdout; a reader that went away (`| head`) is not a failure.
pub(crate) fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(CliError::Write {
            path: PathBuf::from("-"),
            source,
        }),
    }
}

/// Writes a file so that a reader never sees half of it: a private temporary file
/// (random name, mode 0600, created exclusively, so no planted symlink is followed) in
/// the same directory, then a rename over the target. `-` writes to stdout.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    write_atomically(path, text, true)
}

/// Like [`write_file`], but never replaces an existing file (or link): the rename
/// fails instead, so a file created meanwhile is not overwritten either.
pub(crate) fn write_new_file(path: &Path, text: &str) -> Result<(), CliError> {
    write_atomically(path, text, false)
}

fn write_atomically(path: &Path, text: &str, replace: bool) -> Result<(), CliError> {
    if path == Path::new("-") {
        return write_stdout(text);
    }
    let fail = |source: std::io::Error| CliError::Write {
        path: path.to_path_buf(),
        source,
    };
    // A rename over `/dev/stdout` (a link) or a FIFO would replace it, not write to it.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(fail(std::io::Error::other(
            "not a regular file (a device, pipe or directory): give `-` for standard output",
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(fail)?;
    if replace {
        tmp.persist(path).map_err(|e| fail(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| fail(e.error))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planted_symlink_at_the_old_temp_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        let out = dir.path().join("plan.json");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, dir.path().join("plan.json.tmp")).unwrap();
        write_file(&out, "{}\n").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "{}\n");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_or_a_pipe_is_refused_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("stdout");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        for target in [link.as_path(), dir.path()] {
            for replace in [true, false] {
                let err = write_atomically(target, "x", replace).unwrap_err();
                assert!(err.to_string().contains("give `-`"), "{err}");
            }
        }
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("/dev/null"));
    }

    #[test]
    fn a_new_file_never_replaces_one_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("servers.yaml");
        write_new_file(&out, "a\n").unwrap();
        assert!(write_new_file(&out, "b\n").is_err());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "a\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        write_file(&out, "c\n").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "c\n");
    }

    #[test]
    fn writing_replaces_a_symlink_at_the_target_instead_of_writing_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        let out = dir.path().join("plan.json");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&victim, &out).unwrap();
            write_file(&out, "{}\n").unwrap();
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
            assert!(!std::fs::symlink_metadata(&out).unwrap().is_symlink());
        }
    }
}
