//! Spec files: `specs/*.yaml` ──► [`Spec`].
//!
//! Owns the spec model, loading, JSON Schema compilation (once per run) and
//! located errors. Knows nothing about HTTP or reports.

mod load;
pub mod model;

pub use load::{
    BUILTIN_SPECS_LABEL, Compiled, Concurrent, Documented, Expect, Lifecycle, Negative,
    ResponseDoc, Spec, SpecCase, SpecError, SpecSet, UriTemplate, load_builtin, load_dir,
    load_sources,
};
pub use model::StatusPattern;
