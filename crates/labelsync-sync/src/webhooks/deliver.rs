//! Sending one delivery: the stored body, signed with the webhook's key, POSTed through the
//! network guard with the webhook's headers. A 2xx answer delivers it; anything else is a failed
//! attempt the queue retries with backoff; a URL the guard refuses is not retried.

use labelsync_db::webhooks::{self, Attempt};
use labelsync_queue::{Lease, Permanent};
use labelsync_storage::Error as StorageError;
use labelsync_storage::guard::post_json;
use serde_json::Value;

use super::{SIGNATURE_HEADER, signature};
use crate::context::SyncContext;
use crate::crypto::Binding;

/// Runs delivery `delivery_id`; see the module documentation. A delivery already delivered or
/// failed, or whose webhook is gone, is done.
pub async fn run(ctx: &SyncContext, delivery_id: i64, lease: &Lease) -> anyhow::Result<()> {
    let Some(delivery) = webhooks::find_delivery(&ctx.db, delivery_id).await? else { return Ok(()) };
    if delivery.status != "pending" {
        return Ok(());
    }
    let Some(hook) = webhooks::find_unscoped(&ctx.db, delivery.webhook_id).await? else { return Ok(()) };
    let number = lease.attempt();
    let fail = |error: String| async move {
        let attempt = Attempt { number, status_code: None, error: Some(&error) };
        webhooks::record_attempt(&ctx.db, delivery_id, &attempt).await?;
        Err::<(), anyhow::Error>(Permanent(error).into())
    };
    if !hook.is_active {
        return fail("the webhook is not active".to_owned()).await;
    }
    let Some(sealed) = hook.secret.as_deref() else {
        return fail("the webhook has no signing key".into()).await;
    };
    let Ok(secret) = ctx.secrets.open(sealed, Binding::webhook_secret(hook.id)) else {
        return fail("the webhook's signing key cannot be decrypted (LABELSYNC_SECRET_KEY changed)".into())
            .await;
    };
    let mut headers: Vec<(String, String)> = match &hook.headers.0 {
        Value::Object(map) => map
            .iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case(SIGNATURE_HEADER))
            .filter_map(|(name, value)| value.as_str().map(|v| (name.clone(), v.to_owned())))
            .collect(),
        _ => Vec::new(),
    };
    let body = delivery.body.into_bytes();
    headers.push((SIGNATURE_HEADER.to_owned(), signature(&secret, &body)));
    let settings = &ctx.settings;
    let sent = post_json(
        &ctx.guard,
        &hook.url,
        &headers,
        body,
        settings.webhook_timeout,
        settings.webhook_max_response_bytes,
    )
    .await;
    let (status_code, error) = match sent {
        Ok(answer) if (200..300).contains(&answer.status) => (Some(i32::from(answer.status)), None),
        Ok(answer) => {
            let snippet: String = answer.body.chars().take(500).collect();
            (Some(i32::from(answer.status)), Some(format!("HTTP {}: {snippet}", answer.status)))
        }
        Err(StorageError::Blocked(reason)) => return fail(reason).await,
        Err(err) => (None, Some(err.to_string())),
    };
    let attempt = Attempt { number, status_code, error: error.as_deref() };
    webhooks::record_attempt(&ctx.db, delivery_id, &attempt).await?;
    match error {
        None => Ok(()),
        Some(error) => Err(anyhow::anyhow!(error)),
    }
}
