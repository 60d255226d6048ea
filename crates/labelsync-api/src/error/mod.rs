//! The one error type at the HTTP edge. Its response is Label Studio's error envelope
//! (`docs/label-studio-api.md` §1.2): `{"id","status_code","version","detail","exc_info"}` plus
//! `validation_errors` for field errors. Internal errors are logged here, once, and never
//! described to the client.
//!
//! Library errors become [`ApiError`] through `From` impls here; a storage error is answered by
//! what the caller was doing, one function per context in [`storage`].

pub mod storage;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Field name → messages, as Label Studio's `validation_errors`.
pub type FieldErrors = Map<String, Value>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with `detail: "Validation error"` and the field messages.
    #[error("validation error: {0:?}")]
    Validation(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A response whose body is not the envelope (Label Studio answers a few errors with
    /// other shapes, e.g. `{"message": "Storage 7 is not synchronizable"}`).
    #[error("{0}: {1}")]
    Plain(StatusCode, Value),
    /// A failure of ours. Logged with its cause; the client sees a generic 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

pub const PERMISSION_DENIED: &str = "You do not have permission to perform this action.";
pub const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";

impl ApiError {
    /// A validation error on one field.
    pub fn field(name: &str, message: impl Into<String>) -> ApiError {
        let mut errors = FieldErrors::new();
        errors.insert(name.to_owned(), json!([message.into()]));
        ApiError::Validation(errors)
    }

    /// A validation error not tied to a field (`non_field_errors`).
    pub fn non_field(message: impl Into<String>) -> ApiError {
        ApiError::field("non_field_errors", message)
    }

    /// 404 for `model` (`"No Project matches the given query."`).
    pub fn no_match(model: &str) -> ApiError {
        ApiError::NotFound(format!("No {model} matches the given query."))
    }

    /// 404 with Django REST framework's generic `"Not found."`.
    pub fn not_found() -> ApiError {
        ApiError::NotFound("Not found.".to_owned())
    }

    pub fn forbidden() -> ApiError {
        ApiError::Forbidden(PERMISSION_DENIED.to_owned())
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> ApiError {
        ApiError::Internal(err.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Plain(status, _) => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<labelsync_db::Error> for ApiError {
    fn from(err: labelsync_db::Error) -> Self {
        ApiError::Internal(anyhow::Error::new(err).context("database error"))
    }
}

/// A write that enqueues jobs failed: the database's error as above, else a failure of ours.
impl From<labelsync_sync::WriteError> for ApiError {
    fn from(err: labelsync_sync::WriteError) -> Self {
        match err {
            labelsync_sync::WriteError::Database(err) => err.into(),
            labelsync_sync::WriteError::Enqueue(err) => {
                ApiError::Internal(anyhow::Error::new(err).context("queue error"))
            }
        }
    }
}

/// Stored secrets that do not open (changed master key, or sealed for another row) are the
/// client's to enter again: a 400 that says so, never a 500.
impl From<labelsync_sync::crypto::OpenError> for ApiError {
    fn from(err: labelsync_sync::crypto::OpenError) -> Self {
        ApiError::non_field(err.to_string())
    }
}

/// Label Studio's error envelope: the body of every error response but the few [`ApiError::Plain`]
/// ones. `validation_errors` is present only on validation errors, last.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A fresh id per response, to find it in the logs.
    pub id: String,
    pub status_code: u16,
    /// labelsync's version.
    pub version: String,
    /// What went wrong, for a person.
    pub detail: String,
    /// Always null: tracebacks are never sent.
    #[schema(value_type = Option<String>)]
    pub exc_info: Option<()>,
    /// Field name → its messages, a list (or, for a few query filters, one string as Label
    /// Studio sends it); `non_field_errors` for the body as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub validation_errors: Option<FieldErrors>,
}

/// `{"detail": …}`: the body of the few errors Label Studio answers without the envelope.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DetailBody {
    pub detail: String,
}

/// `{"message": …}`: Label Studio's body for a storage that cannot be synced.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MessageBody {
    pub message: String,
}

/// Label Studio's error body for `status` with `detail`.
pub fn envelope(status: StatusCode, detail: &str) -> ErrorBody {
    ErrorBody {
        id: uuid::Uuid::new_v4().to_string(),
        status_code: status.as_u16(),
        version: crate::VERSION.to_owned(),
        detail: detail.to_owned(),
        exc_info: None,
        validation_errors: None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match self {
            ApiError::Plain(_, body) => return (status, Json(body)).into_response(),
            ApiError::Validation(errors) => {
                ErrorBody { validation_errors: Some(errors), ..envelope(status, "Validation error") }
            }
            ApiError::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "internal error");
                envelope(status, "Internal server error")
            }
            ApiError::BadRequest(detail)
            | ApiError::Unauthorized(detail)
            | ApiError::Forbidden(detail)
            | ApiError::NotFound(detail)
            | ApiError::MethodNotAllowed(detail)
            | ApiError::Conflict(detail)
            | ApiError::PayloadTooLarge(detail)
            | ApiError::UnsupportedMediaType(detail) => envelope(status, &detail),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
        }
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body was never read: the connection cannot carry another request, and
            // a client that reused it would see its next request fail (as nginx does, close it).
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Validation errors render Label Studio's envelope with `validation_errors` last.
    #[test]
    fn validation_envelope_shape() {
        let errors = json!({"project": ["This field is required."]}).as_object().cloned();
        let body =
            ErrorBody { validation_errors: errors, ..envelope(StatusCode::BAD_REQUEST, "Validation error") };
        let body = serde_json::to_value(body).unwrap();
        let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "status_code", "version", "detail", "exc_info", "validation_errors"]);
        assert_eq!(ApiError::field("x", "y").status(), StatusCode::BAD_REQUEST);
    }

    /// Each variant maps to the status Label Studio uses for it.
    #[test]
    fn statuses() {
        assert_eq!(ApiError::no_match("Task").status(), StatusCode::NOT_FOUND);
        assert_eq!(ApiError::forbidden().status(), StatusCode::FORBIDDEN);
        assert_eq!(ApiError::Unauthorized("x".into()).status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            ApiError::internal(anyhow::anyhow!("secret detail")).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    /// A 413 closes the connection, whose unread body would otherwise corrupt the next request on it.
    #[test]
    fn payload_too_large_closes_the_connection() {
        let response = ApiError::PayloadTooLarge("too big".into()).into_response();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.headers()[header::CONNECTION], "close");
        let ok = ApiError::no_match("Task").into_response();
        assert!(ok.headers().get(header::CONNECTION).is_none());
    }
}
