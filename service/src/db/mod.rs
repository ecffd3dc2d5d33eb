//! The database: SQLite (WAL) for one node, PostgreSQL for a cluster, behind one code path
//! (sqlx's Any driver). Every query is written once; where the two differ, the difference is a
//! method of [`Dialect`] (the byte column type in the migrations, and the lock clause of the
//! queue's pick).

pub mod apikeys;
pub mod jobs;
pub mod keys;

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor};

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Dialect::Postgres)
        } else {
            anyhow::bail!("--db must be sqlite://PATH or postgres://..., not '{url}'")
        }
    }

    /// Appended to the queue's pick: PostgreSQL lets concurrent pickers skip each other's rows;
    /// SQLite runs one writing statement at a time, so the pick needs no lock clause.
    fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    fn migrations(self) -> Vec<Migration> {
        let init = match self {
            Dialect::Sqlite => include_str!("../../migrations/sqlite/0001_init.sql"),
            Dialect::Postgres => include_str!("../../migrations/postgres/0001_init.sql"),
        };
        vec![Migration::new(
            1,
            Cow::Borrowed("init"),
            MigrationType::Simple,
            Cow::Borrowed(init),
            false,
        )]
    }
}

/// A connection pool with its dialect.
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
}

impl Db {
    /// Connects (creating a SQLite file if need be) and applies the migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of(url)?;
        let url = match dialect {
            // mode=rwc: create the file on first start.
            Dialect::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(match dialect {
                Dialect::Sqlite => 8,
                Dialect::Postgres => 16,
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL: readers never wait for the writer. synchronous=FULL: a committed
                        // job state survives a power cut, not only a crash. busy_timeout: the
                        // one writer at a time makes the others wait rather than fail.
                        conn.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| anyhow::anyhow!("connecting to {}: {e}", redact(&url)))?;
        let migrator = Migrator {
            migrations: Cow::Owned(dialect.migrations()),
            ..Migrator::DEFAULT
        };
        migrator
            .run(&pool)
            .await
            .map_err(|e| anyhow::anyhow!("migrating the database: {e}"))?;
        Ok(Db { pool, dialect })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(colon) => format!("{}:***{}", &url[..s + 3 + colon], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// Milliseconds since the Unix epoch: the unit of every time column.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A fresh random identifier (128 bits, hex).
pub fn new_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Reads an optional column (NULL as None).
pub(crate) fn opt<T>(row: &AnyRow, col: &str) -> Option<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    use sqlx::Row;
    row.try_get::<Option<T>, _>(col).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_left_out_of_messages() {
        assert_eq!(
            redact("postgres://kiln:secret@db:5432/kiln"),
            "postgres://kiln:***@db:5432/kiln"
        );
        assert_eq!(redact("postgres://db/kiln"), "postgres://db/kiln");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn the_two_schemas_differ_only_in_the_byte_type() {
        let [sqlite, pg] =
            [Dialect::Sqlite, Dialect::Postgres].map(|d| d.migrations()[0].sql.to_string());
        let strip = |s: &str| s.lines().skip(2).collect::<Vec<_>>().join("\n");
        assert_eq!(strip(&sqlite), strip(&pg).replace("BYTEA", "BLOB"));
    }
}
