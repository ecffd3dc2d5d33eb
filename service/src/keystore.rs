//! Proving key files on this node: `DATA/keys/<sha256>.zkey`, each written under a temporary
//! name and renamed once complete. An upload is streamed to disk while it is hashed (never held
//! whole in memory), validated once in full, then stored in the database; a node that lacks a
//! key's file fetches it from the database and checks its hash before using it.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use kiln_prover::api::{KeyChecks, ProvingKey};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::db::keys::NewKey;
use crate::db::{new_id, Db};

/// Why an upload was refused (a 4xx naming the problem).
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the upload is over the limit of {0} bytes")]
    TooLarge(u64),
    #[error("the upload is empty")]
    Empty,
    #[error("not a valid proving key: {0}")]
    Invalid(String),
    #[error("reading the upload: {0}")]
    Body(String),
    #[error("storing the upload: {0}")]
    Io(#[from] std::io::Error),
}

/// A received upload in a temporary file; removed on drop unless kept.
pub struct Received {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

impl Drop for Received {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    pub fn open(data_dir: &Path) -> std::io::Result<KeyStore> {
        let dir = data_dir.join("keys");
        std::fs::create_dir_all(&dir)?;
        // Temporary files of uploads or fetches cut short by a crash.
        for entry in std::fs::read_dir(&dir)?.flatten() {
            if entry.file_name().to_string_lossy().ends_with(".part") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(KeyStore { dir })
    }

    pub fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.zkey"))
    }

    fn temp_path(&self) -> PathBuf {
        self.dir.join(format!("{}.part", new_id()))
    }

    /// Streams `body` into a temporary file, hashing it; refuses more than `limit` bytes.
    pub async fn receive<E: std::fmt::Display>(
        &self,
        mut body: impl Stream<Item = Result<Bytes, E>> + Unpin,
        limit: u64,
    ) -> Result<Received, UploadError> {
        let mut received = Received {
            path: self.temp_path(),
            sha256: String::new(),
            size: 0,
        };
        let mut file = tokio::fs::File::create(&received.path).await?;
        let mut hasher = Sha256::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| UploadError::Body(e.to_string()))?;
            received.size += chunk.len() as u64;
            if received.size > limit {
                return Err(UploadError::TooLarge(limit));
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        if received.size == 0 {
            return Err(UploadError::Empty);
        }
        received.sha256 = hex::encode(hasher.finalize());
        Ok(received)
    }

    /// Reads the key in full, every check on (G2 subgroup checks included): the one time the
    /// key is validated. Blocking: run it off the async threads.
    pub fn validate(received: &Received) -> Result<NewKey, UploadError> {
        let (key, _) = ProvingKey::load(&received.path, &KeyChecks::Full)
            .map_err(|e| UploadError::Invalid(e.to_string()))?;
        Ok(NewKey {
            id: received.sha256.clone(),
            system: key.system().name().to_string(),
            size_bytes: received.size as i64,
            witness_len: key.witness_len() as i64,
            n_public: key.n_public() as i64,
            verification_key: key.verification_key_json().to_string(),
        })
    }

    /// Moves a received upload into place under its digest.
    pub fn keep(&self, received: Received) -> std::io::Result<()> {
        std::fs::rename(&received.path, self.path(&received.sha256))
    }

    /// The key's file on this node, fetched from the database (and its SHA-256 checked) if
    /// this node does not have it.
    pub async fn ensure_local(&self, db: &Db, id: &str) -> anyhow::Result<PathBuf> {
        let path = self.path(id);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(path);
        }
        let temp = self.temp_path();
        let fetched = async {
            let mut file = tokio::fs::File::create(&temp).await?;
            let mut hasher = Sha256::new();
            let mut idx = 0;
            while let Some(chunk) = db.key_chunk(id, idx).await? {
                hasher.update(&chunk);
                file.write_all(&chunk).await?;
                idx += 1;
            }
            file.sync_all().await?;
            let digest = hex::encode(hasher.finalize());
            anyhow::ensure!(idx > 0, "key {id} is not in the database (deleted?)");
            anyhow::ensure!(
                digest == id,
                "key {id} came out of the database as {digest}: corrupted"
            );
            tokio::fs::rename(&temp, &path).await?;
            Ok(())
        }
        .await;
        if fetched.is_err() {
            let _ = tokio::fs::remove_file(&temp).await;
        }
        fetched.map(|()| path)
    }

    /// Removes this node's copy of a key.
    pub fn remove(&self, id: &str) {
        let _ = std::fs::remove_file(self.path(id));
    }
}
