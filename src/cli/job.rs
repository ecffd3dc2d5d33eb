//! `kiln job submit|status|wait|cancel|list`: proving jobs on a `kiln serve` node. Each prints
//! the job's status as JSON; `wait` (and `submit --wait`) can write the proof files.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use reqwest::Method;

use super::client::{print_json, write_result, Client, ServerArgs};

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Submit a job: a key and a witness (.wtns), or circom inputs (JSON) for a key with a
    /// witness calculator.
    Submit {
        /// The key's id (its SHA-256, as `kiln key upload` prints it).
        #[arg(long)]
        key: String,
        /// The witness (.wtns).
        #[arg(long, conflicts_with = "input", required_unless_present = "input")]
        witness: Option<PathBuf>,
        /// circom inputs (input.json); the node computes the witness.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Higher runs first (default 0).
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        priority: i64,
        /// Submitting again with the same key returns the first job rather than a new one.
        #[arg(long)]
        idempotency_key: Option<String>,
        /// Wait for the job to end (see `kiln job wait`).
        #[arg(long)]
        wait: bool,
        #[command(flatten)]
        output: WaitArgs,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// A job's status.
    Status {
        id: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Wait for a job to end: exits 0 if it succeeded (writing --proof and --public if given),
    /// 1 if it failed or was cancelled, 3 if the timeout passed first.
    Wait {
        id: String,
        #[command(flatten)]
        output: WaitArgs,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Cancel a job: at once if queued, at its next stage if running.
    Cancel {
        id: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List jobs, newest first.
    List {
        /// Only jobs in this state (queued, running, succeeded, failed, cancelled).
        #[arg(long)]
        state: Option<String>,
        /// Only jobs for this key.
        #[arg(long)]
        key: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Seconds to wait at most.
    #[arg(long, default_value_t = 600.0)]
    timeout: f64,
    /// Where to write the proof (snarkjs proof.json) once the job succeeds.
    #[arg(long, requires = "public")]
    proof: Option<PathBuf>,
    /// Where to write the public signals (snarkjs public.json).
    #[arg(long, requires = "proof")]
    public: Option<PathBuf>,
}

pub fn run(command: JobCommand) -> anyhow::Result<ExitCode> {
    match command {
        JobCommand::Submit {
            key,
            witness,
            input,
            priority,
            idempotency_key,
            wait: and_wait,
            output,
            server,
        } => {
            let client = Client::new(&server)?;
            let (body, content_type, path) = match (&witness, &input) {
                (Some(w), _) => (std::fs::read(w), "application/octet-stream", w),
                (None, Some(i)) => (std::fs::read(i), "application/json", i),
                (None, None) => unreachable!("clap requires one"),
            };
            let body = body.with_context(|| format!("reading {}", path.display()))?;
            let mut request = client
                .request(Method::POST, "/v1/jobs")
                .query(&[("key", key.as_str()), ("priority", &priority.to_string())])
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body);
            if let Some(k) = &idempotency_key {
                request = request.header("Idempotency-Key", k);
            }
            let (_, job) = client.call(request)?;
            if !and_wait {
                print_json(&job);
                return Ok(ExitCode::SUCCESS);
            }
            wait(&client, job["id"].as_str().unwrap_or_default(), &output)
        }
        JobCommand::Status { id, server } => {
            let client = Client::new(&server)?;
            print_json(
                &client
                    .call(client.request(Method::GET, &format!("/v1/jobs/{id}")))?
                    .1,
            );
            Ok(ExitCode::SUCCESS)
        }
        JobCommand::Wait { id, output, server } => wait(&Client::new(&server)?, &id, &output),
        JobCommand::Cancel { id, server } => {
            let client = Client::new(&server)?;
            print_json(
                &client
                    .call(client.request(Method::POST, &format!("/v1/jobs/{id}/cancel")))?
                    .1,
            );
            Ok(ExitCode::SUCCESS)
        }
        JobCommand::List {
            state,
            key,
            limit,
            server,
        } => {
            let client = Client::new(&server)?;
            let mut query = vec![("limit", limit.to_string())];
            query.extend(state.map(|s| ("state", s)));
            query.extend(key.map(|k| ("key", k)));
            print_json(
                &client
                    .call(client.request(Method::GET, "/v1/jobs").query(&query))?
                    .1,
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Waits in server-side waits of at most a minute each, so no proxy times a request out.
fn wait(client: &Client, id: &str, output: &WaitArgs) -> anyhow::Result<ExitCode> {
    let deadline = Instant::now() + Duration::from_secs_f64(output.timeout.max(0.0));
    let job = loop {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
            .min(60.0);
        let (_, job) = client.call(
            client
                .request(Method::GET, &format!("/v1/jobs/{id}/wait"))
                .query(&[("timeout_s", format!("{left:.3}"))]),
        )?;
        let over = matches!(
            job["state"].as_str(),
            Some("succeeded" | "failed" | "cancelled")
        );
        if over || Instant::now() >= deadline {
            break job;
        }
    };
    print_json(&job);
    match job["state"].as_str() {
        Some("succeeded") => {
            if let (Some(proof), Some(public)) = (&output.proof, &output.public) {
                let (_, result) =
                    client.call(client.request(Method::GET, &format!("/v1/jobs/{id}/result")))?;
                write_result(&result, proof, public)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("failed" | "cancelled") => Ok(ExitCode::from(1)),
        _ => {
            eprintln!(
                "kiln job wait: job {id} is still {} after {:.0} s",
                job["state"].as_str().unwrap_or("?"),
                output.timeout
            );
            Ok(ExitCode::from(3))
        }
    }
}
