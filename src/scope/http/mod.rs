//! The only HTTP client in keyreach. Every probe talks to its provider through a [`Session`],
//! and a session sends a request only if it fits one of the read-only [`Shape`]s the probe
//! declared: method, API root and path, and the kind of body.
//!
//! Guarantees, by construction:
//! - [`Method`] has no `DELETE`, `PUT` or `PATCH`; a `POST` needs a read-only body kind
//!   (a GraphQL `query`, an allow-listed AWS Query action, the OAuth JWT-bearer grant, a
//!   fixed JSON permission check, or none for Slack `auth.test`).
//! - A request goes to the provider's official API root, or to the endpoint the user
//!   configured for that provider (`--endpoint`). https only, except a configured loopback
//!   endpoint; redirects are never followed; official roots never resolve to private,
//!   loopback or link-local addresses; proxies from the environment are not used.
//! - The revoke, rotate, delete and mint endpoints of the providers reference are refused
//!   even if a probe declared them ([`FORBIDDEN_PATHS`]).
//! - Timeouts, at most [`MAX_RETRIES`] retries honouring `Retry-After`, a per-provider rate
//!   limit and a response size cap.
//! - A secret never appears in an error: errors carry statuses and kinds, never URLs,
//!   headers or bodies.

//!
//! [`request`] holds the request shapes and the checks every request passes (the safety
//! core), [`endpoint`] the rules for configured endpoints and internal addresses, [`client`]
//! the client itself with retries, rate limits and size caps.

mod client;
mod endpoint;
mod request;

pub use client::{Client, HttpOptions, MAX_RETRIES, MAX_RETRY_AFTER, ProbeError, Response};
pub use endpoint::{EndpointError, check_endpoint, is_internal};
pub use request::{
    Body, BodyKind, FORBIDDEN_PATHS, Method, Request, Shape, check_request, encode, form_encode, is_graphql_query,
};
