//! The wire fields of each storage kind and role (`docs/label-studio-api.md` §3): what a client may
//! send, which fields are secret, the defaults, and the key order of responses.

use labelsync_db::storages::SyncStatus;
use labelsync_storage::{Role, StorageKind};
use serde_json::{Value, json};

use crate::fields::{Field, Kind, POSITIVE_INT32, TEXT};

/// Fields every storage has, stored in columns of their own.
const COMMON: &[Field] = &[
    Field::read_only("id"),
    Field::read_only("type"),
    Field::read_only("created_at"),
    Field::new("project", Kind::Int { min: None, max: None }),
    Field::nullable("title", Kind::Str { max_len: Some(256), allow_blank: true }),
    Field::nullable("description", TEXT),
    Field::new("synchronizable", Kind::Bool),
    Field::nullable("last_sync", TEXT),
    Field::nullable("last_sync_count", POSITIVE_INT32),
    Field::nullable("last_sync_job", Kind::Str { max_len: Some(256), allow_blank: true }),
    Field::new("status", Kind::Choice(SyncStatus::NAMES)),
    Field::nullable("traceback", TEXT),
    Field::nullable("meta", Kind::Object),
];

/// Names of the common columns (everything else a client sends goes to `settings`/secrets).
pub const COLUMNS: &[&str] = &[
    "project",
    "title",
    "description",
    "synchronizable",
    "last_sync",
    "last_sync_count",
    "last_sync_job",
    "status",
    "traceback",
    "meta",
];

const FILTERS: &[Field] = &[Field::nullable("regex_filter", TEXT), Field::new("use_blob_urls", Kind::Bool)];

const PRESIGN: &[Field] = &[
    Field::new("presign", Kind::Bool),
    Field::new("presign_ttl", Kind::Int { min: Some(0), max: Some(32767) }),
];
const RECURSIVE: Field = Field::nullable("recursive_scan", Kind::Bool);
const CAN_DELETE: Field = Field::nullable("can_delete_objects", Kind::Bool);

fn kind_fields(kind: StorageKind) -> Vec<Field> {
    match kind {
        StorageKind::S3 => vec![
            Field::nullable("bucket", TEXT),
            Field::nullable("prefix", TEXT),
            Field::nullable("aws_access_key_id", TEXT),
            Field::nullable("aws_secret_access_key", TEXT),
            Field::nullable("aws_session_token", TEXT),
            Field::nullable("aws_sse_kms_key_id", TEXT),
            Field::nullable("region_name", TEXT),
            Field::nullable("s3_endpoint", TEXT),
            Field::nullable("role_arn", TEXT),
            Field::nullable("external_id", TEXT),
        ],
        StorageKind::Gcs => vec![
            Field::nullable("bucket", TEXT),
            Field::nullable("prefix", TEXT),
            Field::nullable("google_application_credentials", TEXT),
            Field::nullable("google_project_id", TEXT),
        ],
        StorageKind::Azure => vec![
            Field::nullable("container", TEXT),
            Field::nullable("prefix", TEXT),
            Field::nullable("account_name", TEXT),
            Field::nullable("account_key", TEXT),
        ],
        StorageKind::Redis => vec![
            Field::nullable("path", TEXT),
            Field::nullable("host", TEXT),
            Field::nullable("port", TEXT),
            Field::nullable("password", TEXT),
            Field::new("db", Kind::Int { min: Some(0), max: Some(32767) }),
        ],
        StorageKind::LocalFiles => vec![Field::nullable("path", TEXT)],
    }
}

/// Every field a client may send for `kind` in `role`.
pub fn fields(kind: StorageKind, role: Role) -> Vec<Field> {
    let mut out = COMMON.to_vec();
    out.extend_from_slice(FILTERS);
    out.extend(kind_fields(kind));
    match (role, kind) {
        (Role::Import, StorageKind::S3 | StorageKind::Gcs | StorageKind::Azure) => {
            out.extend_from_slice(PRESIGN);
            out.push(RECURSIVE);
        }
        (Role::Import, StorageKind::LocalFiles) => out.push(RECURSIVE),
        (Role::Import, StorageKind::Redis) => {}
        (Role::Export, _) => out.push(CAN_DELETE),
    }
    out
}

/// The secret fields of `kind`: write-only, never in a response or a log line.
pub fn secrets(kind: StorageKind) -> &'static [&'static str] {
    labelsync_sync::storages::secret_fields(kind)
}

/// The value a field has when it was never set.
pub fn default(kind: StorageKind, role: Role, field: &str) -> Value {
    match field {
        "synchronizable" | "presign" => json!(true),
        "use_blob_urls" | "recursive_scan" => json!(false),
        "presign_ttl" => json!(1),
        "status" => json!(SyncStatus::Initialized),
        "meta" => json!({}),
        "db" if kind == StorageKind::Redis => json!(labelsync_storage::RedisConfig::default_db(role)),
        _ => Value::Null,
    }
}

/// Response key order per kind and role, as Label Studio 1.23.2 serializes
/// (`docs/label-studio-api.md` §3.7). S3 adds `role_arn` and `external_id` (Label Studio's API
/// reference has them; its OSS response does not).
pub fn response_order(kind: StorageKind, role: Role) -> &'static [&'static str] {
    match (kind, role) {
        (StorageKind::S3, Role::Import) => &[
            "id",
            "type",
            "synchronizable",
            "presign",
            "last_sync",
            "last_sync_count",
            "last_sync_job",
            "status",
            "traceback",
            "meta",
            "title",
            "description",
            "created_at",
            "bucket",
            "prefix",
            "regex_filter",
            "use_blob_urls",
            "aws_sse_kms_key_id",
            "region_name",
            "s3_endpoint",
            "role_arn",
            "external_id",
            "presign_ttl",
            "recursive_scan",
            "project",
        ],
        (StorageKind::S3, Role::Export) => &[
            "id",
            "type",
            "synchronizable",
            "last_sync",
            "last_sync_count",
            "last_sync_job",
            "status",
            "traceback",
            "meta",
            "title",
            "description",
            "created_at",
            "can_delete_objects",
            "bucket",
            "prefix",
            "regex_filter",
            "use_blob_urls",
            "aws_sse_kms_key_id",
            "region_name",
            "s3_endpoint",
            "role_arn",
            "external_id",
            "project",
        ],
        (StorageKind::Gcs, Role::Import) => &[
            "id",
            "type",
            "synchronizable",
            "presign",
            "bucket",
            "prefix",
            "regex_filter",
            "use_blob_urls",
            "google_project_id",
            "last_sync",
            "last_sync_count",
            "last_sync_job",
            "status",
            "traceback",
            "meta",
            "title",
            "description",
            "created_at",
            "presign_ttl",
            "recursive_scan",
            "project",
        ],
        (StorageKind::Gcs, Role::Export) => &[
            "id",
            "type",
            "synchronizable",
            "bucket",
            "prefix",
            "regex_filter",
            "use_blob_urls",
            "google_project_id",
            "last_sync",
            "last_sync_count",
            "last_sync_job",
            "status",
            "traceback",
            "meta",
            "title",
            "description",
            "created_at",
            "can_delete_objects",
            "project",
        ],
        (StorageKind::Azure, Role::Import) => &[
            "id",
            "type",
            "synchronizable",
            "presign",
            "container",
            "prefix",
            "regex_filter",
            "use_blob_urls",
            "last_sync",
            "last_sync_count",
            "last_sync_job",
            "status",
            "traceback",
            "meta",
            "title",
            "description",
            "created_at",
            "presign_ttl",
            "recursive_scan",
            "project",
        ],
        (StorageKind::Azure, Role::Export) => &[
            "id",
            "type",
            "synchronizable",
            "container",
            "prefix",
            "regex_filter",
            "use_blob_urls",
            "last_sync",
            "last_sync_count",
            "last_sync_job",
            "status",
            "traceback",
            "meta",
            "title",
            "description",
            "created_at",
            "can_delete_objects",
            "project",
        ],
        (StorageKind::Redis, Role::Import) => &[
            "id",
            "type",
            "synchronizable",
            "path",
            "host",
            "port",
            "regex_filter",
            "use_blob_urls",
            "last_sync",
            "last_sync_count",
            "last_sync_job",
            "status",
            "traceback",
            "meta",
            "title",
            "description",
            "created_at",
            "db",
            "project",
        ],
        (StorageKind::Redis, Role::Export) => &[
            "id",
            "type",
            "synchronizable",
            "path",
            "host",
            "port",
            "regex_filter",
            "use_blob_urls",
            "last_sync",
            "last_sync_count",
            "last_sync_job",
            "status",
            "traceback",
            "meta",
            "title",
            "description",
            "created_at",
            "can_delete_objects",
            "db",
            "project",
        ],
        (StorageKind::LocalFiles, Role::Import) => &[
            "id",
            "type",
            "synchronizable",
            "path",
            "regex_filter",
            "use_blob_urls",
            "last_sync",
            "last_sync_count",
            "last_sync_job",
            "status",
            "traceback",
            "meta",
            "title",
            "description",
            "created_at",
            "recursive_scan",
            "project",
        ],
        (StorageKind::LocalFiles, Role::Export) => &[
            "id",
            "type",
            "synchronizable",
            "path",
            "regex_filter",
            "use_blob_urls",
            "last_sync",
            "last_sync_count",
            "last_sync_job",
            "status",
            "traceback",
            "meta",
            "title",
            "description",
            "created_at",
            "can_delete_objects",
            "project",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every response key of every kind is either a column, a settings field or computed, and
    /// no secret is ever in a response.
    #[test]
    fn responses_hold_no_secrets() {
        for &kind in StorageKind::ALL {
            for role in [Role::Import, Role::Export] {
                let accepted: Vec<&str> = fields(kind, role).iter().map(|f| f.name).collect();
                for key in response_order(kind, role) {
                    assert!(accepted.contains(key), "{kind} {role:?}: {key} is not a field");
                    assert!(!secrets(kind).contains(key), "{kind}: secret {key} in responses");
                }
            }
        }
    }
}
