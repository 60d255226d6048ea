//! Webhooks of organizations and projects (`webhooks`) and their deliveries
//! (`webhook_deliveries`): written by the API and by every writer that emits an event, read back
//! by the delivery job.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::conn::with_conn;
use crate::{Ex, Result};

/// One webhook. `secret` is the sealed signing key (never sent to a client after creation).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Webhook {
    pub id: i64,
    pub organization_id: i64,
    pub project_id: Option<i64>,
    pub url: String,
    pub send_payload: bool,
    pub send_for_all_actions: bool,
    /// Extra request headers: an object of strings.
    pub headers: Json<Value>,
    pub is_active: bool,
    /// The actions it is sent for when not `send_for_all_actions`: a list of names.
    pub actions: Json<Vec<String>>,
    pub secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Webhook {
    /// True when this webhook wants `action`.
    pub fn wants(&self, action: &str) -> bool {
        self.is_active && (self.send_for_all_actions || self.actions.0.iter().any(|a| a == action))
    }
}

/// The settable fields of a webhook.
#[derive(Debug, Clone)]
pub struct WebhookFields {
    pub project_id: Option<i64>,
    pub url: String,
    pub send_payload: bool,
    pub send_for_all_actions: bool,
    pub headers: Value,
    pub is_active: bool,
    pub actions: Vec<String>,
}

const COLUMNS: &str = "id, organization_id, project_id, url, send_payload, send_for_all_actions, headers, \
                       is_active, actions, secret, created_at, updated_at";

/// A new webhook of organization `organization_id` (its secret is set once the id is known).
pub async fn insert(ex: impl Into<Ex<'_>>, organization_id: i64, f: &WebhookFields) -> Result<Webhook> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Webhook>(&format!(
            "insert into webhooks (organization_id, project_id, url, send_payload, send_for_all_actions, \
             headers, is_active, actions, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning {COLUMNS}"
        ))
        .bind(organization_id)
        .bind(f.project_id)
        .bind(&f.url)
        .bind(f.send_payload)
        .bind(f.send_for_all_actions)
        .bind(Json(&f.headers))
        .bind(f.is_active)
        .bind(Json(&f.actions))
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// Stores the sealed signing key of webhook `id`.
pub async fn set_secret(ex: impl Into<Ex<'_>>, id: i64, sealed: &str) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query("update webhooks set secret = $2 where id = $1")
            .bind(id)
            .bind(sealed)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Webhook `id` of organization `organization_id`.
pub async fn find(ex: impl Into<Ex<'_>>, organization_id: i64, id: i64) -> Result<Option<Webhook>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Webhook>(&format!(
            "select {COLUMNS} from webhooks where id = $1 and organization_id = $2"
        ))
        .bind(id)
        .bind(organization_id)
        .fetch_optional(c)
        .await
    })
}

/// Webhook `id` whatever its organization: for the delivery job.
pub async fn find_unscoped(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<Webhook>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Webhook>(&format!("select {COLUMNS} from webhooks where id = $1"))
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

/// Which webhooks of an organization a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectFilter {
    All,
    /// Organization-wide webhooks only (`project` is null).
    None,
    Project(i64),
}

/// The organization's webhooks, oldest first.
pub async fn list(
    ex: impl Into<Ex<'_>>,
    organization_id: i64,
    filter: ProjectFilter,
) -> Result<Vec<Webhook>> {
    let (condition, project) = match filter {
        ProjectFilter::All => ("", None),
        ProjectFilter::None => (" and project_id is null", None),
        ProjectFilter::Project(id) => (" and project_id = $2", Some(id)),
    };
    with_conn!(ex, |c| {
        let sql = format!("select {COLUMNS} from webhooks where organization_id = $1{condition} order by id");
        let mut query = sqlx::query_as::<_, Webhook>(&sql).bind(organization_id);
        if let Some(project) = project {
            query = query.bind(project);
        }
        query.fetch_all(c).await
    })
}

/// The active webhooks of organization `organization_id` that want `action` about project
/// `project_id` (its own webhooks and the organization-wide ones; only the organization-wide
/// ones when `project_id` is `None`).
pub async fn active_for(
    ex: impl Into<Ex<'_>>,
    organization_id: i64,
    project_id: Option<i64>,
    action: &str,
) -> Result<Vec<Webhook>> {
    let all = with_conn!(ex, |c| {
        sqlx::query_as::<_, Webhook>(&format!(
            "select {COLUMNS} from webhooks where organization_id = $1 and is_active = $2 \
             and (project_id is null or project_id = $3) order by id"
        ))
        .bind(organization_id)
        .bind(true)
        .bind(project_id.unwrap_or(0))
        .fetch_all(c)
        .await
    })?;
    Ok(all.into_iter().filter(|w| w.wants(action)).collect())
}

/// Replaces the settable fields of webhook `id` (the project stays).
pub async fn update(ex: impl Into<Ex<'_>>, id: i64, f: &WebhookFields) -> Result<Webhook> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Webhook>(&format!(
            "update webhooks set url = $2, send_payload = $3, send_for_all_actions = $4, headers = $5, \
             is_active = $6, actions = $7, updated_at = $8 where id = $1 returning {COLUMNS}"
        ))
        .bind(id)
        .bind(&f.url)
        .bind(f.send_payload)
        .bind(f.send_for_all_actions)
        .bind(Json(&f.headers))
        .bind(f.is_active)
        .bind(Json(&f.actions))
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// Deletes webhook `id` with its deliveries.
pub async fn delete(ex: impl Into<Ex<'_>>, id: i64) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query("delete from webhooks where id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected() > 0)
    })
}

/// One event for one webhook.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub action: String,
    /// The exact bytes sent (and signed).
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub status_code: Option<i32>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, action, body, status, status_code, attempts, last_error, \
                                created_at, last_attempt_at, delivered_at";

/// A pending delivery of `body` for `action` to webhook `webhook_id`; returns its id.
pub async fn insert_delivery(
    ex: impl Into<Ex<'_>>,
    webhook_id: i64,
    action: &str,
    body: &str,
) -> Result<i64> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>(
            "insert into webhook_deliveries (webhook_id, action, body, status, created_at) \
             values ($1, $2, $3, 'pending', $4) returning id",
        )
        .bind(webhook_id)
        .bind(action)
        .bind(body)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// Delivery `id`.
pub async fn find_delivery(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<Delivery>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Delivery>(&format!(
            "select {DELIVERY_COLUMNS} from webhook_deliveries where id = $1"
        ))
        .bind(id)
        .fetch_optional(c)
        .await
    })
}

/// What one attempt of a delivery got.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// The attempt's number, from 1.
    pub number: i32,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// Why the attempt did not deliver; `None` when it did.
    pub error: Option<&'a str>,
}

/// Records an attempt of delivery `id`: `delivered` when it succeeded, else still `pending`
/// with its error (a delivered one keeps the error of the attempt before, if any).
pub async fn record_attempt(ex: impl Into<Ex<'_>>, id: i64, attempt: &Attempt<'_>) -> Result<()> {
    let now = crate::now();
    let (status, delivered_at) = match attempt.error {
        None => ("delivered", Some(now)),
        Some(_) => ("pending", None),
    };
    with_conn!(ex, |c| {
        sqlx::query(
            "update webhook_deliveries set status = $2, status_code = $3, attempts = $4, \
             last_error = coalesce($5, last_error), last_attempt_at = $6, delivered_at = $7 where id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(attempt.status_code)
        .bind(attempt.number)
        .bind(attempt.error)
        .bind(now)
        .bind(delivered_at)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Marks delivery `id` failed for good, keeping `error` when no attempt recorded one.
pub async fn fail_delivery(ex: impl Into<Ex<'_>>, id: i64, error: &str) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query(
            "update webhook_deliveries set status = 'failed', last_error = coalesce(last_error, $2) \
             where id = $1",
        )
        .bind(id)
        .bind(error)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// How many deliveries webhook `webhook_id` has.
pub async fn delivery_count(ex: impl Into<Ex<'_>>, webhook_id: i64) -> Result<i64> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>("select count(*) from webhook_deliveries where webhook_id = $1")
            .bind(webhook_id)
            .fetch_one(c)
            .await
    })
}

/// A page of webhook `webhook_id`'s deliveries, newest first.
pub async fn deliveries_page(
    ex: impl Into<Ex<'_>>,
    webhook_id: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<Delivery>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Delivery>(&format!(
            "select {DELIVERY_COLUMNS} from webhook_deliveries where webhook_id = $1 \
             order by id desc limit $2 offset $3"
        ))
        .bind(webhook_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await
    })
}
