//! Integration tests: one binary, described modules (ripgrep's `tests/tests.rs` layout).

mod cli;
mod quality;
mod sarif;
mod util;
