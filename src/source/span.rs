//! Positions and spans inside source files.

use super::file::{FileId, SourceFile};

/// A position: 1-based line, 0-based column counted in characters (what saphyr
/// reports). Add one to the column for `file:line:column` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 0-based column, in characters.
    pub col: u32,
}

impl Pos {
    /// A position from a 1-based line and a 0-based column.
    pub const fn new(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    /// The 1-based column, for humans and for GitHub.
    pub const fn column1(self) -> u32 {
        self.col + 1
    }
}

/// A half-open range `[start, end)` in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First character.
    pub start: Pos,
    /// One past the last character.
    pub end: Pos,
}

impl Span {
    /// A span from two positions.
    pub const fn new(file: FileId, start: Pos, end: Pos) -> Span {
        Span { file, start, end }
    }

    /// A span covering `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range of the span in its file, never empty when the file is not empty
    /// (miette draws nothing under an empty label).
    pub(crate) fn byte_range(&self, file: &SourceFile) -> std::ops::Range<usize> {
        let start = file.byte_offset(self.start);
        let mut end = file.byte_offset(self.end).max(start);
        if end == start {
            let rest = &file.text()[start..];
            end = start + rest.chars().next().map_or(0, char::len_utf8);
            if end == start && start > 0 {
                // At the very end of the file: underline the last character instead.
                let before = &file.text()[..start];
                let len = before.chars().next_back().map_or(0, char::len_utf8);
                return start - len..start;
            }
        }
        start..end
    }
}
