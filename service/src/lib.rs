//! `kiln serve`: a prover node. Jobs arrive over HTTP (JSON), wait in a queue kept in the
//! database (SQLite on one machine, PostgreSQL shared by a cluster), and are proven by one
//! worker per device, each holding the keys it has loaded. ARCHITECTURE.md, "kiln serve",
//! describes the job states and the lease and fencing rules.
//!
//! * [`db`]: the schema, the queue ([`db::jobs`]), keys and API keys;
//! * [`api`]: the HTTP routes, authentication and limits;
//! * [`worker`]: the per-device proving loop; [`resident`]: its loaded keys;
//! * [`keystore`]: key uploads and this node's key files; [`metrics`]: Prometheus.

pub mod api;
pub mod db;
pub mod keystore;
pub mod metrics;
pub mod resident;
pub mod worker;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kiln_host::Backend;

use crate::db::Db;
use crate::keystore::KeyStore;
use crate::metrics::Metrics;

/// How a node runs.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub db_url: String,
    /// Key files and, by default, the SQLite database.
    pub data_dir: PathBuf,
    /// This node's name in leases and results.
    pub node: String,
    /// How long a lease lasts without renewal; renewed every third of it.
    pub lease: Duration,
    /// Attempts before a job fails (device faults and expired leases count; a bad witness
    /// fails at once).
    pub max_attempts: i64,
    /// Queued jobs beyond which submissions get 429.
    pub max_queue: i64,
    /// Largest request body (a witness, inputs, a calculator), in bytes.
    pub max_body_bytes: usize,
    /// Largest key upload, in bytes.
    pub max_key_bytes: u64,
    /// Memory each device may hold in loaded keys.
    pub key_memory_bytes: u64,
    pub witness_limits: kiln_witness::Limits,
    /// How often an idle worker looks at the queue.
    pub poll: Duration,
    /// Tests only: time each attempt spends in its proving stage before proving.
    pub test_prove_delay: Duration,
}

/// A device to prove on: its backend and the name it has in metrics and leases.
pub struct Device {
    pub backend: Box<dyn Backend>,
    pub label: String,
}

/// What the HTTP handlers and the workers share.
pub struct Shared {
    pub config: Config,
    pub db: Db,
    pub keys: KeyStore,
    pub metrics: Metrics,
    pub shutdown: AtomicBool,
    /// The worker threads, woken when a job is submitted.
    workers: std::sync::Mutex<Vec<std::thread::Thread>>,
}

impl Shared {
    /// Wakes idle workers (a job was queued).
    pub fn wake_workers(&self) {
        for t in self.workers.lock().expect("not poisoned").iter() {
            t.unpark();
        }
    }

    pub fn worker_count(&self) -> usize {
        self.workers.lock().expect("not poisoned").len()
    }
}

/// Runs a node until SIGINT or SIGTERM: the HTTP API on `config.listen` and one worker per
/// device. `on_listening` is told the bound address (port 0 picks a free one). On a signal the
/// node stops taking requests and jobs; running jobs finish (or their leases expire).
pub async fn serve(
    config: Config,
    devices: Vec<Device>,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)?;
    let db = Db::connect(&config.db_url).await?;
    let keys = KeyStore::open(&config.data_dir)?;
    let shared = Arc::new(Shared {
        config: config.clone(),
        db,
        keys,
        metrics: Metrics::new(),
        shutdown: AtomicBool::new(false),
        workers: std::sync::Mutex::new(Vec::new()),
    });
    let mut handles = Vec::new();
    for device in devices {
        let (shared2, rt) = (shared.clone(), tokio::runtime::Handle::current());
        let handle = std::thread::Builder::new()
            .name(format!("kiln-worker-{}", device.label))
            .spawn(move || worker::run(shared2, rt, device.backend, device.label))?;
        shared
            .workers
            .lock()
            .expect("not poisoned")
            .push(handle.thread().clone());
        handles.push(handle);
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    on_listening(listener.local_addr()?);
    let app = api::router(shared.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    shared.shutdown.store(true, Ordering::SeqCst);
    shared.wake_workers();
    tokio::task::spawn_blocking(move || {
        for h in handles {
            let _ = h.join();
        }
    })
    .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
