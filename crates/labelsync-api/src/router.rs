//! The route table. Every handler is listed once here; the same list produces the OpenAPI
//! document, so the document cannot drift from the routes.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, header};
use axum::middleware;
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::state::AppState;
use crate::{
    annotations, export, import, local_files, media, ops, predictions, projects, slash, storages, tasks,
    tokens, users, webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "labelsync",
        description = "Label Studio-compatible storage API: projects, tasks, annotations, \
                       import/export storages (S3, GCS, Azure Blob, Redis, local files) and media \
                       URL resolution. Authenticate with `Authorization: Token <key>` or \
                       `Authorization: Bearer <access token>`."
    ),
    tags(
        (name = "ops", description = "Health, version and metrics"),
        (name = "users", description = "The calling user"),
        (name = "tokens", description = "Personal access tokens (JWT) and token settings"),
        (name = "projects", description = "Labeling projects"),
        (name = "tasks", description = "Labeling tasks of a project"),
        (name = "annotations", description = "Annotations of tasks"),
        (name = "predictions", description = "Model predictions of tasks"),
        (name = "import", description = "Task upload"),
        (name = "export", description = "Project export in Label Studio's JSON formats"),
        (name = "storages", description = "Import and export storages: S3, GCS, Azure Blob, Redis, local files"),
        (name = "local files", description = "Files of local-files import storages, served to the browser"),
        (name = "media", description = "Storage URIs resolved for the browser: signed-URL redirects or proxied objects"),
        (name = "webhooks", description = "Webhooks: events sent to a URL, signed, with a delivery log"),
    )
)]
struct ApiDoc;

/// Every documented route, with its OpenAPI description.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(ops::health::health))
        .routes(routes!(ops::version::version))
        .routes(routes!(ops::metrics::metrics))
        .routes(routes!(users::whoami::whoami))
        .routes(routes!(users::token::get_token))
        .routes(routes!(users::reset_token::reset_token))
        .routes(routes!(tokens::list::list_tokens, tokens::create::create_token))
        .routes(routes!(tokens::refresh::refresh_token))
        .routes(routes!(tokens::blacklist::blacklist_token))
        .routes(routes!(tokens::rotate::rotate_token))
        .routes(routes!(tokens::settings::get_settings, tokens::settings::update_settings))
        .routes(routes!(projects::list::list_projects, projects::create::create_project))
        .routes(routes!(
            projects::get::get_project,
            projects::update::update_project,
            projects::delete::delete_project
        ))
        .routes(routes!(tasks::list::list_tasks, tasks::create::create_task))
        .routes(routes!(tasks::get::get_task, tasks::update::update_task, tasks::delete::delete_task))
        .routes(routes!(tasks::project_list::list_project_tasks, tasks::delete_all::delete_project_tasks))
        .routes(routes!(annotations::list::list_annotations, annotations::create::create_annotation))
        .routes(routes!(
            annotations::get::get_annotation,
            annotations::update::update_annotation,
            annotations::delete::delete_annotation
        ))
        .routes(routes!(predictions::list::list_predictions, predictions::create::create_prediction))
        .routes(routes!(
            predictions::get::get_prediction,
            predictions::update::update_prediction,
            predictions::delete::delete_prediction
        ))
        .routes(routes!(import::create::import_tasks))
        .routes(routes!(export::download::export_project))
        .merge(storage_routes())
        .routes(routes!(local_files::serve::serve_file))
        .routes(routes!(media::resolve::resolve_task))
        .routes(routes!(media::resolve::presign_task))
        .routes(routes!(media::resolve::resolve_project))
        .routes(routes!(media::resolve::presign_project))
        .merge(webhook_routes())
}

/// `/api/webhooks/…`.
fn webhook_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(webhooks::list::list_webhooks, webhooks::create::create_webhook))
        .routes(routes!(webhooks::info::webhook_info))
        .routes(routes!(
            webhooks::get::get_webhook,
            webhooks::update::update_webhook,
            webhooks::delete::delete_webhook
        ))
        .routes(routes!(webhooks::deliveries::list_deliveries))
}

/// `/api/storages/…`, import and export.
fn storage_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(storages::types::import_types))
        .routes(routes!(storages::types::export_types))
        .routes(routes!(storages::list::list_all_import))
        .routes(routes!(storages::list::list_all_export))
        .routes(routes!(storages::list::list_import, storages::create::create_import))
        .routes(routes!(storages::list::list_export, storages::create::create_export))
        .routes(routes!(
            storages::get::get_import,
            storages::update::update_import,
            storages::delete::delete_import
        ))
        .routes(routes!(
            storages::get::get_export,
            storages::update::update_export,
            storages::delete::delete_export
        ))
        .routes(routes!(storages::sync::sync_import))
        .routes(routes!(storages::diff::create_diff))
        .routes(routes!(storages::diff::get_diff))
        .routes(routes!(storages::errors::list_errors))
        .routes(routes!(storages::events::receive_events))
        .route("/api/storages/{kind}/{id}/events", axum::routing::options(storages::events::events_handshake))
        .routes(routes!(
            storages::events_secret::create_events_secret,
            storages::events_secret::delete_events_secret
        ))
        .routes(routes!(storages::sync::sync_export))
        .routes(routes!(storages::validate::validate_import))
        .routes(routes!(storages::validate::validate_export))
        .routes(routes!(storages::form::import_form))
        .routes(routes!(storages::form::export_form))
        .routes(routes!(storages::files::list_files))
}

/// The OpenAPI document of every route (what `openapi/openapi.json` holds).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = routes().split_for_parts().1;
    crate::api_doc::finish(&mut doc);
    doc
}

/// The complete HTTP service: routes, docs at `/docs`, middleware, trailing-slash tolerance.
pub fn build(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let cors = state.config.cors.layer();
    let label_page = crate::label_page::routes(state.config.editor_dir.as_deref());
    let (routes, mut openapi) = routes().split_for_parts();
    crate::api_doc::finish(&mut openapi);
    let router = routes
        .route_layer(middleware::from_fn(ops::metrics::track))
        .merge(SwaggerUi::new("/docs").url("/openapi.json", openapi))
        .merge(label_page)
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state);
    let x_request_id = HeaderName::from_static("x-request-id");
    slash::tolerate_trailing_slash(router)
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    // The path only: query strings are not logged.
                    tracing::info_span!("http", method = %req.method(), path = req.uri().path(),
                        request_id = req.headers().get("x-request-id")
                            .and_then(|v| v.to_str().ok()).unwrap_or(""))
                })
                .on_response(|res: &axum::response::Response, latency: Duration, _span: &tracing::Span| {
                    tracing::info!(
                        status = res.status().as_u16(),
                        latency_ms = latency.as_secs_f64() * 1000.0,
                        "request"
                    );
                }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static("x-labelsync-events-secret"),
        ]))
        // Outermost: a preflight is answered before routing (which knows no OPTIONS routes).
        .layer(tower::util::option_layer(cors))
}
