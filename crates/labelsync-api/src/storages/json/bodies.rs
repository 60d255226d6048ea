//! Request bodies of the storage operations, documented from the kinds' field tables (see
//! [`crate::storages::spec::bodies`]): one schema per role and operation, `anyOf` the five
//! kinds' bodies (a body with common fields only fits several kinds; the path's kind decides).
//! The types are names only: bodies are validated field by field with the same tables. Also the
//! small typed answers of `types`, `form` and `files`.

use labelsync_storage::{Role, StorageKind};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::fields::schema::body_schema;
use crate::storages::spec::bodies::{Use, schema};
use crate::storages::spec::fields;

/// `anyOf` the five kinds' bodies for `role` and `usage`.
fn any_kind(role: Role, usage: Use) -> RefOr<Schema> {
    let any_of =
        StorageKind::ALL.iter().fold(AnyOfBuilder::new(), |b, &kind| b.item(schema(kind, role, usage)));
    RefOr::T(Schema::AnyOf(any_of.build()))
}

macro_rules! storage_body {
    ($(#[$meta:meta])* $name:ident, $role:expr, $usage:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                any_kind($role, $usage)
            }
        }

        impl ToSchema for $name {}
    };
}

macro_rules! create_bodies {
    ($(#[$meta:meta])* $name:ident, $role:expr, [$($kind:ident: $body:ident, $description:literal;)+]) => {
        $(
            body_schema!(
                #[doc = $description]
                $body,
                fields: fields(StorageKind::$kind, $role),
                required: ["project"],
                $description
            );
        )+

        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let any_of = AnyOfBuilder::new()$(.item(RefOr::Ref(utoipa::openapi::Ref::from_schema_name($body::name()))))+;
                RefOr::T(Schema::AnyOf(any_of.build()))
            }
        }

        impl ToSchema for $name {
            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                $(schemas.push(($body::name().into(), $body::schema()));)+
            }
        }
    };
}

create_bodies!(
    /// The fields of a new import storage of the path's kind (`project` required).
    ImportStorageCreate, Role::Import, [
        S3: S3ImportStorageBody, "The fields of a new S3 import storage.";
        Gcs: GcsImportStorageBody, "The fields of a new GCS import storage.";
        Azure: AzureImportStorageBody, "The fields of a new Azure Blob import storage.";
        Redis: RedisImportStorageBody, "The fields of a new Redis import storage.";
        LocalFiles: LocalFilesImportStorageBody, "The fields of a new local-files import storage.";
    ]
);
create_bodies!(
    /// The fields of a new export storage of the path's kind (`project` required).
    ExportStorageCreate, Role::Export, [
        S3: S3ExportStorageBody, "The fields of a new S3 export storage.";
        Gcs: GcsExportStorageBody, "The fields of a new GCS export storage.";
        Azure: AzureExportStorageBody, "The fields of a new Azure Blob export storage.";
        Redis: RedisExportStorageBody, "The fields of a new Redis export storage.";
        LocalFiles: LocalFilesExportStorageBody, "The fields of a new local-files export storage.";
    ]
);
storage_body!(
    /// Fields of an import storage to change (unsent secrets are kept).
    ImportStorageUpdate, Role::Import, Use::Update
);
storage_body!(
    /// Fields of an export storage to change (unsent secrets are kept).
    ExportStorageUpdate, Role::Export, Use::Update
);
storage_body!(
    /// Import storage fields to check, optionally over a stored storage (`id`).
    ImportStorageValidate, Role::Import, Use::Validate
);
storage_body!(
    /// Export storage fields to check, optionally over a stored storage (`id`).
    ExportStorageValidate, Role::Export, Use::Validate
);
storage_body!(
    /// Import storage fields (or a stored storage's `id`) to preview, and at most `limit` objects.
    ImportStorageFiles, Role::Import, Use::Files
);

/// A storage kind as `/api/storages/types` lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StorageType {
    /// The kind's name in paths: `s3`, `gcs`, `azure`, `redis` or `localfiles`.
    pub name: StorageKind,
    /// The title Label Studio shows.
    pub title: &'static str,
}

/// Label Studio's form layout of a storage kind: rows of fields for its frontend (free-form
/// objects, Label Studio's `form_layout.yml`).
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct FormLayout(pub Vec<Value>);

impl PartialSchema for FormLayout {
    fn schema() -> RefOr<Schema> {
        let row = ObjectBuilder::new().schema_type(Type::Object).description(Some("A form row"));
        ArrayBuilder::new().items(row).description(Some("Label Studio's form rows")).into()
    }
}

impl ToSchema for FormLayout {}

/// What an import storage would list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilesPreview {
    pub files: Vec<FileEntry>,
}

/// One listed object; a last entry with `key: null` says there are more, and one whose key is
/// `... storage scan timeout reached ...` that the listing took too long.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FileEntry {
    pub key: Option<String>,
    /// ISO 8601, `""` when the provider gives none; `null` on the sentinels.
    pub last_modified: Option<String>,
    /// Bytes; `null` on the sentinels.
    pub size: Option<u64>,
}
