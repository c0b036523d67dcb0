//! Endpoint files: `target.yaml` ──► [`Endpoint`].
//!
//! Owns where each API lives (base URL, path variables) and where the token
//! comes from: a fixed token from the environment, or a Keystone v3 sign-in
//! (clouds.yaml, secure.yaml, `OS_*` variables) whose catalog gives the base
//! URLs and whose session renews the token; Rackspace Identity v2.0 the same
//! way ([`identity_v2`]); or, per API, an AK/SK key pair ([`signing`]) whose
//! [`AkSk`] signs each request ([`aksk`]). Vendor profiles ([`profile`]) fill
//! what a `clouds.yaml` entry leaves out. Knows nothing about the specs'
//! contents beyond which API ids, URIs and variables exist.

pub mod aksk;
pub mod cloud;
pub mod identity_v2;
pub mod keystone;
mod load;
pub mod profile;
mod secret;
pub mod signing;

pub use aksk::{AkSk, Tamper};
pub use keystone::{Lease, TokenSource};
pub use load::{
    ApiEndpoint, Endpoint, EndpointError, ParsedEndpoint, ResolveOptions, SignIn,
    default_service_type, load_file, parse_bytes, resolve, resolve_with, split_catalog_url,
};
pub use secret::Secret;
