//! How long each stage of a proof took, for every prover (`kiln prove --stages` prints them).

use std::time::{Duration, Instant};

/// How long each stage of one proof took, in order.
#[derive(Clone, Debug, Default)]
pub struct StageTimings(pub Vec<(&'static str, Duration)>);

impl StageTimings {
    /// Runs `f`, recording its wall time under `stage`.
    pub fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.0.push((stage, start.elapsed()));
        out
    }

    /// The sum of all stages.
    pub fn total(&self) -> Duration {
        self.0.iter().map(|(_, d)| *d).sum()
    }
}
