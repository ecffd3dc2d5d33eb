//! Proving keys and witness calculators in the database. A key's bytes are stored in chunks so
//! that any node of a cluster can fetch a key another node accepted, a chunk at a time.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{now_ms, Db};

/// What a client sees of a key.
#[derive(Clone, Debug, Serialize)]
pub struct KeyInfo {
    /// SHA-256 of the .zkey, hex.
    pub id: String,
    /// `groth16` or `plonk`.
    pub system: String,
    pub size_bytes: i64,
    /// Values in a witness for this key.
    pub witness_len: i64,
    pub n_public: i64,
    pub created_at: i64,
    /// Whether a witness calculator is uploaded (jobs may then be submitted with inputs).
    pub has_calculator: bool,
}

/// A validated key about to be stored.
pub struct NewKey {
    pub id: String,
    pub system: String,
    pub size_bytes: i64,
    pub witness_len: i64,
    pub n_public: i64,
    pub verification_key: String,
}

/// Bytes per stored chunk: small enough for any database row, large enough to be few.
pub const CHUNK_BYTES: usize = 4 << 20;

const KEY_COLUMNS: &str = "id, system, size_bytes, witness_len, n_public, created_at, \
    (SELECT COUNT(*) FROM calculators c WHERE c.key_id = keys.id) AS calculators";

fn key_from_row(row: &AnyRow) -> sqlx::Result<KeyInfo> {
    Ok(KeyInfo {
        id: row.try_get("id")?,
        system: row.try_get("system")?,
        size_bytes: row.try_get("size_bytes")?,
        witness_len: row.try_get("witness_len")?,
        n_public: row.try_get("n_public")?,
        created_at: row.try_get("created_at")?,
        has_calculator: row.try_get::<i64, _>("calculators")? > 0,
    })
}

impl Db {
    /// Stores a key and its bytes (read chunk by chunk from `bytes`) in one transaction: a
    /// failure part way leaves nothing. Returns false when the key was already stored.
    pub async fn insert_key(
        &self,
        key: &NewKey,
        mut bytes: tokio::fs::File,
    ) -> anyhow::Result<bool> {
        use tokio::io::AsyncReadExt;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO keys (id, system, size_bytes, witness_len, n_public, verification_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&key.id)
        .bind(&key.system)
        .bind(key.size_bytes)
        .bind(key.witness_len)
        .bind(key.n_public)
        .bind(&key.verification_key)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
        let mut idx = 0i64;
        loop {
            let mut chunk = Vec::with_capacity(CHUNK_BYTES);
            (&mut bytes)
                .take(CHUNK_BYTES as u64)
                .read_to_end(&mut chunk)
                .await?;
            if chunk.is_empty() {
                break;
            }
            sqlx::query("INSERT INTO key_chunks (key_id, idx, data) VALUES ($1, $2, $3)")
                .bind(&key.id)
                .bind(idx)
                .bind(chunk)
                .execute(&mut *tx)
                .await?;
            idx += 1;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn key(&self, id: &str) -> sqlx::Result<Option<KeyInfo>> {
        sqlx::query(&format!("SELECT {KEY_COLUMNS} FROM keys WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| key_from_row(&r))
            .transpose()
    }

    pub async fn list_keys(&self) -> sqlx::Result<Vec<KeyInfo>> {
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM keys ORDER BY created_at, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    pub async fn verification_key(&self, id: &str) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar("SELECT verification_key FROM keys WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Chunk `idx` of a key's bytes.
    pub async fn key_chunk(&self, id: &str, idx: i64) -> sqlx::Result<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT data FROM key_chunks WHERE key_id = $1 AND idx = $2")
            .bind(id)
            .bind(idx)
            .fetch_optional(&self.pool)
            .await
    }

    /// Deletes a key, its bytes and its calculator; finished jobs keep their results.
    pub async fn delete_key(&self, id: &str) -> sqlx::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let gone = sqlx::query("DELETE FROM keys WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM key_chunks WHERE key_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM calculators WHERE key_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(gone.rows_affected() == 1)
    }

    /// Stores (or replaces) a key's witness calculator.
    pub async fn put_calculator(
        &self,
        key_id: &str,
        sha256: &str,
        wasm: Vec<u8>,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO calculators (key_id, sha256, data, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key_id) DO UPDATE SET sha256 = excluded.sha256, data = excluded.data, created_at = excluded.created_at",
        )
        .bind(key_id)
        .bind(sha256)
        .bind(wasm)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A key's calculator: its SHA-256 and bytes.
    pub async fn calculator(&self, key_id: &str) -> sqlx::Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query("SELECT sha256, data FROM calculators WHERE key_id = $1")
            .bind(key_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("sha256")?, r.try_get("data")?)))
            .transpose()
    }
}
