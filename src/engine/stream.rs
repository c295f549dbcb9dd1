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
        buf.clear();
        let mut at = Position::START;
        let mut total = 0u64;
        let mut first = true;
        loop {
            let eof = fill(reader, buf, chunk)?;
            if first && options.skip_binary && super::looks_binary(buf) {
                return Ok(StreamOutcome::Binary);
            }
            let owned_from = if first { 0 } else { LEAD };
            let owned_to = if eof { buf.len() } else { buf.len() - TAIL };
            for m in self.scan(buf, at, scratch) {
                if (owned_from..owned_to).contains(&m.secret.start) {
                    emit(m, buf);
                }
            }
            if eof {
                return Ok(StreamOutcome::Scanned { bytes: total + buf.len() as u64 });
            }
            let keep_from = buf.len() - OVERLAP;
            at = advance(at, &buf[..keep_from]);
            total += keep_from as u64;
            buf.drain(..keep_from);
            first = false;
        }
    }
}

/// Reads until `buf` holds `chunk` bytes or the input ends; true at end of input.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, chunk: usize) -> io::Result<bool> {
    let mut len = buf.len();
    buf.resize(chunk, 0);
    let result = loop {
        if len == chunk {
            break Ok(false);
        }
        match reader.read(&mut buf[len..]) {
            Ok(0) => break Ok(true),
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buf.truncate(len);
    result
}

/// The position after `consumed`, given the position before it.
fn advance(at: Position, consumed: &[u8]) -> Position {
    let newlines = bytecount::count(consumed, b'\n') as u64;
    match memchr::memrchr(b'\n', consumed) {
        Some(last) => Position { line: at.line + newlines, column_offset: (consumed.len() - last - 1) as u64 },
        None => Position { line: at.line, column_offset: at.column_offset + consumed.len() as u64 },
    }
}
