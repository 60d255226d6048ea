//! Payloads as the providers document them (AWS "Event message structure", SNS HTTP/S
//! notifications, Cloud Storage Pub/Sub notifications, Azure Blob Storage Event Grid schema).

use serde_json::json;

use super::*;

fn parse_json(kind: StorageKind, bucket: &str, value: Value) -> Result<Notice, String> {
    parse(kind, bucket, value.to_string().as_bytes())
}

fn written(key: &str) -> ObjectEvent {
    ObjectEvent { key: key.into(), change: Change::Written }
}

fn removed(key: &str) -> ObjectEvent {
    ObjectEvent { key: key.into(), change: Change::Removed }
}

fn s3_record(event: &str, bucket: &str, key: &str) -> Value {
    json!({
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-12-05T12:00:00.000Z", "eventName": event,
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "s3": {
            "s3SchemaVersion": "1.0", "configurationId": "labelsync",
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3EXAMPLE"}, "arn": format!("arn:aws:s3:::{bucket}")},
            "object": {"key": key, "size": 1024, "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0055AED6DCD90281E5"}
        }
    })
}

/// S3 records: created and removed keys of the bucket (form-encoded keys decoded), other
/// buckets and event types ignored.
#[test]
fn s3_records_become_object_events() {
    let body = json!({"Records": [
        s3_record("ObjectCreated:Put", "media", "images/a+b%2Bc%C3%A9.jpg"),
        s3_record("ObjectRemoved:Delete", "media", "images/old.jpg"),
        s3_record("LifecycleExpiration:Delete", "media", "images/expired.jpg"),
        s3_record("ObjectCreated:Put", "other-bucket", "x.jpg"),
        s3_record("ObjectTagging:Put", "media", "images/a.jpg"),
    ]});
    let notice = parse_json(StorageKind::S3, "media", body).unwrap();
    assert_eq!(
        notice,
        Notice::Objects {
            events: vec![
                written("images/a b+cé.jpg"),
                removed("images/old.jpg"),
                removed("images/expired.jpg")
            ],
            ignored: 2
        }
    );
}

/// The same records wrapped in an SNS notification; SNS subscription and unsubscribe messages,
/// and S3's test event.
#[test]
fn sns_envelopes_and_control_messages() {
    let inner = json!({"Records": [s3_record("ObjectCreated:CompleteMultipartUpload", "media", "v.mp4")]});
    let envelope = json!({
        "Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:labelsync", "Subject": "Amazon S3 Notification",
        "Message": inner.to_string(), "Timestamp": "2026-12-05T12:00:00.000Z", "SignatureVersion": "1",
        "Signature": "EXAMPLE", "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService.pem",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
    });
    assert_eq!(
        parse_json(StorageKind::S3, "media", envelope).unwrap(),
        Notice::Objects { events: vec![written("v.mp4")], ignored: 0 }
    );
    let confirm = json!({
        "Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37", "TopicArn": "arn:aws:sns:us-east-1:123456789012:labelsync",
        "Message": "You have chosen to subscribe to the topic …",
        "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn&Token=2336412f37",
        "Timestamp": "2026-12-05T12:00:00.000Z"
    });
    assert_eq!(
        parse_json(StorageKind::S3, "media", confirm).unwrap(),
        Notice::ConfirmSubscription {
            url: "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn&Token=2336412f37".into()
        }
    );
    let unsubscribe = json!({"Type": "UnsubscribeConfirmation", "SubscribeURL": "https://sns.example/"});
    assert!(matches!(parse_json(StorageKind::S3, "media", unsubscribe).unwrap(), Notice::Nothing(_)));
    let test_event = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-12-05T12:00:00.000Z",
        "Bucket": "media", "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"});
    assert!(matches!(parse_json(StorageKind::S3, "media", test_event).unwrap(), Notice::Nothing(_)));
}

/// Bodies that are no notification get a reason, not a panic or a silent success.
#[test]
fn malformed_bodies_are_refused_with_a_reason() {
    assert!(parse(StorageKind::S3, "b", b"not json").unwrap_err().contains("not JSON"));
    assert!(parse_json(StorageKind::S3, "b", json!({"hello": 1})).unwrap_err().contains("Records"));
    let bad_record = json!({"Records": [{"eventName": "ObjectCreated:Put"}]});
    assert!(parse_json(StorageKind::S3, "b", bad_record).unwrap_err().contains("s3.object.key"));
    let bad_key = json!({"Records": [s3_record("ObjectCreated:Put", "b", "%FF")]});
    assert!(parse_json(StorageKind::S3, "b", bad_key).unwrap_err().contains("UTF-8"));
    let bad_sns = json!({"Type": "Notification", "Message": "{"});
    assert!(parse_json(StorageKind::S3, "b", bad_sns).unwrap_err().contains("Message is not JSON"));
    assert!(
        parse_json(StorageKind::Gcs, "b", json!({"message": {"data": "e30="}}))
            .unwrap_err()
            .contains("attributes")
    );
    assert!(parse_json(StorageKind::Azure, "c", json!("text")).unwrap_err().contains("Event Grid"));
    assert!(parse_json(StorageKind::Redis, "b", json!({})).unwrap_err().contains("no bucket events"));
}

fn pubsub(event_type: &str, bucket: &str, object: &str, extra: Value) -> Value {
    let resource =
        json!({"kind": "storage#object", "bucket": bucket, "name": object, "generation": "1733400000000000"});
    let mut attributes = json!({
        "bucketId": bucket, "objectId": object, "eventType": event_type, "eventTime": "2026-12-05T12:00:00.000000Z",
        "notificationConfig": format!("projects/_/buckets/{bucket}/notificationConfigs/1"),
        "objectGeneration": "1733400000000000", "payloadFormat": "JSON_API_V1"
    });
    attributes.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    json!({
        "message": {
            "attributes": attributes,
            "data": base64::engine::general_purpose::STANDARD.encode(resource.to_string()),
            "messageId": "2070443601311540", "publishTime": "2026-12-05T12:00:00.123Z"
        },
        "subscription": "projects/my-project/subscriptions/labelsync"
    })
}

/// Pub/Sub push messages: finalize and delete of the bucket's objects; the delete that an
/// overwrite sends, metadata updates and other buckets are ignored; a message without
/// bucketId/objectId attributes is read from its data.
#[test]
fn gcs_pubsub_messages_become_object_events() {
    let parse_gcs = |v| parse_json(StorageKind::Gcs, "media", v).unwrap();
    let one = |event| Notice::Objects { events: vec![event], ignored: 0 };
    let ignored = Notice::Objects { events: vec![], ignored: 1 };
    assert_eq!(
        parse_gcs(pubsub("OBJECT_FINALIZE", "media", "a b/ç.json", json!({}))),
        one(written("a b/ç.json"))
    );
    assert_eq!(
        parse_gcs(pubsub("OBJECT_DELETE", "media", "gone.json", json!({}))),
        one(removed("gone.json"))
    );
    let overwritten = json!({"overwrittenByGeneration": "1733400000000001"});
    assert_eq!(parse_gcs(pubsub("OBJECT_DELETE", "media", "a.json", overwritten)), ignored);
    assert_eq!(parse_gcs(pubsub("OBJECT_METADATA_UPDATE", "media", "a.json", json!({}))), ignored);
    assert_eq!(parse_gcs(pubsub("OBJECT_FINALIZE", "other", "a.json", json!({}))), ignored);
    let mut bare = pubsub("OBJECT_FINALIZE", "media", "from-data.json", json!({}));
    let attributes = bare.pointer_mut("/message/attributes").unwrap().as_object_mut().unwrap();
    attributes.remove("bucketId");
    attributes.remove("objectId");
    assert_eq!(parse_gcs(bare), one(written("from-data.json")));
}

fn grid(event_type: &str, container: &str, blob: &str) -> Value {
    json!({
        "topic": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct",
        "subject": format!("/blobServices/default/containers/{container}/blobs/{blob}"),
        "eventType": event_type, "id": "831e1650-001e-001b-66ab-eeb76e069631", "eventTime": "2026-12-05T12:00:00.0000000Z",
        "data": {
            "api": "PutBlob", "clientRequestId": "6d79dbfb-0e37-4fc4-981f-442c9ca89a8c",
            "requestId": "831e1650-001e-001b-66ab-eeb76e000000", "eTag": "0x8D4BCC2E4835CD0",
            "contentType": "image/jpeg", "contentLength": 524288, "blobType": "BlockBlob",
            "url": format!("https://acct.blob.core.windows.net/{container}/{blob}"),
            "sequencer": "00000000000004420000000000028963", "storageDiagnostics": {"batchId": "b68529f3-68cd-4744-baa4-3c0498ec19f0"}
        },
        "dataVersion": "", "metadataVersion": "1"
    })
}

/// Event Grid batches (both schemas) of created, deleted and renamed blobs; other containers
/// and event types ignored; the validation handshake.
#[test]
fn azure_event_grid_events_become_object_events() {
    let mut renamed = grid("Microsoft.Storage.BlobRenamed", "media", "new.json");
    renamed["data"]["sourceUrl"] = json!("https://acct.dfs.core.windows.net/media/dir/old%20name.json");
    renamed["data"]["destinationUrl"] = json!("https://acct.dfs.core.windows.net/media/new.json");
    let batch = json!([
        grid("Microsoft.Storage.BlobCreated", "media", "images/a b.jpg"),
        grid("Microsoft.Storage.BlobDeleted", "media", "images/old.jpg"),
        grid("Microsoft.Storage.BlobCreated", "other", "x.jpg"),
        grid("Microsoft.Storage.BlobTierChanged", "media", "images/a b.jpg"),
        renamed,
    ]);
    assert_eq!(
        parse_json(StorageKind::Azure, "media", batch).unwrap(),
        Notice::Objects {
            events: vec![
                written("images/a b.jpg"),
                removed("images/old.jpg"),
                removed("dir/old name.json"),
                written("new.json")
            ],
            ignored: 2
        }
    );
    let cloud_event = json!({
        "specversion": "1.0", "type": "Microsoft.Storage.BlobCreated",
        "source": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct",
        "id": "9aeb0fdf-c01e-0131-0922-9eb54906e209", "time": "2026-12-05T12:00:00.0000000Z",
        "subject": "/blobServices/default/containers/media/blobs/ce.json", "data": {"api": "PutBlob"}
    });
    assert_eq!(
        parse_json(StorageKind::Azure, "media", cloud_event).unwrap(),
        Notice::Objects { events: vec![written("ce.json")], ignored: 0 }
    );
    let validation = json!([{
        "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66", "topic": "/subscriptions/0000", "subject": "",
        "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
                 "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/x/validate?id=1&t=2&apiVersion=2018-05-01-preview&token=1A1A1A1A"},
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "eventTime": "2026-12-05T12:00:00.0000000Z",
        "metadataVersion": "1", "dataVersion": "1"
    }]);
    assert_eq!(
        parse_json(StorageKind::Azure, "media", validation).unwrap(),
        Notice::Validate { code: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6".into() }
    );
}
