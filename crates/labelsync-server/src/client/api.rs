//! The HTTP client of the CLI: Label Studio's API and nothing else, with its two kinds of keys.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use super::args::ConnectArgs;
use super::error::CliError;

/// A connection to a server: its base URL and the `Authorization` header of every call.
pub struct Api {
    http: reqwest::Client,
    base: String,
    key: Key,
    authorization: Mutex<String>,
}

/// The API key as given.
enum Key {
    /// A legacy token, sent as `Token <key>`.
    Legacy,
    /// A personal access token (a JWT refresh token): exchanged for short-lived access tokens,
    /// sent as `Bearer <access>`, exchanged again when one expires.
    Refresh(String),
}

impl Api {
    /// Checks the flags and, for a personal access token, gets a first access token.
    pub async fn connect(args: &ConnectArgs) -> Result<Api, CliError> {
        let key = args.api_key.as_deref().map(str::trim).filter(|k| !k.is_empty()).ok_or_else(|| {
            CliError::Usage("no API key: pass --api-key or set LABEL_STUDIO_API_KEY".into())
        })?;
        let base = url::Url::parse(args.url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
            CliError::Usage(format!("--url must be an http(s) URL, got `{}`", args.url))
        })?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(120))
            .user_agent(concat!("labelsync-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::Failed(format!("cannot build the HTTP client: {e}")))?;
        let (key, authorization) = if looks_like_jwt(key) {
            (Key::Refresh(key.to_owned()), String::new())
        } else {
            (Key::Legacy, format!("Token {key}"))
        };
        let api = Api {
            http,
            base: base.as_str().trim_end_matches('/').to_owned(),
            key,
            authorization: Mutex::new(authorization),
        };
        if matches!(api.key, Key::Refresh(_)) {
            api.refresh().await?;
        }
        Ok(api)
    }

    /// `GET path` → its JSON.
    pub async fn get(&self, path: &str) -> Result<Value, CliError> {
        json_of(self.send(Method::GET, path, None).await?).await
    }

    /// `POST path` with a JSON body → its JSON (`null` for an empty answer).
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, CliError> {
        json_of(self.send(Method::POST, path, Some(body)).await?).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Result<(), CliError> {
        self.send(Method::DELETE, path, None).await.map(drop)
    }

    /// `GET path`, the answer unread (for streaming it).
    pub async fn download(&self, path: &str) -> Result<Response, CliError> {
        self.send(Method::GET, path, None).await
    }

    /// Sends a request; an error status becomes a [`CliError`]. An expired access token is
    /// exchanged again once.
    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Response, CliError> {
        let response = self.attempt(method.clone(), path, body).await?;
        let response = match (&self.key, response.status()) {
            (Key::Refresh(_), StatusCode::UNAUTHORIZED) => {
                self.refresh().await?;
                self.attempt(method, path, body).await?
            }
            _ => response,
        };
        check(response).await
    }

    async fn attempt(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Response, CliError> {
        let authorization = self.authorization.lock().expect("authorization lock").clone();
        let mut request = self.request(method, path).header("Authorization", authorization);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.map_err(|e| self.unreachable(e))
    }

    /// Exchanges the refresh token for an access token (`POST /api/token/refresh/`).
    async fn refresh(&self) -> Result<(), CliError> {
        let Key::Refresh(refresh) = &self.key else { return Ok(()) };
        let response = self
            .request(Method::POST, "/api/token/refresh/")
            .json(&json!({"refresh": refresh}))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let answer = json_of(check(response).await?).await?;
        let access = answer["access"].as_str().ok_or_else(|| CliError::Auth {
            status: 200,
            message: "the token refresh answered no access token".into(),
        })?;
        *self.authorization.lock().expect("authorization lock") = format!("Bearer {access}");
        Ok(())
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    fn unreachable(&self, error: reqwest::Error) -> CliError {
        // The source chain says why (refused, DNS, TLS); reqwest's own text only says "error sending request".
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        let mut reason = error.without_url().to_string();
        for cause in causes {
            reason = format!("{reason}: {cause}");
        }
        CliError::Connect { url: self.base.clone(), reason }
    }
}

/// Three dot-separated base64url parts, as a JWT is.
fn looks_like_jwt(key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='))
        })
}

/// An error status becomes a [`CliError`] carrying the server's message.
async fn check(response: Response) -> Result<Response, CliError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let text = response.text().await.unwrap_or_default();
    let message = message_of(&text);
    Err(match status {
        StatusCode::UNAUTHORIZED => CliError::Auth { status: status.as_u16(), message },
        _ => CliError::Api { status: status.as_u16(), message },
    })
}

async fn json_of(response: Response) -> Result<Value, CliError> {
    let bytes = response.bytes().await.map_err(|e| CliError::Failed(format!("reading the answer: {e}")))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| CliError::Failed(format!("the server's answer is not JSON: {e}")))
}

/// The readable part of an error body: Label Studio's envelope (`detail` and
/// `validation_errors`), DRF's field errors, or the text itself.
fn message_of(text: &str) -> String {
    let Ok(body) = serde_json::from_str::<Value>(text) else {
        let text = text.trim();
        return if text.is_empty() { "no details".into() } else { text.chars().take(300).collect() };
    };
    let mut parts = Vec::new();
    if let Some(detail) = body["detail"].as_str() {
        parts.push(detail.to_owned());
    }
    // The envelope's other keys (`id`, `status_code`, …) are not messages; DRF's keys are fields.
    let fields = match (body.get("validation_errors"), body.get("detail")) {
        (Some(errors), _) => Some(errors),
        (None, Some(_)) => None,
        (None, None) => Some(&body),
    };
    if let Some(fields) = fields.and_then(Value::as_object) {
        for (field, errors) in fields {
            let errors = match errors {
                Value::Array(list) => list.iter().map(flat).collect::<Vec<_>>().join(" "),
                other => flat(other),
            };
            parts.push(if field == "non_field_errors" { errors } else { format!("{field}: {errors}") });
        }
    }
    parts.dedup();
    if parts.is_empty() { body.to_string() } else { parts.join("; ") }
}

fn flat(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A personal access token is recognised by its shape; a legacy token is not.
    #[test]
    fn jwt_shape() {
        assert!(looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"));
        assert!(!looks_like_jwt("0123456789abcdef0123456789abcdef01234567"));
        assert!(!looks_like_jwt("a..b"));
    }

    /// Label Studio's envelope and DRF's field errors both read as one line.
    #[test]
    fn messages() {
        let envelope = r#"{"status_code":400,"detail":"Validation error","validation_errors":{"path":["Path does not exist"]}}"#;
        assert_eq!(message_of(envelope), "Validation error; path: Path does not exist");
        assert_eq!(
            message_of(r#"{"id":"x","status_code":401,"detail":"Invalid token.","exc_info":null}"#),
            "Invalid token."
        );
        assert_eq!(
            message_of(r#"{"bucket":["This field is required."]}"#),
            "bucket: This field is required."
        );
        assert_eq!(message_of(""), "no details");
    }
}
