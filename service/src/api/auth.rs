//! API keys: `Authorization: Bearer KEY`, looked up by hash; a missing or unknown key is 401,
//! a key without the route's role 403.

use axum::http::{header, HeaderMap, StatusCode};

use super::{ApiError, ApiResult, AppState};
use crate::db::apikeys::Role;

pub async fn require(state: &AppState, headers: &HeaderMap, role: Role) -> ApiResult<()> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "an API key is required (Authorization: Bearer KEY)",
            )
        })?;
    match state.db.api_key_role(presented).await? {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the API key is not valid",
        )),
        Some(have) if have < role => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "this needs an {} API key; this one is a {} key",
                role.name(),
                have.name()
            ),
        )),
        Some(_) => Ok(()),
    }
}
