//! How a [`labelsync_storage::Error`] is answered. Label Studio answers the same failure
//! differently by what the caller was doing (a refused connection is a 400 when a storage is
//! validated, a 404 when a browser asks for a presigned URL, a 424 when the server streams the
//! object), so each context has one function here, and the common one, checking a storage's
//! settings or connection, is the `From` impl. Handlers pick a context; they do not match on
//! storage errors themselves.

use std::fmt::Display;

use axum::http::StatusCode;
use labelsync_storage::Error;
use serde_json::json;

use super::ApiError;

/// The answer when the server's own file permissions refuse a local file it may serve.
const UNREADABLE: &str = "The server is not permitted to read this file.";

/// Checking a storage's settings or connection (validate, the files preview, a local-files
/// path; create and update through [`saving`]): the network guard's refusal is 403 with its
/// message, as Label Studio answers SSRF refusals; anything else is a 400 whose
/// `non_field_errors` carry the storage's message (`docs/label-studio-api.md` §4.2).
impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::Blocked(message) => ApiError::Forbidden(message),
            other => ApiError::non_field(other.to_string()),
        }
    }
}

/// Saving a storage (create, update) checks a changed connection as validate does, except that
/// a backend this build does not offer does not stop the save: sync and validate report it.
pub fn saving(err: Error) -> Result<(), ApiError> {
    match err {
        Error::NotSupported { .. } => Ok(()),
        other => Err(other.into()),
    }
}

/// Requesting a sync (`POST …/sync`) connects first, and refuses only what no retry can fix: a
/// backend this build does not offer (400 with the message as `detail`) and the network guard's
/// refusal (403). Anything else (unreachable, bad credentials) is `Ok`: the job records it on
/// the storage.
pub fn sync_request(err: Error) -> Result<(), ApiError> {
    match err {
        err @ Error::NotSupported { .. } => Err(ApiError::BadRequest(err.to_string())),
        Error::Blocked(message) => Err(ApiError::Forbidden(message)),
        _ => Ok(()),
    }
}

/// A listing that fails during the files preview: 400, `non_field_errors`.
pub fn listing(err: Error) -> ApiError {
    ApiError::non_field(format!("Failed to list storage files: {err}"))
}

/// Opening a local file the caller may read (`/data/local-files/`, `docs/label-studio-api.md`
/// §8.3): no such file and a malformed path are the same 404 as a refusal, so nothing can be
/// probed; the server's own file permissions refusing is 403; anything else is ours (500).
pub fn serving_local_file(err: Error) -> ApiError {
    match err {
        Error::NotFound { .. } | Error::InvalidKey(_) => {
            tracing::debug!("local file not served: {err}");
            ApiError::not_found()
        }
        // The caller may read this directory; the server's own file permissions refuse.
        Error::PermissionDenied(_) => {
            tracing::warn!("local file not served: {err}");
            ApiError::Forbidden(UNREADABLE.to_owned())
        }
        other => ApiError::internal(other),
    }
}

/// Presign mode (`docs/label-studio-api.md` §7.3): a storage that cannot give a media client or
/// sign the URL answers 404, as Label Studio does. `err` is a storage error or why no media
/// client could be had.
pub fn presigning(storage_id: i64, err: &impl Display) -> ApiError {
    tracing::warn!(storage = storage_id, "presigning failed: {err}");
    ApiError::not_found()
}

/// Proxy mode (`docs/label-studio-api.md` §7.4): 424 with Label Studio's `{"error", "detail"}`
/// body, not the envelope. Storage messages name the storage and the cause, never a secret.
pub fn proxying(err: &impl Display) -> ApiError {
    let detail = err.to_string();
    tracing::warn!("media proxy failed: {detail}");
    ApiError::Plain(
        StatusCode::FAILED_DEPENDENCY,
        json!({"error": "Storage stream failed while proxying data", "detail": detail}),
    )
}

/// A setting its kind's `validate` refuses: 400 on the field, or `non_field_errors` for the
/// storage as a whole, with Label Studio's message.
impl From<labelsync_types::settings::SettingsError> for ApiError {
    fn from(err: labelsync_types::settings::SettingsError) -> Self {
        match err.field {
            Some(field) => ApiError::field(field, err.message),
            None => ApiError::non_field(err.message),
        }
    }
}

/// A stored storage that cannot be configured: secrets that do not open are the client's to
/// enter again (400); settings that break their own kind are ours (500).
impl From<labelsync_sync::storages::RowError> for ApiError {
    fn from(err: labelsync_sync::storages::RowError) -> Self {
        match err {
            labelsync_sync::storages::RowError::Secrets(err) => err.into(),
            labelsync_sync::storages::RowError::Settings(err) => ApiError::internal(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked() -> Error {
        Error::Blocked("refused".into())
    }

    fn not_supported() -> Error {
        Error::not_supported("sync", "redis")
    }

    /// The contexts differ in what they answer for the same failure.
    #[test]
    fn answers_by_context() {
        let unreachable = || Error::Unreachable("down".into());
        assert_eq!(ApiError::from(blocked()).status(), StatusCode::FORBIDDEN);
        assert_eq!(ApiError::from(not_supported()).status(), StatusCode::BAD_REQUEST);
        assert!(saving(not_supported()).is_ok());
        assert_eq!(saving(unreachable()).unwrap_err().status(), StatusCode::BAD_REQUEST);
        assert!(matches!(sync_request(not_supported()), Err(ApiError::BadRequest(_))));
        assert_eq!(sync_request(blocked()).unwrap_err().status(), StatusCode::FORBIDDEN);
        assert!(sync_request(unreachable()).is_ok());
        let missing = Error::NotFound { key: "a".into() };
        assert_eq!(serving_local_file(missing).status(), StatusCode::NOT_FOUND);
        assert_eq!(serving_local_file(Error::PermissionDenied("x".into())).status(), StatusCode::FORBIDDEN);
        assert_eq!(serving_local_file(unreachable()).status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(presigning(1, &unreachable()).status(), StatusCode::NOT_FOUND);
        assert_eq!(proxying(&unreachable()).status(), StatusCode::FAILED_DEPENDENCY);
    }
}
