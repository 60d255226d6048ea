//! Media URL resolution for browsers (`docs/label-studio-api.md` §7, §10.11): the resolve endpoints
//! ([`resolve`]), which redirect to a signed URL ([`presign`]) or stream the object through
//! the server ([`proxy`]), and the per-request [`ProjectMedia`] that task responses use to
//! rewrite storage URIs in task data. Connected storage clients are cached in [`clients`].
//!
//! Scoping: a URI resolves only through an import storage of the task's (or project's) own
//! project whose type and bucket/container match, for a caller of that project's
//! organization; anything else is 404. With `LABELSYNC_RESOLVE_WITHIN_PREFIX` the storage's
//! prefix is a boundary too. Deliberate differences from Label Studio: 404 where it answers 403,
//! no resolution through another project's storage, error bodies in the JSON envelope, suffix
//! ranges and `If-Range` requests answered with the whole object.

pub mod clients;
pub mod presign;
pub mod proxy;
pub mod resolve;

use labelsync_db::projects::Project;
use labelsync_db::storages::{Role, Storage};
use labelsync_sync::media::MediaSources;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::state::AppState;
use crate::tasks::json::ServeContext;

/// A project's import storages, loaded once per request: the rows (for connecting) and the
/// resolution view of them.
pub struct ProjectMedia {
    pub storages: Vec<Storage>,
    pub sources: MediaSources,
}

impl ProjectMedia {
    /// One query: the project's import storages.
    pub async fn load(app: &AppState, project_id: i64) -> ApiResult<ProjectMedia> {
        let storages =
            labelsync_db::storages::list_for_project(&app.db, project_id, Role::Import, None).await?;
        let sources = MediaSources::new(&storages, app.config.resolve_within_prefix);
        Ok(ProjectMedia { storages, sources })
    }
}

/// `resolve_uri` of the task endpoints: `false` (or `0`, `no`, `off`) turns rewriting off.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ResolveFlag {
    /// Rewrite storage URIs in `data` to resolve URLs (default `true`).
    pub resolve_uri: Option<String>,
}

impl ResolveFlag {
    pub fn enabled(&self) -> bool {
        !matches!(
            self.resolve_uri.as_deref().map(|v| v.trim().to_ascii_lowercase()).as_deref(),
            Some("false" | "0" | "no" | "off" | "f" | "n")
        )
    }
}

/// The serve context of `project` for task responses that rewrite URIs (task detail and the
/// task list, as Label Studio; exports and write responses do not).
pub async fn serve_context(app: &AppState, project: &Project, flag: &ResolveFlag) -> ApiResult<ServeContext> {
    let ctx = ServeContext::new(project);
    if !flag.enabled() {
        return Ok(ctx);
    }
    let media = ProjectMedia::load(app, project.id).await?;
    let host = app.config.host.as_deref().unwrap_or("").trim_end_matches('/');
    Ok(ctx.resolving(media.sources, host))
}
