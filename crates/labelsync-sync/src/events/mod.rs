//! Bucket event notifications (labelsync's own, `docs/label-studio-api.md` §10.18): a cloud tells
//! us which objects of an import storage's bucket were written or removed, and exactly those keys
//! are imported or reconciled, under the storage's prefix, filter and sync policies, without
//! listing the bucket.
//!
//! [`parse`] reads the providers' notification formats; the API authenticates the sender with the
//! storage's events secret and queues a [`BucketEvents`] job in its transaction; the job
//! (module `apply`) looks each key up and applies what the bucket holds.

mod apply;
pub mod parse;
pub mod secret;

use labelsync_queue::{Job, Lease};
use serde::{Deserialize, Serialize};

use crate::context::SyncContext;
pub use parse::{Change, Notice, ObjectEvent};

/// At most this many object events per job (a notification holding more is split).
pub const EVENTS_PER_JOB: usize = 1000;

/// Applies object events of one import storage. Never coalesced: each notification's events
/// are applied; replaying them changes nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BucketEvents {
    pub storage_id: i64,
    pub organization_id: Option<i64>,
    pub events: Vec<ObjectEvent>,
}

impl Job for BucketEvents {
    const JOB_NAME: &'static str = "bucket_events";
    type Context = SyncContext;

    fn organization_id(&self) -> Option<i64> {
        self.organization_id
    }

    async fn run(&self, ctx: &SyncContext, lease: &Lease) -> anyhow::Result<()> {
        apply::run(ctx, self.storage_id, &self.events, lease).await
    }
}

/// Queues `events` of import storage `storage_id` inside the caller's transaction.
pub async fn enqueue(
    tx: &mut labelsync_db::Tx,
    storage_id: i64,
    events: Vec<ObjectEvent>,
) -> crate::error::WriteResult<()> {
    let organization_id = labelsync_db::storages::organization_of(&mut *tx, storage_id).await?;
    for chunk in events.chunks(EVENTS_PER_JOB) {
        let job = BucketEvents { storage_id, organization_id, events: chunk.to_vec() };
        labelsync_queue::enqueue(&mut *tx, &job).await?;
    }
    Ok(())
}

/// Confirms an SNS subscription by fetching its `SubscribeURL`. Only an Amazon SNS endpoint
/// (`https://sns.{region}.amazonaws.com[.cn]/…`) or a host the operator allowlisted
/// (`LABELSYNC_OUTBOUND_ALLOW_HOSTS`) is fetched, and through the outbound guard: the URL comes
/// from whoever knows the storage's events secret, so it must not reach anything else.
pub async fn confirm_subscription(
    guard: &labelsync_storage::guard::NetGuard,
    url: &str,
) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| "The SubscribeURL is not a URL".to_owned())?;
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let port = parsed.port_or_known_default().unwrap_or(443);
    if !(is_sns_endpoint(&parsed, &host) || guard.is_allowlisted(&host, port)) {
        return Err(format!(
            "The SubscribeURL's host {host:?} is not an Amazon SNS endpoint (sns.<region>.amazonaws.com) \
             nor allowlisted by the operator"
        ));
    }
    match guard.get_status(url).await {
        Ok(status) if (200..300).contains(&status) => Ok(()),
        Ok(status) => Err(format!("Confirming the SNS subscription answered HTTP {status}")),
        Err(err) => Err(format!("Confirming the SNS subscription failed: {err}")),
    }
}

fn is_sns_endpoint(url: &url::Url, host: &str) -> bool {
    let region = host.strip_prefix("sns.").and_then(|rest| {
        rest.strip_suffix(".amazonaws.com").or_else(|| rest.strip_suffix(".amazonaws.com.cn"))
    });
    url.scheme() == "https"
        && region.is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

#[cfg(test)]
mod tests {
    /// Only https Amazon SNS endpoints pass without an allowlist entry.
    #[test]
    fn sns_endpoints_are_recognized() {
        let check = |u: &str| {
            let url = url::Url::parse(u).unwrap();
            super::is_sns_endpoint(&url, url.host_str().unwrap())
        };
        assert!(check("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"));
        assert!(check("https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription"));
        assert!(!check("http://sns.us-east-1.amazonaws.com/"));
        assert!(!check("https://sns.us-east-1.amazonaws.com.evil.example/"));
        assert!(!check("https://sns..amazonaws.com/"));
        assert!(!check("https://evil.example/sns.us-east-1.amazonaws.com"));
        assert!(!check("https://sns.a.b.amazonaws.com/"));
    }
}
