//! PyPI (devplatforms.md, "PyPI"): there is no read-only introspection endpoint (the only
//! authenticated API is upload), so a PyPI token is never sent anywhere. Its scope comes
//! from its macaroon caveats, decoded offline (`scope::decode`): projects, user, expiry.

use super::{Probe, Session, Target};
use crate::scope::Scope;
use crate::scope::http::{ProbeError, Shape};

pub struct Pypi;

impl Probe for Pypi {
    fn provider(&self) -> &'static str {
        "pypi"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["pypi.api-token", "pypi.test-api-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        &[]
    }

    fn run(&self, _: &Session<'_>, _: &Target<'_>, _: &mut Scope) -> Result<(), ProbeError> {
        Err(ProbeError::NotProbed("PyPI has no read-only endpoint; scope decoded from the token's caveats".into()))
    }
}
