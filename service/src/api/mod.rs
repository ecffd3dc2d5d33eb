//! The HTTP API (JSON). Routes, with the role an API key needs (`Authorization: Bearer KEY`):
//!
//! | route | role |
//! | --- | --- |
//! | `POST /v1/keys` (the .zkey as the body), `DELETE /v1/keys/{id}`, `PUT /v1/keys/{id}/calculator` (the .wasm) | admin |
//! | `GET /v1/keys`, `GET /v1/keys/{id}`, `GET /v1/keys/{id}/verification_key` | submit |
//! | `POST /v1/jobs?key=ID[&priority=N]` (a .wtns, or circom inputs as JSON; `Idempotency-Key` header) | submit |
//! | `GET /v1/jobs[?state=&key=&limit=]`, `GET /v1/jobs/{id}`, `GET /v1/jobs/{id}/result`, `GET /v1/jobs/{id}/wait?timeout_s=N`, `POST /v1/jobs/{id}/cancel` | submit |
//! | `GET /healthz`, `GET /readyz`, `GET /metrics` | none |
//!
//! Errors are `{"error": "..."}` with a 4xx naming the problem, 429 (queue full) or 503 (the
//! database does not answer) with `Retry-After`.

mod auth;
mod jobs;
mod keys;
mod ops;

use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};

use crate::Shared;

pub type AppState = Arc<Shared>;

pub fn router(shared: AppState) -> Router {
    Router::new()
        .route("/v1/keys", post(keys::upload).get(keys::list))
        .route("/v1/keys/{id}", get(keys::show).delete(keys::delete))
        .route(
            "/v1/keys/{id}/verification_key",
            get(keys::verification_key),
        )
        .route("/v1/keys/{id}/calculator", put(keys::put_calculator))
        .route("/v1/jobs", post(jobs::submit).get(jobs::list))
        .route("/v1/jobs/{id}", get(jobs::show))
        .route("/v1/jobs/{id}/result", get(jobs::result))
        .route("/v1/jobs/{id}/wait", get(jobs::wait))
        .route("/v1/jobs/{id}/cancel", post(jobs::cancel))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        // Bodies are read by the handlers themselves, each with its own limit.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(shared)
}

/// An error answer: a status and a message naming the problem.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    retry_after_s: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            retry_after_s: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after_s = Some(seconds);
        self
    }
}

/// A database error is the service's, not the client's: 503, try again.
impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the database is unavailable: {e}"),
        )
        .retry_after(5)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        if let Some(s) = self.retry_after_s {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Reads a whole request body of at most `limit` bytes.
pub async fn read_body(body: axum::body::Body, limit: usize) -> ApiResult<bytes::Bytes> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // axum reports the limit as an error whose chain says "length limit exceeded".
        let mut chain = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            chain.push_str(&s.to_string());
            source = s.source();
        }
        if chain.contains("length limit") {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is over the limit of {limit} bytes"),
            )
        } else {
            ApiError::bad_request(format!("reading the request body: {e}"))
        }
    })
}
