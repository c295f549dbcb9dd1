//! Pinecone (https://docs.pinecone.io/reference/api/authentication): `GET /indexes` lists
//! the project's indexes. An API key has every permission on its project's data and
//! indexes unless an index is deletion-protected.

use super::{Probe, Session, Target, items, looks_production, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Pinecone;

const ROOT: &str = "https://api.pinecone.io";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/indexes")];

impl Probe for Pinecone {
    fn provider(&self) -> &'static str {
        "pinecone"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["pinecone.api-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let list =
            s.json(&Request::get(ROOT, "/indexes").header("Api-Key", key).header("X-Pinecone-API-Version", "2025-01"))?;
        if list.get("indexes").is_none() {
            return Err(ProbeError::Unexpected("no index list".into()));
        }
        let indexes = items(&list, "indexes");
        let mut unprotected = 0;
        for index in indexes {
            let Some(name) = str_of(index, "name") else { continue };
            push_unique(&mut scope.resources, resource("pinecone", "index", name));
            if looks_production(name) {
                set_production(scope, true);
            }
            if str_of(index, "deletion_protection") != Some("enabled") {
                unprotected += 1;
            }
        }
        scope.level = Level::Write;
        scope.destructive = Some(unprotected > 0 || indexes.is_empty());
        scope.notes.push(format!(
            "project API key: writes vectors and deletes indexes ({unprotected} of {} not deletion-protected)",
            indexes.len()
        ));
        if indexes.is_empty() {
            scope.notes.push("the project has no index yet".into());
        }
        Ok(())
    }
}
