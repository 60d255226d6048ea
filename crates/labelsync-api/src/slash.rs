//! Trailing-slash tolerance. Label Studio answers most paths with and without a trailing slash
//! (its middleware re-dispatches a 404 to `path + "/"`), and its clients use both spellings.
//! Routes here are registered in Label Studio's spelling; a request that matches no route is
//! dispatched once more with the slash toggled, without a redirect (a redirect would turn the
//! SDK's POST/PATCH into a GET).

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use crate::error::ApiError;

#[derive(Clone, Copy)]
struct Retried;

/// Adds the toggling fallback to a finished router.
pub fn tolerate_trailing_slash(router: Router) -> Router {
    let this: Arc<OnceLock<Router>> = Arc::new(OnceLock::new());
    let handle = this.clone();
    let router = router.fallback(move |mut req: Request| {
        let handle = handle.clone();
        async move {
            let retried = req.extensions().get::<Retried>().is_some();
            match (retried, toggled(req.uri()), handle.get()) {
                (false, Some(uri), Some(router)) => {
                    *req.uri_mut() = uri;
                    req.extensions_mut().insert(Retried);
                    match router.clone().oneshot(req).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    }
                }
                _ => not_found(),
            }
        }
    });
    let _ = this.set(router.clone());
    router
}

fn not_found() -> Response {
    let mut response = ApiError::not_found().into_response();
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// The same URI with a trailing slash added or removed; `None` for the root.
fn toggled(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if path == "/" {
        return None;
    }
    let new_path = match path.strip_suffix('/') {
        Some(stripped) => stripped.to_owned(),
        None => format!("{path}/"),
    };
    let path_and_query = match uri.query() {
        Some(q) => format!("{new_path}?{q}"),
        None => new_path,
    };
    path_and_query.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slash is toggled and the query kept; the root is left alone.
    #[test]
    fn toggles() {
        let t = |s: &str| toggled(&s.parse().unwrap()).map(|u| u.to_string());
        assert_eq!(t("/api/projects?page=2").as_deref(), Some("/api/projects/?page=2"));
        assert_eq!(t("/api/storages/s3/1/").as_deref(), Some("/api/storages/s3/1"));
        assert_eq!(t("/"), None);
    }
}
