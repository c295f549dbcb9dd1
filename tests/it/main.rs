//! Integration tests: one binary, described modules (ripgrep's `tests/tests.rs` layout).

mod cli;
mod fake;
mod fixture;
mod graphql;
mod incident;
mod pairs;
mod probes;
mod props;
mod quality;
mod sarif;
mod util;
