//! The one integration binary: the harness against the embedded reference
//! server, conformant and wrong on purpose, and the real binary's outputs.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on broken fixtures")]

mod action;
mod certify;
mod cli;
mod cli_tools;
mod clients;
mod common;
mod conformant;
mod draft;
mod draft_family;
mod draft_score;
mod export;
mod faults;
mod fuzz;
mod history;
mod hostile;
mod keystone;
mod kubernetes;
mod locks;
mod long_runs;
mod merge;
mod negative;
mod partition;
mod profiles;
mod progress;
mod retries;
mod rides;
mod signing;
mod specs;
mod tls;
mod walkthrough;
