//! The OpenAPI schema of a request body, generated from the same field table that validates it
//! ([`super::validate`]), so the documented body and the accepted body cannot drift apart.
//!
//! A schema documents each field's canonical JSON type (a boolean is `boolean`), the form-style
//! text that [`super::coerce`] also accepts (`"true"`, `"5"`) is left undocumented. Unknown fields
//! are refused, so objects are closed (`additionalProperties: false`).

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, SchemaType, Type};

use super::{Field, Kind};

/// The object schema of a body made of `fields`; `required` names the fields a request must send.
pub fn object(fields: &[Field], required: &[&str], description: &str) -> Schema {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    for field in fields {
        object = object.property(field.name, field_schema(field));
    }
    for name in required {
        object = object.required(*name);
    }
    Schema::Object(object.build())
}

/// One field's schema: its kind's type, `null` too where the field is nullable.
pub fn field_schema(field: &Field) -> RefOr<Schema> {
    let nullable = field.nullable;
    let typed = |ty: Type| {
        if nullable { SchemaType::from_iter([ty, Type::Null]) } else { SchemaType::new(ty) }
    };
    let built = match field.kind {
        Kind::Str { max_len, allow_blank } => ObjectBuilder::new()
            .schema_type(typed(Type::String))
            .max_length(max_len)
            .min_length((!allow_blank).then_some(1))
            .pattern((!allow_blank).then_some(r"\S")),
        Kind::Bool => ObjectBuilder::new().schema_type(typed(Type::Boolean)),
        Kind::Int { min, max } => {
            ObjectBuilder::new().schema_type(typed(Type::Integer)).minimum(min).maximum(max)
        }
        Kind::Float => ObjectBuilder::new().schema_type(typed(Type::Number)),
        Kind::Choice(choices) => {
            let values = choices.iter().map(|c| serde_json::Value::from(*c));
            let values: Vec<_> =
                if nullable { values.chain([serde_json::Value::Null]).collect() } else { values.collect() };
            ObjectBuilder::new().schema_type(typed(Type::String)).enum_values(Some(values))
        }
        Kind::Object => ObjectBuilder::new().schema_type(typed(Type::Object)),
        Kind::Any => ObjectBuilder::new().schema_type(SchemaType::AnyValue),
        Kind::ReadOnly => ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .description(Some("Returned by the server; accepted on input and ignored.")),
    };
    RefOr::T(Schema::Object(built.build()))
}

/// Declares a request-body type whose OpenAPI schema is the object of a field table, for
/// `#[utoipa::path(request_body = …)]`. The type is a name only: bodies are validated by
/// [`super::validate`] with the same table.
macro_rules! body_schema {
    ($(#[$meta:meta])* $name:ident, fields: $fields:expr, required: $required:expr, $description:literal) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::RefOr::T($crate::fields::schema::object(&$fields, &$required, $description))
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}
pub(crate) use body_schema;

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::fields::TEXT;

    /// The schema of a table names every field with its type, nullability and bounds, and
    /// refuses unknown fields like the validator does.
    #[test]
    fn schema_follows_the_table() {
        let fields = [
            Field::new("flag", Kind::Bool),
            Field::nullable("title", Kind::Str { max_len: Some(5), allow_blank: true }),
            Field::new("count", Kind::Int { min: Some(0), max: Some(9) }),
            Field::nullable("mode", Kind::Choice(&["a"])),
            Field::nullable("text", TEXT),
        ];
        let schema = serde_json::to_value(object(&fields, &["flag"], "A body")).unwrap();
        assert_eq!(schema["additionalProperties"], json!(false));
        assert_eq!(schema["required"], json!(["flag"]));
        let props = &schema["properties"];
        assert_eq!(props["flag"]["type"], json!("boolean"));
        assert_eq!(props["title"]["type"], json!(["string", "null"]));
        assert_eq!(props["title"]["maxLength"], json!(5));
        assert_eq!(props["count"]["minimum"], json!(0));
        assert_eq!(props["count"]["maximum"], json!(9));
        assert_eq!(props["mode"]["enum"], json!(["a", Value::Null]));
    }
}
