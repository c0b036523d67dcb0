//! restart-conformance: a conformance harness for cloud "restart instance" APIs.
//!
//! ```text
//! specs/*.yaml ──► spec ──► plan ──► run ──► check ──► report ──► reports/
//! target.yaml, clouds.yaml ──► endpoint ──┘  ▲
//!                                            │ loopback, in-process when no --target
//!                                     reference (embedded conformant server, fault modes)
//! ```
//!
//! [`pipeline::run_suite`] calls the stages in that order; the types they
//! share live in [`model`], and no stage imports a later one. Beside the
//! pipeline, [`draft`] turns a vendor's API page into a spec draft that a
//! person completes before `spec` loads it, [`records`] keeps what outlives a
//! run (history, trends, metrics), and [`certify`] bundles a finished run for
//! others to verify. The binary is glue: [`config`] checks the command line
//! before anything is read or sent, and [`commands`] holds one function per
//! subcommand.
//!
//! Every YAML file we are given (spec, target, clouds, profile, product) is
//! read by [`yaml`], which also draws its located errors, credentials masked
//! by [`redact`].

pub mod certify;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod draft;
pub mod endpoint;
pub mod error_chain;
pub mod exit;
pub mod generate;
pub mod model;
pub mod openapi;
pub mod pipeline;
pub mod plan;
pub mod profile;
pub mod records;
pub mod redact;
pub mod reference;
pub mod report;
pub mod run;
pub mod runtime;
pub mod spec;
#[cfg(test)]
mod stand_in;
pub mod yaml;
