//! Provider failures reduced to what the user must do about them.
//!
//! A [`Failure`] comes from object_store (whose errors keep the provider's status and body
//! only in their text) or from a raw response; [`Failure::classify`] turns it into a [`Class`]
//! with the provider's error-code vocabulary, and each adapter words the [`Class`] in its own
//! messages. Provider texts are never passed on verbatim: S3's `SignatureDoesNotMatch` body,
//! for one, echoes the access key id, which is a secret here.

use http::StatusCode;

use super::http::innermost;
use crate::Error;

/// What went wrong with one provider call.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The provider answered with an error status and, when its body had one, an error code
    /// (`<Code>` in S3/GCS/Azure XML, `error.errors[0].reason` in GCS JSON).
    Status {
        status: u16,
        code: Option<String>,
    },
    /// No answer: DNS, refused, reset, TLS or timeout. `reason` is the innermost cause.
    Transport {
        reason: String,
    },
    /// Already one of ours: the guard refused the address, or credentials could not be had.
    Storage(Error),
    /// object_store cannot address the key (see `keys::object_path`).
    InvalidPath,
    /// S3 redirected without a location: the bucket lives in another region.
    WrongRegion,
    Other(String),
}

/// A [`Failure`] in the provider's terms.
#[derive(Debug)]
pub(crate) enum Class {
    Storage(Error),
    ContainerMissing,
    KeyMissing,
    BadCredentials,
    Denied,
    Unreachable(String),
    WrongRegion,
    InvalidPath,
    /// Anything else, as `HTTP <status> <code>` or a short description.
    Other(String),
}

/// A provider's error codes that change the meaning of a status.
#[derive(Debug)]
pub(crate) struct Codes {
    /// 404 codes meaning the bucket or container (not the key) is missing.
    pub(crate) container_missing: &'static [&'static str],
    /// 403 codes meaning "valid credentials, missing permission"; any other 403 is treated as
    /// bad credentials, as Label Studio does.
    pub(crate) denied: &'static [&'static str],
}

impl Failure {
    /// Reads an object_store error: ours if one is in its source chain, a transport failure
    /// if the request got no answer, else the status and code its text carries.
    pub(crate) fn from_object_store(err: &object_store::Error) -> Failure {
        if let Some(failure) = Failure::from_chain(err) {
            return failure;
        }
        let text = err.to_string();
        match err {
            object_store::Error::InvalidPath { .. } => return Failure::InvalidPath,
            object_store::Error::NotFound { .. } => return status(404, &text),
            object_store::Error::PermissionDenied { .. } => return status(403, &text),
            object_store::Error::Unauthenticated { .. } => return status(401, &text),
            _ => {}
        }
        if text.contains("Received redirect without LOCATION") {
            return Failure::WrongRegion;
        }
        match status_in_text(&text) {
            Some(code) => status(code, &text),
            None => Failure::Other(summary(&text)),
        }
    }

    /// Reads a raw error response.
    pub(crate) fn from_response(status_code: StatusCode, body: &[u8]) -> Failure {
        let body = String::from_utf8_lossy(body);
        status(status_code.as_u16(), &body)
    }

    /// Our own error or a transport failure found in `err`'s source chain.
    pub(crate) fn from_chain(err: &(dyn std::error::Error + 'static)) -> Option<Failure> {
        let mut current = Some(err);
        let mut transport = None;
        while let Some(err) = current {
            if let Some(ours) = err.downcast_ref::<Error>() {
                return Some(Failure::Storage(ours.clone()));
            }
            if transport.is_none()
                && let Some(http) = err.downcast_ref::<object_store::client::HttpError>()
            {
                transport = Some(Failure::Transport { reason: innermost(http) });
            }
            current = err.source();
        }
        transport
    }

    /// The failure in the provider's terms; `for_key` says whether the call addressed one
    /// object (a 404 then means the key is missing unless the code says the container is).
    pub(crate) fn classify(self, codes: &Codes, for_key: bool) -> Class {
        match self {
            Failure::Storage(err) => Class::Storage(err),
            Failure::Transport { reason } => Class::Unreachable(reason),
            Failure::InvalidPath => Class::InvalidPath,
            Failure::WrongRegion => Class::WrongRegion,
            Failure::Other(text) => Class::Other(text),
            Failure::Status { status, code } => {
                let has = |list: &[&str]| code.as_deref().is_some_and(|c| list.contains(&c));
                match status {
                    404 if has(codes.container_missing) || !for_key => Class::ContainerMissing,
                    404 => Class::KeyMissing,
                    403 if has(codes.denied) => Class::Denied,
                    401 | 403 => Class::BadCredentials,
                    _ => Class::Other(match code {
                        Some(code) => format!("HTTP {status} {code}"),
                        None => format!("HTTP {status}"),
                    }),
                }
            }
        }
    }
}

fn status(status: u16, body: &str) -> Failure {
    Failure::Status { status, code: error_code(body) }
}

/// The provider's error code in an XML (`<Code>…</Code>`) or GCS JSON (`"reason": "…"`) body.
pub(crate) fn error_code(body: &str) -> Option<String> {
    let between = |open: &str, close: &str| {
        let start = body.find(open)? + open.len();
        let end = body[start..].find(close)? + start;
        Some(body[start..end].trim().to_owned())
    };
    between("<Code>", "</Code>")
        .or_else(|| {
            let value = serde_json::from_str::<serde_json::Value>(body).ok()?;
            let reason = value.pointer("/error/errors/0/reason")?.as_str()?;
            Some(reason.to_owned())
        })
        .filter(|code| !code.is_empty() && code.len() <= 64)
}

/// The status in object_store's "Server returned non-2xx status code: 409 Conflict" text.
fn status_in_text(text: &str) -> Option<u16> {
    let marker = "status code: ";
    let start = text.find(marker)? + marker.len();
    text.get(start..start + 3)?.parse().ok()
}

/// The first line of an error text, without bodies (which may echo request details).
fn summary(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    let cut = first.find(" - ").unwrap_or(first.len());
    first[..cut].chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODES: Codes = Codes { container_missing: &["NoSuchBucket"], denied: &["AccessDenied"] };

    /// Error codes are read from XML and GCS JSON bodies.
    #[test]
    fn error_codes_are_found() {
        let xml = "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>x</Message></Error>";
        assert_eq!(error_code(xml).as_deref(), Some("NoSuchBucket"));
        let json = r#"{"error":{"code":404,"message":"m","errors":[{"reason":"notFound"}]}}"#;
        assert_eq!(error_code(json).as_deref(), Some("notFound"));
        assert_eq!(error_code("plain text"), None);
    }

    /// A 404 is a missing key for object calls unless the code names the bucket; 403 is bad
    /// credentials unless the code says access was denied.
    #[test]
    fn statuses_classify_with_codes() {
        let failure = |status, code: Option<&str>| Failure::Status { status, code: code.map(str::to_owned) };
        assert!(matches!(failure(404, Some("NoSuchKey")).classify(&CODES, true), Class::KeyMissing));
        assert!(matches!(failure(404, Some("NoSuchBucket")).classify(&CODES, true), Class::ContainerMissing));
        assert!(matches!(failure(404, None).classify(&CODES, false), Class::ContainerMissing));
        assert!(matches!(
            failure(403, Some("SignatureDoesNotMatch")).classify(&CODES, false),
            Class::BadCredentials
        ));
        assert!(matches!(failure(403, Some("AccessDenied")).classify(&CODES, true), Class::Denied));
        assert!(matches!(
            failure(409, Some("BucketNotEmpty")).classify(&CODES, false),
            Class::Other(text) if text == "HTTP 409 BucketNotEmpty"
        ));
    }

    /// object_store's texts yield their status and code; our own errors pass through.
    #[test]
    fn object_store_errors_are_read() {
        let err = object_store::Error::Generic {
            store: "S3",
            source: "Error performing GET http://h/b in 1ms - Server returned non-2xx status code: \
                     409 Conflict: <Error><Code>OperationAborted</Code></Error>"
                .into(),
        };
        assert!(matches!(
            Failure::from_object_store(&err),
            Failure::Status { status: 409, code: Some(c) } if c == "OperationAborted"
        ));
        let ours =
            object_store::Error::Generic { store: "S3", source: Box::new(Error::Blocked("no".into())) };
        assert!(matches!(Failure::from_object_store(&ours), Failure::Storage(Error::Blocked(_))));
    }
}
