use crate::client::api::Api;
use crate::client::args::{StorageCommon, StorageRef};
use crate::client::error::{CliError, Exit};

/// Deletes a storage (Label Studio keeps its tasks).
pub async fn run(api: &Api, storage: StorageRef, common: &StorageCommon) -> Result<Exit, CliError> {
    api.delete(&super::item(storage, common.export)).await?;
    if !common.json {
        println!("removed {storage}");
    }
    Ok(Exit::Success)
}
