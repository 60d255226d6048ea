//! Annotation fields on the wire: what a client may send and what it gets back.

use labelsync_db::annotations::{Annotation, AnnotationChanges};
use labelsync_db::orgs::User;
use labelsync_sync::wire::annotation::{AnnotationApi, AuthorBrief, CompletedBy};
use serde_json::{Map, Value, json};

use super::Users;
use crate::error::ApiError;
use crate::fields::schema::body_schema;
use crate::fields::{self, Field, Kind, TEXT};
use crate::wire::initials;

const FIELDS: &[Field] = &[
    Field::nullable("result", Kind::Any),
    Field::new("was_cancelled", Kind::Bool),
    Field::new("ground_truth", Kind::Bool),
    Field::nullable("lead_time", Kind::Float),
    Field::nullable("last_action", TEXT),
];

/// Fields Label Studio (and its editor) send but the server sets; accepted and ignored.
const READ_ONLY: &[&str] = &[
    "id",
    "task",
    "project",
    "completed_by",
    "created_username",
    "created_ago",
    "created_at",
    "updated_at",
    "updated_by",
    "draft_created_at",
    "import_id",
    "bulk_created",
    "parent_prediction",
    "parent_annotation",
    "last_created_by",
    "unique_id",
    "result_count",
    "prediction",
    "draft_id",
    "started_at",
];

/// Every field a create or update body may hold: [`FIELDS`], then [`READ_ONLY`].
fn spec() -> Vec<Field> {
    let mut spec: Vec<Field> = FIELDS.to_vec();
    spec.extend(READ_ONLY.iter().map(|name| Field::read_only(name)));
    spec
}

body_schema!(
    /// The body of `POST /api/tasks/{id}/annotations/` and `PATCH /api/annotations/{id}/`.
    AnnotationBody,
    fields: spec(),
    required: [],
    "An annotation's fields; on create an absent or null `result` is `[]`"
);

/// A validated create or update body. On create, an absent or null `result` is `[]`.
#[derive(Debug, Default)]
pub struct AnnotationInput {
    pub result: Option<Value>,
    pub was_cancelled: Option<bool>,
    pub ground_truth: Option<bool>,
    pub lead_time: Option<f64>,
    pub last_action: Option<String>,
}

/// Validates a body. `result` must be a list or a JSON string holding one (Label Studio's
/// rule; it answers 500 for text that is not JSON, we answer 400).
pub fn parse(body: &Map<String, Value>) -> Result<AnnotationInput, ApiError> {
    let valid = fields::validate(body, &spec())?;
    let result = match valid.get("result") {
        None => None,
        Some(Value::Null) => Some(json!([])),
        Some(value) => Some(
            labelsync_sync::tasks::parse_result(value, "annotation")
                .map_err(|why| ApiError::field("result", why))?,
        ),
    };
    Ok(AnnotationInput {
        result,
        was_cancelled: valid.get("was_cancelled").and_then(Value::as_bool),
        ground_truth: valid.get("ground_truth").and_then(Value::as_bool),
        lead_time: valid.get("lead_time").and_then(Value::as_f64),
        last_action: valid.get("last_action").and_then(Value::as_str).map(str::to_owned),
    })
}

impl AnnotationInput {
    pub fn into_changes(self) -> AnnotationChanges {
        AnnotationChanges {
            result: self.result,
            was_cancelled: self.was_cancelled,
            ground_truth: self.ground_truth,
            lead_time: self.lead_time,
            last_action: self.last_action,
        }
    }
}

/// An annotation as the API writes it. `completed_by` is the user id, or, with `expand_user`
/// (the task detail view), the user's short object.
pub fn annotation_api(annotation: &Annotation, users: &Users, expand_user: bool) -> AnnotationApi {
    let author = annotation.completed_by_id.and_then(|id| users.get(&id));
    let completed_by = match (author, expand_user) {
        (Some(user), true) => CompletedBy::User(author_brief(user)),
        _ => CompletedBy::Id(annotation.completed_by_id),
    };
    AnnotationApi::new(annotation, author, completed_by)
}

fn author_brief(user: &User) -> AuthorBrief {
    AuthorBrief {
        id: user.id,
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        avatar: None,
        email: user.email.clone(),
        initials: initials(user),
    }
}
