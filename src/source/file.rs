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
    /// Byte offset of the first character of each line (line 1 at index 0). Lines end
    /// at LF, CRLF or a lone CR, as in YAML, so lines agree with the parser's.
    line_starts: Vec<usize>,
    /// Characters before every `MARK_STEP`-th byte; `None` for ASCII text, where
    /// characters are bytes. Keeps column ↔ byte conversions bounded on long lines.
    char_marks: Option<Box<[u32]>>,
    /// Length of the byte-order mark the file started with (not part of `text`).
    bom: usize,
    /// Whether reports may show the text (UTF-8 made only of characters YAML allows).
    snippets: bool,
}

/// Bytes between two entries of `char_marks`.
const MARK_STEP: usize = 256;

impl SourceFile {
    /// A file with its text; builds the line index.
    pub fn new(path: PathBuf, text: Arc<str>) -> SourceFile {
        let line_starts = line_starts(text.as_bytes());
        let char_marks = (!text.is_ascii()).then(|| char_marks(text.as_bytes()));
        SourceFile {
            path,
            text,
            line_starts,
            char_marks,
            bom: 0,
            snippets: true,
        }
    }

    /// Records that the file started with a byte-order mark of `len` bytes, which the
    /// text leaves out: file offsets in reports then still count from the file's start.
    pub(crate) fn with_bom(mut self, len: usize) -> SourceFile {
        self.bom = len;
        self
    }

    /// Marks the text as unfit to show (not UTF-8, or holding a character YAML does not
    /// allow, such as a raw ESC): reports give its findings' positions but no snippet.
    pub(crate) fn without_snippets(mut self) -> SourceFile {
        self.snippets = false;
        self
    }

    /// Whether reports may show snippets of this file's text.
    pub(crate) fn shows_snippets(&self) -> bool {
        self.snippets
    }

    /// Bytes before `text` in the file (a byte-order mark).
    pub(crate) fn bom_len(&self) -> usize {
        self.bom
    }

    /// The path as the user gave it (joined with what directory walking found).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file name for messages: forward slashes on every platform, so output and
    /// GitHub annotations look the same everywhere. Raw: a file name may hold any
    /// character, so each output format escapes it (`crate::escape`).
    pub(crate) fn display_name(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }

    /// The whole text (UTF-8, without a byte-order mark).
    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// Number of lines (an empty file has one, empty, line).
    pub(crate) fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset of a position. Positions past the end of a line or of the file are
    /// clamped, because the parser reports some errors one line past the last one: a
    /// column past a line's last character gives its line break, then the next line's
    /// start. Costs at most about `MARK_STEP` bytes of scanning, whatever the line.
    pub(crate) fn byte_offset(&self, pos: Pos) -> usize {
        let line_idx = (pos.line.max(1) as usize - 1).min(self.line_starts.len() - 1);
        let start = self.line_starts[line_idx];
        let end = self
            .line_starts
            .get(line_idx + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.byte_after_chars(start, end, pos.col as usize)
    }

    /// The byte range of a line (1-based, clamped), without its line break.
    pub(crate) fn line_range(&self, line: u32) -> std::ops::Range<usize> {
        let idx = (line.max(1) as usize - 1).min(self.line_starts.len() - 1);
        let start = self.line_starts[idx];
        let end = self
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(self.text.len());
        let text = self.text[start..end].trim_end_matches(['\n', '\r']);
        start..start + text.len()
    }

    /// The position at a byte offset (used for errors found in raw bytes, such as
    /// invalid UTF-8, where only an offset is known). Bounded cost, as `byte_offset`.
    pub(crate) fn pos_at_byte(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line_idx = match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let col = self.chars_between(self.line_starts[line_idx], byte);
        Pos::new(line_idx as u32 + 1, col as u32)
    }

    /// Characters in `text[from..to]` (`from <= to`, both character boundaries).
    pub(crate) fn chars_between(&self, from: usize, to: usize) -> usize {
        match &self.char_marks {
            None => to - from,
            Some(_) if to - from <= 2 * MARK_STEP => count_chars(&self.text.as_bytes()[from..to]),
            Some(_) => self.chars_before(to) - self.chars_before(from),
        }
    }

    /// Characters before byte `at` (of non-ASCII text).
    fn chars_before(&self, at: usize) -> usize {
        let marks = self.char_marks.as_deref().unwrap_or(&[0]);
        let k = (at / MARK_STEP).min(marks.len() - 1);
        marks[k] as usize + count_chars(&self.text.as_bytes()[k * MARK_STEP..at])
    }

    /// The byte `chars` characters after `start`, at most `end`.
    fn byte_after_chars(&self, start: usize, end: usize, chars: usize) -> usize {
        let Some(marks) = self.char_marks.as_deref() else {
            return (start + chars).min(end);
        };
        // Scan from the last mark at or before the wanted character (and not before
        // `start`), so that the scan is at most about one step long.
        let mut from = start;
        let mut count = self.chars_before(start);
        let target = count + chars;
        let first = start / MARK_STEP + 1;
        let last = (end / MARK_STEP).min(marks.len() - 1);
        if first <= last {
            let k = first + marks[first..=last].partition_point(|&m| (m as usize) <= target);
            if k > first {
                from = (k - 1) * MARK_STEP;
                count = marks[k - 1] as usize;
            }
        }
        for (i, &b) in self.text.as_bytes()[from..end].iter().enumerate() {
            if is_char_start(b) {
                if count == target {
                    return from + i;
                }
                count += 1;
            }
        }
        end
    }
}

/// Whether a byte starts a UTF-8 character (is not a continuation byte).
fn is_char_start(b: u8) -> bool {
    (b as i8) >= -0x40
}

fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| is_char_start(b)).count()
}

/// Starts of lines: after LF, after a lone CR, and once after CRLF.
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    // memchr: a byte-by-byte loop here was a few percent of linting a 3.5 MB file.
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
            starts.push(i + 1);
        }
    }
    starts
}

/// `marks[k]`: characters before byte `k * MARK_STEP`.
fn char_marks(bytes: &[u8]) -> Box<[u32]> {
    let mut marks = Vec::with_capacity(bytes.len() / MARK_STEP + 2);
    let mut count = 0u32;
    marks.push(0);
    for chunk in bytes.chunks(MARK_STEP) {
        count += count_chars(chunk) as u32;
        marks.push(count);
    }
    marks.into_boxed_slice()
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
        assert_eq!(&f.text()[f.line_range(1)], "one");
        assert_eq!(&f.text()[f.line_range(2)], "two");
    }

    /// YAML breaks lines at a lone CR too; the parser counts it, so the index must.
    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let f = file("a: 1\rb: 2\r\nc: 3\n");
        assert_eq!(f.line_count(), 4);
        assert_eq!(&f.text()[f.line_range(2)], "b: 2");
        assert_eq!(f.byte_offset(Pos::new(3, 1)), 12);
        assert_eq!(f.pos_at_byte(5), Pos::new(2, 0));
    }

    /// Long lines with multibyte characters: conversions agree with a plain count at
    /// every character, on both sides of every mark.
    #[test]
    fn long_non_ascii_lines_convert_both_ways() {
        let line: String = (0..3000)
            .map(|i| match i % 7 {
                0 => 'é',
                3 => '☕',
                5 => '𝄞',
                _ => 'x',
            })
            .collect();
        let text = format!("k: v\n{line}\nend\n");
        let f = file(&text);
        let start = 5;
        for (col, (byte, _)) in line.char_indices().enumerate() {
            assert_eq!(
                f.byte_offset(Pos::new(2, col as u32)),
                start + byte,
                "col {col}"
            );
            assert_eq!(
                f.pos_at_byte(start + byte),
                Pos::new(2, col as u32),
                "byte {byte}"
            );
        }
        let chars = line.chars().count() as u32;
        assert_eq!(f.byte_offset(Pos::new(2, chars)), start + line.len());
        assert_eq!(
            f.byte_offset(Pos::new(2, chars + 1)),
            start + line.len() + 1
        );
        assert_eq!(f.pos_at_byte(start + line.len() + 1), Pos::new(3, 0));
        assert_eq!(f.chars_between(0, text.len()), text.chars().count());
    }
}
