//! Endpoint files: `target.yaml` ──► [`Endpoint`].
//!
//! Owns where each API lives (base URL, path variables) and where the token
//! comes from: a fixed token from the environment, or a Keystone v3 sign-in
//! (clouds.yaml, secure.yaml, `OS_*` variables) whose catalog gives the base
//! URLs and whose session renews the token — and how each is reached over
//! TLS ([`tls`]: a private CA, a client certificate, `verify: false`).
//! Knows nothing about the specs' contents beyond which API ids, URIs and
//! variables exist.

pub mod cloud;
pub mod keystone;
mod load;
mod secret;
pub mod tls;

pub use keystone::{Lease, TokenSource};
pub use load::{
    ApiEndpoint, Endpoint, EndpointError, ParsedEndpoint, ResolveOptions, SignIn,
    default_service_type, load_file, parse_bytes, resolve, resolve_with, split_catalog_url,
};
pub use secret::Secret;
