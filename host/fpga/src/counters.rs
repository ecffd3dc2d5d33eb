//! What each card backend has done since it opened, for `kiln bench`: card clock cycles,
//! host-side compute, bytes over DMA and kernel runs. The seam has no downcast, so the counters
//! of live backends are found by backend id in a process-wide list.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use kiln_host::{Backend, BackendId};

/// Running totals of what the card did, for `kiln bench`.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    cycles: AtomicU64,
    host_nanos: AtomicU64,
    dma_bytes: AtomicU64,
    runs: AtomicU64,
}

impl Counters {
    pub(crate) fn add(&self, cycles: u64, host: Duration, dma_bytes: u64, runs: u64) {
        self.cycles.fetch_add(cycles, Ordering::Relaxed);
        self.host_nanos
            .fetch_add(host.as_nanos() as u64, Ordering::Relaxed);
        self.dma_bytes.fetch_add(dma_bytes, Ordering::Relaxed);
        self.runs.fetch_add(runs, Ordering::Relaxed);
    }
}

/// What a card backend has done since it opened: card clock cycles, host-side compute,
/// bytes over DMA, kernel runs, and the clock the design is built for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CardFigures {
    pub cycles: u64,
    pub host_time: Duration,
    pub dma_bytes: u64,
    pub runs: u64,
    pub clock_mhz: u32,
}

impl CardFigures {
    /// The figures accumulated between `earlier` and `self`.
    pub fn since(&self, earlier: &CardFigures) -> CardFigures {
        CardFigures {
            cycles: self.cycles - earlier.cycles,
            host_time: self.host_time.saturating_sub(earlier.host_time),
            dma_bytes: self.dma_bytes - earlier.dma_bytes,
            runs: self.runs - earlier.runs,
            clock_mhz: self.clock_mhz,
        }
    }

    /// The card time the cycles take at the design's clock.
    pub fn card_time(&self) -> Duration {
        Duration::from_secs_f64(self.cycles as f64 / (f64::from(self.clock_mhz.max(1)) * 1e6))
    }
}

/// Every live card backend's counters, by backend id, with the design's clock.
fn registry() -> MutexGuard<'static, Vec<(BackendId, Weak<Counters>, u32)>> {
    static REGISTRY: Mutex<Vec<(BackendId, Weak<Counters>, u32)>> = Mutex::new(Vec::new());
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Fresh counters for the backend `id` on a card clocked at `clock_mhz`, listed until dropped.
pub(crate) fn register(id: BackendId, clock_mhz: u32) -> Arc<Counters> {
    let counters = Arc::new(Counters::default());
    registry().push((id, Arc::downgrade(&counters), clock_mhz));
    counters
}

/// The counters of `backend` if it is a card backend (`fpga` or `fpga-sim`).
pub fn card_figures(backend: &dyn Backend) -> Option<CardFigures> {
    let mut reg = registry();
    reg.retain(|(_, w, _)| w.strong_count() > 0);
    let (_, counters, clock_mhz) = reg.iter().find(|(id, _, _)| *id == backend.id())?;
    let c = counters.upgrade()?;
    Some(CardFigures {
        cycles: c.cycles.load(Ordering::Relaxed),
        host_time: Duration::from_nanos(c.host_nanos.load(Ordering::Relaxed)),
        dma_bytes: c.dma_bytes.load(Ordering::Relaxed),
        runs: c.runs.load(Ordering::Relaxed),
        clock_mhz: *clock_mhz,
    })
}
