//! Scanning an `io::Read` in fixed chunks, so memory is bounded by the chunk and the
//! rules' windows, never by the input: a 200 MB line costs the same as a 1 MB one.
//!
//! Consecutive chunks overlap by `LEAD + TAIL` bytes. Each chunk owns the matches whose
//! secret starts in its middle part, which tile the input, so every match is reported
//! exactly once and always with its full window of context around it.

use std::io::{self, Read};

use super::{Engine, Match, Position, Scratch};
use crate::rules::MAX_WINDOW;

/// Context kept before a chunk's owned part (a rule's largest look-behind window).
const LEAD: usize = MAX_WINDOW;
/// Context kept after it: the largest window after a keyword plus the longest pair search.
const TAIL: usize = 4 * MAX_WINDOW;
const OVERLAP: usize = LEAD + TAIL;
/// The buffer's first size: it doubles, up to the chunk size, only for larger inputs.
const FIRST_READ: usize = 64 << 10;
/// Bytes sniffed for a NUL to call an input binary.
pub(super) const SNIFF: usize = 8192;

#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Bytes per chunk; raised to at least twice the overlap.
    pub chunk: usize,
    /// Stop at once (reporting [`StreamOutcome::Binary`]) if the first bytes hold a NUL.
    pub skip_binary: bool,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions { chunk: 1 << 20, skip_binary: true }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamOutcome {
    /// Every byte was scanned.
    Scanned { bytes: u64 },
    /// The input looked binary and was not scanned.
    Binary,
}

impl Engine {
    /// Scans everything `reader` yields, calling `emit` with each match and the chunk its
    /// offsets index. `buf` is reused across calls.
    pub fn scan_reader(
        &self,
        reader: &mut dyn Read,
        options: &StreamOptions,
        scratch: &mut Scratch,
        buf: &mut Vec<u8>,
        emit: &mut dyn FnMut(&Match, &[u8]),
    ) -> io::Result<StreamOutcome> {
        let chunk = options.chunk.max(2 * OVERLAP);
        // The buffer grows to the chunk size only once an input needs it: a scan of small
        // files (a pre-commit hook's) never zeroes a whole chunk.
        let mut cap = buf.len().clamp(FIRST_READ, chunk);
        if buf.len() < cap {
            buf.resize(cap, 0);
        }
        let mut len = 0;
        let mut at = Position::START;
        let mut total = 0u64;
        let mut first = true;
        loop {
            let mut eof;
            (len, eof) = fill(reader, &mut buf[..cap], len)?;
            while !eof && cap < chunk {
                cap = (cap * 2).min(chunk);
                buf.resize(cap, 0);
                (len, eof) = fill(reader, &mut buf[..cap], len)?;
            }
            let data = &buf[..len];
            if first && options.skip_binary && super::looks_binary(data) {
                return Ok(StreamOutcome::Binary);
            }
            let owned_from = if first { 0 } else { LEAD };
            let owned_to = if eof { len } else { len - TAIL };
            for m in self.scan(data, at, scratch) {
                if (owned_from..owned_to).contains(&m.secret.start) {
                    emit(m, data);
                }
            }
            if eof {
                return Ok(StreamOutcome::Scanned { bytes: total + len as u64 });
            }
            let keep_from = len - OVERLAP;
            at = advance(at, &data[..keep_from]);
            total += keep_from as u64;
            buf.copy_within(keep_from..len, 0);
            len = OVERLAP;
            first = false;
        }
    }
}

/// Reads into `buf` after its first `len` bytes until it is full or the input ends;
/// returns the new length and whether the input ended.
fn fill(reader: &mut dyn Read, buf: &mut [u8], mut len: usize) -> io::Result<(usize, bool)> {
    while len < buf.len() {
        match reader.read(&mut buf[len..]) {
            Ok(0) => return Ok((len, true)),
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((len, false))
}

/// The position after `consumed`, given the position before it.
fn advance(at: Position, consumed: &[u8]) -> Position {
    let newlines = bytecount::count(consumed, b'\n') as u64;
    match memchr::memrchr(b'\n', consumed) {
        Some(last) => Position { line: at.line + newlines, column_offset: super::count_chars(&consumed[last + 1..]) },
        None => Position { line: at.line, column_offset: at.column_offset + super::count_chars(consumed) },
    }
}
