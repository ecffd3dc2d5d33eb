-- kiln serve's schema on PostgreSQL. sqlite/0001_init.sql is the same schema; only the type of
-- the byte columns differs (BYTEA here, BLOB there). Integers are 64-bit on both; times are
-- milliseconds since the Unix epoch.

-- Proving keys, content-addressed: id is the SHA-256 of the .zkey, whose bytes are in key_chunks
-- so that every node of a cluster can fetch a key it has not seen.
CREATE TABLE keys (
    id TEXT PRIMARY KEY,
    system TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    witness_len BIGINT NOT NULL,
    n_public BIGINT NOT NULL,
    verification_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE key_chunks (
    key_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (key_id, idx)
);

-- A key's witness calculator (circom's .wasm), for jobs submitted with circom inputs.
CREATE TABLE calculators (
    key_id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- The queue (ARCHITECTURE.md, "kiln serve: the job queue"). state is queued, running,
-- succeeded, failed or cancelled; lease_token is the fencing token: every write a worker makes
-- names the token it leased with, and a lease taken over since makes the write change nothing.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    state TEXT NOT NULL,
    priority BIGINT NOT NULL,
    idempotency_key TEXT UNIQUE,
    input_kind TEXT NOT NULL,
    input BYTEA NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    lease_token BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    cancel_requested BIGINT NOT NULL,
    queued_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    error TEXT,
    failure_reason TEXT,
    error_log TEXT NOT NULL,
    proof TEXT,
    public_signals TEXT,
    backend TEXT,
    node TEXT,
    proving_ms BIGINT
);

CREATE INDEX jobs_queue ON jobs (state, priority, queued_at);
CREATE INDEX jobs_by_key ON jobs (key_id, state);

-- API keys: only their SHA-256 is stored. role is submit or admin.
CREATE TABLE api_keys (
    hash TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
