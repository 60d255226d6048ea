use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;

/// Label Studio returns the legacy token itself here. labelsync stores only a hash of each
/// token, so it cannot; this answers 404 and points at the reset endpoint.
#[utoipa::path(get, path = "/api/current-user/token", tag = "users",
    responses((status = 404, description = "Tokens are stored hashed and cannot be shown again")))]
pub async fn get_token(_auth: AuthUser) -> ApiResult<()> {
    Err(ApiError::NotFound(
        "labelsync stores API tokens hashed and cannot show them again; \
         POST /api/current-user/reset-token/ issues a new one"
            .into(),
    ))
}
