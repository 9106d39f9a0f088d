//! load: files and directories → one spanned YAML tree per file.
//!
//! Knows nothing of servers or rules: it finds `*.yaml`/`*.yml` files (recursively,
//! sorted), reads them (UTF-8, at most 64 MiB), and parses each into a [`Node`] tree
//! whose every node and key has a [`Span`]. Problems become diagnostics, never panics.

mod de;
mod discover;
mod read;
mod tree;
mod yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use de::DeError;
pub use tree::{Entry, Node, Value, escape_token, pointer_tokens};
pub use yaml::{ALIAS_NODE_BUDGET, MAX_DEPTH, Parsed, parse};

use crate::diagnostic::Diagnostic;
use crate::rule::RuleId;
use crate::source::{FileId, Pos, SourceFile, Sources, Span};
use discover::{Found, discover};
use read::{ReadProblem, first_unprintable, read_checked, unprintable_message};

/// Largest file mcpform reads.
pub(crate) const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

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

/// The files [`load_paths`] would read for `paths` (canonical paths), so that a command
/// can refuse to write over one of its inputs before it reads anything else.
pub fn input_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    discover(paths)
        .into_iter()
        .filter_map(|f| match f {
            Found::File { open, .. } => Some(open),
            Found::Problem { .. } => None,
        })
        .collect()
}

/// Loads every YAML file named by `paths` (files, or directories searched recursively),
/// following symbolic links only where `discover` allows (see `docs/concepts/files.md`,
/// "Symbolic links and special files"), and reading regular files only.
pub fn load_paths(paths: &[PathBuf]) -> Loaded {
    let mut loaded = Loaded::default();
    for found in discover(paths) {
        match found {
            Found::File { shown, open } => load_file(&shown, &open, &mut loaded),
            Found::Problem {
                shown,
                message,
                help,
            } => report_path(&mut loaded, &shown, &message, help),
        }
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
    if let Some((byte, c)) = first_unprintable(text) {
        // The parser accepts some of these (a raw ESC inside quotes); a terminal would
        // obey them. The file is not parsed, and reports show no snippet of it.
        let file = loaded.sources.add(
            SourceFile::new(path, Arc::from(text))
                .with_bom(bom)
                .without_snippets(),
        );
        let start = loaded.sources.get(file).pos_at_byte(byte);
        let span = Span::new(file, start, Pos::new(start.line, start.col + 1));
        loaded.diagnostics.push(Diagnostic::at(
            RuleId::YamlSyntax,
            span,
            unprintable_message(c),
        ));
        loaded.documents.push(Document { file, root: None });
        return;
    }
    let file = loaded
        .sources
        .add(SourceFile::new(path, Arc::from(text)).with_bom(bom));
    let Parsed { root, diagnostics } = parse(file, text);
    loaded.diagnostics.extend(diagnostics);
    loaded.documents.push(Document { file, root });
}

fn report_path(loaded: &mut Loaded, path: &Path, message: &str, help: Option<String>) {
    let file = loaded
        .sources
        .add(SourceFile::new(path.to_path_buf(), Arc::from("")));
    let mut diagnostic = Diagnostic::in_file(RuleId::FileRead, file, message.to_owned());
    diagnostic.help = help;
    loaded.diagnostics.push(diagnostic);
    loaded.documents.push(Document { file, root: None });
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => format!("cannot read: {e}"),
    }
}

fn load_file(shown: &Path, open: &Path, loaded: &mut Loaded) {
    match read_checked(open) {
        Ok(text) => add_text(loaded, shown.to_path_buf(), &text),
        Err(ReadProblem::Io(message)) => report_path(loaded, shown, &message, None),
        Err(ReadProblem::NotUtf8 { text, valid_up_to }) => {
            let (text, bom) = strip_bom(&text);
            let file = loaded.sources.add(
                SourceFile::new(shown.to_path_buf(), Arc::from(text))
                    .with_bom(bom)
                    .without_snippets(),
            );
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
