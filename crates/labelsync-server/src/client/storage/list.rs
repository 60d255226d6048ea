use labelsync_types::StorageKind;
use serde_json::Value;

use crate::client::api::Api;
use crate::client::args::StorageCommon;
use crate::client::error::{CliError, Exit};
use crate::client::output;

/// Prints a project's storages (of one kind, or every kind) as a table, or the server's JSON.
pub async fn run(
    api: &Api,
    project: i64,
    kind: Option<StorageKind>,
    common: &StorageCommon,
) -> Result<Exit, CliError> {
    let path = match (kind, common.export) {
        (Some(kind), export) => super::collection(kind, export),
        (None, false) => "/api/storages/".to_owned(),
        (None, true) => "/api/storages/export".to_owned(),
    };
    let storages = api.get(&format!("{path}?project={project}")).await?;
    if common.json {
        output::json(&storages);
        return Ok(Exit::Success);
    }
    let rows: Vec<[String; 6]> =
        storages.as_array().map(Vec::as_slice).unwrap_or_default().iter().map(row).collect();
    output::table(["STORAGE", "TITLE", "LOCATION", "STATUS", "LAST SYNC", "COUNT"], &rows);
    Ok(Exit::Success)
}

fn row(storage: &Value) -> [String; 6] {
    [
        output::storage_name(storage),
        output::text(&storage["title"]),
        output::location(storage),
        output::text(&storage["status"]),
        output::text(&storage["last_sync"]),
        output::text(&storage["last_sync_count"]),
    ]
}
