//! `labelsync storage list|get|add|validate|remove`: one file per command, the request bodies of
//! `add` and `validate` in `fields.rs`.

mod add;
mod fields;
mod get;
mod list;
mod remove;
mod validate;

use labelsync_types::StorageKind;

use super::api::Api;
use super::args::{StorageCommand, StorageRef};
use super::error::{CliError, Exit};

pub async fn run(api: &Api, command: StorageCommand) -> Result<Exit, CliError> {
    match command {
        StorageCommand::List { project, kind, common } => list::run(api, project, kind, &common).await,
        StorageCommand::Get { storage, common } => get::run(api, storage, &common).await,
        StorageCommand::Add { kind, project, fields, secrets, common } => {
            add::run(api, kind, project, &fields, &secrets, &common).await
        }
        StorageCommand::Validate { target, project, fields, secrets, common } => {
            validate::run(api, &target, project, &fields, &secrets, &common).await
        }
        StorageCommand::Remove { storage, common } => remove::run(api, storage, &common).await,
    }
}

/// Label Studio's path of a kind's storages: `/api/storages/s3/` (import) or
/// `/api/storages/export/s3` (export).
pub fn collection(kind: StorageKind, export: bool) -> String {
    if export { format!("/api/storages/export/{kind}") } else { format!("/api/storages/{kind}/") }
}

/// Label Studio's path of one storage.
pub fn item(storage: StorageRef, export: bool) -> String {
    let role = if export { "export/" } else { "" };
    format!("/api/storages/{role}{}/{}", storage.kind, storage.id)
}
