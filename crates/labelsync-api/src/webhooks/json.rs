//! The wire format of `/api/webhooks/`: Label Studio's `WebhookSerializer` (and
//! `WebhookSerializerForUpdate`, which cannot change `project`), parsed into the row's fields.

use labelsync_db::webhooks::{Webhook, WebhookFields};
use labelsync_sync::webhooks::Action;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::wire::ts_text;

/// The longest URL (Label Studio's `max_length`).
const MAX_URL: usize = 2048;
/// The most extra headers a webhook may have (Label Studio's `HEADERS_SCHEMA`).
const MAX_HEADERS: usize = 10;

/// An action's name: Label Studio's `ActionsEnum` and labelsync's `STORAGE_SYNC_*`.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct ActionName(pub String);

impl utoipa::PartialSchema for ActionName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Action::ALL.iter().map(|a| a.as_str())))
            .into()
    }
}

impl ToSchema for ActionName {}

/// A webhook as Label Studio returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: i64,
    pub organization: i64,
    /// The project it is about; null: every project of the organization.
    pub project: Option<i64>,
    pub url: String,
    /// False: only `{"action": …}` is sent.
    pub send_payload: bool,
    /// False: only the `actions` listed are sent.
    pub send_for_all_actions: bool,
    /// Extra request headers.
    #[schema(value_type = Object)]
    pub headers: Value,
    pub is_active: bool,
    pub actions: Vec<ActionName>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Webhook> for WebhookResponse {
    fn from(w: &Webhook) -> WebhookResponse {
        WebhookResponse {
            id: w.id,
            organization: w.organization_id,
            project: w.project_id,
            url: w.url.clone(),
            send_payload: w.send_payload,
            send_for_all_actions: w.send_for_all_actions,
            headers: w.headers.0.clone(),
            is_active: w.is_active,
            actions: w.actions.0.iter().cloned().map(ActionName).collect(),
            created_at: ts_text(&w.created_at),
            updated_at: ts_text(&w.updated_at),
        }
    }
}

/// The new webhook, with its signing key: shown this once, never again.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    /// The key of `X-Labelsync-Signature: sha256=<hex HMAC-SHA256 of the body>` (labelsync's).
    pub secret: String,
}

/// The body of `POST /api/webhooks/` (Label Studio's `WebhookRequest`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookRequest {
    /// A project of the caller's organization; null or absent: every project.
    pub project: Option<i64>,
    /// http:// or https://, at most 2048 characters, not a reserved address.
    #[schema(max_length = 2048, min_length = 1)]
    pub url: String,
    /// Default true.
    pub send_payload: Option<bool>,
    /// Default true.
    pub send_for_all_actions: Option<bool>,
    /// Up to 10 headers, names of letters, digits, `-` and `_`, values strings. Default `{}`.
    #[schema(value_type = Option<Object>)]
    pub headers: Option<Value>,
    /// Default true.
    pub is_active: Option<bool>,
    /// Default `[]`.
    pub actions: Option<Vec<ActionName>>,
}

/// The body of `PUT`/`PATCH /api/webhooks/{id}/` (Label Studio's
/// `WebhookSerializerForUpdateRequest`): `project` cannot change. `url` is required by PUT.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookUpdateRequest {
    #[schema(max_length = 2048, min_length = 1)]
    pub url: Option<String>,
    pub send_payload: Option<bool>,
    pub send_for_all_actions: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub headers: Option<Value>,
    pub is_active: Option<bool>,
    pub actions: Option<Vec<ActionName>>,
}

/// One action in `GET /api/webhooks/info/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionDescription {
    pub name: String,
    pub description: String,
    pub key: String,
    #[serde(rename = "organization-only")]
    pub organization_only: bool,
}

/// How a body is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Put,
    Patch,
}

/// The fields `body` gives, over `current` (the webhook being changed) or the defaults. The
/// project is parsed by the caller (create only); `url` is checked by the guard by the caller.
pub fn parse(body: &Map<String, Value>, current: Option<&Webhook>, mode: Mode) -> ApiResult<WebhookFields> {
    let mut errors = FieldErrors::new();
    let mut fields = match current {
        Some(w) => WebhookFields {
            project_id: w.project_id,
            url: w.url.clone(),
            send_payload: w.send_payload,
            send_for_all_actions: w.send_for_all_actions,
            headers: w.headers.0.clone(),
            is_active: w.is_active,
            actions: w.actions.0.clone(),
        },
        None => WebhookFields {
            project_id: None,
            url: String::new(),
            send_payload: true,
            send_for_all_actions: true,
            headers: Value::Object(Map::new()),
            is_active: true,
            actions: Vec::new(),
        },
    };
    match body.get("url") {
        Some(value) => match url(value) {
            Ok(url) => fields.url = url,
            Err(message) => add(&mut errors, "url", message),
        },
        None if mode != Mode::Patch => add(&mut errors, "url", "This field is required."),
        None => {}
    }
    for (name, slot) in [
        ("send_payload", &mut fields.send_payload),
        ("send_for_all_actions", &mut fields.send_for_all_actions),
        ("is_active", &mut fields.is_active),
    ] {
        if let Some(value) = body.get(name) {
            match boolean(value) {
                Some(b) => *slot = b,
                None => add(&mut errors, name, "Must be a valid boolean."),
            }
        }
    }
    if let Some(value) = body.get("headers") {
        match headers(value) {
            Ok(h) => fields.headers = h,
            Err(message) => add(&mut errors, "headers", message),
        }
    }
    match body.get("actions") {
        Some(value) => match actions(value) {
            Ok(a) => fields.actions = a,
            Err(message) => add(&mut errors, "actions", message),
        },
        // Label Studio's `default=[]`: a create or PUT without `actions` has none.
        None if mode != Mode::Patch => fields.actions = Vec::new(),
        None => {}
    }
    if errors.is_empty() { Ok(fields) } else { Err(ApiError::Validation(errors)) }
}

/// Label Studio's rule: a project webhook cannot have organization-only actions.
pub fn check_actions(fields: &WebhookFields) -> ApiResult<()> {
    let organization_only =
        fields.actions.iter().filter_map(|a| Action::parse(a)).any(|a| a.info().organization_only);
    if fields.project_id.is_some() && organization_only {
        return Err(ApiError::non_field("Project webhook can't contain organization-only action."));
    }
    Ok(())
}

fn add(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors.insert(field.to_owned(), Value::Array(vec![Value::String(message.into())]));
}

fn url(value: &Value) -> Result<String, String> {
    let Value::String(text) = value else { return Err("Not a valid string.".into()) };
    let text = text.trim();
    if text.is_empty() {
        return Err("This field may not be blank.".into());
    }
    if text.chars().count() > MAX_URL {
        return Err(format!("Ensure this field has no more than {MAX_URL} characters."));
    }
    match url::Url::parse(text) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(text.to_owned())
        }
        _ => Err("Enter a valid URL.".into()),
    }
}

/// Django REST framework's `BooleanField` inputs.
fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) if n.as_i64() == Some(1) => Some(true),
        Value::Number(n) if n.as_i64() == Some(0) => Some(false),
        Value::String(s) => match s.as_str() {
            "true" | "True" | "TRUE" | "1" | "on" | "On" | "ON" | "y" | "Y" | "yes" | "Yes" | "YES" | "t"
            | "T" => Some(true),
            "false" | "False" | "FALSE" | "0" | "off" | "Off" | "OFF" | "n" | "N" | "no" | "No" | "NO"
            | "f" | "F" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Label Studio's `HEADERS_SCHEMA`, and values a request can carry.
fn headers(value: &Value) -> Result<Value, String> {
    let Value::Object(map) = value else { return Err("Headers must be an object of strings.".into()) };
    if map.len() > MAX_HEADERS {
        return Err(format!("At most {MAX_HEADERS} headers are allowed."));
    }
    for (name, value) in map {
        let valid_name =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid_name {
            return Err(format!("'{name}' is not a valid header name (letters, digits, '-' and '_')."));
        }
        let Value::String(text) = value else {
            return Err(format!("The value of '{name}' must be a string."));
        };
        if http::HeaderValue::from_str(text).is_err() {
            return Err(format!("The value of '{name}' is not a valid header value."));
        }
    }
    Ok(value.clone())
}

fn actions(value: &Value) -> Result<Vec<String>, String> {
    let Value::Array(items) = value else {
        return Err(format!("Expected a list of items but got type \"{}\".", type_name(value)));
    };
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let name = match item {
            Value::String(s) => s.as_str(),
            _ => "",
        };
        match Action::parse(name) {
            Some(action) => {
                if !out.iter().any(|a| a == action.as_str()) {
                    out.push(action.as_str().to_owned());
                }
            }
            None => return Err(format!("\"{}\" is not a valid choice.", display(item))),
        }
    }
    Ok(out)
}

fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "dict",
        Value::String(_) => "str",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::Bool(_) => "bool",
        Value::Null => "NoneType",
        Value::Array(_) => "list",
    }
}
