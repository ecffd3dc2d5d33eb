//! The job queue (ARCHITECTURE.md, "kiln serve: the job queue").
//!
//! States: queued -> running -> succeeded | failed | cancelled, and running -> queued when a
//! lease expires or a device fault leaves attempts to retry. A worker takes a job with
//! [`Db::lease`]: one statement that picks the best queued job, marks it running, counts the
//! attempt and bumps its fencing token. Every later write of that worker ([`Db::renew`],
//! [`Db::succeed`], [`Db::fail`], [`Db::acknowledge_cancel`]) names the token and requires the
//! job still running under it, so once the lease has been taken over (it expired and the job
//! was leased again) those writes change nothing and the worker is told so ([`Fenced`]).
//! Each transition is one statement, so a job's result lands in the same transaction that
//! ends it.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{new_id, now_ms, opt, Db};

/// The states a job passes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == s)
    }

    /// Whether the job is over (nothing will change it again).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }
}

/// How a job's witness is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// A circom `.wtns` file.
    Wtns,
    /// circom inputs (JSON), computed into a witness by the key's calculator.
    Inputs,
}

impl InputKind {
    fn name(self) -> &'static str {
        match self {
            InputKind::Wtns => "wtns",
            InputKind::Inputs => "inputs",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "inputs" {
            InputKind::Inputs
        } else {
            InputKind::Wtns
        }
    }
}

/// A job to queue.
pub struct NewJob {
    pub key_id: String,
    pub priority: i64,
    pub idempotency_key: Option<String>,
    pub input_kind: InputKind,
    pub input: Vec<u8>,
    pub max_attempts: i64,
}

/// What a submission did.
#[derive(Debug, PartialEq, Eq)]
pub enum Submitted {
    /// A new job was queued.
    Queued(String),
    /// A job with the same idempotency key exists: this is it.
    Existing(String),
}

/// What a client sees of a job.
#[derive(Clone, Debug, Serialize)]
pub struct JobStatus {
    pub id: String,
    pub key_id: String,
    pub state: JobState,
    pub priority: i64,
    pub input_kind: InputKind,
    pub idempotency_key: Option<String>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub cancel_requested: bool,
    pub queued_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// Why the job failed (its last attempt's reason).
    pub error: Option<String>,
    /// The failure's class: `witness`, `calculator`, `key`, `device`, `lease_expired`.
    pub failure_reason: Option<String>,
    /// One line per attempt that did not succeed.
    pub error_log: Vec<String>,
    pub backend: Option<String>,
    pub node: Option<String>,
    pub proving_ms: Option<i64>,
}

/// A job a worker holds: prove it, then write back with `token`.
#[derive(Clone, Debug)]
pub struct Lease {
    pub job_id: String,
    pub key_id: String,
    pub input_kind: InputKind,
    pub input: Vec<u8>,
    pub attempt: i64,
    pub token: i64,
    pub queued_at: i64,
}

/// A worker's write was refused: its lease has been taken over (or the job ended otherwise).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("the lease on job {job_id} (token {token}) is no longer held: the write was refused")]
pub struct Fenced {
    pub job_id: String,
    pub token: i64,
}

/// Why an attempt did not produce a proof.
#[derive(Clone, Debug)]
pub struct Failure {
    /// `witness`, `calculator`, `key`, `device`, ...: the label of the failures metric.
    pub reason: &'static str,
    pub message: String,
    /// Whether another attempt could succeed (a device fault may; a bad witness never does).
    pub retryable: bool,
}

/// What a renewal found.
#[derive(Debug, PartialEq, Eq)]
pub enum Renewal {
    Held,
    /// Held, and a client asked to cancel the job.
    CancelRequested,
}

const STATUS_COLUMNS: &str = "id, key_id, state, priority, input_kind, idempotency_key, attempts, max_attempts, \
    cancel_requested, queued_at, started_at, finished_at, error, failure_reason, error_log, backend, node, proving_ms";

fn status_from_row(row: &AnyRow) -> sqlx::Result<JobStatus> {
    let state: String = row.try_get("state")?;
    let log: String = row.try_get("error_log")?;
    Ok(JobStatus {
        id: row.try_get("id")?,
        key_id: row.try_get("key_id")?,
        state: JobState::parse(&state).unwrap_or(JobState::Failed),
        priority: row.try_get("priority")?,
        input_kind: InputKind::parse(&row.try_get::<String, _>("input_kind")?),
        idempotency_key: opt(row, "idempotency_key"),
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        cancel_requested: row.try_get::<i64, _>("cancel_requested")? != 0,
        queued_at: row.try_get("queued_at")?,
        started_at: opt(row, "started_at"),
        finished_at: opt(row, "finished_at"),
        error: opt(row, "error"),
        failure_reason: opt(row, "failure_reason"),
        error_log: log.lines().map(str::to_string).collect(),
        backend: opt(row, "backend"),
        node: opt(row, "node"),
        proving_ms: opt(row, "proving_ms"),
    })
}

/// Filters of [`Db::list_jobs`].
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub key_id: Option<String>,
    pub limit: i64,
}

/// A stored result: snarkjs's proof.json and public.json.
#[derive(Clone, Debug)]
pub struct JobResult {
    pub proof: String,
    pub public: String,
}

impl Db {
    /// Queues a job, unless one with the same idempotency key exists (then that one is returned).
    pub async fn submit(&self, job: NewJob) -> sqlx::Result<Submitted> {
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, key_id, state, priority, idempotency_key, input_kind, input, attempts, \
             max_attempts, lease_token, cancel_requested, queued_at, error_log) \
             VALUES ($1, $2, 'queued', $3, $4, $5, $6, 0, $7, 0, 0, $8, '') \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&id)
        .bind(&job.key_id)
        .bind(job.priority)
        .bind(job.idempotency_key.clone())
        .bind(job.input_kind.name())
        .bind(job.input)
        .bind(job.max_attempts)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Submitted::Queued(id));
        }
        let existing: String = sqlx::query_scalar("SELECT id FROM jobs WHERE idempotency_key = $1")
            .bind(job.idempotency_key)
            .fetch_one(&self.pool)
            .await?;
        Ok(Submitted::Existing(existing))
    }

    pub async fn job(&self, id: &str) -> sqlx::Result<Option<JobStatus>> {
        sqlx::query(&format!("SELECT {STATUS_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| status_from_row(&row))
            .transpose()
    }

    pub async fn job_result(&self, id: &str) -> sqlx::Result<Option<JobResult>> {
        let row = sqlx::query(
            "SELECT proof, public_signals FROM jobs WHERE id = $1 AND state = 'succeeded'",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| JobResult {
            proof: opt(&row, "proof").unwrap_or_default(),
            public: opt(&row, "public_signals").unwrap_or_default(),
        }))
    }

    /// Newest first.
    pub async fn list_jobs(&self, filter: &JobFilter) -> sqlx::Result<Vec<JobStatus>> {
        let rows = sqlx::query(&format!(
            "SELECT {STATUS_COLUMNS} FROM jobs WHERE ($1 = '' OR state = $1) AND ($2 = '' OR key_id = $2) \
             ORDER BY queued_at DESC, id LIMIT $3"
        ))
        .bind(filter.state.map_or("", JobState::name))
        .bind(filter.key_id.clone().unwrap_or_default())
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(status_from_row).collect()
    }

    /// Jobs waiting, per key.
    pub async fn queue_depths(&self) -> sqlx::Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT key_id, COUNT(*) AS n FROM jobs WHERE state = 'queued' GROUP BY key_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("key_id")?, r.try_get("n")?)))
            .collect()
    }

    pub async fn queued_count(&self) -> sqlx::Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'queued'")
            .fetch_one(&self.pool)
            .await
    }

    /// Cancels a queued job at once; a running one is asked to stop at its next stage. Returns
    /// false when there is no such job.
    pub async fn cancel(&self, id: &str) -> sqlx::Result<bool> {
        let now = now_ms();
        let queued = sqlx::query(
            "UPDATE jobs SET state = 'cancelled', finished_at = $2 WHERE id = $1 AND state = 'queued'",
        )
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if queued.rows_affected() == 0 {
            sqlx::query("UPDATE jobs SET cancel_requested = 1 WHERE id = $1 AND state = 'running'")
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(self.job(id).await?.is_some())
    }

    /// Ends the leases that expired before `now`: the job goes back to the queue, or, with no
    /// attempts left, fails; a job whose cancellation was asked for is cancelled. Returns the
    /// number of jobs failed this way (the failures metric counts them).
    pub async fn reap_expired(&self, now: i64) -> sqlx::Result<u64> {
        let line = "'attempt ' || CAST(attempts AS TEXT) || ': the lease of ' || COALESCE(lease_owner, '?') \
                    || ' expired (the node stopped or lost the database)' || $2";
        sqlx::query(
            "UPDATE jobs SET state = 'cancelled', finished_at = $1, lease_owner = NULL, lease_expires_at = NULL \
             WHERE state = 'running' AND lease_expires_at < $1 AND cancel_requested <> 0",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        sqlx::query(&format!(
            "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, error_log = error_log || {line} \
             WHERE state = 'running' AND lease_expires_at < $1 AND attempts < max_attempts"
        ))
        .bind(now)
        .bind("\n")
        .execute(&self.pool)
        .await?;
        let failed = sqlx::query(&format!(
            "UPDATE jobs SET state = 'failed', finished_at = $1, failure_reason = 'lease_expired', \
             error = 'every attempt''s lease expired (' || CAST(attempts AS TEXT) || ' of ' || CAST(max_attempts AS TEXT) || ')', \
             lease_owner = NULL, lease_expires_at = NULL, error_log = error_log || {line} \
             WHERE state = 'running' AND lease_expires_at < $1"
        ))
        .bind(now)
        .bind("\n")
        .execute(&self.pool)
        .await?;
        Ok(failed.rows_affected())
    }

    /// Takes the best queued job for `owner` for `lease_ms`: the highest priority first, then
    /// a job whose key is in `held` (the worker has it loaded), then the oldest.
    pub async fn lease(
        &self,
        owner: &str,
        held: &[String],
        lease_ms: i64,
    ) -> sqlx::Result<Option<Lease>> {
        // Key ids are SHA-256 hex (checked at upload), bound as parameters all the same.
        // With no key held the term is left out: a bare constant in ORDER BY is a column number
        // to SQLite.
        let affinity = if held.is_empty() {
            String::new()
        } else {
            let params: Vec<String> = (0..held.len()).map(|i| format!("${}", i + 4)).collect();
            format!(
                "CASE WHEN key_id IN ({}) THEN 0 ELSE 1 END, ",
                params.join(", ")
            )
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_token = lease_token + 1, \
             lease_owner = $1, lease_expires_at = $2, started_at = COALESCE(started_at, $3) \
             WHERE state = 'queued' AND id = (SELECT id FROM jobs WHERE state = 'queued' \
             ORDER BY priority DESC, {affinity}queued_at, id LIMIT 1{}) \
             RETURNING id, key_id, input_kind, input, attempts, lease_token, queued_at",
            self.dialect.skip_locked()
        );
        let now = now_ms();
        let mut query = sqlx::query(&sql).bind(owner).bind(now + lease_ms).bind(now);
        for key in held {
            query = query.bind(key);
        }
        let Some(row) = query.fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        Ok(Some(Lease {
            job_id: row.try_get("id")?,
            key_id: row.try_get("key_id")?,
            input_kind: InputKind::parse(&row.try_get::<String, _>("input_kind")?),
            input: row.try_get("input")?,
            attempt: row.try_get("attempts")?,
            token: row.try_get("lease_token")?,
            queued_at: row.try_get("queued_at")?,
        }))
    }

    /// Extends a lease by `lease_ms` from now.
    pub async fn renew(
        &self,
        lease: &Lease,
        lease_ms: i64,
    ) -> sqlx::Result<Result<Renewal, Fenced>> {
        let row = sqlx::query(
            "UPDATE jobs SET lease_expires_at = $3 WHERE id = $1 AND lease_token = $2 AND state = 'running' \
             RETURNING cancel_requested",
        )
        .bind(&lease.job_id)
        .bind(lease.token)
        .bind(now_ms() + lease_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => Err(fenced(lease)),
            Some(row) if row.try_get::<i64, _>("cancel_requested")? != 0 => {
                Ok(Renewal::CancelRequested)
            }
            Some(_) => Ok(Renewal::Held),
        })
    }

    /// Stores a verified proof and ends the job, in one statement.
    pub async fn succeed(
        &self,
        lease: &Lease,
        result: &JobResult,
        backend: &str,
        node: &str,
        proving_ms: i64,
    ) -> sqlx::Result<Result<(), Fenced>> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'succeeded', proof = $3, public_signals = $4, finished_at = $5, backend = $6, \
             node = $7, proving_ms = $8, error = NULL, failure_reason = NULL, lease_owner = NULL, lease_expires_at = NULL \
             WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(&lease.job_id)
        .bind(lease.token)
        .bind(&result.proof)
        .bind(&result.public)
        .bind(now_ms())
        .bind(backend)
        .bind(node)
        .bind(proving_ms)
        .execute(&self.pool)
        .await?;
        Ok(fenced_unless(done.rows_affected() == 1, lease))
    }

    /// Records a failed attempt: a retryable one with attempts left goes back to the queue,
    /// anything else fails the job with this reason. Returns the job's new state.
    pub async fn fail(
        &self,
        lease: &Lease,
        failure: &Failure,
        node: &str,
    ) -> sqlx::Result<Result<JobState, Fenced>> {
        let line = format!(
            "attempt {} on {node}: {}\n",
            lease.attempt,
            failure.message.replace('\n', " ")
        );
        let row = sqlx::query(
            "UPDATE jobs SET \
             state = CASE WHEN $3 <> 0 AND attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
             finished_at = CASE WHEN $3 <> 0 AND attempts < max_attempts THEN NULL ELSE $4 END, \
             error = $5, failure_reason = $6, error_log = error_log || $7, node = $8, \
             lease_owner = NULL, lease_expires_at = NULL \
             WHERE id = $1 AND lease_token = $2 AND state = 'running' RETURNING state",
        )
        .bind(&lease.job_id)
        .bind(lease.token)
        .bind(i64::from(failure.retryable))
        .bind(now_ms())
        .bind(&failure.message)
        .bind(failure.reason)
        .bind(line)
        .bind(node)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => Err(fenced(lease)),
            Some(row) => Ok(
                JobState::parse(&row.try_get::<String, _>("state")?).unwrap_or(JobState::Failed)
            ),
        })
    }

    /// Ends a job whose cancellation the worker saw.
    pub async fn acknowledge_cancel(&self, lease: &Lease) -> sqlx::Result<Result<(), Fenced>> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'cancelled', finished_at = $3, lease_owner = NULL, lease_expires_at = NULL \
             WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(&lease.job_id)
        .bind(lease.token)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(fenced_unless(done.rows_affected() == 1, lease))
    }

    /// Jobs of `key_id` not yet over.
    pub async fn open_jobs_of_key(&self, key_id: &str) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE key_id = $1 AND state IN ('queued', 'running')",
        )
        .bind(key_id)
        .fetch_one(&self.pool)
        .await
    }
}

fn fenced(lease: &Lease) -> Fenced {
    Fenced {
        job_id: lease.job_id.clone(),
        token: lease.token,
    }
}

fn fenced_unless(held: bool, lease: &Lease) -> Result<(), Fenced> {
    if held {
        Ok(())
    } else {
        Err(fenced(lease))
    }
}
