//! The two files a step writes for the runner: `GITHUB_OUTPUT` (the step's outputs) and
//! `GITHUB_STEP_SUMMARY` (the job summary, Markdown).
//!
//! Outputs use the multi-line form `name<<DELIMITER`, value, `DELIMITER`, with a random
//! delimiter checked against the value: a value (a server name, a message) that held
//! the delimiter would end the value early and set outputs of its own. The runner caps
//! a step's summary at 1 MiB and refuses the whole file past it, so the summary gets
//! its own budget, measured against what earlier writers of the same step left there.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use ring::rand::{SecureRandom, SystemRandom};

/// GitHub's limit for one step's summary file, in bytes.
pub(crate) const SUMMARY_LIMIT: usize = 1024 * 1024;

/// Room left for other writers of the same step's summary (the Action's own lines).
const SUMMARY_RESERVE: usize = 16 * 1024;

/// Below this, a summary is not worth writing (and would only say it was cut).
const SUMMARY_MINIMUM: usize = 4 * 1024;

/// Appends outputs to `path` in the multi-line form, each with its own random
/// delimiter that does not occur in its value.
pub(crate) fn write_outputs(path: &Path, outputs: &[(&str, String)]) -> io::Result<()> {
    let mut text = String::new();
    for (name, value) in outputs {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid output name `{name}`"),
            ));
        }
        let delimiter = delimiter_for(value, &random_delimiter)?;
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    append(path, &text)
}

/// A delimiter from `make` that occurs nowhere in `value` (a few tries: a random one
/// never does, unless someone planted it).
fn delimiter_for(value: &str, make: &dyn Fn() -> io::Result<String>) -> io::Result<String> {
    for _ in 0..8 {
        let d = make()?;
        if !value.contains(&d) {
            return Ok(d);
        }
    }
    Err(io::Error::other(
        "every random delimiter occurred in the output's value",
    ))
}

fn random_delimiter() -> io::Result<String> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| io::Error::other("no system randomness for the output delimiter"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("ghadelimiter_{hex}"))
}

/// The bytes the summary may take: GitHub's limit less what the file holds already and
/// a reserve for whoever writes after mcpform; `None` when too little is left.
pub(crate) fn summary_budget(path: &Path) -> Option<usize> {
    let used = std::fs::metadata(path).map_or(0, |m| m.len());
    let used = usize::try_from(used).unwrap_or(usize::MAX);
    SUMMARY_LIMIT
        .checked_sub(used)
        .and_then(|left| left.checked_sub(SUMMARY_RESERVE))
        .filter(|&left| left >= SUMMARY_MINIMUM)
}

/// Appends Markdown to the summary file.
pub(crate) fn append_summary(path: &Path, markdown: &str) -> io::Result<()> {
    append(path, markdown)
}

fn append(path: &Path, text: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().append(true).create(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runner's reading of an output file (`name<<D` … `D`, or `name=value`).
    fn parse(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if let Some((name, d)) = line.split_once("<<") {
                let mut value = Vec::new();
                for l in lines.by_ref() {
                    if l == d {
                        break;
                    }
                    value.push(l);
                }
                out.push((name.to_owned(), value.join("\n")));
            } else if let Some((name, value)) = line.split_once('=') {
                out.push((name.to_owned(), value.to_owned()));
            }
        }
        out
    }

    #[test]
    fn values_with_line_breaks_and_delimiter_like_text_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let nasty = "a\nghadelimiter_x\nhas-changes=true\nEOF\n";
        write_outputs(
            &path,
            &[("summary-json", nasty.into()), ("guarded", "false".into())],
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            parse(&text),
            vec![
                ("summary-json".to_owned(), nasty.to_owned()),
                ("guarded".to_owned(), "false".to_owned())
            ]
        );
    }

    #[test]
    fn a_delimiter_found_in_the_value_is_drawn_again() {
        let calls = std::cell::Cell::new(0);
        let make = || {
            calls.set(calls.get() + 1);
            Ok(if calls.get() == 1 { "D1" } else { "D2" }.to_owned())
        };
        assert_eq!(delimiter_for("xx D1 xx", &make).unwrap(), "D2");
        let always = || Ok("D".to_owned());
        assert!(delimiter_for("D", &always).is_err());
    }

    #[test]
    fn output_names_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_outputs(&dir.path().join("o"), &[("a\nb", "v".into())]).unwrap_err();
        assert!(err.to_string().contains("invalid output name"));
    }

    #[test]
    fn the_summary_budget_counts_what_the_file_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        assert_eq!(summary_budget(&path), Some(SUMMARY_LIMIT - SUMMARY_RESERVE));
        std::fs::write(&path, vec![b'x'; 1000]).unwrap();
        assert_eq!(
            summary_budget(&path),
            Some(SUMMARY_LIMIT - SUMMARY_RESERVE - 1000)
        );
        std::fs::write(&path, vec![b'x'; SUMMARY_LIMIT - SUMMARY_RESERVE]).unwrap();
        assert_eq!(summary_budget(&path), None);
    }
}
