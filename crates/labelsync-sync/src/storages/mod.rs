//! Storages as the domain sees them: a stored row (settings + sealed secrets) turned into a
//! backend configuration, connected, and validated.

mod config;
mod tenant;

pub use config::{
    RowError, StorageEnv, config_from_row, config_from_settings, open_secrets, seal_secrets, secret_fields,
    settings_of_row,
};
pub use tenant::TenantCredentials;

use labelsync_storage::guard::NetGuard;
use labelsync_storage::{Connected, Role, StorageConfig};

/// Connects to the backend of `config` for `role`.
pub async fn connect(
    config: &StorageConfig,
    role: Role,
    guard: &NetGuard,
) -> labelsync_storage::Result<Connected> {
    labelsync_storage::connect(config, role, guard).await
}

/// Checks that the storage is reachable and usable for `role` (`docs/label-studio-api.md` §4.3).
pub async fn validate(config: &StorageConfig, role: Role, guard: &NetGuard) -> labelsync_storage::Result<()> {
    let connected = connect(config, role, guard).await?;
    match role {
        Role::Import => match &connected.import {
            Some(import) => import.validate().await,
            None => Err(unsupported(config, role)),
        },
        Role::Export => match &connected.export {
            Some(export) => export.validate().await,
            None => Err(unsupported(config, role)),
        },
    }
}

fn unsupported(config: &StorageConfig, role: Role) -> labelsync_storage::Error {
    labelsync_storage::Error::not_supported(role.as_str(), config.kind().as_str())
}
