//! Arbitrary bytes into the loaders and the response checks: errors, never panics.
