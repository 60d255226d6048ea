//! `GET /projects/{id}/label`: a labeling page with Label Studio's editor, for people who label
//! tasks served by labelsync without running Label Studio's app. The page is static and
//! session-less: it asks for an API key once (kept in the browser's session storage) and does
//! everything through the API — the project's label config, its next unlabeled task, media through
//! the resolve endpoints, and submitting, updating and skipping annotations — so export storages
//! receive them as from any client.
//!
//! The editor's files come from `LABELSYNC_EDITOR_DIR` (served at `/editor/`) when the operator
//! set it, else from a public CDN; the page says which.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use tower_http::services::ServeDir;

use crate::extract::Path;
use crate::state::AppState;

/// The editor release the page loads: npm `@heartexlabs/label-studio`. 1.8.0 (the newest) is
/// published without its `build/` files, so 1.4.0 is the newest that can be served or fetched.
pub const EDITOR_VERSION: &str = "1.4.0";

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");

/// The page of project `id` (the id is only checked by the API calls the page makes).
pub async fn label_page(State(app): State<AppState>, Path(id): Path<i64>) -> Response {
    let (base, source) = match &app.config.editor_dir {
        Some(_) => ("/editor".to_owned(), "served by this labelsync (LABELSYNC_EDITOR_DIR)".to_owned()),
        None => (
            format!("https://unpkg.com/@heartexlabs/label-studio@{EDITOR_VERSION}/build"),
            format!(
                "loaded from the unpkg.com CDN (set LABELSYNC_EDITOR_DIR to serve it from here), version {EDITOR_VERSION}"
            ),
        ),
    };
    let html = PAGE
        .replace("{{EDITOR}}", &base)
        .replace("{{SOURCE}}", &source)
        .replace("{{PROJECT}}", &id.to_string())
        .replace("{{SCRIPT}}", SCRIPT);
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// The page's routes: the page, and `/editor/` when the operator gave the editor's files.
pub fn routes(editor_dir: Option<&std::path::Path>) -> Router<AppState> {
    let router = Router::new().route("/projects/{id}/label", axum::routing::get(label_page));
    match editor_dir {
        Some(dir) => router.nest_service("/editor", ServeDir::new(dir)),
        None => router,
    }
}
