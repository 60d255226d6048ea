//! The notifications clouds send about their buckets, read into object changes of one bucket:
//!
//! - S3 (and S3-compatible stores such as MinIO): the event notification JSON (`Records`), sent
//!   directly or inside an SNS envelope (`Type: Notification`); SNS's `SubscriptionConfirmation`
//!   and `UnsubscribeConfirmation`; S3's `s3:TestEvent`.
//! - Google Cloud Storage: Pub/Sub push messages of a bucket's notification configuration
//!   (attributes `eventType`, `bucketId`, `objectId`).
//! - Azure Blob Storage: Event Grid events, in the Event Grid or the CloudEvents 1.0 schema,
//!   including Event Grid's subscription validation event.
//!
//! Pure: nothing here talks to a bucket or a database. An event is a hint about one key, not a
//! fact: the job that applies it looks the object up and acts on what the bucket holds then
//! (`super::apply`), so replays, duplicates and events delivered out of order are harmless.

use base64::Engine;
use labelsync_storage::StorageKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an event says happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Created or overwritten.
    Written,
    /// Deleted (or expired, archived, renamed away).
    Removed,
}

/// One object of the storage's bucket that an event names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEvent {
    /// The object key exactly as the bucket stores it (decoded from the notification's form).
    pub key: String,
    pub change: Change,
}

/// What a notification asks of us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Object changes in the storage's bucket, and how many events of the notification were
    /// about something else (another bucket, an event type that changes no content).
    Objects { events: Vec<ObjectEvent>, ignored: usize },
    /// SNS asks to confirm a subscription by fetching this URL.
    ConfirmSubscription { url: String },
    /// Event Grid's validation handshake: answer `{"validationResponse": code}`.
    Validate { code: String },
    /// A message that needs no action (a test event, an unsubscribe confirmation).
    Nothing(&'static str),
}

/// Reads a notification sent to a `kind` storage on `bucket` (the S3 or GCS bucket, the Azure
/// container). `Err` says why the body is not a notification this endpoint understands.
pub fn parse(kind: StorageKind, bucket: &str, body: &[u8]) -> Result<Notice, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("The body is not JSON: {e}"))?;
    match kind {
        StorageKind::S3 => s3(bucket, &value),
        StorageKind::Gcs => gcs(bucket, &value),
        StorageKind::Azure => azure(bucket, &value),
        StorageKind::Redis | StorageKind::LocalFiles => {
            Err(format!("{} storages have no bucket events", kind.as_str()))
        }
    }
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn s3(bucket: &str, value: &Value) -> Result<Notice, String> {
    match text(value, "/Type") {
        Some("SubscriptionConfirmation") => {
            let url = text(value, "/SubscribeURL")
                .ok_or("The SNS subscription confirmation has no SubscribeURL")?;
            return Ok(Notice::ConfirmSubscription { url: url.to_owned() });
        }
        Some("UnsubscribeConfirmation") => return Ok(Notice::Nothing("SNS unsubscribe confirmation")),
        Some("Notification") => {
            let message = text(value, "/Message").ok_or("The SNS notification has no Message")?;
            let inner: Value = serde_json::from_str(message)
                .map_err(|e| format!("The SNS notification's Message is not JSON: {e}"))?;
            return s3_records(bucket, &inner);
        }
        Some(other) => return Err(format!("Unknown SNS message type {other:?}")),
        None => {}
    }
    s3_records(bucket, value)
}

fn s3_records(bucket: &str, value: &Value) -> Result<Notice, String> {
    if text(value, "/Event") == Some("s3:TestEvent") {
        return Ok(Notice::Nothing("S3 test event"));
    }
    let records = value
        .get("Records")
        .and_then(Value::as_array)
        .ok_or("Not an S3 event notification: no Records array")?;
    let mut events = Vec::new();
    let mut ignored = 0;
    for record in records {
        let name = text(record, "/eventName").unwrap_or_default();
        let change = if name.starts_with("ObjectCreated:") {
            Change::Written
        } else if name.starts_with("ObjectRemoved:") || name.starts_with("LifecycleExpiration:") {
            Change::Removed
        } else {
            ignored += 1;
            continue;
        };
        let (Some(record_bucket), Some(key)) =
            (text(record, "/s3/bucket/name"), text(record, "/s3/object/key"))
        else {
            return Err(format!("An S3 {name} record has no s3.bucket.name or s3.object.key"));
        };
        if record_bucket != bucket {
            ignored += 1;
            continue;
        }
        events.push(ObjectEvent { key: s3_key(key)?, change });
    }
    Ok(Notice::Objects { events, ignored })
}

/// S3 notifications carry keys form-encoded: `+` for a space, `%XX` for other bytes.
fn s3_key(encoded: &str) -> Result<String, String> {
    let spaced = encoded.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|key| key.into_owned())
        .map_err(|_| format!("The S3 object key {encoded:?} is not URL-encoded UTF-8"))
}

fn gcs(bucket: &str, value: &Value) -> Result<Notice, String> {
    let message = value.get("message").ok_or("Not a Pub/Sub push message: no message")?;
    let attributes = message.get("attributes").ok_or("The Pub/Sub message has no attributes")?;
    let attribute = |name: &str| attributes.get(name).and_then(Value::as_str);
    let Some(event_type) = attribute("eventType") else {
        return Err("The Pub/Sub message is not a Cloud Storage notification: no eventType attribute".into());
    };
    let change = match event_type {
        "OBJECT_FINALIZE" => Change::Written,
        // An overwrite also deletes (or archives) the old generation; the new one's
        // OBJECT_FINALIZE is the event that matters.
        "OBJECT_DELETE" | "OBJECT_ARCHIVE" if attribute("overwrittenByGeneration").is_some() => {
            return Ok(Notice::Objects { events: Vec::new(), ignored: 1 });
        }
        "OBJECT_DELETE" | "OBJECT_ARCHIVE" => Change::Removed,
        _ => return Ok(Notice::Objects { events: Vec::new(), ignored: 1 }),
    };
    let (message_bucket, key) = match (attribute("bucketId"), attribute("objectId")) {
        (Some(b), Some(k)) => (b.to_owned(), k.to_owned()),
        _ => gcs_object_from_data(message)?,
    };
    if message_bucket != bucket {
        return Ok(Notice::Objects { events: Vec::new(), ignored: 1 });
    }
    Ok(Notice::Objects { events: vec![ObjectEvent { key, change }], ignored: 0 })
}

/// The bucket and name of the object resource in a message's `data` (payload format
/// `JSON_API_V1`), for messages whose attributes lack them.
fn gcs_object_from_data(message: &Value) -> Result<(String, String), String> {
    let data = text(message, "/data")
        .ok_or("The Pub/Sub message names no object (no bucketId/objectId, no data)")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| format!("The Pub/Sub message's data is not base64: {e}"))?;
    let object: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("The Pub/Sub message's data is not JSON: {e}"))?;
    match (text(&object, "/bucket"), text(&object, "/name")) {
        (Some(bucket), Some(name)) => Ok((bucket.to_owned(), name.to_owned())),
        _ => Err("The Pub/Sub message's data is not a Cloud Storage object (no bucket or name)".into()),
    }
}

fn azure(container: &str, value: &Value) -> Result<Notice, String> {
    let events: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        _ => return Err("Not an Event Grid delivery: neither an event nor an array of events".into()),
    };
    let mut out = Vec::new();
    let mut ignored = 0;
    for event in events {
        // Event Grid schema: `eventType`; CloudEvents 1.0: `type`.
        let kind = text(event, "/eventType").or_else(|| text(event, "/type")).unwrap_or_default();
        match kind {
            "Microsoft.EventGrid.SubscriptionValidationEvent" => {
                let code = text(event, "/data/validationCode")
                    .ok_or("The validation event has no validationCode")?;
                return Ok(Notice::Validate { code: code.to_owned() });
            }
            "Microsoft.Storage.BlobCreated" | "Microsoft.Storage.BlobDeleted" => {
                let change = if kind.ends_with("Created") { Change::Written } else { Change::Removed };
                let subject =
                    text(event, "/subject").ok_or_else(|| format!("A {kind} event has no subject"))?;
                match azure_blob_of_subject(subject) {
                    Some((c, key)) if c == container => out.push(ObjectEvent { key, change }),
                    Some(_) => ignored += 1,
                    None => return Err(format!("A {kind} event's subject {subject:?} names no blob")),
                }
            }
            // Storage accounts with a hierarchical namespace rename in place.
            "Microsoft.Storage.BlobRenamed" => {
                let (Some(from), Some(to)) =
                    (text(event, "/data/sourceUrl"), text(event, "/data/destinationUrl"))
                else {
                    return Err("A BlobRenamed event has no sourceUrl or destinationUrl".into());
                };
                for (url, change) in [(from, Change::Removed), (to, Change::Written)] {
                    match azure_blob_of_url(url) {
                        Some((c, key)) if c == container => out.push(ObjectEvent { key, change }),
                        Some(_) => ignored += 1,
                        None => return Err(format!("A BlobRenamed event's URL {url:?} names no blob")),
                    }
                }
            }
            _ => ignored += 1,
        }
    }
    Ok(Notice::Objects { events: out, ignored })
}

/// `/blobServices/default/containers/{container}/blobs/{name}` → (container, name).
fn azure_blob_of_subject(subject: &str) -> Option<(String, String)> {
    let rest = subject.strip_prefix("/blobServices/default/containers/")?;
    let (container, name) = rest.split_once("/blobs/")?;
    (!container.is_empty() && !name.is_empty()).then(|| (container.to_owned(), name.to_owned()))
}

/// `https://{account}.blob.core.windows.net/{container}/{name}` (or `.dfs.`) → (container,
/// name), percent-decoded.
fn azure_blob_of_url(url: &str) -> Option<(String, String)> {
    let url = url::Url::parse(url).ok()?;
    let path = url.path().strip_prefix('/')?;
    let (container, name) = path.split_once('/')?;
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8().ok().map(|s| s.into_owned());
    let (container, name) = (decode(container)?, decode(name)?);
    (!container.is_empty() && !name.is_empty()).then_some((container, name))
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
