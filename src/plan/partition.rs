//! Partitions: one run split over several CI machines, as nextest splits
//! its tests (`count:M/N`, `hash:M/N`).
//!
//! Partitions run at the same time against the same cloud, so two of them
//! must never restart the same resource: the unit dealt out is a resource
//! with every case bound to it, never part of one. `count` deals the units
//! round-robin in plan order (API order, then the target's resource order);
//! `hash` by a digest of `api/resource-id`, so a unit stays in its partition
//! when other resources come and go.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use super::Case;

/// Which share of the cases this run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// `count:M/N`: units dealt round-robin; this is share `M` of `N`.
    Count { m: usize, n: usize },
    /// `hash:M/N`: units by digest; this is share `M` of `N`.
    Hash { m: usize, n: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid partition `{given}`: {why} (write `count:M/N` or `hash:M/N`, with 1 <= M <= N)")]
pub struct PartitionError {
    given: String,
    why: &'static str,
}

impl FromStr for Partition {
    type Err = PartitionError;

    fn from_str(s: &str) -> Result<Partition, PartitionError> {
        let err = |why| PartitionError {
            given: s.to_owned(),
            why,
        };
        let (kind, share) = s.split_once(':').ok_or_else(|| err("no `:`"))?;
        let (m, n) = share.split_once('/').ok_or_else(|| err("no `/`"))?;
        let m: usize = m.trim().parse().map_err(|_| err("M is not a number"))?;
        let n: usize = n.trim().parse().map_err(|_| err("N is not a number"))?;
        if n == 0 || m == 0 || m > n {
            return Err(err("M must be between 1 and N"));
        }
        match kind {
            "count" => Ok(Partition::Count { m, n }),
            "hash" => Ok(Partition::Hash { m, n }),
            _ => Err(err("unknown kind")),
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Partition::Count { m, n } => write!(f, "count:{m}/{n}"),
            Partition::Hash { m, n } => write!(f, "hash:{m}/{n}"),
        }
    }
}

impl Partition {
    /// The share (0-based) that the unit `key`, the `index`-th in plan order, falls in.
    fn share_of(&self, key: &str, index: usize) -> (usize, usize) {
        match *self {
            Partition::Count { m, n } => (index % n, m - 1),
            Partition::Hash { m, n } => {
                let digest = Sha256::digest(key.as_bytes());
                let mut first = [0u8; 8];
                first.copy_from_slice(&digest[..8]);
                ((u64::from_be_bytes(first) % n as u64) as usize, m - 1)
            }
        }
    }

    /// Keeps the cases of the units that fall in this partition, in plan order.
    pub fn select(&self, cases: Vec<Case>) -> Vec<Case> {
        let mut units: Vec<String> = Vec::new();
        let mut seen = BTreeSet::new();
        for c in &cases {
            let key = c.resource_key();
            if seen.insert(key.clone()) {
                units.push(key);
            }
        }
        let mine: BTreeSet<String> = units
            .into_iter()
            .enumerate()
            .filter(|(i, key)| {
                let (share, this) = self.share_of(key, *i);
                share == this
            })
            .map(|(_, key)| key)
            .collect();
        cases
            .into_iter()
            .filter(|c| mine.contains(&c.resource_key()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nextest_syntax_and_refuses_the_rest() {
        assert_eq!("count:1/3".parse(), Ok(Partition::Count { m: 1, n: 3 }));
        assert_eq!("hash:2/2".parse(), Ok(Partition::Hash { m: 2, n: 2 }));
        for bad in [
            "count:0/3",
            "count:4/3",
            "count:1/0",
            "slice:1/2",
            "count1/2",
            "hash:a/2",
            "hash:1",
        ] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
        let e = "count:4/3"
            .parse::<Partition>()
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some(
                "invalid partition `count:4/3`: M must be between 1 and N (write `count:M/N` or `hash:M/N`, with 1 <= M <= N)"
            )
        );
    }

    #[test]
    fn count_deals_units_round_robin_and_hash_is_stable() {
        let p = Partition::Count { m: 2, n: 3 };
        let shares: Vec<bool> = (0..6)
            .map(|i| {
                let (s, this) = p.share_of("x", i);
                s == this
            })
            .collect();
        assert_eq!(shares, [false, true, false, false, true, false]);
        let h = Partition::Hash { m: 1, n: 4 };
        assert_eq!(h.share_of("ecs/a", 0), h.share_of("ecs/a", 7));
    }
}
