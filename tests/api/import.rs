//! `POST /api/projects/{id}/import`.

use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, assert_envelope, json, keys, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn total(app: &TestApp, project: i64) -> i64 {
    let (_, list) = app.get(&format!("/api/tasks/?project={project}")).await;
    list["total"].as_i64().unwrap()
}

/// Flat and wrapped tasks with annotations, predictions and meta are created with Label
/// Studio's response keys, counters and import defaults.
async fn flat_and_wrapped(app: TestApp) {
    let pid = app.project().await;
    let body = json!([
        {"image_url": "http://x/1.jpg"},
        {"data": {"image_url": "http://x/2.jpg", "meta_info": "x"}, "meta": {"m": 1}, "id": 777, "foo": 1},
        {"data": {"image_url": "http://x/3.jpg"},
         "annotations": [{"result": [{"from_name": "label", "to_name": "image", "type": "choices",
                                      "value": {"choices": ["pos"]}}]},
                         {"result": [], "was_cancelled": true}],
         "predictions": [{"result": [], "score": 0.42, "model_version": "m1"}, {"result": []}]},
    ]);
    let (status, created) = app.post(&format!("/api/projects/{pid}/import?return_task_ids=true"), body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        keys(&created),
        [
            "task_count",
            "annotation_count",
            "prediction_count",
            "duration",
            "file_upload_ids",
            "could_be_tasks_list",
            "found_formats",
            "data_columns",
            "task_ids"
        ]
    );
    assert_eq!((created["task_count"].as_i64(), created["annotation_count"].as_i64()), (Some(3), Some(2)));
    assert_eq!(created["prediction_count"], 2);
    let ids: Vec<i64> = created["task_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();

    let (_, second) = app.get(&format!("/api/tasks/{}/", ids[1])).await;
    assert_eq!(second["data"], json!({"image_url": "http://x/2.jpg", "meta_info": "x"}));
    assert_eq!(second["meta"], json!({"m": 1}));
    assert_eq!(second["inner_id"], 2);
    let (_, third) = app.get(&format!("/api/tasks/{}/", ids[2])).await;
    assert_eq!(
        (third["total_annotations"].as_i64(), third["cancelled_annotations"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!((third["total_predictions"].as_i64(), third["is_labeled"].as_bool()), (Some(2), Some(true)));
    let annotation = &third["annotations"][0];
    assert_eq!(annotation["ground_truth"], true);
    assert_eq!(annotation["completed_by"]["email"], "admin@example.com");
    assert_eq!(annotation["updated_by"], Value::Null);
    assert_eq!(third["predictions"][1]["model_version"], "undefined");

    let (status, one) =
        app.post(&format!("/api/projects/{pid}/import"), json!({"image_url": "single"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(one["task_count"], 1);
    assert!(one.get("task_ids").is_none());
    assert_eq!(total(&app, pid).await, 4);
}
api_test!(flat_and_wrapped);

/// Bad uploads are 400s with Label Studio's messages (never a 500), and a rejected upload
/// writes nothing, even when its first items were valid.
async fn rejected_uploads_write_nothing(app: TestApp) {
    let pid = app.project().await;
    let path = format!("/api/projects/{pid}/import");
    let cases = [
        (json!([]), "load_tasks: No tasks added"),
        (json!("hello"), "load_tasks: No data found in DATA or in FILES"),
        (json!(null), "load_tasks: No data found in DATA or in FILES"),
        (
            json!({}),
            "Error at item 0: \"image_url\" key is expected in task data [assume: item as is = task root with values]  :: {}",
        ),
    ];
    for (body, message) in cases {
        let (status, response) = app.post(&path, body).await;
        assert_envelope(status, StatusCode::BAD_REQUEST, &response);
        assert_eq!(response["validation_errors"]["non_field_errors"][0], message);
    }
    let (status, response) = app
        .post(
            &path,
            json!([{"image_url": "a"}, {"data": {"text": "x"}}, 1, {"data": "str"},
                           {"data": {"image_url": "d"}, "annotations": {"result": []}},
                           {"data": {"image_url": "z"}, "annotations": [{"result": "nope"}]}]),
        )
        .await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &response);
    let errors = response["validation_errors"]["non_field_errors"].as_array().unwrap();
    assert_eq!(errors[0], json!({}));
    assert_eq!(
        errors[1],
        "Error at item 1: \"image_url\" key is expected in task data [assume: item[\"data\"] = task root with values] :: {'data': {'text': 'x'}}"
    );
    assert!(errors[2].as_str().unwrap().starts_with("Error at item 2: Task root must be dict"));
    assert_eq!(errors[3], "Error at item 3: Task[data] must be dict or list :: {'data': 'str'}");
    assert!(errors[4].as_str().unwrap().contains("Task[annotations] must be list"));
    assert!(errors[5].as_str().unwrap().starts_with("Error at item 5: annotation \"result\""));
    let request =
        app.request(Method::POST, &path).header("content-type", "application/json").body("[{\"image_url\": ");
    let (status, response) = send(request).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &response);
    let (status, response) =
        app.post(&format!("{path}?return_task_ids=perhaps"), json!([{"image_url": "a"}])).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &response);
    assert_eq!(total(&app, pid).await, 0);
}
api_test!(rejected_uploads_write_nothing);

/// `commit_to_project=false` counts without creating anything.
async fn dry_run(app: TestApp) {
    let pid = app.project().await;
    let (status, body) = app
        .post(
            &format!("/api/projects/{pid}/import?commit_to_project=false"),
            json!([{"image_url": "a", "annotations": []}]),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["task_count"], 1);
    assert_eq!(
        (body["annotation_count"].clone(), body["prediction_count"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(total(&app, pid).await, 0);
}
api_test!(dry_run);

/// 2,000 tasks with an annotation and a prediction each import in one request, with
/// consecutive inner ids and correct project totals.
async fn two_thousand_tasks(app: TestApp) {
    let pid = app.project().await;
    let tasks: Vec<Value> = (0..2000)
        .map(|i| {
            json!({"data": {"image_url": format!("http://x/{i}.jpg")},
                        "annotations": [{"result": [{"from_name": "label", "to_name": "image",
                            "type": "choices", "value": {"choices": ["pos"]}}]}],
                        "predictions": [{"result": [], "score": 0.5}]})
        })
        .collect();
    let ids = app.import(pid, Value::Array(tasks)).await;
    assert_eq!(ids.len(), 2000);
    let (_, list) = app.get(&format!("/api/tasks/?project={pid}&page_size=1&page=2000")).await;
    assert_eq!((list["total"].as_i64(), list["total_annotations"].as_i64()), (Some(2000), Some(2000)));
    assert_eq!(list["total_predictions"], 2000);
    let last = &list["tasks"][0];
    assert_eq!((last["id"].as_i64(), last["inner_id"].as_i64()), (ids.last().copied(), Some(2000)));
    assert_eq!(last["data"]["image_url"], "http://x/1999.jpg");
    assert_eq!(last["is_labeled"], true);
    let (_, project) = app.get(&format!("/api/projects/{pid}/")).await;
    assert_eq!(project["num_tasks_with_annotations"], 2000);
}
api_test!(two_thousand_tasks);

/// A body over the server's limit is a 413 and writes nothing.
async fn oversize_upload(app: TestApp) {
    let pid = app.project().await;
    let big = "x".repeat(5 * 1024 * 1024);
    let (status, body) = app.post(&format!("/api/projects/{pid}/import"), json!([{"image_url": big}])).await;
    assert_envelope(status, StatusCode::PAYLOAD_TOO_LARGE, &body);
    assert_eq!(total(&app, pid).await, 0);
}
api_test!(oversize_upload);

/// Annotators cannot import; another organization's administrator gets 404; an unknown
/// project is 404 (a JSON envelope, where Label Studio sends an HTML page).
async fn who_may_import(app: TestApp) {
    let pid = app.project().await;
    let path = format!("/api/projects/{pid}/import");
    let token = app.user("ann@example.com", Role::Annotator).await;
    let (status, body) =
        send(app.request_as(&token, Method::POST, &path).json(&json!([{"image_url": "a"}]))).await;
    assert_envelope(status, StatusCode::FORBIDDEN, &body);
    let (_, other) = app.other_org("eve@example.com").await;
    let (status, body) =
        send(app.request_as(&other, Method::POST, &path).json(&json!([{"image_url": "a"}]))).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    let (status, body) = app.post("/api/projects/999999/import", json!([{"image_url": "a"}])).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    assert_eq!(total(&app, pid).await, 0);
}
api_test!(who_may_import);
