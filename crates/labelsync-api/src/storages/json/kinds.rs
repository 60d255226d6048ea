//! The `type` of each storage body: one text, so the five bodies of a role tell themselves
//! apart (`oneOf` is exact).

use labelsync_storage::StorageKind;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

fn only(kind: StorageKind) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([kind.as_str()]))
        .description(Some("The storage kind."))
        .build()
}

pub fn s3() -> Object {
    only(StorageKind::S3)
}

pub fn gcs() -> Object {
    only(StorageKind::Gcs)
}

pub fn azure() -> Object {
    only(StorageKind::Azure)
}

pub fn redis() -> Object {
    only(StorageKind::Redis)
}

pub fn localfiles() -> Object {
    only(StorageKind::LocalFiles)
}
