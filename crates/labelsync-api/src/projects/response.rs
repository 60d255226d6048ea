//! A project as Label Studio returns it: every field in Label Studio's key order, settings typed
//! with their defaults, counters `null` right after creation (as Label Studio answers them).

use labelsync_db::orgs::User;
use labelsync_db::projects::{Project, ProjectStats};
use labelsync_sync::label_config::LabelConfig;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::wire::{UserBrief, ts_text};

/// Label Studio's project settings that have no column of their own (the `settings` column),
/// with Label Studio's defaults for the ones never set.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProjectSettings {
    pub show_instruction: bool,
    pub show_skip_button: bool,
    pub enable_empty_annotation: bool,
    pub show_annotation_history: bool,
    pub color: String,
    pub is_published: bool,
    pub model_version: String,
    pub is_draft: bool,
    pub min_annotations_to_start_training: i64,
    pub start_training_on_annotation_update: bool,
    pub show_collab_predictions: bool,
    pub sampling: String,
    pub show_ground_truth_first: bool,
    pub annotator_evaluation_enabled: bool,
    pub show_overlap_first: bool,
    pub overlap_cohort_percentage: i64,
    pub task_data_login: Option<String>,
    /// Sealed at rest; never returned.
    #[serde(skip_serializing)]
    pub task_data_password: Option<String>,
    pub control_weights: Option<Map<String, Value>>,
    pub evaluate_predictions_automatically: bool,
    pub skip_queue: String,
    pub reveal_preannotations_interactively: bool,
    pub pinned_at: Option<String>,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        ProjectSettings {
            show_instruction: false,
            show_skip_button: true,
            enable_empty_annotation: true,
            show_annotation_history: false,
            color: "#FFFFFF".into(),
            is_published: false,
            model_version: String::new(),
            is_draft: false,
            min_annotations_to_start_training: 0,
            start_training_on_annotation_update: false,
            show_collab_predictions: true,
            sampling: "Sequential sampling".into(),
            show_ground_truth_first: false,
            annotator_evaluation_enabled: false,
            show_overlap_first: false,
            overlap_cohort_percentage: 100,
            task_data_login: None,
            task_data_password: None,
            control_weights: None,
            evaluate_predictions_automatically: false,
            skip_queue: "REQUEUE_FOR_OTHERS".into(),
            reveal_preannotations_interactively: false,
            pinned_at: None,
        }
    }
}

impl ProjectSettings {
    /// The settings of a stored project: what it set, defaults for the rest.
    pub fn of(project: &Project) -> ApiResult<ProjectSettings> {
        serde_json::from_value(Value::Object(project.settings.0.clone())).map_err(|e| {
            ApiError::internal(anyhow::Error::new(e).context(format!("project {} settings", project.id)))
        })
    }
}

/// A project, in Label Studio's key order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectResponse {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub label_config: String,
    pub expert_instruction: String,
    pub show_instruction: bool,
    pub show_skip_button: bool,
    pub enable_empty_annotation: bool,
    pub show_annotation_history: bool,
    pub organization: i64,
    pub color: String,
    pub maximum_annotations: i32,
    pub is_published: bool,
    pub model_version: String,
    pub is_draft: bool,
    pub created_by: Option<UserBrief>,
    pub created_at: String,
    pub min_annotations_to_start_training: i64,
    pub start_training_on_annotation_update: bool,
    pub show_collab_predictions: bool,
    pub num_tasks_with_annotations: Option<i64>,
    pub task_number: Option<i64>,
    pub useful_annotation_number: Option<i64>,
    pub ground_truth_number: Option<i64>,
    pub skipped_annotations_number: Option<i64>,
    pub total_annotations_number: Option<i64>,
    pub total_predictions_number: Option<i64>,
    pub sampling: String,
    pub show_ground_truth_first: bool,
    pub annotator_evaluation_enabled: bool,
    pub show_overlap_first: bool,
    pub overlap_cohort_percentage: i64,
    pub task_data_login: Option<String>,
    /// Write-only like every other credential: always null.
    #[schema(value_type = Option<String>)]
    pub task_data_password: Option<()>,
    /// Per control tag: its weight and its labels' weights.
    pub control_weights: Map<String, Value>,
    /// The label config's control tags, as Label Studio parses them.
    pub parsed_label_config: Map<String, Value>,
    pub evaluate_predictions_automatically: bool,
    pub config_has_control_tags: bool,
    pub skip_queue: String,
    pub reveal_preannotations_interactively: bool,
    pub pinned_at: Option<String>,
    pub finished_task_number: Option<i64>,
    pub queue_total: Option<i64>,
    pub queue_done: Option<i64>,
    pub config_suitable_for_bulk_annotation: bool,
    /// Always null (Label Studio Enterprise's workflow state).
    #[schema(value_type = Option<String>)]
    pub state: Option<()>,
}

impl ProjectResponse {
    /// `project` with its counters (`None` right after creation) and its author.
    pub fn new(
        project: &Project,
        stats: Option<&ProjectStats>,
        created_by: Option<&User>,
    ) -> ApiResult<ProjectResponse> {
        let settings = ProjectSettings::of(project)?;
        let config = LabelConfig::parse(&project.label_config).ok();
        let parsed = config.as_ref().map(LabelConfig::parsed).unwrap_or_default();
        let count = |f: fn(&ProjectStats) -> i64| stats.map(f);
        let control_weights = settings
            .control_weights
            .clone()
            .unwrap_or_else(|| config.as_ref().map(LabelConfig::default_control_weights).unwrap_or_default());
        Ok(ProjectResponse {
            id: project.id,
            title: project.title.clone().unwrap_or_default(),
            description: project.description.clone().unwrap_or_default(),
            label_config: project.label_config.clone(),
            expert_instruction: project.expert_instruction.clone().unwrap_or_default(),
            show_instruction: settings.show_instruction,
            show_skip_button: settings.show_skip_button,
            enable_empty_annotation: settings.enable_empty_annotation,
            show_annotation_history: settings.show_annotation_history,
            organization: project.organization_id,
            color: settings.color,
            maximum_annotations: project.maximum_annotations,
            is_published: settings.is_published,
            model_version: settings.model_version,
            is_draft: settings.is_draft,
            created_by: created_by.map(UserBrief::of),
            created_at: ts_text(&project.created_at),
            min_annotations_to_start_training: settings.min_annotations_to_start_training,
            start_training_on_annotation_update: settings.start_training_on_annotation_update,
            show_collab_predictions: settings.show_collab_predictions,
            num_tasks_with_annotations: count(|s| s.num_tasks_with_annotations),
            task_number: count(|s| s.task_number),
            useful_annotation_number: count(|s| s.num_tasks_with_annotations),
            ground_truth_number: count(|s| s.ground_truth_number),
            skipped_annotations_number: count(|s| s.skipped_annotations_number),
            total_annotations_number: count(|s| s.total_annotations_number),
            total_predictions_number: count(|s| s.total_predictions_number),
            sampling: settings.sampling,
            show_ground_truth_first: settings.show_ground_truth_first,
            annotator_evaluation_enabled: settings.annotator_evaluation_enabled,
            show_overlap_first: settings.show_overlap_first,
            overlap_cohort_percentage: settings.overlap_cohort_percentage,
            task_data_login: settings.task_data_login,
            task_data_password: None,
            control_weights,
            config_has_control_tags: !parsed.is_empty(),
            parsed_label_config: parsed,
            evaluate_predictions_automatically: settings.evaluate_predictions_automatically,
            skip_queue: settings.skip_queue,
            reveal_preannotations_interactively: settings.reveal_preannotations_interactively,
            pinned_at: settings.pinned_at,
            finished_task_number: count(|s| s.finished_task_number),
            queue_total: count(|s| s.task_number),
            queue_done: count(|s| s.finished_task_number),
            config_suitable_for_bulk_annotation: config
                .as_ref()
                .is_some_and(LabelConfig::suitable_for_bulk_annotation),
            state: None,
        })
    }
}
