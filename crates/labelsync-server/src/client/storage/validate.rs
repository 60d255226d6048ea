use serde_json::json;

use super::fields::Body;
use crate::client::api::Api;
use crate::client::args::{SecretArgs, StorageCommon, StorageFields, StorageRef, kind_of};
use crate::client::error::{CliError, Exit};

/// Validates a stored storage (`TYPE/ID`, with any flags overriding its fields) or a new
/// configuration (`TYPE --project P …`). A storage the server finds invalid exits 1.
pub async fn run(
    api: &Api,
    target: &str,
    project: Option<i64>,
    fields: &StorageFields,
    secrets: &SecretArgs,
    common: &StorageCommon,
) -> Result<Exit, CliError> {
    let (kind, stored) = match target.parse::<StorageRef>() {
        Ok(storage) => (storage.kind, Some(storage)),
        Err(_) if !target.contains('/') => (kind_of(target).map_err(CliError::Usage)?, None),
        Err(reason) => return Err(CliError::Usage(reason)),
    };
    let body = match stored {
        // Label Studio validates a stored storage given its id and project; fields not sent
        // (its secrets too) are the stored ones.
        Some(storage) => {
            let current = api.get(&super::item(storage, common.export)).await?;
            let mut body =
                Body::new(kind, common.export, project.or(current["project"].as_i64()), fields, secrets)?;
            body.json.insert("id".into(), json!(storage.id));
            body
        }
        None if project.is_none() => return Err(CliError::Usage("validate TYPE needs --project".into())),
        None => Body::new(kind, common.export, project, fields, secrets)?,
    };
    let path = match common.export {
        true => format!("/api/storages/export/{kind}/validate"),
        false => format!("/api/storages/{kind}/validate"),
    };
    let answer = api.post(&path, &body.value()).await;
    match body.redacting(answer) {
        Ok(_) => {
            if !common.json {
                println!("{target}: valid");
            }
            Ok(Exit::Success)
        }
        Err(CliError::Api { status: 400, message }) => {
            eprintln!("{target}: not valid: {message}");
            Ok(Exit::Failed)
        }
        Err(other) => Err(other),
    }
}
