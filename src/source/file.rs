//! Source files as mcpform read them: the text, a display path and a line index, so
//! that any [`Span`](super::Span) can be turned into `line:column` or a byte range.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::span::Pos;

/// Index of a file in a [`Sources`] table. Cheap to copy; spans carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// One input file. Unreadable files are registered too (with empty text), so every
/// diagnostic can name its file.
#[derive(Debug)]
pub struct SourceFile {
    path: PathBuf,
    text: Arc<str>,
    /// Byte offset of the first character of each line (line 1 at index 0).
    line_starts: Vec<usize>,
    /// Length of the byte-order mark the file started with (not part of `text`).
    bom: usize,
}

impl SourceFile {
    /// A file with its text; builds the line index.
    pub fn new(path: PathBuf, text: Arc<str>) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(&text));
        SourceFile {
            path,
            text,
            line_starts,
            bom: 0,
        }
    }

    /// Records that the file started with a byte-order mark of `len` bytes, which the
    /// text leaves out: file offsets in reports then still count from the file's start.
    pub fn with_bom(mut self, len: usize) -> SourceFile {
        self.bom = len;
        self
    }

    /// Bytes before `text` in the file (a byte-order mark).
    pub fn bom_len(&self) -> usize {
        self.bom
    }

    /// The path as the user gave it (joined with what directory walking found).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file name for messages: forward slashes on every platform, so output and
    /// GitHub annotations look the same everywhere.
    pub fn display_name(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }

    /// The whole text (UTF-8, without a byte-order mark).
    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// Number of lines (an empty file has one, empty, line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset of a position. Positions past the end of a line or of the file are
    /// clamped, because the parser reports some errors one line past the last one.
    pub fn byte_offset(&self, pos: Pos) -> usize {
        let line_idx = (pos.line.max(1) as usize - 1).min(self.line_starts.len() - 1);
        let start = self.line_starts[line_idx];
        let line_end = self
            .line_starts
            .get(line_idx + 1)
            .copied()
            .unwrap_or(self.text.len());
        let line = &self.text[start..line_end];
        let within = line
            .char_indices()
            .nth(pos.col as usize)
            .map_or(line.len(), |(b, _)| b);
        start + within
    }

    /// The text of a line (1-based), without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = (line.max(1) as usize - 1).min(self.line_starts.len() - 1);
        let start = self.line_starts[idx];
        let end = self
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The position at a byte offset (used for errors found in raw bytes, such as
    /// invalid UTF-8, where only an offset is known).
    pub fn pos_at_byte(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line_idx = match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let col = self.text[self.line_starts[line_idx]..byte].chars().count();
        Pos::new(line_idx as u32 + 1, col as u32)
    }

    /// The position just after the last character.
    pub fn end_pos(&self) -> Pos {
        self.pos_at_byte(self.text.len())
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

/// Every file of one run, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// An empty table.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Registers a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// The file behind an id.
    ///
    /// # Panics
    /// Only if the id did not come from this table (a programming error).
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// All files in the order they were added (sorted by path by the loader).
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was registered.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(PathBuf::from("t.yaml"), Arc::from(text))
    }

    #[test]
    fn byte_offsets_count_multibyte_characters() {
        let f = file("a: é☕x\nb: 1\n");
        assert_eq!(f.byte_offset(Pos::new(1, 5)), 3 + 2 + 3);
        assert_eq!(f.byte_offset(Pos::new(2, 3)), 13);
    }

    #[test]
    fn positions_past_the_end_are_clamped() {
        let f = file("a: 1\n");
        assert_eq!(f.byte_offset(Pos::new(9, 0)), 5);
        assert_eq!(f.byte_offset(Pos::new(1, 99)), 5);
    }

    #[test]
    fn pos_at_byte_inverts_byte_offset() {
        let f = file("x: ü\ny: 2\n");
        for byte in [0, 3, 6, 9] {
            assert_eq!(f.byte_offset(f.pos_at_byte(byte)), byte);
        }
        assert_eq!(f.pos_at_byte(6), Pos::new(2, 0));
    }

    #[test]
    fn line_text_strips_line_breaks() {
        let f = file("one\r\ntwo\n");
        assert_eq!(f.line_text(1), "one");
        assert_eq!(f.line_text(2), "two");
    }
}
