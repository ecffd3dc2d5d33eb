//! Key routes: upload (streamed to disk, validated once, stored by SHA-256), list, show,
//! delete, the verification key, and a key's witness calculator.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use sha2::{Digest, Sha256};

use super::auth::require;
use super::{read_body, ApiError, ApiResult, AppState};
use crate::db::apikeys::Role;
use crate::db::keys::KeyInfo;
use crate::keystore::{KeyStore, UploadError};

fn upload_error(e: UploadError) -> ApiError {
    let status = match e {
        UploadError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        UploadError::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, e.to_string())
}

async fn known_key(state: &AppState, id: &str) -> ApiResult<KeyInfo> {
    state
        .db
        .key(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no key {id}")))
}

/// `POST /v1/keys`: 201 with the key, or 200 if it was already stored.
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<impl IntoResponse> {
    require(&state, &headers, Role::Admin).await?;
    let received = state
        .keys
        .receive(body.into_data_stream(), state.config.max_key_bytes)
        .await
        .map_err(upload_error)?;
    if let Some(existing) = state.db.key(&received.sha256).await? {
        return Ok((StatusCode::OK, Json(existing)));
    }
    let (received, new_key) = tokio::task::spawn_blocking(move || {
        let checked = KeyStore::validate(&received);
        (received, checked)
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("validating the key: {e}"),
        )
    })?;
    let new_key = new_key.map_err(upload_error)?;
    let file = tokio::fs::File::open(&received.path)
        .await
        .map_err(|e| upload_error(UploadError::Io(e)))?;
    state.db.insert_key(&new_key, file).await.map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("storing the key: {e:#}"),
        )
        .retry_after(5)
    })?;
    let id = received.sha256.clone();
    state
        .keys
        .keep(received)
        .map_err(|e| upload_error(UploadError::Io(e)))?;
    Ok((StatusCode::CREATED, Json(known_key(&state, &id).await?)))
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<KeyInfo>>> {
    require(&state, &headers, Role::Submit).await?;
    Ok(Json(state.db.list_keys().await?))
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<KeyInfo>> {
    require(&state, &headers, Role::Submit).await?;
    Ok(Json(known_key(&state, &id).await?))
}

/// snarkjs's verification_key.json for the key.
pub async fn verification_key(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    require(&state, &headers, Role::Submit).await?;
    let vk = state
        .db
        .verification_key(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no key {id}")))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], vk))
}

/// `DELETE /v1/keys/{id}`: refused (409) while jobs for it are queued or running.
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    require(&state, &headers, Role::Admin).await?;
    known_key(&state, &id).await?;
    let open = state.db.open_jobs_of_key(&id).await?;
    if open > 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("key {id} has {open} queued or running job(s); cancel them or let them finish first"),
        ));
    }
    state.db.delete_key(&id).await?;
    state.keys.remove(&id);
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/keys/{id}/calculator`: the circuit's witness calculator (circom's .wasm), checked
/// to be one before it is stored.
pub async fn put_calculator(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> ApiResult<Json<KeyInfo>> {
    require(&state, &headers, Role::Admin).await?;
    known_key(&state, &id).await?;
    let wasm = read_body(body, state.config.max_body_bytes).await?;
    let limits = state.config.witness_limits;
    let checked = {
        let wasm = wasm.clone();
        tokio::task::spawn_blocking(move || {
            kiln_witness::WitnessCalculator::new(&wasm, limits).map(drop)
        })
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    };
    checked.map_err(|e| ApiError::bad_request(e.to_string()))?;
    let sha = hex::encode(Sha256::digest(&wasm));
    state.db.put_calculator(&id, &sha, wasm.to_vec()).await?;
    Ok(Json(known_key(&state, &id).await?))
}
