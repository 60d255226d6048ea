//! Project fields on the wire: what a client may send and what it gets back.

use labelsync_db::projects::ProjectFields;
use labelsync_sync::crypto::{Binding, SecretBox};
use labelsync_sync::label_config::LabelConfig;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::fields::{self, Field, INT32, Kind, POSITIVE_INT32, TEXT};

const SAMPLING: &[&str] = &["Sequential sampling", "Uniform sampling", "Uncertainty sampling"];
const SKIP_QUEUE: &[&str] = &["REQUEUE_FOR_ME", "REQUEUE_FOR_OTHERS", "IGNORE_SKIPPED"];

/// Columns of their own.
const CORE: &[Field] = &[
    Field::nullable("title", Kind::Str { max_len: Some(50), allow_blank: true }),
    Field::nullable("description", TEXT),
    Field::new("label_config", TEXT),
    Field::nullable("expert_instruction", TEXT),
    Field::new("maximum_annotations", INT32),
];

/// Label Studio's other project settings, kept in the `settings` column (their types and
/// defaults: [`ProjectSettings`](super::response::ProjectSettings)).
const SETTINGS: &[Field] = &[
    Field::new("show_instruction", Kind::Bool),
    Field::new("show_skip_button", Kind::Bool),
    Field::new("enable_empty_annotation", Kind::Bool),
    Field::new("show_annotation_history", Kind::Bool),
    Field::new("color", Kind::Str { max_len: Some(16), allow_blank: false }),
    Field::new("is_published", Kind::Bool),
    Field::new("model_version", TEXT),
    Field::new("is_draft", Kind::Bool),
    Field::new("min_annotations_to_start_training", POSITIVE_INT32),
    Field::new("start_training_on_annotation_update", Kind::Bool),
    Field::new("show_collab_predictions", Kind::Bool),
    Field::new("sampling", Kind::Choice(SAMPLING)),
    Field::new("show_ground_truth_first", Kind::Bool),
    Field::new("annotator_evaluation_enabled", Kind::Bool),
    Field::new("show_overlap_first", Kind::Bool),
    Field::new("overlap_cohort_percentage", Kind::Int { min: Some(0), max: Some(100) }),
    Field::nullable("task_data_login", TEXT),
    Field::nullable("task_data_password", TEXT),
    Field::nullable("control_weights", Kind::Object),
    Field::new("evaluate_predictions_automatically", Kind::Bool),
    Field::new("skip_queue", Kind::Choice(SKIP_QUEUE)),
    Field::new("reveal_preannotations_interactively", Kind::Bool),
    Field::nullable("pinned_at", TEXT),
];

/// Fields Label Studio returns but computes itself; accepted on input and ignored.
const READ_ONLY: &[&str] = &[
    "id",
    "organization",
    "created_by",
    "created_at",
    "num_tasks_with_annotations",
    "task_number",
    "useful_annotation_number",
    "ground_truth_number",
    "skipped_annotations_number",
    "total_annotations_number",
    "total_predictions_number",
    "parsed_label_config",
    "config_has_control_tags",
    "finished_task_number",
    "queue_total",
    "queue_done",
    "config_suitable_for_bulk_annotation",
    "state",
];

/// Every field a create or update body may hold.
pub fn body_fields() -> Vec<Field> {
    let mut spec: Vec<Field> = CORE.to_vec();
    spec.extend_from_slice(SETTINGS);
    spec.extend(READ_ONLY.iter().map(|name| Field::read_only(name)));
    spec
}

crate::fields::schema::body_schema!(
    /// A project create (`label_config` is required) or update body.
    ProjectBody, fields: body_fields(), required: [],
    "Label Studio's project fields; the ones Label Studio computes are accepted and ignored"
);

/// A validated create or update body.
pub struct ProjectInput {
    /// The fields to store; a `task_data_password` that was sent is `null` here.
    pub fields: ProjectFields,
    /// The `task_data_password` sent, to be sealed for the project's row ([`seal_password`]).
    pub task_data_password: Option<String>,
}

/// Validates a create or update body into the fields to store. A `label_config` longer than
/// `max_config_bytes` is refused before it is parsed.
pub fn parse(
    body: &Map<String, Value>,
    current_settings: Option<&Map<String, Value>>,
    max_config_bytes: usize,
) -> Result<ProjectInput, ApiError> {
    let valid = fields::validate(body, &body_fields())?;

    if let Some(title) = valid.get("title").and_then(Value::as_str)
        && !title.is_empty()
        && title.chars().count() < 3
    {
        return Err(ApiError::field("title", "Ensure this field has at least 3 characters."));
    }
    if let Some(color) = valid.get("color").and_then(Value::as_str) {
        let hex = color.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ApiError::field("color", "Color must be in \"#RRGGBB\" format"));
        }
    }
    let label_config = match valid.get("label_config").and_then(Value::as_str) {
        Some(xml) => {
            if xml.len() > max_config_bytes {
                return Err(ApiError::field(
                    "label_config",
                    format!(
                        "Ensure this field has no more than {max_config_bytes} bytes (it has {}).",
                        xml.len()
                    ),
                ));
            }
            LabelConfig::parse(xml).map_err(|e| ApiError::field("label_config", e.0))?;
            Some(xml.to_owned())
        }
        None => None,
    };
    let text = |name: &str| valid.get(name).map(|v| v.as_str().map(str::to_owned));
    let mut settings = current_settings.cloned().unwrap_or_default();
    let mut settings_changed = current_settings.is_none();
    for field in SETTINGS {
        if let Some(value) = valid.get(field.name) {
            settings.insert(field.name.to_owned(), value.clone());
            settings_changed = true;
        }
    }
    // Write-only and encrypted at rest: never stored as sent.
    let task_data_password = match settings.get_mut("task_data_password") {
        Some(value @ Value::String(_)) if valid.contains_key("task_data_password") => {
            value.take().as_str().map(str::to_owned)
        }
        _ => None,
    };
    let fields = ProjectFields {
        title: text("title"),
        description: text("description"),
        label_config,
        expert_instruction: text("expert_instruction"),
        maximum_annotations: match valid.get("maximum_annotations") {
            Some(n) => fields::to_i32("maximum_annotations", n)?,
            None => None,
        },
        settings: settings_changed.then_some(settings),
    };
    Ok(ProjectInput { fields, task_data_password })
}

/// Seals `password` into `settings` bound to project `id`'s `task_data_password`.
pub fn seal_password(settings: &mut Map<String, Value>, password: &str, sealer: &SecretBox, id: i64) {
    let sealed = sealer.seal(password.as_bytes(), Binding::task_data_password(id));
    settings.insert("task_data_password".to_owned(), Value::String(sealed));
}
