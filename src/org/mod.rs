//! A whole organisation: the two steps of `.github/workflows/org-scan.yml` that are not
//! YAML. [`plan`] turns a repository list into shards for a workflow matrix; [`merge`]
//! turns the shards' scan reports into one organisation report ([`html`] prints its page).
//! Receives repository lists and JSON reports as text; hands on a plan and a merged
//! document. Decides nothing about credentials: verdicts come from the reports.

pub mod html;
pub mod merge;
pub mod plan;
