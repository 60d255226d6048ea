//! Cross-origin requests (`LABELSYNC_CORS_ORIGINS`): off unless the operator names origins, so a
//! browser app on another origin can call the API, the resolve endpoints and
//! `/data/local-files/` with a token in `Authorization`. Credentials (cookies) are never allowed:
//! labelsync authenticates by header only, and a credentialed wildcard would let any site act
//! with a user's cookies.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Which origins may call labelsync from a browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No CORS headers at all (the default, as before).
    #[default]
    Off,
    /// `*`: any origin.
    Any,
    /// Exactly these origins (`scheme://host[:port]`).
    List(Vec<HeaderValue>),
}

impl CorsOrigins {
    /// Parses the operator's list: empty entries are ignored; `*` alone means any origin;
    /// otherwise each entry must be an origin (`https://app.example.com`, no path).
    pub fn parse(entries: &[String]) -> Result<CorsOrigins, String> {
        let entries: Vec<&str> = entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()).collect();
        if entries.is_empty() {
            return Ok(CorsOrigins::Off);
        }
        if entries == ["*"] {
            return Ok(CorsOrigins::Any);
        }
        let mut origins = Vec::new();
        for entry in entries {
            let origin = entry.trim_end_matches('/');
            let valid = url::Url::parse(origin).ok().is_some_and(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some()
                    && url.path() == "/"
                    && url.query().is_none()
                    && url.origin().ascii_serialization() == origin
            });
            if !valid {
                return Err(format!(
                    "LABELSYNC_CORS_ORIGINS: {entry:?} is not an origin (scheme://host[:port], or * alone)"
                ));
            }
            origins.push(HeaderValue::from_str(origin).map_err(|e| format!("LABELSYNC_CORS_ORIGINS: {e}"))?);
        }
        Ok(CorsOrigins::List(origins))
    }

    /// The layer that answers preflights and adds the headers, if CORS is on.
    pub fn layer(&self) -> Option<CorsLayer> {
        let allow = match self {
            CorsOrigins::Off => return None,
            CorsOrigins::Any => AllowOrigin::any(),
            CorsOrigins::List(origins) => AllowOrigin::list(origins.clone()),
        };
        Some(
            CorsLayer::new()
                .allow_origin(allow)
                .allow_methods([
                    Method::GET,
                    Method::HEAD,
                    Method::POST,
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                    Method::OPTIONS,
                ])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::ACCEPT,
                    header::RANGE,
                    HeaderName::from_static("x-request-id"),
                    HeaderName::from_static("x-labelsync-resolve"),
                ])
                .expose_headers([
                    header::CONTENT_LENGTH,
                    header::CONTENT_RANGE,
                    header::CONTENT_DISPOSITION,
                    header::ETAG,
                    header::LOCATION,
                    HeaderName::from_static("x-request-id"),
                    HeaderName::from_static("x-labelsync-resolved"),
                ])
                .allow_credentials(false)
                .max_age(Duration::from_secs(600)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Empty is off, `*` is any origin, origins are kept exactly, anything else is refused.
    #[test]
    fn origins_parse() {
        let parse =
            |entries: &[&str]| CorsOrigins::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>());
        assert_eq!(parse(&[]), Ok(CorsOrigins::Off));
        assert_eq!(parse(&["", " "]), Ok(CorsOrigins::Off));
        assert_eq!(parse(&["*"]), Ok(CorsOrigins::Any));
        assert_eq!(
            parse(&["https://app.example.com", "http://localhost:3000/"]),
            Ok(CorsOrigins::List(vec![
                HeaderValue::from_static("https://app.example.com"),
                HeaderValue::from_static("http://localhost:3000")
            ]))
        );
        for bad in
            ["app.example.com", "https://app.example.com/path", "ftp://x", "*.example.com", "https://a.com?x"]
        {
            assert!(parse(&[bad]).is_err(), "{bad}");
        }
        assert!(parse(&["*", "https://a.com"]).is_err(), "* only alone");
    }
}
