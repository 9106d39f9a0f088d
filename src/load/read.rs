//! Reading one file: regular files only, at most [`MAX_FILE_BYTES`], UTF-8, and only
//! characters YAML allows.
//!
//! A FIFO blocks a reader forever and `/dev/zero` never ends, while `/proc` files say
//! they are empty and are not: so the type is checked before opening (from metadata) and
//! again on the open handle (the path may have changed in between), the open itself
//! cannot block (`O_NONBLOCK`), and the read stops one byte past the limit whatever the
//! metadata said.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Read;
use std::path::Path;

use super::{MAX_FILE_BYTES, io_message};

/// Why a file was not read.
pub(super) enum ReadProblem {
    /// Not readable, not a regular file, or too large: the message says which.
    Io(String),
    /// Not UTF-8: where the first bad byte is.
    NotUtf8 {
        /// The text before the first bad byte, then `?` for it.
        text: String,
        /// Offset of the first bad byte (also its offset in `text`).
        valid_up_to: usize,
    },
}

/// The text of the regular file at `path` (a path without links in it).
pub(super) fn read_checked(path: &Path) -> Result<String, ReadProblem> {
    let io = |e: std::io::Error| ReadProblem::Io(io_message(&e));
    check(&std::fs::metadata(path).map_err(io)?)?;
    let file = open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    check(&meta)?;
    let bytes = read_bounded(file, MAX_FILE_BYTES, meta.len()).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadProblem::Io(format!(
            "file holds more than 64 MiB (its size said {} bytes); mcpform reads files of at \
             most 64 MiB",
            meta.len()
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid_up_to = e.utf8_error().valid_up_to();
        // Only the position of the bad byte is reported (the file is never shown): the
        // valid part and one byte standing for the bad one keep every offset the file's.
        // A lossy text would not: its U+FFFD is three bytes for one.
        let mut bytes = e.into_bytes();
        bytes.truncate(valid_up_to);
        let mut text = String::from_utf8(bytes).unwrap_or_default();
        text.push('?');
        ReadProblem::NotUtf8 { text, valid_up_to }
    })
}

/// A regular file of at most 64 MiB, or why not.
fn check(meta: &Metadata) -> Result<(), ReadProblem> {
    if !meta.is_file() {
        return Err(ReadProblem::Io(format!(
            "not a regular file but {}; mcpform reads only regular files",
            kind(meta)
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadProblem::Io(format!(
            "file is {} bytes; mcpform reads files of at most 64 MiB",
            meta.len()
        )));
    }
    Ok(())
}

fn kind(meta: &Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// Opens for reading without blocking (a FIFO swapped in after the check would block
/// the open itself), without following a last-component link (the path has none, so
/// one appearing is a swap), and without taking a terminal as controlling terminal.
#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

/// Reads at most `limit + 1` bytes: one more than allowed tells "too large" apart from
/// "exactly the limit". `size_hint` (the metadata's size) only sizes the buffer.
pub(super) fn read_bounded(
    reader: impl Read,
    limit: u64,
    size_hint: u64,
) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(size_hint.min(limit) as usize + 1);
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The first character YAML does not allow in a stream, with its byte offset. YAML 1.2
/// `c-printable`: tab, LF, CR, U+0020–U+007E, U+0085, U+00A0–U+D7FF, U+E000–U+FFFD and
/// U+10000 up. Anything else (ESC, the other C0 and C1 controls, DEL, U+FFFE, U+FFFF)
/// is refused even inside quotes, where the parser would take it.
pub(super) fn first_unprintable(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // Eight bytes at a time while they are all printable ASCII, which most of a YAML
        // file is: decoding every character cost a tenth of linting a clean file.
        if let Some(word) = bytes.get(i..i + 8)
            && let Ok(word) = <[u8; 8]>::try_from(word)
            && plain_ascii(u64::from_le_bytes(word))
        {
            i += 8;
            continue;
        }
        if (b' '..=b'~').contains(&b) || matches!(b, b'\n' | b'\r' | b'\t') {
            i += 1;
            continue;
        }
        let c = text.get(i..)?.chars().next()?;
        if !is_printable(c) {
            return Some((i, c));
        }
        i += c.len_utf8();
    }
    None
}

/// Whether all eight bytes are in `0x20..=0x7e` (no control, no DEL, no UTF-8 byte).
fn plain_ascii(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte below 0x20 (the "has less than" trick, exact for n <= 128)...
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    // ...or at 0x7f and above (adding one sets its high bit; a carry out of 0xff only
    // reaches bytes after one that is already flagged).
    let del_or_more = (word.wrapping_add(ONES) | word) & HIGH;
    below_space | del_or_more == 0
}

fn is_printable(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\r'
            | '\u{20}'..='\u{7e}'
            | '\u{85}'
            | '\u{a0}'..='\u{d7ff}'
            | '\u{e000}'..='\u{fffd}'
            | '\u{10000}'..
    )
}

/// The message for a character YAML does not allow, with the escape that writes it.
pub(super) fn unprintable_message(c: char) -> String {
    let what = if c.is_control() {
        "control character"
    } else {
        "character"
    };
    let escape = match c {
        '\0' => "\\0".to_owned(),
        '\x07' => "\\a".to_owned(),
        '\x08' => "\\b".to_owned(),
        '\x0b' => "\\v".to_owned(),
        '\x0c' => "\\f".to_owned(),
        '\x1b' => "\\e".to_owned(),
        c if (c as u32) < 0x100 => format!("\\x{:02x}", c as u32),
        c => format!("\\u{:04x}", c as u32),
    };
    format!(
        "{what} U+{:04X} is not allowed in YAML; inside double quotes write it as an escape \
         such as `{escape}`",
        c as u32
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_stops_one_byte_past_the_limit_whatever_the_size_said() {
        let endless = std::io::repeat(b'x');
        let bytes = read_bounded(endless, 1000, 0).expect("read");
        assert_eq!(bytes.len(), 1001);
        let short = read_bounded(&b"abc"[..], 1000, 3).expect("read");
        assert_eq!(short, b"abc");
    }

    #[test]
    fn printable_is_yaml_c_printable() {
        for ok in [
            '\t', '\n', '\r', ' ', '~', '\u{85}', '\u{a0}', '\u{202e}', '\u{fffd}', '😀',
        ] {
            assert!(is_printable(ok), "{ok:?}");
        }
        for bad in [
            '\0', '\x1b', '\x7f', '\u{80}', '\u{9b}', '\u{9f}', '\u{fffe}', '\u{ffff}',
        ] {
            assert!(!is_printable(bad), "{bad:?}");
        }
        assert_eq!(first_unprintable("a: \"é\x1b\""), Some((6, '\x1b')));
        assert_eq!(first_unprintable("a: 1\r\n\tb"), None);
    }

    /// The eight-byte fast path finds what the slow one would, at every offset.
    #[test]
    fn every_unprintable_byte_is_found_at_every_offset() {
        for bad in (0u8..0x20).chain([0x7f]).filter(|b| !b"\t\n\r".contains(b)) {
            for at in 0..20 {
                let mut text = "k: plain ascii text, long enough".to_owned();
                text.insert(at, bad as char);
                assert_eq!(
                    first_unprintable(&text),
                    Some((at, bad as char)),
                    "{bad:#x} at {at}"
                );
            }
        }
        assert!(plain_ascii(u64::from_le_bytes(*b" ~azAZ09")));
        for b in [0x00, 0x1f, 0x7f, 0x80, 0xff] {
            let mut word = *b"abcdefgh";
            word[5] = b;
            assert!(!plain_ascii(u64::from_le_bytes(word)), "{b:#x}");
        }
    }

    #[test]
    fn messages_name_the_escape() {
        assert_eq!(
            unprintable_message('\x1b'),
            "control character U+001B is not allowed in YAML; inside double quotes write \
             it as an escape such as `\\e`"
        );
        assert!(unprintable_message('\u{9b}').ends_with("`\\x9b`"));
        assert!(unprintable_message('\u{fffe}').starts_with("character U+FFFE"));
        assert!(unprintable_message('\u{fffe}').ends_with("`\\ufffe`"));
    }
}
