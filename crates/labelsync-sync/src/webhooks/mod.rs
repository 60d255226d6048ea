//! Webhooks: Label Studio's events (`label_studio/webhooks/models.py`, `WebhookAction.ACTIONS`)
//! plus labelsync's storage-sync events, emitted by the writers inside their transactions and
//! delivered by a job ([`deliver`]).
//!
//! Every writer calls one function of [`emit`] in the transaction that makes the change: it
//! finds the active webhooks that want the event, writes one `webhook_deliveries` row per
//! webhook with the exact body to send, and enqueues its delivery job. No webhook, no work
//! beyond one query. The body is Label Studio's: `{"action": …}` plus, for webhooks with
//! `send_payload`, the event's objects under Label Studio's keys and the project.

pub mod deliver;
pub mod emit;
pub mod payload;

use ring::rand::{SecureRandom, SystemRandom};

/// An event a webhook can be sent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ProjectCreated,
    ProjectUpdated,
    ProjectDeleted,
    TasksCreated,
    TasksDeleted,
    AnnotationCreated,
    AnnotationsCreated,
    AnnotationUpdated,
    AnnotationsDeleted,
    /// Label Studio's label-link actions: accepted in a webhook's `actions`, never sent
    /// (labelsync has no label links).
    LabelLinkCreated,
    LabelLinkUpdated,
    LabelLinkDeleted,
    StorageSyncStarted,
    StorageSyncCompleted,
    StorageSyncFailed,
}

/// What `GET /api/webhooks/info/` says about an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionInfo {
    pub name: &'static str,
    pub description: &'static str,
    /// The payload's key of the event's objects.
    pub key: &'static str,
    /// Only organization-wide webhooks (no `project`) get it.
    pub organization_only: bool,
}

impl Action {
    /// Every action, in Label Studio's order, labelsync's own last.
    pub const ALL: [Action; 15] = [
        Action::ProjectCreated,
        Action::ProjectUpdated,
        Action::ProjectDeleted,
        Action::TasksCreated,
        Action::TasksDeleted,
        Action::AnnotationCreated,
        Action::AnnotationsCreated,
        Action::AnnotationUpdated,
        Action::AnnotationsDeleted,
        Action::LabelLinkCreated,
        Action::LabelLinkUpdated,
        Action::LabelLinkDeleted,
        Action::StorageSyncStarted,
        Action::StorageSyncCompleted,
        Action::StorageSyncFailed,
    ];

    /// The action's wire name (`TASKS_CREATED`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::ProjectCreated => "PROJECT_CREATED",
            Action::ProjectUpdated => "PROJECT_UPDATED",
            Action::ProjectDeleted => "PROJECT_DELETED",
            Action::TasksCreated => "TASKS_CREATED",
            Action::TasksDeleted => "TASKS_DELETED",
            Action::AnnotationCreated => "ANNOTATION_CREATED",
            Action::AnnotationsCreated => "ANNOTATIONS_CREATED",
            Action::AnnotationUpdated => "ANNOTATION_UPDATED",
            Action::AnnotationsDeleted => "ANNOTATIONS_DELETED",
            Action::LabelLinkCreated => "LABEL_LINK_CREATED",
            Action::LabelLinkUpdated => "LABEL_LINK_UPDATED",
            Action::LabelLinkDeleted => "LABEL_LINK_DELETED",
            Action::StorageSyncStarted => "STORAGE_SYNC_STARTED",
            Action::StorageSyncCompleted => "STORAGE_SYNC_COMPLETED",
            Action::StorageSyncFailed => "STORAGE_SYNC_FAILED",
        }
    }

    /// The action named `name`, if any.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// Label Studio's description of the action (labelsync's for its own).
    pub const fn info(self) -> ActionInfo {
        let (name, key, organization_only) = match self {
            Action::ProjectCreated => ("Project created", "project", true),
            Action::ProjectUpdated => ("Project updated", "project", false),
            Action::ProjectDeleted => ("Project deleted", "project", true),
            Action::TasksCreated => ("Task created", "tasks", false),
            Action::TasksDeleted => ("Task deleted", "tasks", false),
            Action::AnnotationCreated => ("Annotation created", "annotation", false),
            Action::AnnotationsCreated => ("Annotations created", "annotation", false),
            Action::AnnotationUpdated => ("Annotation updated", "annotation", false),
            Action::AnnotationsDeleted => ("Annotation deleted", "annotations", false),
            Action::LabelLinkCreated => ("Label link created", "label_link", false),
            Action::LabelLinkUpdated => ("Label link updated", "label_link", false),
            Action::LabelLinkDeleted => ("Label link deleted", "label_link", false),
            Action::StorageSyncStarted => ("Storage sync started", "storage", false),
            Action::StorageSyncCompleted => ("Storage sync completed", "storage", false),
            Action::StorageSyncFailed => ("Storage sync failed", "storage", false),
        };
        ActionInfo { name, description: "", key, organization_only }
    }
}

/// A new signing key for a webhook: 32 random bytes, hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).expect("system random");
    hex::encode(bytes)
}

/// `sha256=<hex HMAC-SHA256 of body under secret>`: the `X-Labelsync-Signature` header value.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    format!("sha256={}", hex::encode(ring::hmac::sign(&key, body).as_ref()))
}

/// The header carrying [`signature`].
pub const SIGNATURE_HEADER: &str = "X-Labelsync-Signature";

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action parses back from its wire name.
    #[test]
    fn names_round_trip() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("REVIEW_CREATED"), None);
    }

    /// The signature is RFC 4231's HMAC-SHA256 test case 2 (key "Jefe").
    #[test]
    fn signature_is_hmac_sha256() {
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
