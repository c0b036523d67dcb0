//! Spec files: `specs/*.yaml` ──► [`Spec`].
//!
//! Owns the spec model, loading, JSON Schema compilation (once per run) and
//! located errors. Knows nothing about HTTP or reports.

mod load;
pub mod location;
pub mod model;

pub use load::{
    BUILTIN_SPECS_LABEL, Compiled, Concurrent, Documented, Expect, Lifecycle, MAX_FILE_BYTES,
    Negative, ResponseDoc, Spec, SpecCase, SpecError, SpecSet, UriTemplate, load_builtin, load_dir,
    load_sources, parse_yaml_file,
};
pub use model::StatusPattern;
