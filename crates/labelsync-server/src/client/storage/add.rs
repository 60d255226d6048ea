use labelsync_types::StorageKind;

use super::fields::Body;
use crate::client::api::Api;
use crate::client::args::{SecretArgs, StorageCommon, StorageFields, StorageRef};
use crate::client::error::{CliError, Exit};
use crate::client::output;

/// Creates a storage; prints its `TYPE/ID` (for scripts), or the server's JSON.
pub async fn run(
    api: &Api,
    kind: StorageKind,
    project: i64,
    fields: &StorageFields,
    secrets: &SecretArgs,
    common: &StorageCommon,
) -> Result<Exit, CliError> {
    let body = Body::new(kind, common.export, Some(project), fields, secrets)?;
    let created = body.redacting(api.post(&super::collection(kind, common.export), &body.value()).await)?;
    if common.json {
        output::json(&created);
    } else {
        let id = created["id"].as_i64().ok_or_else(|| CliError::Failed(format!("no id in {created}")))?;
        println!("{}", StorageRef { kind, id });
    }
    Ok(Exit::Success)
}
