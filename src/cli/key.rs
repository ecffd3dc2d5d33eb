//! `kiln key upload|list|delete|calculator|vk`: proving keys on a `kiln serve` node.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use futures_util::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Method;

use super::client::{print_json, Client, ServerArgs};

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Upload a snarkjs .zkey (Groth16 or PLONK), streamed with a progress bar; the node
    /// validates it in full and stores it under its SHA-256, which is printed (with the key's
    /// details, as JSON). Uploading a key the node has is harmless.
    Upload {
        zkey: PathBuf,
        /// Also upload the circuit's witness calculator (circom's .wasm), so jobs can be
        /// submitted with circom inputs.
        #[arg(long)]
        calculator: Option<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List the node's keys (JSON).
    List {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Delete a key (refused while jobs for it are queued or running).
    Delete {
        id: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Upload (or replace) a key's witness calculator (circom's .wasm).
    Calculator {
        id: String,
        wasm: PathBuf,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Write a key's verification_key.json (for `kiln verify` or `snarkjs ... verify`).
    Vk {
        id: String,
        /// Where to write it; standard output if absent.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
    },
}

pub fn run(command: KeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::Upload {
            zkey,
            calculator,
            server,
        } => {
            let client = Client::new(&server)?;
            let (_, key) = client.runtime.block_on(upload(&client, &zkey))?;
            let key = match calculator {
                Some(wasm) => {
                    put_calculator(&client, key["id"].as_str().unwrap_or_default(), &wasm)?
                }
                None => key,
            };
            print_json(&key);
        }
        KeyCommand::List { server } => {
            let client = Client::new(&server)?;
            print_json(&client.call(client.request(Method::GET, "/v1/keys"))?.1);
        }
        KeyCommand::Delete { id, server } => {
            let client = Client::new(&server)?;
            client.call(client.request(Method::DELETE, &format!("/v1/keys/{id}")))?;
            eprintln!("kiln key delete: deleted {id}");
        }
        KeyCommand::Calculator { id, wasm, server } => {
            print_json(&put_calculator(&Client::new(&server)?, &id, &wasm)?)
        }
        KeyCommand::Vk { id, out, server } => {
            let client = Client::new(&server)?;
            let (_, vk) = client
                .call(client.request(Method::GET, &format!("/v1/keys/{id}/verification_key")))?;
            let text = serde_json::to_string_pretty(&vk)? + "\n";
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Streams the file to the node with a progress bar (never read whole into memory).
async fn upload(
    client: &Client,
    zkey: &Path,
) -> anyhow::Result<(reqwest::StatusCode, serde_json::Value)> {
    let file = tokio::fs::File::open(zkey)
        .await
        .with_context(|| format!("opening {}", zkey.display()))?;
    let size = file.metadata().await?.len();
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .expect("valid template"),
    );
    bar.set_message("uploading");
    let counted = bar.clone();
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 1 << 20)
        .inspect_ok(move |chunk| counted.inc(chunk.len() as u64));
    let request = client
        .request(Method::POST, "/v1/keys")
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .header(reqwest::header::CONTENT_LENGTH, size)
        .body(reqwest::Body::wrap_stream(stream));
    bar.set_message("uploading (the node validates the key when it has it all)");
    let answer = client.send(request).await;
    bar.finish_and_clear();
    answer
}

fn put_calculator(client: &Client, id: &str, wasm: &Path) -> anyhow::Result<serde_json::Value> {
    let bytes = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let request = client
        .request(Method::PUT, &format!("/v1/keys/{id}/calculator"))
        .header(reqwest::header::CONTENT_TYPE, "application/wasm")
        .body(bytes);
    Ok(client.call(request)?.1)
}
