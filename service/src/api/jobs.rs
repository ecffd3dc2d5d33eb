//! Job routes: submit (a .wtns, or circom inputs for a key with a calculator), show, result,
//! wait, cancel, list.

use std::time::{Duration, Instant};

use ark_ff::One;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use kiln_prover::iden3::wtns::read_wtns;
use serde::Deserialize;

use super::auth::require;
use super::{read_body, ApiError, ApiResult, AppState};
use crate::db::apikeys::Role;
use crate::db::jobs::{InputKind, JobFilter, JobState, JobStatus, NewJob, Submitted};

#[derive(Deserialize)]
pub struct SubmitParams {
    key: String,
    #[serde(default)]
    priority: i64,
}

/// The longest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// `POST /v1/jobs?key=ID&priority=N`: 201 with the new job, or 200 with the job an earlier
/// submission with the same `Idempotency-Key` made.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<SubmitParams>,
    body: Body,
) -> ApiResult<impl IntoResponse> {
    require(&state, &headers, Role::Submit).await?;
    let key = state
        .db
        .key(&params.key)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no key {}", params.key)))?;
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY)
                .ok_or_else(|| ApiError::bad_request(format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters")))?
                .to_string(),
        ),
    };
    if state.db.queued_count().await? >= state.config.max_queue {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "the queue is full ({} jobs waiting); try again later",
                state.config.max_queue
            ),
        )
        .retry_after(5));
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let input = read_body(body, state.config.max_body_bytes).await?;
    let input_kind = if is_json {
        let value: serde_json::Value = serde_json::from_slice(&input)
            .map_err(|e| ApiError::bad_request(format!("the inputs are not valid JSON: {e}")))?;
        kiln_witness::flatten_inputs(&value).map_err(|e| ApiError::bad_request(e.to_string()))?;
        if !key.has_calculator {
            return Err(ApiError::bad_request(format!(
                "key {} has no witness calculator: upload the circuit's .wasm (kiln key calculator) or submit a .wtns",
                key.id
            )));
        }
        InputKind::Inputs
    } else {
        let witness = read_wtns(&input)
            .map_err(|e| ApiError::bad_request(format!("not a valid .wtns witness: {e}")))?;
        if witness.len() as i64 != key.witness_len {
            return Err(ApiError::bad_request(format!(
                "the witness has {} values but key {}'s circuit has {} signals: they are not for the same circuit",
                witness.len(),
                key.id,
                key.witness_len
            )));
        }
        if !witness[0].is_one() {
            return Err(ApiError::bad_request(
                "the witness's first value must be 1 (circom's constant signal)",
            ));
        }
        InputKind::Wtns
    };
    let submitted = state
        .db
        .submit(NewJob {
            key_id: key.id,
            priority: params.priority,
            idempotency_key,
            input_kind,
            input: input.to_vec(),
            max_attempts: state.config.max_attempts,
        })
        .await?;
    let (status, id) = match submitted {
        Submitted::Queued(id) => {
            state.wake_workers();
            (StatusCode::CREATED, id)
        }
        Submitted::Existing(id) => (StatusCode::OK, id),
    };
    Ok((status, Json(known_job(&state, &id).await?)))
}

async fn known_job(state: &AppState, id: &str) -> ApiResult<JobStatus> {
    state
        .db
        .job(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no job {id}")))
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<JobStatus>> {
    require(&state, &headers, Role::Submit).await?;
    Ok(Json(known_job(&state, &id).await?))
}

/// `GET /v1/jobs/{id}/result`: `{"proof": proof.json, "public": public.json}`; 409 until the
/// job has succeeded.
pub async fn result(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    require(&state, &headers, Role::Submit).await?;
    let job = known_job(&state, &id).await?;
    let Some(result) = state.db.job_result(&id).await? else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "job {id} is {}: there is no proof{}",
                job.state.name(),
                job.error.map(|e| format!(" ({e})")).unwrap_or_default()
            ),
        ));
    };
    let parse =
        |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or(serde_json::Value::Null);
    Ok(Json(
        serde_json::json!({ "proof": parse(&result.proof), "public": parse(&result.public) }),
    ))
}

#[derive(Deserialize)]
pub struct WaitParams {
    timeout_s: Option<f64>,
}

/// The longest a wait blocks.
const MAX_WAIT: Duration = Duration::from_secs(300);

/// `GET /v1/jobs/{id}/wait?timeout_s=N`: the job's status once it is over, or when the timeout
/// (default 30 s) passes, whichever comes first.
pub async fn wait(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<WaitParams>,
) -> ApiResult<Json<JobStatus>> {
    require(&state, &headers, Role::Submit).await?;
    let timeout = Duration::try_from_secs_f64(params.timeout_s.unwrap_or(30.0).max(0.0))
        .unwrap_or(MAX_WAIT)
        .min(MAX_WAIT);
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(10);
    loop {
        let job = known_job(&state, &id).await?;
        let now = Instant::now();
        if job.state.is_final() || now >= deadline {
            return Ok(Json(job));
        }
        // The job may be proven on another node: the database is what tells.
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

/// `POST /v1/jobs/{id}/cancel`: a queued job is cancelled at once, a running one at its next
/// stage; the answer is the job's status.
pub async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<JobStatus>> {
    require(&state, &headers, Role::Submit).await?;
    let before = known_job(&state, &id).await?;
    state.db.cancel(&id).await?;
    let after = known_job(&state, &id).await?;
    if before.state == JobState::Queued && after.state == JobState::Cancelled {
        state.metrics.job_finished("cancelled");
    }
    Ok(Json(after))
}

#[derive(Deserialize)]
pub struct ListParams {
    state: Option<String>,
    key: Option<String>,
    limit: Option<i64>,
}

/// `GET /v1/jobs?state=&key=&limit=`: newest first, at most `limit` (default 100, up to 1000).
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
) -> ApiResult<Json<Vec<JobStatus>>> {
    require(&state, &headers, Role::Submit).await?;
    let job_state = match params.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(JobState::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown state '{s}' (queued, running, succeeded, failed, cancelled)"
            ))
        })?),
    };
    let filter = JobFilter {
        state: job_state,
        key_id: params.key.filter(|k| !k.is_empty()),
        limit: params.limit.unwrap_or(100).clamp(1, 1000),
    };
    Ok(Json(state.db.list_jobs(&filter).await?))
}
