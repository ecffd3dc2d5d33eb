//! What the `kiln serve` tests share: running nodes as real processes, a real PostgreSQL server
//! in a temporary folder, the client commands, and witnesses for the interop fixtures'
//! multiplier circuit (c = a * b) computed in-process.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::interop::{read_json, text, Env};
use super::scratch::{scratch, Scratch};

/// The multiplier circuit's files from the interop fixtures.
pub struct Multiplier {
    pub dir: PathBuf,
}

impl Multiplier {
    /// `None` when the fixtures are skipped (`KILN_SKIP_INTEROP=1`).
    pub fn get(what: &str) -> Option<Multiplier> {
        Env::get(what).map(|env| Multiplier {
            dir: env.fixtures.join("multiplier"),
        })
    }
    pub fn groth16_zkey(&self) -> PathBuf {
        self.dir.join("circuit.zkey")
    }
    pub fn plonk_zkey(&self) -> PathBuf {
        self.dir.join("plonk.zkey")
    }
    pub fn wasm(&self) -> PathBuf {
        self.dir.join("multiplier_js/multiplier.wasm")
    }
    pub fn vk(&self) -> PathBuf {
        self.dir.join("verification_key.json")
    }

    /// A .wtns for c = a * b computed with the circuit's calculator, written into `dir`.
    pub fn witness(&self, dir: &Path, a: u64, b: u64) -> PathBuf {
        let wasm = std::fs::read(self.wasm()).unwrap();
        let calc =
            kiln_witness::WitnessCalculator::new(&wasm, kiln_witness::Limits::default()).unwrap();
        let w = calc
            .calculate(&serde_json::json!({"a": a.to_string(), "b": b.to_string()}))
            .unwrap();
        let path = dir.join(format!("w_{a}_{b}.wtns"));
        let file = std::fs::File::create(&path).unwrap();
        kiln_prover::iden3::wtns::write_wtns(&w, file).unwrap();
        path
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `kiln serve` process; killed when dropped.
pub struct Node {
    pub child: Child,
    pub url: String,
    pub data: PathBuf,
    pub log: PathBuf,
}

impl Node {
    /// Starts `kiln serve --listen 127.0.0.1:0 --data DATA ARGS...` and waits for it to listen.
    pub fn start(data: &Path, args: &[&str]) -> Node {
        std::fs::create_dir_all(data).unwrap();
        let log = data.join(format!(
            "node-{}.log",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let log_path = log.clone();
        // Copies the node's log to a file (shown when a test fails) and reports its address.
        std::thread::spawn(move || {
            use std::io::Write;
            let mut out = std::fs::File::create(&log_path).unwrap();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = writeln!(out, "{line}");
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr: SocketAddr = rest.split(',').next().unwrap().parse().unwrap();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                panic!(
                    "kiln serve did not start: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
        Node {
            child,
            url: format!("http://{addr}"),
            data: data.to_path_buf(),
            log,
        }
    }

    /// The admin key a new node writes into its data folder.
    pub fn admin_key(&self) -> String {
        std::fs::read_to_string(self.data.join("admin.key"))
            .unwrap()
            .trim()
            .to_string()
    }

    pub fn signal(&self, signal: &str) {
        let o = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .output()
            .unwrap();
        assert!(o.status.success(), "kill -{signal}: {}", text(&o));
    }

    pub fn sigkill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A metric's value (summed over its label sets) from /metrics.
    pub fn metric(&self, name: &str) -> f64 {
        let body = http_get(&format!("{}/metrics", self.url));
        body.lines()
            .filter(|l| {
                l.starts_with(name)
                    && (l[name.len()..].starts_with(' ') || l[name.len()..].starts_with('{'))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain GET without an API key (health and metrics), through curl-free std networking.
pub fn http_get(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
}

/// `kiln ARGS... --server URL --api-key KEY`.
pub fn client(node: &Node, key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .args(["--server", &node.url, "--api-key", key])
        .output()
        .unwrap()
}

/// As [`client`], which must succeed; its standard output as JSON.
pub fn client_json(node: &Node, key: &str, args: &[&str]) -> Value {
    let o = client(node, key, args);
    assert!(
        o.status.success(),
        "kiln {args:?}: {}\nnode log:\n{}",
        text(&o),
        node.log_text()
    );
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("kiln {args:?} printed no JSON ({e}): {}", text(&o)))
}

/// Submits a `.wtns` for `key` with `kiln job submit` and returns the new job's id.
pub fn submit_witness(node: &Node, api_key: &str, key: &str, witness: &Path) -> String {
    client_json(
        node,
        api_key,
        &[
            "job",
            "submit",
            "--key",
            key,
            "--witness",
            witness.to_str().unwrap(),
        ],
    )["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Uploads a key (with the multiplier's calculator) and returns its id.
pub fn upload_key(node: &Node, admin: &str, zkey: &Path, wasm: Option<&Path>) -> String {
    let mut args = vec![
        "key".to_string(),
        "upload".into(),
        zkey.display().to_string(),
    ];
    if let Some(w) = wasm {
        args.extend(["--calculator".into(), w.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    client_json(node, admin, &args)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Waits for a job to end and returns its status.
pub fn wait_job(node: &Node, key: &str, id: &str, timeout_s: u32) -> Value {
    let o = client(
        node,
        key,
        &["job", "wait", id, "--timeout", &timeout_s.to_string()],
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
        panic!(
            "kiln job wait {id}: {}\nnode log:\n{}",
            text(&o),
            node.log_text()
        )
    })
}

/// Polls a job until `pred` holds of its status.
pub fn poll_job(
    node: &Node,
    key: &str,
    id: &str,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = client_json(node, key, &["job", "status", id]);
        if pred(&job) {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} never became {what}: {job}\nnode log:\n{}",
            node.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writes a succeeded job's proof.json and public.json into `dir` and checks them with
/// `kiln verify` against `vk`; returns the public signals.
pub fn verify_job(node: &Node, key: &str, id: &str, vk: &Path, dir: &Path) -> Value {
    let (proof, public) = (
        dir.join(format!("{id}.proof.json")),
        dir.join(format!("{id}.public.json")),
    );
    let o = client(
        node,
        key,
        &[
            "job",
            "wait",
            id,
            "--timeout",
            "120",
            "--proof",
            &proof.display().to_string(),
            "--public",
            &public.display().to_string(),
        ],
    );
    assert!(
        o.status.success(),
        "job {id}: {}\nnode log:\n{}",
        text(&o),
        node.log_text()
    );
    let v = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .arg("verify")
        .args([vk, &public, &proof])
        .output()
        .unwrap();
    assert!(
        v.status.success() && String::from_utf8_lossy(&v.stdout).contains("OK!"),
        "kiln verify of job {id}: {}",
        text(&v)
    );
    read_json(&public)
}

/// A PostgreSQL server of its own in a temporary folder on a free loopback port, run as an
/// unprivileged user when the tests run as root (initdb and postgres refuse root); stopped and
/// removed when dropped.
pub struct Postgres {
    pub url: String,
    dir: Scratch,
    bin: PathBuf,
    user: Option<&'static str>,
}

impl Postgres {
    /// `None` when `KILN_SKIP_POSTGRES=1`; a missing server is a failure otherwise.
    pub fn start() -> Option<Postgres> {
        if std::env::var("KILN_SKIP_POSTGRES").as_deref() == Ok("1") {
            println!("KILN_SKIP_POSTGRES=1: the PostgreSQL tests are skipped");
            return None;
        }
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|dirs| dirs.flatten().map(|d| d.path().join("bin")).filter(|b| b.join("initdb").exists()).max())
            .expect("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): run `make setup`, or KILN_SKIP_POSTGRES=1");
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let user = is_root.then(|| {
            if Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success())
            {
                "postgres"
            } else {
                "nobody"
            }
        });
        let dir = scratch("postgres");
        if let Some(user) = user {
            let o = Command::new("chown")
                .args(["-R", user])
                .arg(&dir)
                .output()
                .unwrap();
            assert!(o.status.success(), "chown: {}", text(&o));
        }
        let port = free_port();
        let pg = Postgres {
            url: format!("postgres://kiln@127.0.0.1:{port}/postgres"),
            dir,
            bin,
            user,
        };
        let data = pg.dir.join("data");
        let o = pg.command(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "kiln",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        assert!(o.status.success(), "initdb: {}", text(&o));
        let log = pg.dir.join("postgres.log");
        let options = format!(
            "-p {port} -k {} -h 127.0.0.1 -c fsync=off -c max_connections=200",
            pg.dir.display()
        );
        let o = pg.command(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        assert!(
            o.status.success(),
            "pg_ctl start: {}\n{}",
            text(&o),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Some(pg)
    }

    fn command(&self, tool: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(tool);
        match self.user {
            Some(user) => Command::new("runuser")
                .args(["-u", user, "--"])
                .arg(exe)
                .args(args)
                .current_dir(&self.dir)
                .output()
                .unwrap(),
            None => Command::new(exe)
                .args(args)
                .current_dir(&self.dir)
                .output()
                .unwrap(),
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.command(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}
