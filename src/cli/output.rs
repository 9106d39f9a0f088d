//! Writing command output: stdout (a closed pipe is not an error) and files, written
//! atomically through a private temporary file in the target's directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::CliError;

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
