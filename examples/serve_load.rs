//! A bounded load test of `kiln serve` on loopback (`make bench-serve`): starts a node on a
//! SQLite database in a temporary folder, uploads the multiplier fixture's key, and has CLIENTS
//! concurrent clients submit JOBS jobs between them (each with a witness of its own) and wait
//! for each. Checks that every job succeeded exactly once (one attempt, its own public signal)
//! and prints throughput and the latency percentiles (submission to result) for BENCHMARKS.md.
//!
//!     serve_load KILN_BINARY FIXTURE_DIR JOBS CLIENTS

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        bail!("usage: serve_load KILN_BINARY FIXTURE_DIR JOBS CLIENTS");
    }
    let (kiln, fixture) = (PathBuf::from(&args[1]), PathBuf::from(&args[2]));
    let jobs: u64 = args[3].parse().context("JOBS")?;
    let clients: u64 = args[4].parse().context("CLIENTS")?;
    anyhow::ensure!(
        (1..=100_000).contains(&jobs) && (1..=256).contains(&clients),
        "JOBS 1..100000, CLIENTS 1..256"
    );

    let dir = std::env::temp_dir().join(format!("kiln-serve-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut node = Command::new(&kiln)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--backend",
            "cpu",
            "--data",
        ])
        .arg(&dir)
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = BufReader::new(node.stderr.take().expect("piped"));
    let mut lines = stderr.lines();
    let url = loop {
        let line = lines.next().context("kiln serve exited")??;
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split(',').next().unwrap_or_default().to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    let result = run(&kiln, &fixture, &dir, &url, jobs, clients);
    let _ = node.kill();
    let _ = node.wait();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn witness(fixture: &Path, a: u64, b: u64) -> anyhow::Result<Vec<u8>> {
    let wasm = std::fs::read(fixture.join("multiplier_js/multiplier.wasm"))?;
    let calc = kiln_witness::WitnessCalculator::new(&wasm, kiln_witness::Limits::default())?;
    let w = calc.calculate(&serde_json::json!({"a": a.to_string(), "b": b.to_string()}))?;
    Ok(kiln_prover::iden3::wtns::write_wtns(&w, Vec::new())?)
}

fn run(
    kiln: &Path,
    fixture: &Path,
    dir: &Path,
    url: &str,
    jobs: u64,
    clients: u64,
) -> anyhow::Result<()> {
    let admin = std::fs::read_to_string(dir.join("admin.key"))?
        .trim()
        .to_string();
    let upload = Command::new(kiln)
        .args(["key", "upload"])
        .arg(fixture.join("circuit.zkey"))
        .args(["--server", url, "--api-key", &admin])
        .output()?;
    anyhow::ensure!(
        upload.status.success(),
        "upload: {}",
        String::from_utf8_lossy(&upload.stderr)
    );
    let key: serde_json::Value = serde_json::from_slice(&upload.stdout)?;
    let key = key["id"].as_str().context("key id")?.to_string();
    let witnesses: Vec<Vec<u8>> = (0..jobs)
        .map(|i| witness(fixture, i + 2, 3))
        .collect::<anyhow::Result<_>>()?;
    let witnesses = Arc::new(witnesses);

    let rt = tokio::runtime::Runtime::new()?;
    let started = Instant::now();
    let latencies = rt.block_on(async {
        let http = reqwest::Client::new();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (http, url, admin, key, witnesses) = (
                http.clone(),
                url.to_string(),
                admin.clone(),
                key.clone(),
                witnesses.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                for i in (c..jobs).step_by(clients as usize) {
                    let t0 = Instant::now();
                    let job: serde_json::Value = http
                        .post(format!("{url}/v1/jobs?key={key}"))
                        .bearer_auth(&admin)
                        .body(witnesses[i as usize].clone())
                        .send()
                        .await?
                        .error_for_status()?
                        .json()
                        .await?;
                    let id = job["id"].as_str().context("job id")?.to_string();
                    let done: serde_json::Value = http
                        .get(format!("{url}/v1/jobs/{id}/wait?timeout_s=300"))
                        .bearer_auth(&admin)
                        .send()
                        .await?
                        .json()
                        .await?;
                    let took = t0.elapsed();
                    anyhow::ensure!(
                        done["state"] == "succeeded" && done["attempts"] == 1,
                        "job {id}: {done}"
                    );
                    let result: serde_json::Value = http
                        .get(format!("{url}/v1/jobs/{id}/result"))
                        .bearer_auth(&admin)
                        .send()
                        .await?
                        .json()
                        .await?;
                    anyhow::ensure!(
                        result["public"][0] == ((i + 2) * 3).to_string(),
                        "job {id} has another job's result"
                    );
                    out.push(took);
                }
                Ok::<_, anyhow::Error>(out)
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await??);
        }
        Ok::<_, anyhow::Error>(all)
    })?;
    let wall = started.elapsed();
    let mut sorted = latencies.clone();
    sorted.sort();
    let pct =
        |p: f64| sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "kiln serve load: {} jobs from {clients} clients in {:.2} s: {:.1} jobs/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; every job succeeded once",
        sorted.len(),
        wall.as_secs_f64(),
        sorted.len() as f64 / wall.as_secs_f64(),
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(*sorted.last().expect("jobs"))
    );
    Ok(())
}
