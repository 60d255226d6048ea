//! Project fields on the wire: what a client may send and what it gets back.

use labelsync_db::orgs::User;
use labelsync_db::projects::{Project, ProjectFields, ProjectStats};
use labelsync_sync::crypto::{Binding, SecretBox};
use labelsync_sync::label_config::LabelConfig;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::fields::{self, Field, INT32, Kind, POSITIVE_INT32, TEXT};
use crate::wire::{ts, user_brief};

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

/// Label Studio's other project settings, kept in the `settings` column, with their defaults.
fn settings_fields() -> Vec<(Field, Value)> {
    vec![
        (Field::new("show_instruction", Kind::Bool), json!(false)),
        (Field::new("show_skip_button", Kind::Bool), json!(true)),
        (Field::new("enable_empty_annotation", Kind::Bool), json!(true)),
        (Field::new("show_annotation_history", Kind::Bool), json!(false)),
        (Field::new("color", Kind::Str { max_len: Some(16), allow_blank: false }), json!("#FFFFFF")),
        (Field::new("is_published", Kind::Bool), json!(false)),
        (Field::new("model_version", TEXT), json!("")),
        (Field::new("is_draft", Kind::Bool), json!(false)),
        (Field::new("min_annotations_to_start_training", POSITIVE_INT32), json!(0)),
        (Field::new("start_training_on_annotation_update", Kind::Bool), json!(false)),
        (Field::new("show_collab_predictions", Kind::Bool), json!(true)),
        (Field::new("sampling", Kind::Choice(SAMPLING)), json!("Sequential sampling")),
        (Field::new("show_ground_truth_first", Kind::Bool), json!(false)),
        (Field::new("annotator_evaluation_enabled", Kind::Bool), json!(false)),
        (Field::new("show_overlap_first", Kind::Bool), json!(false)),
        (Field::new("overlap_cohort_percentage", Kind::Int { min: Some(0), max: Some(100) }), json!(100)),
        (Field::nullable("task_data_login", TEXT), Value::Null),
        (Field::nullable("task_data_password", TEXT), Value::Null),
        (Field::nullable("control_weights", Kind::Object), Value::Null),
        (Field::new("evaluate_predictions_automatically", Kind::Bool), json!(false)),
        (Field::new("skip_queue", Kind::Choice(SKIP_QUEUE)), json!("REQUEUE_FOR_OTHERS")),
        (Field::new("reveal_preannotations_interactively", Kind::Bool), json!(false)),
        (Field::nullable("pinned_at", TEXT), Value::Null),
    ]
}

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
    let settings_spec = settings_fields();
    let mut spec: Vec<Field> = CORE.to_vec();
    spec.extend(settings_spec.iter().map(|(f, _)| *f));
    spec.extend(READ_ONLY.iter().map(|name| Field::read_only(name)));
    let valid = fields::validate(body, &spec)?;

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
    for (field, _) in &settings_spec {
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

/// A project in Label Studio's key order. `stats` is `None` right after creation, where
/// Label Studio also answers `null` counters.
pub fn project_json(project: &Project, stats: Option<&ProjectStats>, created_by: Option<&User>) -> Value {
    let config = LabelConfig::parse(&project.label_config).ok();
    let parsed = config.as_ref().map(LabelConfig::parsed).unwrap_or_default();
    let setting = |name: &str| -> Value {
        project.settings.0.get(name).cloned().unwrap_or_else(|| {
            settings_fields().into_iter().find(|(f, _)| f.name == name).map(|(_, d)| d).unwrap_or(Value::Null)
        })
    };
    let count = |f: fn(&ProjectStats) -> i64| stats.map_or(Value::Null, |s| json!(f(s)));
    let control_weights = match setting("control_weights") {
        Value::Null => {
            Value::Object(config.as_ref().map(LabelConfig::default_control_weights).unwrap_or_default())
        }
        weights => weights,
    };
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_owned(), v);
    };
    put("id", json!(project.id));
    put("title", json!(project.title.clone().unwrap_or_default()));
    put("description", json!(project.description.clone().unwrap_or_default()));
    put("label_config", json!(project.label_config));
    put("expert_instruction", json!(project.expert_instruction.clone().unwrap_or_default()));
    for name in ["show_instruction", "show_skip_button", "enable_empty_annotation", "show_annotation_history"]
    {
        put(name, setting(name));
    }
    put("organization", json!(project.organization_id));
    put("color", setting("color"));
    put("maximum_annotations", json!(project.maximum_annotations));
    for name in ["is_published", "model_version", "is_draft"] {
        put(name, setting(name));
    }
    put("created_by", created_by.map_or(Value::Null, user_brief));
    put("created_at", ts(&project.created_at));
    for name in [
        "min_annotations_to_start_training",
        "start_training_on_annotation_update",
        "show_collab_predictions",
    ] {
        put(name, setting(name));
    }
    put("num_tasks_with_annotations", count(|s| s.num_tasks_with_annotations));
    put("task_number", count(|s| s.task_number));
    put("useful_annotation_number", count(|s| s.num_tasks_with_annotations));
    put("ground_truth_number", count(|s| s.ground_truth_number));
    put("skipped_annotations_number", count(|s| s.skipped_annotations_number));
    put("total_annotations_number", count(|s| s.total_annotations_number));
    put("total_predictions_number", count(|s| s.total_predictions_number));
    for name in [
        "sampling",
        "show_ground_truth_first",
        "annotator_evaluation_enabled",
        "show_overlap_first",
        "overlap_cohort_percentage",
        "task_data_login",
    ] {
        put(name, setting(name));
    }
    // A credential: write-only like every other secret.
    put("task_data_password", Value::Null);
    put("control_weights", control_weights);
    let has_controls = !parsed.is_empty();
    put("parsed_label_config", Value::Object(parsed));
    put("evaluate_predictions_automatically", setting("evaluate_predictions_automatically"));
    put("config_has_control_tags", json!(has_controls));
    for name in ["skip_queue", "reveal_preannotations_interactively", "pinned_at"] {
        put(name, setting(name));
    }
    put("finished_task_number", count(|s| s.finished_task_number));
    put("queue_total", count(|s| s.task_number));
    put("queue_done", count(|s| s.finished_task_number));
    put(
        "config_suitable_for_bulk_annotation",
        json!(config.as_ref().is_some_and(LabelConfig::suitable_for_bulk_annotation)),
    );
    put("state", Value::Null);
    Value::Object(out)
}
