//! The in-memory resources and their restart state machine.
//!
//! Each API has a configured number of known resources (two by default), each with its own
//! state machine: a resource is in its steady state until a restart is accepted, then in its
//! restarting state for the configured reboot time, then steady again; restarting one leaves
//! the others as they are. Nothing runs in the background: the state is worked out from
//! timestamps whenever asked.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The five APIs the server implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Ddm,
    CloudDb,
    CloudDbHa,
    ModelArts,
    Ecs,
}

impl Api {
    /// In the order `ReferenceServer::apis` lists them.
    pub(crate) const ALL: [Api; 5] = [
        Api::Ddm,
        Api::CloudDb,
        Api::CloudDbHa,
        Api::ModelArts,
        Api::Ecs,
    ];

    /// The API id of the conformance rules (`docs/book/src/conformance-rules.md`), also the path prefix on the server.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Api::Ddm => "ddm",
            Api::CloudDb => "clouddb",
            Api::CloudDbHa => "clouddb-ha",
            Api::ModelArts => "modelarts",
            Api::Ecs => "ecs",
        }
    }

    /// The state a resource rests in when no restart runs.
    pub(crate) fn steady(self) -> &'static str {
        match self {
            Api::Ddm => "RUNNING",
            Api::CloudDb | Api::CloudDbHa | Api::ModelArts | Api::Ecs => "ACTIVE",
        }
    }

    fn index(self) -> usize {
        match self {
            Api::Ddm => 0,
            Api::CloudDb => 1,
            Api::CloudDbHa => 2,
            Api::ModelArts => 3,
            Api::Ecs => 4,
        }
    }

    /// The path variable that names the resource restarted.
    pub(crate) fn resource_var(self) -> &'static str {
        match self {
            Api::Ddm | Api::ModelArts => "instance_id",
            Api::CloudDb => "instanceId",
            Api::CloudDbHa => "haId",
            Api::Ecs => "server_id",
        }
    }

    /// The id of resource `n`: the first is the fixed id below, the others are derived from it
    /// (its last hex digits replaced by `n`), so they are the same on every run.
    pub(crate) fn resource_id(self, n: usize) -> String {
        let first = self
            .vars()
            .iter()
            .find(|(name, _)| *name == self.resource_var())
            .map_or("", |(_, id)| *id);
        if n == 0 {
            return first.to_owned();
        }
        match self {
            // `28e8841d0b9c4f6a9a30742ee60e1068in09`: 32 hex digits and an `in09` suffix.
            Api::Ddm => format!("{}{n:04x}in09", first.get(..28).unwrap_or(first)),
            // UUIDs: the last group becomes `n`.
            _ => format!("{}{n:012x}", first.get(..24).unwrap_or(first)),
        }
    }

    /// The path variables naming the first known resource, as a target file spells them.
    pub(crate) fn vars(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Api::Ddm => &[
                ("project_id", ids::PROJECT),
                ("instance_id", ids::DDM_INSTANCE),
            ],
            Api::CloudDb => &[
                ("version", ids::TROVE_VERSION),
                ("accountId", ids::TROVE_ACCOUNT),
                ("instanceId", ids::CLOUDDB_INSTANCE),
            ],
            Api::CloudDbHa => &[
                ("version", ids::TROVE_VERSION),
                ("accountId", ids::TROVE_ACCOUNT),
                ("haId", ids::HA_INSTANCE),
            ],
            Api::ModelArts => &[
                ("project_id", ids::PROJECT),
                ("instance_id", ids::MODELARTS_INSTANCE),
            ],
            Api::Ecs => &[("project_id", ids::PROJECT), ("server_id", ids::ECS_SERVER)],
        }
    }
}

/// The fixed ids of the known resources, taken from the seed documents' examples where they
/// give one.
pub(crate) mod ids {
    /// Huawei project id shared by DDM, ModelArts and ECS (the documents give none).
    pub(crate) const PROJECT: &str = "0b7a2f64c1e94d6c9f3e5a8d2c1b4e7f";
    /// DDM example response, seed 000.
    pub(crate) const DDM_INSTANCE: &str = "28e8841d0b9c4f6a9a30742ee60e1068in09";
    /// DDM example response, seed 000.
    pub(crate) const DDM_NAME: &str = "ddm-fb88-test";
    /// Example request path of seeds 001 and 002.
    pub(crate) const TROVE_VERSION: &str = "v1.0";
    /// Example request path of seeds 001 and 002.
    pub(crate) const TROVE_ACCOUNT: &str = "1234";
    /// Example request path, seed 001.
    pub(crate) const CLOUDDB_INSTANCE: &str = "d4603f69-ec7e-4e9b-803f-600b9205576f";
    /// Example request path, seed 002.
    pub(crate) const HA_INSTANCE: &str = "3a493f8c-9b9c-4ca1-845b-e3689abb1f5c";
    /// Sample sentence, seed 003.
    pub(crate) const MODELARTS_INSTANCE: &str = "47cf4ff3-0c59-44fe-9821-2840a34c02a9";
    /// The ECS document gives no id.
    pub(crate) const ECS_SERVER: &str = "9f1c6b3e-2d4a-4f8b-a7c5-6e0d1b2a3c4d";
}

/// How long an accepted restart keeps the resource in its restarting state.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lasting {
    /// The configured reboot time.
    Reboot,
    /// Never ends (a fault).
    Forever,
    /// Ends at once, so the restarting state is never observed (a fault).
    Instant,
}

/// Why a restart was not started.
#[derive(Debug)]
pub(crate) struct Busy;

#[derive(Debug, Clone, Copy)]
struct Restart {
    started: Instant,
    state: &'static str,
    forever: bool,
}

#[derive(Debug, Default)]
struct Slots {
    /// The last restart of each resource, by API index and resource id.
    restarts: BTreeMap<(usize, String), Restart>,
    /// Resources whose first action request was already answered 503 (the `retry-after` fault).
    retried: BTreeSet<String>,
}

/// All resources of the server, behind one lock that is never held across an await.
#[derive(Debug)]
pub(crate) struct Resources {
    reboot: Duration,
    /// How many resources each API has (at least one).
    count: usize,
    slots: Mutex<Slots>,
    /// Restarts started, on every resource: what a run cost the target.
    started: AtomicUsize,
}

impl Resources {
    pub(crate) fn new(reboot: Duration, count: usize) -> Self {
        Resources {
            reboot,
            count: count.max(1),
            slots: Mutex::new(Slots::default()),
            started: AtomicUsize::new(0),
        }
    }

    /// Every known resource id of `api`, first the fixed one.
    pub(crate) fn ids(&self, api: Api) -> Vec<String> {
        (0..self.count).map(|n| api.resource_id(n)).collect()
    }

    /// The position of `id` among `api`'s resources (0 for the fixed one).
    pub(crate) fn index(&self, api: Api, id: &str) -> Option<usize> {
        (0..self.count).find(|&n| api.resource_id(n) == id)
    }

    /// True when `id` names one of `api`'s resources.
    pub(crate) fn known(&self, api: Api, id: &str) -> bool {
        (0..self.count).any(|n| api.resource_id(n) == id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        // A panic elsewhere cannot leave the slots half-written: every update is one assignment.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn current(&self, restart: Option<&Restart>, now: Instant) -> Option<&'static str> {
        let restart = restart?;
        let running = restart.forever || now.duration_since(restart.started) < self.reboot;
        running.then_some(restart.state)
    }

    /// The state of resource `id` now: its restarting state while a restart runs, else steady.
    pub(crate) fn status(&self, api: Api, id: &str) -> &'static str {
        let slots = self.lock();
        self.current(
            slots.restarts.get(&(api.index(), id.to_owned())),
            Instant::now(),
        )
        .unwrap_or_else(|| api.steady())
    }

    /// Starts a restart that shows `state` while it runs. Refused while another restart runs,
    /// unless `concurrent` allows it (then the new restart replaces the running one).
    pub(crate) fn restart(
        &self,
        api: Api,
        id: &str,
        state: &'static str,
        lasting: Lasting,
        concurrent: bool,
    ) -> Result<(), Busy> {
        let now = Instant::now();
        let mut slots = self.lock();
        let key = (api.index(), id.to_owned());
        if self.current(slots.restarts.get(&key), now).is_some() && !concurrent {
            return Err(Busy);
        }
        let restart = match lasting {
            Lasting::Reboot => Some(Restart {
                started: now,
                state,
                forever: false,
            }),
            Lasting::Forever => Some(Restart {
                started: now,
                state,
                forever: true,
            }),
            Lasting::Instant => None,
        };
        match restart {
            Some(restart) => slots.restarts.insert(key, restart),
            None => slots.restarts.remove(&key),
        };
        self.started.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// How many restarts were accepted and started, on every resource (an instantaneous one
    /// counts too: it was accepted).
    pub(crate) fn started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// True the first time it is asked about `resource`, false afterwards.
    pub(crate) fn first_request(&self, resource: &str) -> bool {
        self.lock().retried.insert(resource.to_owned())
    }
}
