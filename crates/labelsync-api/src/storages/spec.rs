//! What a client may send for each storage kind and role, derived from the kind's field table
//! (`labelsync_types::fields`, `docs/label-studio-api.md` §3): the validation [`Field`]s and the
//! OpenAPI request-body schemas of create, PATCH/PUT and validate.

use labelsync_storage::{Role, StorageKind};
use labelsync_types::SyncStatus;
use labelsync_types::fields::{self as table, StorageField, ValueType};

use crate::fields::{Field, Kind, TEXT};

/// The validation field of one table entry.
fn field_of(entry: &StorageField) -> Field {
    let kind = match entry.value {
        ValueType::Computed => return Field::read_only(entry.name),
        ValueType::Text { max_len: None } => TEXT,
        ValueType::Text { max_len } => Kind::Str { max_len, allow_blank: true },
        ValueType::Bool => Kind::Bool,
        ValueType::Int { min, max } => Kind::Int { min, max },
        ValueType::Object => Kind::Object,
        ValueType::Status => Kind::Choice(SyncStatus::NAMES),
        ValueType::Choice(choices) => Kind::Choice(choices),
    };
    if entry.nullable { Field::nullable(entry.name, kind) } else { Field::new(entry.name, kind) }
}

/// Every field a client may send for `kind` in `role`.
pub fn fields(kind: StorageKind, role: Role) -> Vec<Field> {
    table::fields(kind, role).map(field_of).collect()
}

/// The request-body schema of `kind` in `role`: its fields, `project` required on create; the
/// validate and files bodies add `id` (a stored storage to start from), files adds `limit`.
pub mod bodies {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;

    use super::*;
    use crate::fields::schema::object;

    /// Which request a body is for.
    #[derive(Debug, Clone, Copy)]
    pub enum Use {
        Create,
        Update,
        Validate,
        Files,
    }

    /// The schema of a `kind` storage's body for `role` and `usage`.
    pub fn schema(kind: StorageKind, role: Role, usage: Use) -> RefOr<Schema> {
        let mut fields = fields(kind, role);
        if matches!(usage, Use::Validate | Use::Files) {
            fields.push(Field::nullable("id", Kind::Int { min: None, max: None }));
        }
        if matches!(usage, Use::Files) {
            fields.push(Field::nullable("limit", Kind::Int { min: Some(1), max: None }));
        }
        let required: &[&str] = if matches!(usage, Use::Create) { &["project"] } else { &[] };
        let description = format!("{} {} storage fields", kind.title(), role.as_str());
        RefOr::T(object(&fields, required, &description))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derived fields keep today's validation: bounds, nullability, read-only fields.
    #[test]
    fn derived_fields_validate_like_label_studio() {
        let fields = fields(StorageKind::Redis, Role::Export);
        let find = |name| fields.iter().find(|f| f.name == name).copied().expect(name);
        assert!(matches!(find("db").kind, Kind::Int { min: Some(0), max: Some(32767) }));
        assert!(!find("db").nullable && find("host").nullable);
        assert!(matches!(find("id").kind, Kind::ReadOnly));
        assert!(matches!(find("title").kind, Kind::Str { max_len: Some(256), allow_blank: true }));
        assert!(matches!(find("status").kind, Kind::Choice(_)));
        assert!(fields.iter().all(|f| f.name != "recursive_scan"));
    }
}
