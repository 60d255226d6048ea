//! What every operation of the OpenAPI document has in common, added in one place after the
//! route table is built: the error envelope on every error response, the two ways to
//! authenticate, the 401 of every operation that needs a caller, and ids in paths that are
//! positive integers (with `1` as their example, the first of each kind a server creates).

use utoipa::openapi::content::Content;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::Response;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, OpenApi, Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::error::ErrorBody;

/// Paths anyone may call: no authentication, no 401.
const PUBLIC: &[&str] = &["/health", "/api/version", "/metrics"];

/// Paths that authenticate with an import storage's events secret (bucket event notifications)
/// instead of a caller's credentials.
const EVENTS_SECRET: &[&str] = &["/api/storages/{kind}/{id}/events"];

/// Completes `doc`: see the module documentation.
pub fn finish(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Components::new);
    components.schemas.insert(ErrorBody::name().into_owned(), ErrorBody::schema());
    components.security_schemes.insert(
        "Token".into(),
        RefOr::T(SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "Authorization",
            "`Token <key>`: a legacy token (`POST /api/current-user/reset-token/`).",
        )))),
    );
    components.security_schemes.insert(
        "Bearer".into(),
        RefOr::T(SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("An access token from `POST /api/token/refresh/`."))
                .build(),
        )),
    );
    components.security_schemes.insert(
        "EventsSecret".into(),
        RefOr::T(SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
            "secret",
            "An import storage's events secret (`POST /api/storages/{kind}/{id}/events-secret`).",
        )))),
    );
    components.security_schemes.insert(
        "EventsSecretHeader".into(),
        RefOr::T(SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-Labelsync-Events-Secret",
            "An import storage's events secret, as a header.",
        )))),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        let public = PUBLIC.contains(&path.as_str()) || EVENTS_SECRET.contains(&path.as_str());
        for operation in
            [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.head, &mut item.patch]
                .into_iter()
                .flatten()
        {
            if !public {
                require_caller(operation);
            }
            envelope_errors(operation);
            positive_ids(operation);
        }
    }
}

/// Either credential, and the 401 an operation answers without one.
fn require_caller(operation: &mut Operation) {
    let either = ["Token", "Bearer"].map(|name| SecurityRequirement::new(name, Vec::<String>::new()));
    operation.security = Some(either.to_vec());
    operation
        .responses
        .responses
        .entry("401".into())
        .or_insert_with(|| RefOr::T(Response::new("No valid credentials (`WWW-Authenticate: Token`)")));
}

/// The error envelope as the body of every 4xx and 5xx that documents no other body.
fn envelope_errors(operation: &mut Operation) {
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        if (status.starts_with('4') || status.starts_with('5')) && response.content.is_empty() {
            let schema = RefOr::Ref(Ref::from_schema_name(ErrorBody::name()));
            response.content.insert("application/json".into(), RefOr::T(Content::new(Some(schema))));
        }
    }
}

/// Integer path parameters (`{id}`): at least 1, example 1.
fn positive_ids(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else { continue };
        if !matches!(parameter.parameter_in, ParameterIn::Path) {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut()
            && matches!(&schema.schema_type, SchemaType::Type(Type::Integer))
        {
            schema.minimum = Some(1i64.into());
            schema.examples = vec![serde_json::json!(1)];
        }
    }
}
