//! keyreach: finds every credential an AI coding agent can reach, learns what each one can
//! do, and judges it against a least-privilege policy.
//!
//! The stages, in the order data flows (ARCHITECTURE.md): [`source`] → [`engine`] (with
//! [`rules`]) → [`credentials`] → [`scope`] → [`policy`]; [`pipeline`] is the only module
//! importing every stage, [`config`] resolves a run's settings, [`report`] prints and
//! [`guard`] answers an agent's hook; [`org`] plans an organisation's scan and merges its
//! reports. This file is the module list and the library API the
//! binary and tests call.

pub mod baseline;
pub mod config;
pub mod credentials;
pub mod engine;
pub mod guard;
pub mod org;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod rules;
pub mod scope;
pub mod source;

pub use pipeline::audit;
pub use pipeline::{
    Imported, NoProgress, Outcome, Progress, check_rules, import_baseline, judge, load_rules, make_baseline,
    probe_input, scan, sighting,
};
