//! load: files and directories → one spanned YAML tree per file.
//!
//! Knows nothing of servers or rules: it finds `*.yaml`/`*.yml` files (recursively,
//! sorted), reads them (UTF-8, at most 64 MiB), and parses each into a [`Node`] tree
//! whose every node and key has a [`Span`]. Problems become diagnostics, never panics.

mod de;
mod tree;
mod yaml;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use de::DeError;
pub use tree::{Entry, Node, Value, escape_token, pointer_tokens};
pub use yaml::{ALIAS_NODE_BUDGET, MAX_DEPTH, Parsed, parse};

use crate::diagnostic::Diagnostic;
use crate::rule::RuleId;
use crate::source::{FileId, Pos, SourceFile, Sources, Span};

/// Largest file mcpform reads.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One parsed file.
#[derive(Debug)]
pub struct Document {
    /// Which file.
    pub file: FileId,
    /// Its tree; `None` when it could not be read or parsed (a diagnostic says why).
    pub root: Option<Node>,
}

/// Everything `load` produced for one run.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The files, for rendering snippets.
    pub sources: Sources,
    /// One entry per file, in path order.
    pub documents: Vec<Document>,
    /// Problems found while reading and parsing.
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads every YAML file named by `paths` (files, or directories searched recursively).
pub fn load_paths(paths: &[PathBuf]) -> Loaded {
    let mut loaded = Loaded::default();
    for file in discover(paths, &mut loaded) {
        load_file(&file, &mut loaded);
    }
    loaded
}

/// Loads one in-memory text as if it were a file (tests, fuzzing, benchmarks).
pub fn load_text(path: impl Into<PathBuf>, text: &str) -> Loaded {
    let mut loaded = Loaded::default();
    add_text(&mut loaded, path.into(), text);
    loaded
}

/// Loads several in-memory texts.
pub fn load_texts<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Loaded {
    let mut loaded = Loaded::default();
    for (path, text) in files {
        add_text(&mut loaded, PathBuf::from(path), text);
    }
    loaded
}

fn add_text(loaded: &mut Loaded, path: PathBuf, text: &str) {
    let (text, bom) = strip_bom(text);
    let file = loaded
        .sources
        .add(SourceFile::new(path, Arc::from(text)).with_bom(bom));
    let Parsed { root, diagnostics } = parse(file, text);
    loaded.diagnostics.extend(diagnostics);
    loaded.documents.push(Document { file, root });
}

/// Files to read, sorted and without duplicates. Missing paths and directories
/// without YAML become diagnostics on a placeholder file of that name.
fn discover(paths: &[PathBuf], loaded: &mut Loaded) -> Vec<PathBuf> {
    let mut files = BTreeSet::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let before = files.len();
                walk(path, &mut files, loaded);
                if files.len() == before {
                    report_path(
                        loaded,
                        path,
                        "no `*.yaml` or `*.yml` files in this directory",
                    );
                }
            }
            Ok(_) => {
                files.insert(path.clone());
            }
            Err(e) => report_path(loaded, path, &io_message(&e)),
        }
    }
    files.into_iter().collect()
}

fn walk(dir: &Path, files: &mut BTreeSet<PathBuf>, loaded: &mut Loaded) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return report_path(loaded, dir, &io_message(&e)),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        // Hidden entries (.git, editor state) are skipped, as most tools do.
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&path, files, loaded);
        } else if is_yaml_name(&path) && (kind.is_file() || path.is_file()) {
            files.insert(path);
        }
    }
}

fn is_yaml_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

fn report_path(loaded: &mut Loaded, path: &Path, message: &str) {
    let file = loaded
        .sources
        .add(SourceFile::new(path.to_path_buf(), Arc::from("")));
    loaded.diagnostics.push(Diagnostic::in_file(
        RuleId::FileRead,
        file,
        message.to_owned(),
    ));
    loaded.documents.push(Document { file, root: None });
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => format!("cannot read: {e}"),
    }
}

fn load_file(path: &Path, loaded: &mut Loaded) {
    match read_checked(path) {
        Ok(text) => add_text(loaded, path.to_path_buf(), &text),
        Err(ReadProblem::Io(message)) => report_path(loaded, path, &message),
        Err(ReadProblem::NotUtf8 { text, valid_up_to }) => {
            let (text, bom) = strip_bom(&text);
            let file = loaded
                .sources
                .add(SourceFile::new(path.to_path_buf(), Arc::from(text)).with_bom(bom));
            let source = loaded.sources.get(file);
            let start = source.pos_at_byte(valid_up_to - bom);
            let span = Span::new(file, start, Pos::new(start.line, start.col + 1));
            loaded.diagnostics.push(
                Diagnostic::at(
                    RuleId::FileRead,
                    span,
                    format!("file is not valid UTF-8 (first bad byte at offset {valid_up_to})"),
                )
                .with_help("save the file as UTF-8"),
            );
            loaded.documents.push(Document { file, root: None });
        }
    }
}

/// The text without a UTF-8 byte-order mark, and the mark's length in bytes.
fn strip_bom(text: &str) -> (&str, usize) {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, 3),
        None => (text, 0),
    }
}

enum ReadProblem {
    Io(String),
    /// The file decoded with replacement characters, so the bad byte can be shown.
    NotUtf8 {
        text: String,
        valid_up_to: usize,
    },
}

fn read_checked(path: &Path) -> Result<String, ReadProblem> {
    let meta = std::fs::metadata(path).map_err(|e| ReadProblem::Io(io_message(&e)))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadProblem::Io(format!(
            "file is {} bytes; mcpform reads files of at most 64 MiB",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| ReadProblem::Io(io_message(&e)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadProblem::Io(
            "file grew past 64 MiB while being read".to_owned(),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid_up_to = e.utf8_error().valid_up_to();
        // The prefix up to the bad byte is the same in the lossy text, so the offset
        // still points at it (now a U+FFFD).
        ReadProblem::NotUtf8 {
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            valid_up_to,
        }
    })
}
