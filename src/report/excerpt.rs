//! The part of a file that one finding's snippet shows, as miette reads it.
//!
//! miette's `SourceCode` for `str` scans the text from its start for every label, so
//! rendering many findings of a large file took time proportional to findings × file
//! size (1,999 findings over a 3.6 MB file: 35 s). An [`Excerpt`] is built from the
//! file's line index instead, and holds only the lines the labels need (with one line
//! of context), so each finding costs what it shows. Building it is also where the text
//! is made safe to print:
//!
//! * a line longer than [`MAX_LINE_CHARS`] is shown as a window of that many characters
//!   around its labels, with `…` where it was cut (a 1 MB line cannot flood a log);
//! * every control character and bidirectional control becomes one visible placeholder
//!   ([`escape::snippet_text`]), so underlines stay under the right columns, and no
//!   `##[` (a legacy workflow command) survives;
//! * a label over more than [`MAX_SPAN_LINES`] lines (a long list) is shown on its
//!   first line only.
//!
//! Lines are numbered as in the file; lines far apart are separate chunks, which
//! miette draws as separate snippets.

use miette::{MietteError, SourceCode, SourceSpan, SpanContents};

use crate::escape;
use crate::source::{Pos, SourceFile, Span};

/// Widest line shown whole, in characters.
pub(crate) const MAX_LINE_CHARS: usize = 120;

/// Characters shown before a label's start when a long line is cut.
const LEFT_CONTEXT: usize = 24;

/// A label over more lines than this is shown on its first line only.
pub(crate) const MAX_SPAN_LINES: u32 = 8;

/// Lines of context around each label (miette's default, set explicitly in `human`).
pub(crate) const CONTEXT_LINES: u32 = 1;

/// Labels this many lines apart or fewer share one snippet, with the lines between.
const JOIN_GAP: u32 = 3;

/// The lines of one file that a finding's snippet shows, made safe to print.
pub(crate) struct Excerpt {
    /// The file's name, escaped.
    name: String,
    /// The shown lines, each followed by `\n` when the file's line had a break.
    text: String,
    lines: Vec<Line>,
    /// First and last index in `lines` of each chunk of consecutive file lines.
    chunks: Vec<(usize, usize)>,
}

struct Line {
    /// Where the line starts in `text`.
    start: usize,
    /// Where the next line starts in `text` (after this one's `\n`).
    next: usize,
    /// 1-based line number in the file.
    number: u32,
    chunk: usize,
    /// Column, in the file, of the first character shown.
    first_col: u32,
    /// Whether a `…` stands before the first character shown.
    cut_left: bool,
}

/// One line's window: columns `[from, to)` of the file's line, at bytes `[start, end)`.
struct Window {
    from: usize,
    to: usize,
    start: usize,
    end: usize,
    chars: usize,
}

impl Excerpt {
    /// The excerpt of `file` that shows `spans`, and each span's place in it.
    pub(super) fn new(file: &SourceFile, spans: &[Span]) -> (Excerpt, Vec<SourceSpan>) {
        let ends: Vec<(Pos, Pos)> = spans.iter().map(|s| shown_ends(file, *s)).collect();
        let ranges = line_ranges(&ends, file.line_count() as u32);
        let mut excerpt = Excerpt {
            name: escape::terminal_line(&file.display_name()).into_owned(),
            text: String::new(),
            lines: Vec::new(),
            chunks: Vec::new(),
        };
        let mut windows = Vec::new();
        for (chunk, (lo, hi)) in ranges.into_iter().enumerate() {
            let first = excerpt.lines.len();
            for number in lo..=hi {
                let window = window(file, number, &ends);
                excerpt.push_line(file, number, chunk, &window);
                windows.push(window);
            }
            excerpt.chunks.push((first, excerpt.lines.len() - 1));
        }
        let spans = ends
            .iter()
            .map(|&(start, end)| {
                let from = excerpt.offset(&windows, start);
                let to = excerpt.offset(&windows, end);
                excerpt.non_empty(from, to)
            })
            .collect();
        (excerpt, spans)
    }

    fn push_line(&mut self, file: &SourceFile, number: u32, chunk: usize, window: &Window) {
        let start = self.text.len();
        let cut_left = window.from > 0;
        if cut_left {
            self.text.push('…');
        }
        let shown = &file.text()[window.start..window.end];
        self.text.push_str(&escape::snippet_text(shown));
        if window.to < window.chars {
            self.text.push('…');
        }
        if (number as usize) < file.line_count() {
            self.text.push('\n');
        }
        self.lines.push(Line {
            start,
            next: self.text.len(),
            number,
            chunk,
            first_col: window.from as u32,
            cut_left,
        });
    }

    /// Where a file position is in `text`: clamped to the window of its line.
    fn offset(&self, windows: &[Window], pos: Pos) -> usize {
        let Some(i) = self.lines.iter().position(|l| l.number == pos.line) else {
            return self.text.len();
        };
        let (line, window) = (&self.lines[i], &windows[i]);
        let content = line.start + if line.cut_left { '…'.len_utf8() } else { 0 };
        let col = (pos.col as usize).clamp(window.from, window.to.max(window.from));
        // Placeholders may be longer in bytes than what they stand for: count in `text`.
        let shown = &self.text[content..line.next];
        let within = shown
            .char_indices()
            .nth(col - window.from)
            .map_or(shown.len(), |(b, _)| b);
        content + within
    }

    /// A span miette draws (it draws nothing under an empty one).
    fn non_empty(&self, from: usize, to: usize) -> SourceSpan {
        let to = to.max(from);
        if to > from {
            return SourceSpan::new(from.into(), to - from);
        }
        match self.text[from..].chars().next() {
            Some(c) => SourceSpan::new(from.into(), c.len_utf8()),
            None => {
                let len = self.text[..from]
                    .chars()
                    .next_back()
                    .map_or(0, char::len_utf8);
                SourceSpan::new((from - len).into(), len)
            }
        }
    }

    /// Index in `lines` of the line holding `offset`.
    fn line_at(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|l| l.start <= offset)
            .saturating_sub(1)
    }

    /// The column in the file of an offset in `text`.
    fn column_of(&self, offset: usize) -> usize {
        let line = &self.lines[self.line_at(offset)];
        let shown = self.text[line.start..offset.max(line.start)]
            .chars()
            .count();
        line.first_col as usize + shown.saturating_sub(usize::from(line.cut_left))
    }
}

/// The start and end a span is shown with: a label over many lines ends with its first.
fn shown_ends(file: &SourceFile, span: Span) -> (Pos, Pos) {
    let bytes = span.byte_range(file);
    let start = file.pos_at_byte(bytes.start);
    let end = file.pos_at_byte(bytes.end);
    if end.line - start.line < MAX_SPAN_LINES {
        return (start, end);
    }
    let line = file.line_range(start.line);
    let len = file.chars_between(line.start, line.end) as u32;
    (start, Pos::new(start.line, len.max(start.col + 1)))
}

/// Chunks of lines to show: each label's lines with context, joined when close.
fn line_ranges(ends: &[(Pos, Pos)], line_count: u32) -> Vec<(u32, u32)> {
    let mut ranges: Vec<(u32, u32)> = ends
        .iter()
        .map(|(start, end)| {
            (
                start.line.saturating_sub(CONTEXT_LINES).max(1),
                (end.line + CONTEXT_LINES).min(line_count.max(1)),
            )
        })
        .collect();
    ranges.sort_unstable();
    let mut joined: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match joined.last_mut() {
            Some(last) if lo <= last.1 + 1 + JOIN_GAP => last.1 = last.1.max(hi),
            _ => joined.push((lo, hi)),
        }
    }
    joined
}

/// The columns of line `number` to show: all of it when short enough, else
/// `MAX_LINE_CHARS` around the labels on it.
fn window(file: &SourceFile, number: u32, ends: &[(Pos, Pos)]) -> Window {
    let range = file.line_range(number);
    let chars = file.chars_between(range.start, range.end);
    if chars <= MAX_LINE_CHARS {
        return Window {
            from: 0,
            to: chars,
            start: range.start,
            end: range.end,
            chars,
        };
    }
    let focus = ends
        .iter()
        .filter(|(start, end)| start.line <= number && number <= end.line)
        .map(|(start, _)| {
            if start.line == number {
                start.col as usize
            } else {
                0
            }
        })
        .min();
    let from = focus
        .map_or(0, |col| col.saturating_sub(LEFT_CONTEXT))
        .min(chars - MAX_LINE_CHARS);
    let to = from + MAX_LINE_CHARS;
    Window {
        from,
        to,
        start: file.byte_offset(Pos::new(number, from as u32)),
        end: file.byte_offset(Pos::new(number, to as u32)),
        chars,
    }
}

/// What miette gets from [`Excerpt::read_span`].
struct Contents<'a> {
    name: &'a str,
    data: &'a [u8],
    span: SourceSpan,
    line: usize,
    column: usize,
    line_count: usize,
}

impl<'a> SpanContents<'a> for Contents<'a> {
    fn data(&self) -> &'a [u8] {
        self.data
    }

    fn span(&self) -> &SourceSpan {
        &self.span
    }

    fn name(&self) -> Option<&str> {
        Some(self.name)
    }

    fn line(&self) -> usize {
        self.line
    }

    fn column(&self) -> usize {
        self.column
    }

    fn line_count(&self) -> usize {
        self.line_count
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() || self.lines.is_empty() {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.line_at(start);
        let last = self.line_at(end.saturating_sub(1).max(start));
        let (chunk_first, _) = self.chunks[self.lines[first].chunk];
        let (_, chunk_last) = self.chunks[self.lines[last].chunk];
        let lo = first.saturating_sub(context_lines_before).max(chunk_first);
        let hi = (last + context_lines_after).min(chunk_last);
        let (from, to) = (self.lines[lo].start, self.lines[hi].next);
        let (_, last_of_chunk) = self.chunks[self.lines[lo].chunk];
        Ok(Box::new(Contents {
            name: &self.name,
            data: &self.text.as_bytes()[from..to],
            span: SourceSpan::new(from.into(), to - from),
            line: self.lines[lo].number as usize - 1,
            column: if context_lines_before == 0 {
                self.column_of(start)
            } else {
                0
            },
            // miette joins two snippets when the first's line + line_count reaches the
            // second's line: counting to the end of the chunk joins exactly the labels
            // of one chunk (and the text between them is there to show).
            line_count: (self.lines[last_of_chunk].number - self.lines[lo].number) as usize,
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::source::FileId;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(PathBuf::from("t.yaml"), Arc::from(text))
    }

    fn span(start: (u32, u32), end: (u32, u32)) -> Span {
        Span::new(
            FileId(0),
            Pos::new(start.0, start.1),
            Pos::new(end.0, end.1),
        )
    }

    fn read<'a>(e: &'a Excerpt, s: SourceSpan, around: usize) -> Box<dyn SpanContents<'a> + 'a> {
        e.read_span(&s, around, around).expect("in bounds")
    }

    #[test]
    fn only_the_lines_around_each_label_far_apart_in_chunks() {
        let text: String = (1..=40).map(|i| format!("line{i}: x\n")).collect();
        let f = file(&text);
        let (e, spans) = Excerpt::new(&f, &[span((3, 0), (3, 5)), span((30, 8), (30, 9))]);
        assert_eq!(
            e.text,
            "line2: x\nline3: x\nline4: x\nline29: x\nline30: x\nline31: x\n"
        );
        assert_eq!(e.chunks.len(), 2);
        assert_eq!(&e.text[spans[1].offset()..][..1], "x");
        let c = read(&e, spans[1], 1);
        assert_eq!(c.line(), 28);
        assert_eq!(
            std::str::from_utf8(c.data()),
            Ok("line29: x\nline30: x\nline31: x\n")
        );
        assert_eq!(read(&e, spans[1], 0).column(), 8);
        // The first chunk's count stops short of the second: miette keeps them apart.
        let first = read(&e, spans[0], 1);
        assert!(first.line() + first.line_count() < c.line());
    }

    #[test]
    fn labels_a_few_lines_apart_share_one_snippet() {
        let text: String = (1..=10).map(|i| format!("k{i}: v\n")).collect();
        let f = file(&text);
        let (e, spans) = Excerpt::new(&f, &[span((3, 0), (3, 2)), span((7, 0), (7, 2))]);
        assert_eq!(e.chunks.len(), 1);
        let (left, right) = (read(&e, spans[0], 1), read(&e, spans[1], 1));
        assert!(left.line() + left.line_count() >= right.line());
    }

    #[test]
    fn long_lines_are_windowed_around_the_label() {
        let line = format!("{}bogus: 1{}", "x".repeat(5000), "y".repeat(5000));
        let f = file(&line);
        let (e, spans) = Excerpt::new(&f, &[span((1, 5000), (1, 5005))]);
        assert!(
            e.text.starts_with('…') && e.text.ends_with('…'),
            "{}",
            e.text
        );
        assert_eq!(e.text.chars().count(), MAX_LINE_CHARS + 2);
        let at = spans[0].offset();
        assert_eq!(&e.text[at..at + spans[0].len()], "bogus");
        assert_eq!(read(&e, spans[0], 0).column(), 5000);
    }

    #[test]
    fn a_window_at_the_end_of_a_long_line_is_full_width() {
        let line = format!("{}tail", "x".repeat(1000));
        let f = file(&line);
        let (e, spans) = Excerpt::new(&f, &[span((1, 1000), (1, 1004))]);
        assert!(
            e.text.starts_with('…') && e.text.ends_with("tail"),
            "{}",
            e.text
        );
        assert_eq!(e.text.chars().count(), MAX_LINE_CHARS + 1);
        assert_eq!(&e.text[spans[0].offset()..], "tail");
    }

    #[test]
    fn controls_and_bidi_become_placeholders_and_labels_still_fit() {
        let f = file("k\u{202e}ey: a\x1bb\u{9b}c\n");
        let (e, spans) = Excerpt::new(&f, &[span((1, 8), (1, 9))]);
        assert_eq!(e.text, "k\u{fffd}ey: a\u{241b}b\u{fffd}c\n");
        let at = spans[0].offset();
        assert_eq!(&e.text[at..at + spans[0].len()], "b");
        assert_eq!(read(&e, spans[0], 0).column(), 8);
    }

    #[test]
    fn a_label_over_many_lines_is_shown_on_its_first() {
        let text: String = (1..=30).map(|i| format!("  - item{i}\n")).collect();
        let f = file(&text);
        let (e, spans) = Excerpt::new(&f, &[span((2, 2), (25, 0))]);
        assert_eq!(e.lines.len(), 3, "{}", e.text);
        let at = spans[0].offset();
        assert_eq!(&e.text[at..at + spans[0].len()], "- item2");
    }

    #[test]
    fn a_span_at_the_end_of_the_file_is_not_empty() {
        let f = file("a: 1");
        let (e, spans) = Excerpt::new(&f, &[span((1, 4), (1, 4))]);
        assert_eq!(e.text, "a: 1");
        assert_eq!(spans[0].len(), 1);
    }
}
