//! `kiln serve` (a prover node: the HTTP API, the queue, one worker per device) and
//! `kiln apikey create`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use kiln_service::db::apikeys::Role;
use kiln_service::db::Db;
use kiln_service::{Config, Device};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The database: sqlite://PATH (one node) or postgres://USER:PASSWORD@HOST/DB (a cluster
    /// of nodes sharing one queue). Default: $KILN_DB, else sqlite://DATA/kiln.db.
    #[arg(long)]
    db: Option<String>,
    /// Where this node keeps its key files (and, by default, its SQLite database).
    #[arg(long, default_value = "kiln-data")]
    data: PathBuf,
    /// Address to listen on (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:8457")]
    listen: SocketAddr,
    /// Backend to prove on, one worker each; repeat for several (`kiln devices` lists them).
    /// Default: the best backend with a device, and the cpu too. `none`: no workers (the
    /// node serves the API only).
    #[arg(long = "backend")]
    backends: Vec<String>,
    /// This node's name in leases and results (default: host name and process id).
    #[arg(long)]
    node: Option<String>,
    /// Seconds a lease lasts unless renewed (renewed every third of it while proving); a
    /// node that stops has its jobs taken over this long after.
    #[arg(long, default_value_t = 30.0)]
    lease_s: f64,
    /// Attempts a job gets (device faults and expired leases count; a bad witness fails at once).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(i64).range(1..=100))]
    max_attempts: i64,
    /// Queued jobs beyond which submissions are refused with 429.
    #[arg(long, default_value_t = 10_000)]
    max_queue: i64,
    /// Largest request body (a witness, inputs, a calculator) in MiB.
    #[arg(long, default_value_t = 256)]
    max_body_mb: usize,
    /// Largest key upload in MiB.
    #[arg(long, default_value_t = 65_536)]
    max_key_mb: u64,
    /// Memory each device may hold in loaded keys, in MiB; the least recently used key is
    /// unloaded to make room.
    #[arg(long, default_value_t = 16_384)]
    key_memory_mb: u64,
    /// Memory a witness calculator may grow to, in MiB.
    #[arg(long, default_value_t = 4096)]
    witness_memory_mb: usize,
    /// Instructions a witness calculator may run, in millions (its time bound).
    #[arg(long, default_value_t = 1_000_000)]
    witness_minstr: u64,
    /// Tests only: hold each attempt this long in its proving stage.
    #[arg(long, default_value_t = 0, hide = true)]
    test_prove_delay_ms: u64,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let db_url = database_url(args.db.clone(), &args.data);
    let devices = open_devices(&args.backends)?;
    let node = args.node.clone().unwrap_or_else(default_node_name);
    let config = Config {
        listen: args.listen,
        db_url,
        data_dir: args.data.clone(),
        node,
        lease: Duration::try_from_secs_f64(args.lease_s)
            .map_err(|_| anyhow::anyhow!("--lease-s must be a positive number"))?,
        max_attempts: args.max_attempts,
        max_queue: args.max_queue,
        max_body_bytes: args.max_body_mb << 20,
        max_key_bytes: args.max_key_mb << 20,
        key_memory_bytes: args.key_memory_mb << 20,
        witness_limits: kiln_witness::Limits {
            memory_bytes: args.witness_memory_mb << 20,
            fuel: args.witness_minstr.saturating_mul(1_000_000),
        },
        poll: Duration::from_millis(200),
        test_prove_delay: Duration::from_millis(args.test_prove_delay_ms),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        std::fs::create_dir_all(&config.data_dir)?;
        first_admin_key(&config.db_url, &config.data_dir).await?;
        let names: Vec<_> = devices.iter().map(|d| d.label.clone()).collect();
        let node = config.node.clone();
        kiln_service::serve(config, devices, |addr| {
            eprintln!(
                "kiln serve: node {node} listening on http://{addr}, workers: {}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            );
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}

fn default_node_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "node".into());
    format!("{host}-{}", std::process::id())
}

/// One worker per named backend; by default the best one and the cpu.
fn open_devices(names: &[String]) -> anyhow::Result<Vec<Device>> {
    if names.iter().any(|n| n == "none") {
        return Ok(Vec::new());
    }
    let backends = if names.is_empty() {
        let best = kiln::backends::open_best();
        let mut all = vec![best];
        if all[0].name() != kiln::cpu::CpuBackend::NAME {
            all.push(kiln::backends::open(kiln::cpu::CpuBackend::NAME)?);
        }
        all
    } else {
        names
            .iter()
            .map(|n| Ok(kiln::backends::open(n)?))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let mut seen = std::collections::HashMap::<&str, usize>::new();
    Ok(backends
        .into_iter()
        .map(|backend| {
            let n = seen.entry(backend.name()).or_default();
            let label = format!(
                "{}{}",
                backend.name(),
                if *n == 0 {
                    String::new()
                } else {
                    format!("-{n}")
                }
            );
            *n += 1;
            Device { backend, label }
        })
        .collect())
}

/// A new node's first API key: with none in the database, an admin key is made and written
/// to DATA/admin.key (readable by this user only), so one command starts a usable node.
async fn first_admin_key(db_url: &str, data: &Path) -> anyhow::Result<()> {
    let db = Db::connect(db_url).await?;
    if db.api_key_count().await? > 0 {
        return Ok(());
    }
    let key = db.create_api_key(Role::Admin, "first admin key").await?;
    let path = data.join("admin.key");
    write_private(&path, &key)?;
    eprintln!(
        "kiln serve: no API keys yet; made an admin key in {}",
        path.display()
    );
    Ok(())
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    writeln!(file, "{text}")?;
    Ok(())
}

/// `kiln apikey create`: a new API key, printed once (only its hash is stored).
pub fn create_api_key(
    db: Option<String>,
    data: &Path,
    role: &str,
    name: &str,
) -> anyhow::Result<ExitCode> {
    let role =
        Role::parse(role).ok_or_else(|| anyhow::anyhow!("--role must be submit or admin"))?;
    let db_url = database_url(db, data);
    std::fs::create_dir_all(data)?;
    let key = tokio::runtime::Runtime::new()?.block_on(async {
        Db::connect(&db_url)
            .await?
            .create_api_key(role, name)
            .await
            .map_err(anyhow::Error::from)
    })?;
    println!("{key}");
    Ok(ExitCode::SUCCESS)
}

/// `--db`, else `$KILN_DB`, else the SQLite database in the data folder.
fn database_url(db: Option<String>, data: &Path) -> String {
    db.or_else(|| std::env::var("KILN_DB").ok())
        .unwrap_or_else(|| format!("sqlite://{}", data.join("kiln.db").display()))
}
