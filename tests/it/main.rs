//! Integration tests: one binary, described modules (ripgrep's `tests/tests.rs` layout).

mod audit;
mod baseline;
mod cli;
mod fake;
mod fixture;
mod graphql;
mod guard;
mod history;
mod html;
mod incident;
mod pairs;
mod probes;
mod quality;
mod sarif;
mod staged;
mod util;
