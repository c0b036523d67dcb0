//! Spec files: `specs/*.yaml` ──► [`Spec`].
//!
//! Owns the spec model: the file's shape ([`model`]) and the checked spec the other stages
//! read (`checked`); loading a spec set (`load`); and the rules serde cannot express, JSON
//! Schema compilation (once per run) among them (`checker`). Its located errors are drawn by
//! [`crate::yaml`]. Knows nothing about HTTP or reports.

mod checked;
mod checker;
pub mod file;
mod load;

pub use checked::{
    Compiled, Concurrent, Documented, Expect, Lifecycle, Negative, ResponseDoc, Spec, SpecCase,
    SpecSet, UriTemplate,
};
pub use file::StatusPattern;
pub use load::{BUILTIN_SPECS_LABEL, SpecError, load_builtin, load_dir, load_sources};
