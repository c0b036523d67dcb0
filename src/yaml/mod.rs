//! YAML files we read, and the errors we show about them.
//!
//! Owns the generic reading of a YAML file ([`read`]: size cap, UTF-8, strict parsing into a
//! serde type) and the drawing of a located error ([`location`]: the file, line and column, the
//! offending line with a caret, what to change; credentials written in the file masked through
//! [`crate::redact`]). Spec, target, clouds, profile, product and draft files share it, so every
//! configuration error looks the same. Knows nothing about what any of those files mean.

pub mod location;
pub mod read;

pub use location::{Located, Pos, render_all};
pub use read::{MAX_FILE_BYTES, builtin_sources, is_yaml_file, parse_yaml_file};
