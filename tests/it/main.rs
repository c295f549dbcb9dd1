//! Integration tests: one binary, described modules (ripgrep's `tests/tests.rs` layout).

mod baseline;
mod cli;
mod history;
mod quality;
mod staged;
mod util;
