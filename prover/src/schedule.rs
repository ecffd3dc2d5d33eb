//! Proof scheduling: independent steps of one proof run concurrently on the host backends.
//!
//! The host backends (`cpu`, `arkworks`; [`kiln_host::Backend::on_host`]) parallelise every MSM
//! and NTT over the rayon pool, but a single MSM still ends with a tail where some threads wait
//! (its last round of window tasks, its serial window combination), and an NTT's butterflies
//! have passes with little work per thread. Handing the pool several independent steps at once
//! lets work stealing fill those gaps (BENCHMARKS.md, "Proof scheduling"). Devices run one
//! step at a time: their queues, not the host's threads, are the limit there.
//!
//! `KILN_SCHEDULE=sequential` in the environment runs host backends one step at a time too, to
//! measure what concurrency buys.

use std::sync::OnceLock;

use kiln_host::Backend;

/// Whether the independent steps of a proof on `backend` run concurrently.
pub(crate) fn concurrent(backend: &dyn Backend) -> bool {
    static SEQUENTIAL: OnceLock<bool> = OnceLock::new();
    let sequential =
        *SEQUENTIAL.get_or_init(|| std::env::var("KILN_SCHEDULE").is_ok_and(|v| v == "sequential"));
    backend.on_host() && !sequential
}

/// Runs `a` and `b`, concurrently when `backend` computes on the host.
pub(crate) fn join<A: Send, B: Send>(
    backend: &dyn Backend,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if concurrent(backend) {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}

/// `f` over `items`, concurrently when `backend` computes on the host; results in order.
pub(crate) fn map<T: Send, R: Send>(
    backend: &dyn Backend,
    items: Vec<T>,
    f: impl Fn(T) -> R + Send + Sync,
) -> Vec<R> {
    use rayon::prelude::*;
    if concurrent(backend) {
        items.into_par_iter().map(f).collect()
    } else {
        items.into_iter().map(f).collect()
    }
}
