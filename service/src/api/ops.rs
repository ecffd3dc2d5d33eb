//! Health, readiness and metrics, for load balancers and Prometheus (no API key).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use std::sync::atomic::Ordering;

use super::{ApiError, ApiResult, AppState};

/// The process answers.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The node can take jobs: the database answers, it is not shutting down, and it has workers
/// (a node with none still serves the API, so it is ready only to take submissions).
pub async fn readyz(State(state): State<AppState>) -> ApiResult<&'static str> {
    if state.shutdown.load(Ordering::SeqCst) {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "shutting down").retry_after(5));
    }
    if !state.db.ping().await {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database does not answer",
        )
        .retry_after(5));
    }
    Ok("ready\n")
}

pub async fn metrics(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    state
        .metrics
        .set_queue_depths(&state.db.queue_depths().await?);
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    ))
}
