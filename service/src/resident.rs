//! The keys a worker holds loaded on its device, within a memory budget, the least recently
//! used evicted first. A key's memory is counted as its .zkey's size: the bases it uploads are
//! most of the file, in about the same form (an estimate; a device's own accounting may differ).

use std::path::Path;

use kiln_host::Backend;
use kiln_prover::api::{KeyChecks, ProvingKey};
use kiln_prover::Prover;

pub struct Loaded<'b> {
    pub id: String,
    pub prover: Prover<'b>,
    pub verification_key: serde_json::Value,
    pub witness_len: usize,
    bytes: u64,
    last_used: u64,
}

pub struct ResidentKeys<'b> {
    backend: &'b dyn Backend,
    budget: u64,
    loaded: Vec<Loaded<'b>>,
    clock: u64,
}

impl<'b> ResidentKeys<'b> {
    pub fn new(backend: &'b dyn Backend, budget: u64) -> Self {
        ResidentKeys {
            backend,
            budget,
            loaded: Vec::new(),
            clock: 0,
        }
    }

    /// The ids of the keys loaded, for the queue's affinity.
    pub fn held(&self) -> Vec<String> {
        self.loaded.iter().map(|l| l.id.clone()).collect()
    }

    pub fn resident_bytes(&self) -> u64 {
        self.loaded.iter().map(|l| l.bytes).sum()
    }

    /// The key `id`, loaded from `path` if it is not held. The file was validated in full when
    /// it was uploaded and its SHA-256 (its id) checked when fetched, so the subgroup checks
    /// are not repeated here.
    pub fn get(&mut self, id: &str, path: &Path) -> anyhow::Result<&Loaded<'b>> {
        self.clock += 1;
        if let Some(i) = self.loaded.iter().position(|l| l.id == id) {
            self.loaded[i].last_used = self.clock;
            return Ok(&self.loaded[i]);
        }
        let bytes = std::fs::metadata(path)?.len();
        // Make room; a key larger than the whole budget is still loaded, alone.
        while !self.loaded.is_empty() && self.resident_bytes() + bytes > self.budget {
            let oldest = (0..self.loaded.len())
                .min_by_key(|&i| self.loaded[i].last_used)
                .expect("not empty");
            self.loaded.swap_remove(oldest);
        }
        let (key, _) = ProvingKey::load(path, &KeyChecks::Trusted)?;
        let verification_key = key.verification_key_json();
        let witness_len = key.witness_len();
        let prover = Prover::new(self.backend, key)?;
        self.loaded.push(Loaded {
            id: id.to_string(),
            prover,
            verification_key,
            witness_len,
            bytes,
            last_used: self.clock,
        });
        Ok(self.loaded.last().expect("just pushed"))
    }
}
