//! Endpoint files: `target.yaml` ──► [`Endpoint`].
//!
//! Owns where each API lives (base URL, path variables) and where the token
//! comes from. Knows nothing about the specs' contents beyond which API ids
//! and variables exist.

mod load;
mod secret;

pub use load::{
    ApiEndpoint, Endpoint, EndpointError, ParsedEndpoint, load_file, parse_bytes, resolve,
};
pub use secret::Secret;
