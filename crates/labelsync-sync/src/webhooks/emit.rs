//! Emitting an event inside the writer's transaction: Label Studio's `emit_webhooks_for_instance`
//! (`label_studio/webhooks/utils.py`), with the HTTP request replaced by a delivery row and its
//! job, so the event exists if and only if the change commits.
//!
//! Writers call [`listeners`], build the event's objects only when [`Listeners::want_payload`],
//! then [`Listeners::send`]. The helpers below ([`tasks_created`], [`storage_event`], …) do it for
//! the events several writers share.

use labelsync_db::projects::{self, Project};
use labelsync_db::storages;
use labelsync_db::webhooks::{self, Webhook};
use labelsync_db::{Tx, tasks};
use labelsync_queue::EnqueueError;
use serde_json::{Map, Value, json};

use super::{Action, payload};
use crate::jobs::DeliverWebhook;

/// The webhooks that want one event.
#[derive(Debug)]
pub struct Listeners {
    action: Action,
    organization_id: i64,
    hooks: Vec<Webhook>,
}

/// The active webhooks of `organization_id` that want `action` about `project_id` (the
/// project's own and the organization-wide ones; organization-only actions pass `None`).
pub async fn listeners(
    tx: &mut Tx,
    organization_id: i64,
    project_id: Option<i64>,
    action: Action,
) -> labelsync_db::Result<Listeners> {
    let project_id = if action.info().organization_only { None } else { project_id };
    let hooks = webhooks::active_for(&mut *tx, organization_id, project_id, action.as_str()).await?;
    Ok(Listeners { action, organization_id, hooks })
}

impl Listeners {
    pub fn is_empty(&self) -> bool {
        self.hooks.is_empty()
    }

    /// True when some webhook sends the payload (so its objects are worth loading).
    pub fn want_payload(&self) -> bool {
        self.hooks.iter().any(|h| h.send_payload)
    }

    /// Writes a delivery per webhook and enqueues its job, in `tx`. The body is
    /// `{"action": …}`, plus `objects` and the serialized `project` (when there are objects)
    /// for webhooks that send the payload.
    pub async fn send(
        self,
        tx: &mut Tx,
        project: Option<&Project>,
        objects: Map<String, Value>,
    ) -> labelsync_db::Result<()> {
        if self.hooks.is_empty() {
            return Ok(());
        }
        let mut full = Map::new();
        full.insert("action".into(), json!(self.action.as_str()));
        if self.want_payload() && !objects.is_empty() {
            full.extend(objects);
            if let Some(project) = project {
                let stats = projects::stats(&mut *tx, &[project.id]).await?;
                full.insert("project".into(), payload::project(project, stats.first()));
            }
        }
        let full = serde_json::to_string(&full).unwrap_or_default();
        let bare = json!({"action": self.action.as_str()}).to_string();
        for hook in &self.hooks {
            let body = if hook.send_payload { &full } else { &bare };
            let delivery_id =
                webhooks::insert_delivery(&mut *tx, hook.id, self.action.as_str(), body).await?;
            let job = DeliverWebhook {
                delivery_id,
                webhook_id: hook.id,
                organization_id: Some(self.organization_id),
            };
            labelsync_queue::enqueue(&mut *tx, &job).await.map_err(|err| match err {
                EnqueueError::Database(err) => err,
                other => labelsync_db::Error::Protocol(other.to_string()),
            })?;
        }
        Ok(())
    }
}

/// The objects map of one key.
fn one(key: &str, value: Value) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(key.to_owned(), value);
    map
}

/// `TASKS_CREATED` for tasks `ids` just created in `project` (an import, a task create, a sync).
pub async fn tasks_created(tx: &mut Tx, project: &Project, ids: &[i64]) -> labelsync_db::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let hooks = listeners(tx, project.organization_id, Some(project.id), Action::TasksCreated).await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let objects = if hooks.want_payload() {
        let rows = tasks::find_many(&mut *tx, ids).await?;
        one("tasks", Value::Array(rows.iter().map(payload::task).collect()))
    } else {
        Map::new()
    };
    hooks.send(tx, Some(project), objects).await
}

/// `TASKS_DELETED` for tasks `ids` of project `project_id` (their rows may be gone already).
pub async fn tasks_deleted(tx: &mut Tx, project_id: i64, ids: &[i64]) -> labelsync_db::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    project_event(tx, project_id, Action::TasksDeleted, |_| one("tasks", payload::ids(ids))).await
}

/// An event about project `project_id` whose objects need nothing but the project.
pub async fn project_event(
    tx: &mut Tx,
    project_id: i64,
    action: Action,
    objects: impl FnOnce(&Project) -> Map<String, Value>,
) -> labelsync_db::Result<()> {
    let Some(project) = projects::find_unscoped(&mut *tx, project_id).await? else { return Ok(()) };
    let hooks = listeners(tx, project.organization_id, Some(project.id), action).await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let objects = if hooks.want_payload() { objects(&project) } else { Map::new() };
    hooks.send(tx, Some(&project), objects).await
}

/// `PROJECT_CREATED` or `PROJECT_UPDATED` for `project` as it now is.
pub async fn project_saved(tx: &mut Tx, project: &Project, action: Action) -> labelsync_db::Result<()> {
    let hooks = listeners(tx, project.organization_id, Some(project.id), action).await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let objects = if hooks.want_payload() {
        let stats = projects::stats(&mut *tx, &[project.id]).await?;
        one("project", payload::project(project, stats.first()))
    } else {
        Map::new()
    };
    // `PROJECT_CREATED` is organization-only: Label Studio sends it without a project of the
    // event, so the payload is the project object alone.
    let of = (action == Action::ProjectUpdated).then_some(project);
    hooks.send(tx, of, objects).await
}

/// `PROJECT_DELETED` for project `project_id` of `organization_id` (`{"project": {"id": …}}`).
pub async fn project_deleted(tx: &mut Tx, organization_id: i64, project_id: i64) -> labelsync_db::Result<()> {
    let hooks = listeners(tx, organization_id, None, Action::ProjectDeleted).await?;
    hooks.send(tx, None, one("project", json!({"id": project_id}))).await
}

/// `ANNOTATION_CREATED` or `ANNOTATION_UPDATED` for annotation `annotation_id` as saved in `tx`:
/// the annotation, its task and its project.
pub async fn annotation_saved(tx: &mut Tx, annotation_id: i64, action: Action) -> labelsync_db::Result<()> {
    let Some(annotation) = labelsync_db::annotations::find_unscoped(&mut *tx, annotation_id).await? else {
        return Ok(());
    };
    let Some(project) = projects::find_unscoped(&mut *tx, annotation.project_id).await? else {
        return Ok(());
    };
    let hooks = listeners(tx, project.organization_id, Some(project.id), action).await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let mut objects = Map::new();
    if hooks.want_payload() {
        objects.insert("annotation".into(), payload::annotation(&annotation));
        if let Some(task) = tasks::find_unscoped(&mut *tx, annotation.task_id).await? {
            objects.insert("task".into(), payload::task(&task));
        }
    }
    hooks.send(tx, Some(&project), objects).await
}

/// `ANNOTATIONS_DELETED` for annotations `ids` of project `project_id`.
pub async fn annotations_deleted(tx: &mut Tx, project_id: i64, ids: &[i64]) -> labelsync_db::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    project_event(tx, project_id, Action::AnnotationsDeleted, |_| one("annotations", payload::ids(ids))).await
}

/// `STORAGE_SYNC_STARTED`, `…_COMPLETED` or `…_FAILED` for storage `storage_id` as recorded in
/// `tx`: the storage object ([`payload::storage`]) and its project.
pub async fn storage_event(tx: &mut Tx, storage_id: i64, action: Action) -> labelsync_db::Result<()> {
    let Some(storage) = storages::find_unscoped(&mut *tx, storage_id).await? else { return Ok(()) };
    project_event(tx, storage.project_id, action, |_| one("storage", payload::storage(&storage))).await
}
