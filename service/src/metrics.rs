//! Prometheus metrics (`GET /metrics`, text format). Queue depth is read from the database at
//! scrape time, so it is the cluster's; the rest are this node's own counts.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn seconds_histogram() -> Histogram {
    // 1 ms to about 9 hours, doubling.
    Histogram::new(exponential_buckets(0.001, 2.0, 25))
}

/// Every metric the node exports.
pub struct Metrics {
    registry: Registry,
    queue_depth: Family<Labels, Gauge>,
    queue_wait: Family<Labels, Histogram, fn() -> Histogram>,
    proving_time: Family<Labels, Histogram, fn() -> Histogram>,
    jobs_finished: Family<Labels, Counter>,
    failures: Family<Labels, Counter>,
    resident_key_bytes: Family<Labels, Gauge>,
    fenced_writes: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kiln");
        let queue_depth = Family::<Labels, Gauge>::default();
        let queue_wait = Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(
            seconds_histogram as fn() -> Histogram,
        );
        let proving_time = Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(
            seconds_histogram as fn() -> Histogram,
        );
        let jobs_finished = Family::<Labels, Counter>::default();
        let failures = Family::<Labels, Counter>::default();
        let resident_key_bytes = Family::<Labels, Gauge>::default();
        let fenced_writes = Counter::default();
        registry.register(
            "queue_depth",
            "Jobs queued, per key (the whole cluster's)",
            queue_depth.clone(),
        );
        registry.register(
            "queue_wait_seconds",
            "Time from submission to a worker's lease, per key and backend",
            queue_wait.clone(),
        );
        registry.register(
            "proving_seconds",
            "Witness, proof and verification time of a successful attempt, per key and backend",
            proving_time.clone(),
        );
        registry.register(
            "jobs_finished",
            "Jobs this node ended, by final state",
            jobs_finished.clone(),
        );
        registry.register("job_failures", "Failed attempts on this node, by reason (witness, calculator, key, device, lease_expired)", failures.clone());
        registry.register(
            "resident_key_bytes",
            "Bytes of proving keys held loaded, per device",
            resident_key_bytes.clone(),
        );
        registry.register(
            "fenced_writes",
            "Writes refused because the worker's lease had been taken over",
            fenced_writes.clone(),
        );
        Metrics {
            registry,
            queue_depth,
            queue_wait,
            proving_time,
            jobs_finished,
            failures,
            resident_key_bytes,
            fenced_writes,
        }
    }

    pub fn set_queue_depths(&self, depths: &[(String, i64)]) {
        self.queue_depth.clear();
        for (key, n) in depths {
            self.queue_depth
                .get_or_create(&labels(&[("key", key)]))
                .set(*n);
        }
    }

    pub fn observe_queue_wait(&self, key: &str, backend: &str, seconds: f64) {
        self.queue_wait
            .get_or_create(&labels(&[("key", key), ("backend", backend)]))
            .observe(seconds);
    }

    pub fn observe_proving(&self, key: &str, backend: &str, seconds: f64) {
        self.proving_time
            .get_or_create(&labels(&[("key", key), ("backend", backend)]))
            .observe(seconds);
    }

    pub fn job_finished(&self, state: &str) {
        self.jobs_finished
            .get_or_create(&labels(&[("state", state)]))
            .inc();
    }

    pub fn failure(&self, reason: &str) {
        self.failures
            .get_or_create(&labels(&[("reason", reason)]))
            .inc();
    }

    pub fn failures_by(&self, reason: &str, n: u64) {
        if n > 0 {
            self.failures
                .get_or_create(&labels(&[("reason", reason)]))
                .inc_by(n);
        }
    }

    pub fn set_resident_bytes(&self, device: &str, bytes: u64) {
        self.resident_key_bytes
            .get_or_create(&labels(&[("device", device)]))
            .set(bytes as i64);
    }

    pub fn fenced_write(&self) {
        self.fenced_writes.inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}
