//! Integration tests: one binary, described modules (ripgrep's `tests/tests.rs` layout).

mod audit;
mod cli;
mod fake;
mod fixture;
mod graphql;
mod guard;
mod html;
mod incident;
mod pairs;
mod probes;
mod quality;
mod sarif;
mod util;
