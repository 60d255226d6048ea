//! What every batch of an import sync (or of its dry run) needs to know about the storage.

use std::collections::HashSet;
use std::sync::Arc;

use labelsync_db::links::ImportLink;
use labelsync_db::storages::Storage;
use labelsync_storage::{ImportStorage, ObjectMeta, Role, StorageConfig, StorageKind};
use labelsync_types::settings::SyncPolicies;

use super::{SyncError, storage_failure};
use crate::context::SyncContext;
use crate::filter::KeyFilter;
use crate::tasks::TaskCandidate;

/// The storage, connected, with its options.
pub(crate) struct Plan {
    pub(crate) config: StorageConfig,
    pub(crate) import: Arc<dyn ImportStorage>,
    filter: KeyFilter,
    /// One task per object with its URL (else each object is task JSON).
    pub(super) blob_mode: bool,
    pub(crate) policies: SyncPolicies,
}

impl Plan {
    pub(crate) async fn new(ctx: &SyncContext, storage: &Storage) -> Result<Plan, SyncError> {
        let tenant = crate::storages::TenantCredentials::of_project(&ctx.db, storage.project_id).await?;
        let settings = crate::storages::settings_of_row(storage, &ctx.secrets)
            .map_err(|e| SyncError::Final(e.to_string()))?;
        let config = crate::storages::config_from_settings(&settings, &ctx.storage_env, &tenant);
        let connected =
            crate::storages::connect(&config, Role::Import, &ctx.guard).await.map_err(storage_failure)?;
        let import = connected.import.ok_or_else(|| SyncError::Final("this storage cannot import".into()))?;
        let common = settings.common();
        // Redis storages ignore both options, as in Label Studio.
        let redis = config.kind() == StorageKind::Redis;
        let regex = if redis { None } else { common.regex_filter.as_deref() };
        let filter = KeyFilter::new(regex).map_err(SyncError::Final)?;
        let blob_mode = !redis && common.use_blob_urls;
        Ok(Plan { config, import, filter, blob_mode, policies: settings.policies() })
    }

    /// Whether a listed object is selected: folder placeholders never are; the filter sees
    /// the full key, or the file name for local files.
    pub(super) fn selects(&self, object: &ObjectMeta) -> bool {
        if object.key.ends_with('/') {
            return false;
        }
        let candidate = match self.config.kind() {
            StorageKind::LocalFiles => object.key.rsplit('/').next().unwrap_or(&object.key),
            _ => object.key.as_str(),
        };
        self.filter.matches(candidate)
    }

    /// The "files"-mode task of `object`, if the storage's kind has object URIs.
    pub(super) fn blob_task(&self, ctx: &SyncContext, object: &ObjectMeta) -> Option<TaskCandidate> {
        let uri = super::uri::object_uri(&self.config, &object.key, ctx.settings.host.as_deref())?;
        Some(TaskCandidate::blob(uri, object.key.clone(), object.version()))
    }

    /// The "files"-mode tasks of `objects`, in order (those with an object URI).
    pub(super) fn blob_tasks<'a>(
        &self,
        ctx: &SyncContext,
        objects: impl IntoIterator<Item = &'a ObjectMeta>,
    ) -> Vec<TaskCandidate> {
        objects.into_iter().filter_map(|object| self.blob_task(ctx, object)).collect()
    }

    /// In blob mode, the tasks of the selected `objects` that no link of `found` is for, in
    /// order: what [`super::classify::classify`] will call new, given the same links.
    pub(super) fn new_blob_tasks(
        &self,
        ctx: &SyncContext,
        objects: &[ObjectMeta],
        found: &[ImportLink],
    ) -> Option<Vec<TaskCandidate>> {
        if !self.blob_mode {
            return None;
        }
        let linked: HashSet<&str> = found.iter().map(|link| link.key.as_str()).collect();
        let new = objects.iter().filter(|o| !linked.contains(o.key.as_str()) && self.selects(o));
        Some(self.blob_tasks(ctx, new))
    }
}
