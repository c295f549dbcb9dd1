//! Integration tests: one binary, described modules (ripgrep's `tests/tests.rs` layout).

mod architecture;
mod audit;
mod baseline;
mod cli;
mod determinism;
mod fake;
mod faults;
mod fixture;
mod graphql;
mod guard;
mod history;
mod hostile;
mod hostile_config;
mod html;
mod hygiene;
mod incident;
mod pairs;
mod probes;
mod props;
mod quality;
mod readonly;
mod sarif;
mod staged;
mod util;
