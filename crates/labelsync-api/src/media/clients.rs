//! Connected media clients, cached per storage so that presigning and streaming do not rebuild
//! a client or re-open credentials on every request. An entry is keyed by the storage id and
//! a fingerprint of its stored settings, sealed secrets and its organization's server
//! credential grants: editing a storage or revoking a grant makes the next request connect
//! afresh; a deleted storage's entry is never looked up again.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, RwLock};

use labelsync_db::storages::Storage;
use labelsync_storage::{MediaStorage, Role};
use labelsync_sync::storages::TenantCredentials;

use crate::state::App;

/// Entries beyond this are dropped wholesale (stale entries of edited or deleted storages
/// cannot pile up).
const MAX_ENTRIES: usize = 4096;

/// Storage id → (fingerprint, client).
type Entries = HashMap<i64, (u64, Arc<dyn MediaStorage>)>;

#[derive(Default)]
pub struct MediaClients {
    entries: RwLock<Entries>,
}

/// Why a storage could not give a media client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the storage's secrets cannot be opened")]
    Secrets,
    #[error("{0}")]
    Storage(#[from] labelsync_storage::Error),
    #[error("the storage cannot serve media")]
    NoMedia,
    #[error("the organization's grants cannot be read")]
    Grants(#[from] labelsync_db::Error),
}

impl MediaClients {
    /// The media client of `storage`, connected on first use.
    pub async fn get(&self, app: &App, storage: &Storage) -> Result<Arc<dyn MediaStorage>, ClientError> {
        let tenant = TenantCredentials::of_project(&app.db, storage.project_id).await?;
        let fingerprint = fingerprint(storage, &tenant);
        if let Some((seen, media)) = self.read().get(&storage.id)
            && *seen == fingerprint
        {
            return Ok(media.clone());
        }
        let config =
            labelsync_sync::storages::config_from_row(storage, &app.secrets, &app.storage_env, &tenant)
                .map_err(|_| ClientError::Secrets)?;
        let connected = labelsync_sync::storages::connect(&config, Role::Import, &app.guard).await?;
        let media = connected.media.ok_or(ClientError::NoMedia)?;
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(storage.id, (fingerprint, media.clone()));
        Ok(media)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }
}

fn fingerprint(storage: &Storage, tenant: &TenantCredentials) -> u64 {
    let mut hasher = DefaultHasher::new();
    tenant.hash(&mut hasher);
    storage.kind.hash(&mut hasher);
    serde_json::to_string(&storage.settings.0).unwrap_or_default().hash(&mut hasher);
    storage.secrets.hash(&mut hasher);
    hasher.finish()
}
