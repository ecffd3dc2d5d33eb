//! Compiling Solidity with solcjs (npm's `solc`, installed by `make setup` into `.deps/node`)
//! through its standard JSON interface, with the settings of `kiln::settlement::SOLC_SETTINGS`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Context as _, Result};
use serde_json::{json, Value};

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One compiled contract: creation and runtime code.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub creation: Vec<u8>,
    pub runtime: Vec<u8>,
}

/// Compiles `sources` (file name -> text, imports resolved among them) and returns every
/// contract by name. Warnings are allowed; errors fail with solc's messages.
pub fn compile(solcjs: &Path, sources: &[(&str, &str)]) -> Result<BTreeMap<String, Compiled>> {
    let settings: Value = serde_json::from_str(kiln::settlement::SOLC_SETTINGS)?;
    let input = json!({
        "language": "Solidity",
        "sources": sources
            .iter()
            .map(|(name, text)| (name.to_string(), json!({ "content": text })))
            .collect::<serde_json::Map<_, _>>(),
        "settings": settings,
    });
    // Node cuts piped output at 64 KiB when solcjs exits, and can fail reading a pipe that is
    // not ready (EAGAIN): input and output go through files.
    let stem = std::env::temp_dir().join(format!(
        "kiln-solc-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let (in_path, out_path) = (
        stem.with_extension("in.json"),
        stem.with_extension("out.json"),
    );
    std::fs::write(&in_path, input.to_string())?;
    let out = Command::new(solcjs)
        .arg("--standard-json")
        .stdin(std::fs::File::open(&in_path)?)
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("running {}", solcjs.display()));
    let text = std::fs::read_to_string(&out_path);
    let _ = std::fs::remove_file(&in_path);
    let _ = std::fs::remove_file(&out_path);
    let out = out?;
    if !out.status.success() {
        bail!(
            "solcjs failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = text?;
    // solcjs may print a line before the JSON.
    let start = text
        .find('{')
        .ok_or_else(|| anyhow!("solcjs printed no JSON: {text}"))?;
    let v: Value = serde_json::from_str(&text[start..]).context("solcjs's output")?;
    let errors: Vec<String> = v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["severity"] == "error")
        .map(|e| e["formattedMessage"].as_str().unwrap_or("?").to_string())
        .collect();
    if !errors.is_empty() {
        bail!("solc: {}", errors.join("\n"));
    }
    let mut contracts = BTreeMap::new();
    for file in v["contracts"].as_object().into_iter().flatten() {
        for (name, c) in file.1.as_object().into_iter().flatten() {
            let hex = |p: &str| -> Result<Vec<u8>> {
                let s = c["evm"][p]["object"]
                    .as_str()
                    .ok_or_else(|| anyhow!("{name}: no {p}"))?;
                Ok(revm::primitives::hex::decode(s)?)
            };
            contracts.insert(
                name.clone(),
                Compiled {
                    creation: hex("bytecode")?,
                    runtime: hex("deployedBytecode")?,
                },
            );
        }
    }
    Ok(contracts)
}
