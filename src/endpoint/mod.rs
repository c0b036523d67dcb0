//! Endpoint files: `target.yaml` ──► [`Endpoint`].
//!
//! Owns where each API lives (base URL, path variables) and where the token
//! comes from: a fixed token from the environment, or a Keystone v3 sign-in
//! (clouds.yaml, secure.yaml, `OS_*` variables) whose catalog gives the base
//! URLs and whose session renews the token; Rackspace Identity v2.0 the same
//! way ([`identity_v2`]); or, per API, an AK/SK key pair ([`signing`]) whose
//! [`AkSk`] signs each request ([`aksk`]). Vendor profiles ([`profile`]) fill
//! what a `clouds.yaml` entry leaves out. How each is reached over TLS is
//! [`tls`]: a private CA, a client certificate, `verify: false`. Knows
//! nothing about the specs' contents beyond which API ids, URIs and
//! variables exist.

mod against_specs;
pub mod aksk;
mod auth_choice;
mod catalog;
pub mod cloud;
pub mod identity_v2;
pub mod keystone;
pub mod profile;
mod resolve;
mod resolved;
mod secret;
pub mod signing;
mod target_file;
pub mod tls;

pub use aksk::{AkSk, Tamper};
pub use catalog::{default_service_type, split_catalog_url};
pub use keystone::{Lease, TokenSource};
pub use resolve::{ResolveOptions, resolve, resolve_with};
pub use resolved::{ApiEndpoint, Endpoint, EndpointError, SignIn};
pub use secret::Secret;
pub use target_file::{ParsedEndpoint, load_file, parse_bytes};
