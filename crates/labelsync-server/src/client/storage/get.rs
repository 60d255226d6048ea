use crate::client::api::Api;
use crate::client::args::{StorageCommon, StorageRef};
use crate::client::error::{CliError, Exit};
use crate::client::output;

/// Prints one storage as `field: value` lines, or the server's JSON.
pub async fn run(api: &Api, storage: StorageRef, common: &StorageCommon) -> Result<Exit, CliError> {
    let body = api.get(&super::item(storage, common.export)).await?;
    if common.json {
        output::json(&body)
    } else {
        output::fields(&body)
    }
    Ok(Exit::Success)
}
