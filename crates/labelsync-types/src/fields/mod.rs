//! The field table of each storage kind: for every field Label Studio's storage API knows, where
//! its value lives (a column, the `settings` JSON, the sealed secrets, or computed), whether
//! changing it touches the connection, its default and which roles have it.
//!
//! Everything else that lists storage fields is derived from these tables: the fields a request
//! may send and their validation (`labelsync-api`'s `storages::spec`), the response key order,
//! the secret and destination fields, the defaults the typed [`crate::settings`] are filled with.
//! A table lists its fields in Label Studio's response key order; secrets (never in a response)
//! sit beside the fields they belong with. labelsync's own fields (the import sync policies
//! `sync_deleted` and `sync_changed`, and the schedule `sync_interval_seconds`) come last, after
//! all of Label Studio's.

use serde_json::{Value, json};

use crate::{Role, StorageKind, SyncChanged, SyncDeleted, SyncStatus};

/// Where a field's value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Computed by the server (`id`, `type`, `created_at`); accepted on input and ignored.
    ReadOnly,
    /// A column of its own in `storages`.
    Column,
    /// The row's `settings` JSON (non-secret, kind-specific).
    Settings,
    /// The row's sealed `secrets`: write-only, never in a response or a log line.
    Secret,
}

/// What a change of the field means for the storage's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// Not part of the connection: no check is needed when only such fields change.
    Passive,
    /// Changes how or what we connect to: the connection is checked again.
    Connection,
    /// Says where the connection goes: stored secrets are not reused for a new value, the
    /// request must carry them again (issue 11, item 4).
    Destination,
}

/// Which storages of a kind have the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roles {
    Both,
    Import,
    Export,
}

/// The JSON type a field takes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Text; `max_len` in characters.
    Text {
        max_len: Option<usize>,
    },
    Bool,
    /// An integer in `min..=max`.
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// A JSON object.
    Object,
    /// A [`SyncStatus`] text.
    Status,
    /// One of these texts.
    Choice(&'static [&'static str]),
    /// Whatever the server computes ([`Place::ReadOnly`]).
    Computed,
}

/// The value of a field that was never set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    Null,
    Bool(bool),
    Int(i64),
    /// `{}`.
    EmptyObject,
    Status(SyncStatus),
    /// A text (a [`ValueType::Choice`]'s default).
    Text(&'static str),
    /// Label Studio's Redis `db`: one number for import storages, another for export ones.
    PerRole {
        import: i64,
        export: i64,
    },
}

/// One field of a storage kind.
#[derive(Debug, Clone, Copy)]
pub struct StorageField {
    /// Label Studio's wire name (also the key in `settings` or the secrets).
    pub name: &'static str,
    pub place: Place,
    pub value: ValueType,
    /// Whether `null` is accepted (and kept).
    pub nullable: bool,
    pub identity: Identity,
    pub roles: Roles,
    pub default: Default,
}

impl StorageField {
    /// The field's value when it was never set, for storages of `role`.
    pub fn default_value(&self, role: Role) -> Value {
        match self.default {
            Default::Null => Value::Null,
            Default::Bool(b) => json!(b),
            Default::Int(n) => json!(n),
            Default::EmptyObject => json!({}),
            Default::Status(status) => json!(status),
            Default::Text(text) => json!(text),
            Default::PerRole { import, export } => json!(if role == Role::Import { import } else { export }),
        }
    }

    /// Whether storages of `role` have the field.
    pub fn has_role(&self, role: Role) -> bool {
        matches!(
            (self.roles, role),
            (Roles::Both, _) | (Roles::Import, Role::Import) | (Roles::Export, Role::Export)
        )
    }

    /// Whether the field is in responses (every field but secrets).
    pub fn in_response(&self) -> bool {
        self.place != Place::Secret
    }
}

const fn field(name: &'static str, place: Place, value: ValueType) -> StorageField {
    StorageField {
        name,
        place,
        value,
        nullable: true,
        identity: Identity::Passive,
        roles: Roles::Both,
        default: Default::Null,
    }
}

const TEXT: ValueType = ValueType::Text { max_len: None };
const TEXT_256: ValueType = ValueType::Text { max_len: Some(256) };
/// Django's `PositiveSmallIntegerField`.
const SMALL: ValueType = ValueType::Int { min: Some(0), max: Some(32767) };
/// Django's `PositiveIntegerField`.
const POSITIVE: ValueType = ValueType::Int { min: Some(0), max: Some(i32::MAX as i64) };

const fn required(mut f: StorageField, default: Default) -> StorageField {
    f.nullable = false;
    f.default = default;
    f
}

const fn connection(mut f: StorageField) -> StorageField {
    f.identity = Identity::Connection;
    f
}

const fn destination(mut f: StorageField) -> StorageField {
    f.identity = Identity::Destination;
    f
}

const fn only(mut f: StorageField, roles: Roles) -> StorageField {
    f.roles = roles;
    f
}

const fn with_default(mut f: StorageField, default: Default) -> StorageField {
    f.default = default;
    f
}

const ID: StorageField = field("id", Place::ReadOnly, ValueType::Computed);
const TYPE: StorageField = field("type", Place::ReadOnly, ValueType::Computed);
const CREATED_AT: StorageField = field("created_at", Place::ReadOnly, ValueType::Computed);
const PROJECT: StorageField =
    required(field("project", Place::Column, ValueType::Int { min: None, max: None }), Default::Null);
const TITLE: StorageField = field("title", Place::Column, TEXT_256);
const DESCRIPTION: StorageField = field("description", Place::Column, TEXT);
const SYNCHRONIZABLE: StorageField =
    required(field("synchronizable", Place::Column, ValueType::Bool), Default::Bool(true));
const LAST_SYNC: StorageField = field("last_sync", Place::Column, TEXT);
const LAST_SYNC_COUNT: StorageField = field("last_sync_count", Place::Column, POSITIVE);
const LAST_SYNC_JOB: StorageField = field("last_sync_job", Place::Column, TEXT_256);
const STATUS: StorageField =
    required(field("status", Place::Column, ValueType::Status), Default::Status(SyncStatus::Initialized));
const TRACEBACK: StorageField = field("traceback", Place::Column, TEXT);
const META: StorageField =
    with_default(field("meta", Place::Column, ValueType::Object), Default::EmptyObject);

/// `synchronizable` up to `created_at` (after any kind-specific fields between).
const STATUS_COLUMNS: [StorageField; 9] =
    [LAST_SYNC, LAST_SYNC_COUNT, LAST_SYNC_JOB, STATUS, TRACEBACK, META, TITLE, DESCRIPTION, CREATED_AT];

const PRESIGN: StorageField =
    only(required(field("presign", Place::Settings, ValueType::Bool), Default::Bool(true)), Roles::Import);
const PRESIGN_TTL: StorageField =
    only(required(field("presign_ttl", Place::Settings, SMALL), Default::Int(1)), Roles::Import);
const RECURSIVE_SCAN: StorageField = only(
    connection(with_default(field("recursive_scan", Place::Settings, ValueType::Bool), Default::Bool(false))),
    Roles::Import,
);
const CAN_DELETE: StorageField =
    only(field("can_delete_objects", Place::Settings, ValueType::Bool), Roles::Export);
const REGEX_FILTER: StorageField = field("regex_filter", Place::Settings, TEXT);
const USE_BLOB_URLS: StorageField =
    required(field("use_blob_urls", Place::Settings, ValueType::Bool), Default::Bool(false));
const PREFIX: StorageField = connection(field("prefix", Place::Settings, TEXT));
const BUCKET: StorageField = connection(field("bucket", Place::Settings, TEXT));

/// labelsync's own import fields (not Label Studio's; their defaults keep its behaviour): what a
/// sync does with the tasks of vanished and of changed objects.
const SYNC_DELETED: StorageField = only(
    required(
        field("sync_deleted", Place::Settings, ValueType::Choice(SyncDeleted::NAMES)),
        Default::Text(SyncDeleted::Keep.as_str()),
    ),
    Roles::Import,
);
const SYNC_CHANGED: StorageField = only(
    required(
        field("sync_changed", Place::Settings, ValueType::Choice(SyncChanged::NAMES)),
        Default::Text(SyncChanged::Keep.as_str()),
    ),
    Roles::Import,
);

/// labelsync's own: the seconds between scheduled syncs of an import storage (null: none). The
/// operator's minimum (`LABELSYNC_MIN_SYNC_INTERVAL_SECS`) is checked by the API.
const SYNC_INTERVAL: StorageField = only(
    field(
        "sync_interval_seconds",
        Place::Settings,
        ValueType::Int { min: Some(1), max: Some(i32::MAX as i64) },
    ),
    Roles::Import,
);

const fn secret(name: &'static str) -> StorageField {
    connection(field(name, Place::Secret, TEXT))
}

const fn setting(name: &'static str) -> StorageField {
    connection(field(name, Place::Settings, TEXT))
}

#[rustfmt::skip]
const S3: &[StorageField] = &[
    ID, TYPE, SYNCHRONIZABLE, PRESIGN,
    STATUS_COLUMNS[0], STATUS_COLUMNS[1], STATUS_COLUMNS[2], STATUS_COLUMNS[3], STATUS_COLUMNS[4],
    STATUS_COLUMNS[5], STATUS_COLUMNS[6], STATUS_COLUMNS[7], STATUS_COLUMNS[8],
    CAN_DELETE, BUCKET, PREFIX, REGEX_FILTER, USE_BLOB_URLS,
    secret("aws_access_key_id"), secret("aws_secret_access_key"), secret("aws_session_token"),
    setting("aws_sse_kms_key_id"), setting("region_name"), destination(setting("s3_endpoint")),
    setting("role_arn"), setting("external_id"),
    PRESIGN_TTL, RECURSIVE_SCAN, PROJECT, SYNC_DELETED, SYNC_CHANGED, SYNC_INTERVAL,
];

#[rustfmt::skip]
const GCS: &[StorageField] = &[
    ID, TYPE, SYNCHRONIZABLE, PRESIGN, BUCKET, PREFIX, REGEX_FILTER, USE_BLOB_URLS,
    secret("google_application_credentials"), destination(setting("google_project_id")),
    STATUS_COLUMNS[0], STATUS_COLUMNS[1], STATUS_COLUMNS[2], STATUS_COLUMNS[3], STATUS_COLUMNS[4],
    STATUS_COLUMNS[5], STATUS_COLUMNS[6], STATUS_COLUMNS[7], STATUS_COLUMNS[8],
    PRESIGN_TTL, RECURSIVE_SCAN, CAN_DELETE, PROJECT, SYNC_DELETED, SYNC_CHANGED, SYNC_INTERVAL,
];

#[rustfmt::skip]
const AZURE: &[StorageField] = &[
    ID, TYPE, SYNCHRONIZABLE, PRESIGN, setting("container"), PREFIX, REGEX_FILTER, USE_BLOB_URLS,
    // The account name is itself secret: write-only, and where the key goes.
    destination(secret("account_name")), secret("account_key"),
    STATUS_COLUMNS[0], STATUS_COLUMNS[1], STATUS_COLUMNS[2], STATUS_COLUMNS[3], STATUS_COLUMNS[4],
    STATUS_COLUMNS[5], STATUS_COLUMNS[6], STATUS_COLUMNS[7], STATUS_COLUMNS[8],
    PRESIGN_TTL, RECURSIVE_SCAN, CAN_DELETE, PROJECT, SYNC_DELETED, SYNC_CHANGED, SYNC_INTERVAL,
];

/// Label Studio's Redis `db`: 1 for import storages, 2 for export ones.
const REDIS_DB: StorageField =
    connection(required(field("db", Place::Settings, SMALL), Default::PerRole { import: 1, export: 2 }));

#[rustfmt::skip]
const REDIS: &[StorageField] = &[
    ID, TYPE, SYNCHRONIZABLE, setting("path"), destination(setting("host")), destination(setting("port")),
    secret("password"), REGEX_FILTER, USE_BLOB_URLS,
    STATUS_COLUMNS[0], STATUS_COLUMNS[1], STATUS_COLUMNS[2], STATUS_COLUMNS[3], STATUS_COLUMNS[4],
    STATUS_COLUMNS[5], STATUS_COLUMNS[6], STATUS_COLUMNS[7], STATUS_COLUMNS[8],
    CAN_DELETE, REDIS_DB, PROJECT, SYNC_DELETED, SYNC_CHANGED, SYNC_INTERVAL,
];

#[rustfmt::skip]
const LOCAL_FILES: &[StorageField] = &[
    ID, TYPE, SYNCHRONIZABLE, setting("path"), REGEX_FILTER, USE_BLOB_URLS,
    STATUS_COLUMNS[0], STATUS_COLUMNS[1], STATUS_COLUMNS[2], STATUS_COLUMNS[3], STATUS_COLUMNS[4],
    STATUS_COLUMNS[5], STATUS_COLUMNS[6], STATUS_COLUMNS[7], STATUS_COLUMNS[8],
    RECURSIVE_SCAN, CAN_DELETE, PROJECT, SYNC_DELETED, SYNC_CHANGED, SYNC_INTERVAL,
];

/// The whole table of `kind`, both roles, in response order.
pub fn table(kind: StorageKind) -> &'static [StorageField] {
    match kind {
        StorageKind::S3 => S3,
        StorageKind::Gcs => GCS,
        StorageKind::Azure => AZURE,
        StorageKind::Redis => REDIS,
        StorageKind::LocalFiles => LOCAL_FILES,
    }
}

/// The fields of `kind` storages in `role`, in response order.
pub fn fields(kind: StorageKind, role: Role) -> impl Iterator<Item = &'static StorageField> {
    table(kind).iter().filter(move |f| f.has_role(role))
}

/// One field of `kind` storages in `role`.
pub fn find(kind: StorageKind, role: Role, name: &str) -> Option<&'static StorageField> {
    fields(kind, role).find(|f| f.name == name)
}

/// Response keys of `kind` storages in `role`, in Label Studio 1.23.2's order
/// (`docs/label-studio-api.md` §3.7). S3 adds `role_arn` and `external_id` (Label Studio's API
/// reference has them; its OSS response does not).
pub fn response_keys(kind: StorageKind, role: Role) -> impl Iterator<Item = &'static str> {
    fields(kind, role).filter(|f| f.in_response()).map(|f| f.name)
}

/// The secret fields of `kind` (both roles have the same).
pub fn secrets(kind: StorageKind) -> impl Iterator<Item = &'static str> {
    table(kind).iter().filter(|f| f.place == Place::Secret).map(|f| f.name)
}

/// The fields that say where `kind`'s connection goes ([`Identity::Destination`]).
///
/// | kind | destination | secrets bound to it |
/// |---|---|---|
/// | S3 | `s3_endpoint` | `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token` |
/// | GCS | `google_project_id` (the endpoint is the operator's) | `google_application_credentials` |
/// | Azure | `account_name` (the endpoint is the operator's) | `account_key` |
/// | Redis | `host`, `port` | `password` |
/// | local files | (no secrets) | |
///
/// Decided: S3's `region_name`, `bucket` and `role_arn` are not destinations: without an
/// `s3_endpoint` they only choose among AWS's own hosts (the region is checked to be a plain
/// name), so the keys still go to AWS.
pub fn destinations(kind: StorageKind) -> impl Iterator<Item = &'static str> {
    table(kind).iter().filter(|f| f.identity == Identity::Destination).map(|f| f.name)
}

#[cfg(test)]
mod tests;
