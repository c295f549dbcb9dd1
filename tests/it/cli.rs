//! CLI integration tests on materialised fixtures.
