//! API keys. Only a key's SHA-256 is stored: the keys are 256 random bits, so a fast hash is
//! enough to make a stolen table useless (no dictionary to try).

use sha2::{Digest, Sha256};

use super::{now_ms, Db};

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Submit, watch and cancel jobs; list keys.
    Submit,
    /// Everything, key uploads and deletions included.
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Submit => "submit",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "submit" => Some(Role::Submit),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl Db {
    /// Makes a new API key with `role`; returns the key, which is not stored anywhere.
    pub async fn create_api_key(&self, role: Role, name: &str) -> sqlx::Result<String> {
        let key = format!("kiln_{}{}", super::new_id(), super::new_id());
        sqlx::query("INSERT INTO api_keys (hash, role, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(hash(&key))
            .bind(role.name())
            .bind(name)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(key)
    }

    /// The role of a presented key, if it is one.
    pub async fn api_key_role(&self, key: &str) -> sqlx::Result<Option<Role>> {
        let role: Option<String> = sqlx::query_scalar("SELECT role FROM api_keys WHERE hash = $1")
            .bind(hash(key))
            .fetch_optional(&self.pool)
            .await?;
        Ok(role.as_deref().and_then(Role::parse))
    }

    pub async fn api_key_count(&self) -> sqlx::Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM api_keys")
            .fetch_one(&self.pool)
            .await
    }
}
