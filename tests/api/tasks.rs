//! `/api/tasks/`, `/api/tasks/{id}/` and `/api/projects/{id}/tasks/`.

use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, assert_envelope, json, keys, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const SIMPLE_KEYS: &[&str] = &[
    "id",
    "data",
    "meta",
    "created_at",
    "updated_at",
    "is_labeled",
    "overlap",
    "inner_id",
    "total_annotations",
    "cancelled_annotations",
    "total_predictions",
    "comment_count",
    "unresolved_comment_count",
    "last_comment_updated_at",
    "project",
    "updated_by",
    "file_upload",
    "comment_authors",
];

const LIST_KEYS: &[&str] = &[
    "id",
    "drafts",
    "annotators",
    "inner_id",
    "cancelled_annotations",
    "total_annotations",
    "total_predictions",
    "annotations_results",
    "predictions_results",
    "file_upload",
    "storage_filename",
    "annotations_ids",
    "predictions_model_versions",
    "updated_by",
    "data",
    "meta",
    "created_at",
    "updated_at",
    "is_labeled",
    "overlap",
    "comment_count",
    "unresolved_comment_count",
    "last_comment_updated_at",
    "project",
    "comment_authors",
];

const DETAIL_KEYS: &[&str] = &[
    "id",
    "predictions",
    "annotations",
    "drafts",
    "annotators",
    "inner_id",
    "cancelled_annotations",
    "total_annotations",
    "total_predictions",
    "completed_at",
    "annotations_results",
    "predictions_results",
    "predictions_score",
    "file_upload",
    "storage_filename",
    "annotations_ids",
    "predictions_model_versions",
    "avg_lead_time",
    "draft_exists",
    "updated_by",
    "data",
    "meta",
    "created_at",
    "updated_at",
    "is_labeled",
    "overlap",
    "comment_count",
    "unresolved_comment_count",
    "last_comment_updated_at",
    "project",
    "comment_authors",
];

/// A task is created, read, changed and deleted with Label Studio's fields in its order.
async fn lifecycle(app: TestApp) {
    let pid = app.project().await;
    let (status, created) = app
        .post(
            "/api/tasks/",
            json!({"project": pid, "data": {"image_url": "http://x/1.jpg"}, "meta": {"a": 1},
                   "annotations": [{"result": []}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(keys(&created), SIMPLE_KEYS);
    assert_eq!(created["inner_id"], 1);
    assert_eq!(created["total_annotations"], 0, "inline annotations are ignored");
    let id = created["id"].as_i64().unwrap();

    let (status, got) = app.get(&format!("/api/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&got), DETAIL_KEYS);
    assert_eq!(got["meta"], json!({"a": 1}));
    assert_eq!(got["storage_filename"], Value::Null);

    let (status, patched) = app
        .patch(
            &format!("/api/tasks/{id}/"),
            json!({"data": {"image_url": "http://x/2.jpg", "extra": 1}, "meta": {"k": "v"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let mut expected: Vec<&str> = SIMPLE_KEYS.to_vec();
    expected.extend(["annotations", "predictions"]);
    assert_eq!(keys(&patched), expected);
    assert_eq!(patched["data"]["extra"], 1);
    assert!(patched["updated_by"].as_i64().is_some());
    let (status, put) = app.put(&format!("/api/tasks/{id}/"), json!({"is_labeled": true})).await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["is_labeled"], true);

    let (status, _) = app.delete(&format!("/api/tasks/{id}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get(&format!("/api/tasks/{id}/")).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    assert_eq!(body["detail"], "No Task matches the given query.");
}
api_test!(lifecycle);

/// `POST /api/tasks/` refuses what Label Studio refuses, with its messages.
async fn create_validation(app: TestApp) {
    let pid = app.project().await;
    let (status, body) = app.post("/api/tasks/", json!({})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["project"][0], "This field is required.");
    assert_eq!(body["validation_errors"]["data"][0], "This field is required.");
    let (status, body) =
        app.post("/api/tasks/", json!({"project": 999_999, "data": {"image_url": "x"}})).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    assert_eq!(body["detail"], "No Project matches the given query.");
    let missing =
        "\"image_url\" key is expected in task data [assume: item[\"data\"] = task root with values]";
    for data in [json!({"text": "x"}), json!([1, 2]), json!("str")] {
        let (status, body) = app.post("/api/tasks/", json!({"project": pid, "data": data})).await;
        assert_envelope(status, StatusCode::BAD_REQUEST, &body);
        assert_eq!(body["validation_errors"]["non_field_errors"][0], missing);
    }
    let (status, body) = app.post("/api/tasks/", json!({"project": pid, "data": {"image_url": 5}})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert!(
        body["validation_errors"]["non_field_errors"][0]
            .as_str()
            .unwrap()
            .starts_with("data['image_url']=5 is of type 'int'")
    );
    let (status, body) = app.post("/api/tasks/", json!({"project": "many", "data": {}, "colour": 1})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["project"][0], "A valid integer is required.");
    let (_, list) = app.get(&format!("/api/tasks/?project={pid}")).await;
    assert_eq!(list["total"], 0, "nothing was created: {list}");
}
api_test!(create_validation);

/// PATCH `data` must be an object (Label Studio 500s and keeps the string); moving a task
/// to another project is a 404; the task is left as it was.
async fn patch_validation(app: TestApp) {
    let pid = app.project().await;
    let other = app.project().await;
    let id = app.import(pid, json!([{"image_url": "a"}])).await[0];
    let path = format!("/api/tasks/{id}/");
    let (status, body) = app.patch(&path, json!({"data": "str"})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["data"][0], "Expected a dictionary of items but got type \"str\".");
    let (status, body) = app.patch(&path, json!({"overlap": "x", "foo": 1})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    let (status, body) = app.patch(&path, json!({"project": other})).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    let request =
        app.request(Method::PATCH, &path).header("content-type", "application/json").body("{\"data\": ");
    let (status, body) = send(request).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    let (status, got) = app.get(&path).await;
    assert_eq!(status, StatusCode::OK, "the task still serves: {got}");
    assert_eq!(got["data"], json!({"image_url": "a"}));
}
api_test!(patch_validation);

/// `/api/tasks/?project=` pages through tasks in id order with project-wide totals; the page
/// past the end is 404, as the SDK's pager expects.
async fn list_pages(app: TestApp) {
    let pid = app.project().await;
    let ids = app
        .import(
            pid,
            json!([{"image_url": "1"}, {"image_url": "2"},
                   {"data": {"image_url": "3"}, "annotations": [{"result": []}],
                    "predictions": [{"result": [], "model_version": "m1"}]},
                   {"image_url": "4"}, {"image_url": "5"}]),
        )
        .await;
    let (status, page1) = app.get(&format!("/api/tasks/?project={pid}&page_size=2")).await;
    assert_eq!(status, StatusCode::OK, "{page1}");
    assert_eq!(keys(&page1), ["total_annotations", "total_predictions", "total", "tasks"]);
    assert_eq!((page1["total"].as_i64(), page1["total_annotations"].as_i64()), (Some(5), Some(1)));
    assert_eq!(page1["total_predictions"], 1);
    assert_eq!(keys(&page1["tasks"][0]), LIST_KEYS);
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, body) =
            app.get(&format!("/api/tasks/?project={pid}&page_size=2&page={page}&fields=all")).await;
        assert_eq!(status, StatusCode::OK);
        for task in body["tasks"].as_array().unwrap() {
            seen.push(task["id"].as_i64().unwrap());
        }
    }
    assert_eq!(seen, ids);
    let (status, _) = app.get(&format!("/api/tasks/?project={pid}&page_size=2&page=4")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, all) = app.get(&format!("/api/tasks/?project={pid}&fields=all")).await;
    let third = &all["tasks"][2];
    assert_eq!(keys(third), DETAIL_KEYS);
    assert!(third["annotations"][0]["completed_by"].as_i64().is_some());
    assert_eq!(third["predictions_model_versions"], "m1");
    assert!(third["annotations_results"].as_str().unwrap().starts_with('['));
}
api_test!(list_pages);

/// Without `project` the list is a 404; a non-numeric or unknown project is refused.
async fn list_requires_project(app: TestApp) {
    let (status, body) = app.get("/api/tasks/").await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    assert_eq!(body["detail"], "Neither project nor view id specified");
    let (status, body) = app.get("/api/tasks/?project=abc").await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert!(body["validation_errors"]["project"].is_string(), "{body}");
    let (status, body) = app.get("/api/tasks/?project=999999").await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
}
api_test!(list_requires_project);

/// A blob task stored as `{"$undefined$": uri}` is served under the config's first data key
/// by every route that serves tasks.
async fn undefined_key_renamed(app: TestApp) {
    let pid = app.project().await;
    let task = labelsync_db::tasks::NewTask {
        data: json!({"$undefined$": "s3://bucket/a.jpg"}),
        meta: json!({}),
        inner_id: 1,
        overlap: 1,
        is_labeled: false,
        total_annotations: 0,
        cancelled_annotations: 0,
        total_predictions: 0,
        allow_skip: true,
    };
    let id = labelsync_db::tasks::insert_many(&app.db, pid, &[task]).await.unwrap()[0];
    let expected = json!({"image_url": "s3://bucket/a.jpg"});
    let (_, got) = app.get(&format!("/api/tasks/{id}/")).await;
    assert_eq!(got["data"], expected);
    let (_, list) = app.get(&format!("/api/tasks/?project={pid}")).await;
    assert_eq!(list["tasks"][0]["data"], expected);
    let (_, nested) = app.get(&format!("/api/projects/{pid}/tasks/")).await;
    assert_eq!(nested[0]["data"], expected);
    let (_, export) = app.get(&format!("/api/projects/{pid}/export?download_all_tasks=true")).await;
    assert_eq!(export[0]["data"], expected);
    let (_, patched) = app.patch(&format!("/api/tasks/{id}/"), json!({"meta": {}})).await;
    assert_eq!(patched["data"], expected);
}
api_test!(undefined_key_renamed);

/// `/api/projects/{id}/tasks/` is a bare list, most recently updated first, 404 when the
/// project has no tasks or the page is past the end; DELETE removes every task.
async fn project_tasks(app: TestApp) {
    let pid = app.project().await;
    let path = format!("/api/projects/{pid}/tasks/");
    let (status, _) = app.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let ids = app.import(pid, json!([{"image_url": "1"}, {"image_url": "2"}, {"image_url": "3"}])).await;
    app.patch(&format!("/api/tasks/{}/", ids[0]), json!({"meta": {"touched": true}})).await;
    let (status, list) = app.get(&format!("{path}?page_size=2")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["id"].as_i64(), Some(ids[0]), "most recently updated first");
    assert!(list[0]["annotations"].is_array() && list[0]["predictions"].is_array());
    let (_, all) = app.get(&format!("{path}?page_size=-1")).await;
    assert_eq!(all.as_array().unwrap().len(), 3);
    let (status, body) = app.get(&format!("{path}?page=9")).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    assert_eq!(body["detail"], "Not found.");
    let (status, _) = app.delete(&path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = app.get(&format!("/api/tasks/?project={pid}")).await;
    assert_eq!(list["total"], 0);
}
api_test!(project_tasks);

/// An annotator reads tasks but cannot create, change or delete them.
async fn annotator_cannot_manage_tasks(app: TestApp) {
    let pid = app.project().await;
    let id = app.import(pid, json!([{"image_url": "a"}])).await[0];
    let token = app.user("ann@example.com", Role::Annotator).await;
    let as_annotator =
        |method: Method, path: String, body: Value| send(app.request_as(&token, method, &path).json(&body));
    let (status, _) = as_annotator(Method::GET, format!("/api/tasks/{id}/"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = as_annotator(Method::GET, format!("/api/tasks/?project={pid}"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let forbidden = [
        (Method::POST, "/api/tasks/".to_owned(), json!({"project": pid, "data": {"image_url": "b"}})),
        (Method::PATCH, format!("/api/tasks/{id}/"), json!({"meta": {}})),
        (Method::PUT, format!("/api/tasks/{id}/"), json!({"meta": {}})),
        (Method::DELETE, format!("/api/tasks/{id}/"), json!({})),
        (Method::DELETE, format!("/api/projects/{pid}/tasks/"), json!({})),
    ];
    for (method, path, body) in forbidden {
        let (status, body) = as_annotator(method.clone(), path.clone(), body).await;
        assert_envelope(status, StatusCode::FORBIDDEN, &body);
    }
    let (_, list) = app.get(&format!("/api/tasks/?project={pid}")).await;
    assert_eq!(list["total"], 1);
}
api_test!(annotator_cannot_manage_tasks);

/// Another organization's administrator gets 404 on every task route of the first.
async fn other_org_sees_404(app: TestApp) {
    let pid = app.project().await;
    let id = app.import(pid, json!([{"image_url": "a"}])).await[0];
    let (_, token) = app.other_org("eve@example.com").await;
    let routes = [
        (Method::GET, format!("/api/tasks/?project={pid}")),
        (Method::GET, format!("/api/tasks/{id}/")),
        (Method::PATCH, format!("/api/tasks/{id}/")),
        (Method::PUT, format!("/api/tasks/{id}/")),
        (Method::DELETE, format!("/api/tasks/{id}/")),
        (Method::GET, format!("/api/projects/{pid}/tasks/")),
        (Method::DELETE, format!("/api/projects/{pid}/tasks/")),
        (Method::POST, "/api/tasks/".to_owned()),
    ];
    for (method, path) in routes {
        let request = app
            .request_as(&token, method.clone(), &path)
            .json(&json!({"project": pid, "data": {"image_url": "x"}, "meta": {}}));
        let (status, body) = send(request).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    let (_, got) = app.get(&format!("/api/tasks/{id}/")).await;
    assert_eq!(got["id"].as_i64(), Some(id), "the owner still sees it");
}
api_test!(other_org_sees_404);

/// A task imported with an annotation (as a storage sync imports task files) lists the
/// annotation's author in `updated_by`, as Label Studio lists the importing user; a task without
/// annotations lists nobody.
async fn imported_annotations_fill_updated_by(app: TestApp) {
    let project = app.project().await;
    let result =
        json!([{"from_name": "label", "to_name": "image", "type": "choices", "value": {"choices": ["pos"]}}]);
    let ids = app
        .import(project, json!([{"data": {"image_url": "a.jpg"}, "annotations": [{"result": result}]}, {"image_url": "b.jpg"}]))
        .await;
    let (_, me) = app.get("/api/current-user/whoami").await;
    let (_, labeled) = app.get(&format!("/api/tasks/{}/", ids[0])).await;
    assert_eq!(labeled["updated_by"], json!([{"user_id": me["id"]}]), "{labeled}");
    let (_, bare) = app.get(&format!("/api/tasks/{}/", ids[1])).await;
    assert_eq!(bare["updated_by"], json!([]), "{bare}");
}
api_test!(imported_annotations_fill_updated_by);
