//! Request bodies as Label Studio accepts them: JSON, form-urlencoded or multipart, with
//! Django REST framework's error messages.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// A request body that must be a JSON object (or a form). An absent body is an empty object.
#[derive(Debug, Default)]
pub struct Body(pub Map<String, Value>);

/// Any JSON value (task import takes arrays); form bodies become an object of strings.
#[derive(Debug)]
pub struct AnyBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for AnyBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let media = content_type.split(';').next().unwrap_or("").trim().to_owned();
        let body = if media == "multipart/form-data" {
            multipart(req, state).await?
        } else {
            let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(AnyBody(Value::Object(Map::new())));
            }
            parse(&media, &bytes)?
        };
        refuse_null_characters(&body)?;
        Ok(AnyBody(body))
    }
}

/// The body as JSON, a form, or Label Studio's 415.
fn parse(media: &str, bytes: &[u8]) -> Result<Value, ApiError> {
    match media {
        "" | "application/json" => parse_json(bytes),
        m if m.ends_with("+json") => parse_json(bytes),
        "application/x-www-form-urlencoded" => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
                .map_err(|e| ApiError::BadRequest(format!("Form parse error - {e}")))?;
            Ok(Value::Object(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect()))
        }
        other => {
            Err(ApiError::UnsupportedMediaType(format!("Unsupported media type \"{other}\" in request.")))
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match AnyBody::from_request(req, state).await?.0 {
            Value::Object(map) => Ok(Body(map)),
            other => Err(ApiError::non_field(format!(
                "Invalid data. Expected a dictionary, but got {}.",
                match other {
                    Value::Array(_) => "list",
                    Value::String(_) => "str",
                    Value::Number(n) if n.is_f64() => "float",
                    Value::Number(_) => "int",
                    Value::Bool(_) => "bool",
                    _ => "NoneType",
                }
            ))),
        }
    }
}

/// DRF's rule for text (`ProhibitNullCharactersValidator`), applied to the whole body: a U+0000
/// anywhere, in a key or a string, is a 400 naming the top-level field it is in. PostgreSQL
/// cannot store it in `text` or `jsonb`, and a body must mean the same on both databases.
fn refuse_null_characters(body: &Value) -> Result<(), ApiError> {
    const MESSAGE: &str = "Null characters are not allowed.";
    match body {
        Value::Object(map) => match map.iter().find(|(k, v)| k.contains('\0') || holds_null(v)) {
            Some((key, _)) if key.contains('\0') => Err(ApiError::non_field(MESSAGE)),
            Some((key, _)) => Err(ApiError::field(key, MESSAGE)),
            None => Ok(()),
        },
        other if holds_null(other) => Err(ApiError::non_field(MESSAGE)),
        _ => Ok(()),
    }
}

fn holds_null(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_null),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_null(v)),
        _ => false,
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest(format!("JSON parse error - {e}")))
}

async fn multipart<S: Send + Sync>(req: Request, state: &S) -> Result<Value, ApiError> {
    let mut form = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|e| ApiError::BadRequest(format!("Multipart form parse error - {e}")))?;
    let mut map = Map::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("Multipart form parse error - {e}")))?
    {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        if field.file_name().is_some() {
            return Err(ApiError::BadRequest(format!(
                "File uploads are not supported here (field \"{name}\")."
            )));
        }
        let text = field
            .text()
            .await
            .map_err(|e| ApiError::BadRequest(format!("Multipart form parse error - {e}")))?;
        map.insert(name, Value::String(text));
    }
    Ok(Value::Object(map))
}

/// Maps a failure to read the body (most often: over the size limit) to the envelope.
fn body_error(err: axum::extract::rejection::BytesRejection) -> ApiError {
    if err.status() == http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("Request body is larger than the server accepts.".into())
    } else {
        ApiError::BadRequest(format!("Could not read the request body: {}", err.body_text()))
    }
}
