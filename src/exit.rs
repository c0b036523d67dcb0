//! Exit codes: part of the command line's contract.

/// Every selected case passed (warnings allowed unless `--strict`).
pub const SUCCESS: u8 = 0;
/// A must-check failed, or a case could not get a complete answer
/// (libtest-mimic itself would exit 101). Also: `report diff` found a regression, and the
/// reports of a run could not be written (the requests went out; a lost record must not pass).
pub const TESTS_FAILED: u8 = 1;
/// Bad flag, spec or target file, or unset token variable: nothing was sent.
/// clap's usage errors use 2 as well.
pub const CONFIG_ERROR: u8 = 2;
