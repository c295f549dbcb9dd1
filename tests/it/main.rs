//! Integration tests: one binary, described modules (ripgrep's `tests/tests.rs` layout).

mod cli;
mod pairs;
mod quality;
mod util;
