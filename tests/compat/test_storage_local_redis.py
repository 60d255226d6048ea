"""Local-files and Redis storages through the SDK's own clients (`client.import_storage.local/redis`,
`client.export_storage.local/redis`): create, list, get, update, validate, sync, delete, and annotations
exported to a directory and to a redis database. Syncs are awaited by polling the storage's `status`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from label_studio_sdk.client import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from storage_support import (
    IMAGE_CONFIG,
    RedisDb,
    assert_exported_annotation,
    assert_no_secrets,
    assert_storage_shape,
    raw_json,
    unique_name,
    wait_for_sync,
    wait_until,
)
from support import TEXT_CONFIG, Server, expected

CHOICE = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}]
OTHER_CHOICE = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["neg"]}}]
STORAGE_TYPES = [("s3", "AWS S3"), ("gcs", "Google Cloud Storage"), ("azure", "Microsoft Azure"),
                 ("redis", "Redis"), ("localfiles", "Local files")]


def task_data(client: LabelStudio, project_id: int) -> list[dict]:
    """The data of every task of the project, in id order."""
    return [t.data for t in client.tasks.list(project=project_id, page_size=100)]


def write(path: Path, content: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))


def test_storage_types_list(client: LabelStudio) -> None:
    """import_storage.list_types and export_storage.list_types name the five types in Label Studio's order."""
    for listed in (client.import_storage.list_types(), client.export_storage.list_types()):
        assert [(t.name, t.title) for t in listed] == STORAGE_TYPES


# --- local files ------------------------------------------------------------------------------------------


def test_local_import_storage_lifecycle(client: LabelStudio, project, local_files_root: Path,
                                        server: Server) -> None:
    """import_storage.local: create, list, get, update, validate, sync (JSON tasks, then only new files),
    delete — with each kind of credential; tasks stay after the storage is deleted."""
    p = project(using=client)
    folder = local_files_root / unique_name("local")
    write(folder / "one.json", {"data": {"text": "l1"}})
    write(folder / "many.json", [{"text": "l2"}, {"data": {"text": "l3"}}])
    local = client.import_storage.local

    created = local.create(project=p.id, path=str(folder), title="local in", use_blob_urls=False)
    assert (created.type, created.path, created.title, created.project) == ("localfiles", str(folder), "local in", p.id)
    assert created.status == "initialized"
    assert [s.id for s in local.list(project=p.id)] == [created.id]
    assert local.get(created.id).path == str(folder)
    assert_storage_shape(raw_json(local.with_raw_response.get, created.id), "localfiles", "import", server)

    # Label Studio re-validates a local-files PATCH from the payload alone, so the path is sent again.
    updated = local.update(created.id, path=str(folder), title="local renamed", description="d")
    assert (updated.title, updated.description) == ("local renamed", "d")
    assert local.get(created.id).title == "local renamed"
    assert local.validate(project=p.id, path=str(folder)) is None

    started = local.sync(created.id)
    assert started.id == created.id
    assert started.status in ("queued", "in_progress", "completed")
    done = wait_for_sync(local.get, created.id)
    assert done.last_sync_count == 3
    assert done.last_sync is not None
    assert (done.meta["attempts"], done.meta["tasks_existed"]) == (1, 0)
    assert {"time_queued", "time_in_progress", "time_completed", "duration"} <= set(done.meta)
    assert sorted(d["text"] for d in task_data(client, p.id)) == ["l1", "l2", "l3"]

    write(folder / "later.json", {"text": "l4"})
    local.sync(created.id)
    again = wait_for_sync(local.get, created.id)
    # Links dedupe per key: the three tasks of the two known files exist, one new file makes one task.
    assert (again.last_sync_count, again.meta["attempts"], again.meta["tasks_existed"]) == (1, 2, 3)
    assert sorted(d["text"] for d in task_data(client, p.id)) == ["l1", "l2", "l3", "l4"]

    local.update(created.id, path=str(folder), synchronizable=False)
    with pytest.raises(ApiError) as refused:
        local.sync(created.id)
    assert refused.value.status_code == 400
    assert refused.value.body == {"message": f"Storage {created.id} is not synchronizable"}

    local.delete(created.id)
    with pytest.raises(ApiError) as gone:
        local.get(created.id)
    assert gone.value.status_code == 404
    assert local.list(project=p.id) == []
    assert len(task_data(client, p.id)) == 4


def test_storage_errors_use_label_studio_envelope(legacy_client: LabelStudio, project, local_files_root: Path,
                                                 server: Server) -> None:
    """Storage errors through the SDK: unknown project 400 on `project`, unknown storage 404, a path outside
    the document root 400 with Label Studio's message."""
    p = project(title="storage errors")
    local = legacy_client.import_storage.local
    with pytest.raises(ApiError) as bad_project:
        local.create(project=999999, path=str(local_files_root / "x"))
    assert bad_project.value.status_code == 400
    assert bad_project.value.body["validation_errors"] == {"project": ['Invalid pk "999999" - object does not exist.']}
    for call in (local.get, local.sync, legacy_client.export_storage.local.get):
        with pytest.raises(ApiError) as missing:
            call(999999)
        assert missing.value.status_code == 404
    with pytest.raises(ApiError) as outside:
        local.create(project=p.id, path="/etc")
    assert outside.value.status_code == 400
    [message] = outside.value.body["validation_errors"]["non_field_errors"]
    assert message.startswith('Absolute local path "/etc" must be a subdirectory of LOCAL_FILES_DOCUMENT_ROOT=')
    assert local.list(project=p.id) == []


def test_imported_annotations_count_and_are_exported(legacy_client: LabelStudio, project, local_files_root: Path,
                                                   server: Server) -> None:
    """A task file with annotations and predictions imports them with the task, and the imported annotation
    is written to the project's export storage like any other."""
    c = legacy_client
    p = project(title="imported annotations")
    source, target = local_files_root / unique_name("src"), local_files_root / unique_name("dst")
    target.mkdir()
    write(source / "t.json", {"data": {"text": "a"}, "annotations": [{"result": CHOICE}],
                              "predictions": [{"result": CHOICE, "score": 0.5, "model_version": "v1"}]})
    export = c.export_storage.local.create(project=p.id, path=str(target))
    assert wait_for_sync(c.export_storage.local.get, export.id).last_sync_count == 0
    storage = c.import_storage.local.create(project=p.id, path=str(source))
    c.import_storage.local.sync(storage.id)
    assert wait_for_sync(c.import_storage.local.get, storage.id).last_sync_count == 1
    [task] = list(c.tasks.list(project=p.id))
    assert (task.data, task.total_annotations, task.total_predictions) == ({"text": "a"}, 1, 1)
    [annotation] = c.annotations.list(task.id)
    assert annotation.result == CHOICE
    written = wait_until(lambda: (target / str(annotation.id)).is_file() and (target / str(annotation.id)),
                         "the imported annotation's export")
    body = json.loads(written.read_text())
    assert (body["id"], body["result"], body["task"]["id"]) == (annotation.id, CHOICE, task.id)


def test_local_blob_import_points_at_served_files(legacy_client: LabelStudio, project, local_files_root: Path,
                                                  server: Server) -> None:
    """A local-files storage in files mode makes one task per file, under the config's data key, whose URL
    serves the file's bytes to an authenticated client."""
    p = project(title="local blobs", label_config=IMAGE_CONFIG)
    name = unique_name("blobs")
    folder = local_files_root / name
    write(folder / "a.jpg", "jpeg bytes")
    write(folder / "b.png", "png bytes")
    write(folder / "skip.txt", "not matched")
    local = legacy_client.import_storage.local
    s = local.create(project=p.id, path=str(folder), use_blob_urls=True, regex_filter=r".*\.(jpg|png)")
    local.sync(s.id)
    assert wait_for_sync(local.get, s.id).last_sync_count == 2

    urls = sorted(d["image_url"] for d in task_data(legacy_client, p.id))
    assert [u.split("/data/local-files/", 1)[1] for u in urls] == [f"?d={name}/a.jpg", f"?d={name}/b.png"]
    served = requests.get(f"{server.base_url}/data/local-files/?d={name}/a.jpg",
                          headers={"Authorization": f"Token {server.legacy_token}"}, timeout=30)
    assert (served.status_code, served.content) == (200, b"jpeg bytes")


def test_local_export_annotation_round_trip(legacy_client: LabelStudio, project, local_files_root: Path,
                                            server: Server) -> None:
    """export_storage.local: sync writes existing annotations, a new annotation appears as `<path>/<id>` with
    Label Studio's content, and deleting it removes the file only where can_delete_objects is set."""
    c = legacy_client
    p = project(title="local export")
    [first_task, second_task] = c.projects.import_tasks(
        p.id, request=[{"data": {"text": "e1"}}, {"data": {"text": "e2"}}], return_task_ids=True
    ).task_ids
    before = c.annotations.create(first_task, result=CHOICE)
    deleting, keeping = local_files_root / unique_name("out-del"), local_files_root / unique_name("out-keep")
    deleting.mkdir()
    keeping.mkdir()
    export = c.export_storage.local
    assert export.validate(project=p.id, path=str(deleting)) is None
    s_del = export.create(project=p.id, path=str(deleting), can_delete_objects=True, title="deletes")
    s_keep = export.create(project=p.id, path=str(keeping), can_delete_objects=False, title="keeps")
    assert (s_del.type, s_del.can_delete_objects, s_keep.can_delete_objects) == ("localfiles", True, False)
    assert {s.id for s in export.list(project=p.id)} == {s_del.id, s_keep.id}
    assert_storage_shape(raw_json(export.with_raw_response.get, s_del.id), "localfiles", "export", server)
    assert export.update(s_keep.id, path=str(keeping), title="keeps renamed").title == "keeps renamed"

    export.sync(s_del.id)
    synced = wait_for_sync(export.get, s_del.id)
    assert synced.last_sync_count == 1
    body = json.loads((deleting / str(before.id)).read_text())
    assert_exported_annotation(body, before, first_task, {"text": "e1"}, p.id, server.admin_email)

    after = c.annotations.create(second_task, result=CHOICE)
    for folder in (deleting, keeping):
        wait_until(lambda: (folder / str(after.id)).is_file(), f"{folder}/{after.id}")
        body = json.loads((folder / str(after.id)).read_text())
        assert_exported_annotation(body, after, second_task, {"text": "e2"}, p.id, server.admin_email)

    changed = c.annotations.update(after.id, result=OTHER_CHOICE)
    path = deleting / str(after.id)
    wait_until(lambda: json.loads(path.read_text())["result"] == OTHER_CHOICE, "the re-exported update")
    assert_exported_annotation(json.loads(path.read_text()), changed, second_task, {"text": "e2"}, p.id,
                               server.admin_email)

    c.annotations.delete(after.id)
    wait_until(lambda: not (deleting / str(after.id)).exists(), "the exported file to be deleted")
    assert (keeping / str(after.id)).is_file(), "can_delete_objects=false must keep the exported file"
    assert (deleting / str(before.id)).is_file()
    export.delete(s_del.id)
    export.delete(s_keep.id)
    assert export.list(project=p.id) == []


# --- redis --------------------------------------------------------------------------------------------------


def test_redis_import_storage_lifecycle(legacy_client: LabelStudio, project, redis_db: RedisDb,
                                        server: Server) -> None:
    """import_storage.redis: create, list, get, update, validate, sync keys under `path`, delete; the
    password is never returned."""
    c = legacy_client
    p = project(title="redis import", label_config=TEXT_CONFIG)
    redis_db.conn.set("tasks:a", json.dumps({"data": {"text": "r1"}}))
    redis_db.conn.set("tasks:b", json.dumps([{"text": "r2"}, {"text": "r3"}]))
    redis_db.conn.set("other:c", json.dumps({"text": "not under path"}))
    rs = c.import_storage.redis
    fields = dict(redis_db.storage_fields(), path="tasks:")

    created = rs.create(project=p.id, title="redis in", **fields)
    assert (created.type, created.host, created.port, created.db, created.path) == (
        "redis", redis_db.host, str(redis_db.port), redis_db.db, "tasks:")
    listed = raw_json(rs.with_raw_response.list, project=p.id)
    assert [s["id"] for s in listed] == [created.id]
    assert_no_secrets(listed, [])
    assert_storage_shape(raw_json(rs.with_raw_response.get, created.id), "redis", "import", server)
    # Label Studio re-validates a Redis import PATCH from the payload alone: connection fields are resent.
    assert rs.update(created.id, title="redis renamed", **fields).title == "redis renamed"
    assert rs.validate(project=p.id, **fields) is None

    rs.sync(created.id)
    assert wait_for_sync(rs.get, created.id).last_sync_count == 3
    assert sorted(d["text"] for d in task_data(c, p.id)) == ["r1", "r2", "r3"]

    rs.delete(created.id)
    with pytest.raises(ApiError) as gone:
        rs.get(created.id)
    assert gone.value.status_code == 404


def test_redis_import_refuses_an_unreachable_server(legacy_client: LabelStudio, project, redis_db: RedisDb) -> None:
    """import_storage.redis.validate and create answer 400 when nothing listens at host:port."""
    p = project(title="redis unreachable")
    rs = legacy_client.import_storage.redis
    for call in (rs.validate, rs.create):
        with pytest.raises(ApiError) as refused:
            call(project=p.id, host="127.0.0.1", port="1", db=redis_db.db, path="x")
        assert refused.value.status_code == 400
    assert rs.list(project=p.id) == []


def test_redis_export_annotation_round_trip(legacy_client: LabelStudio, project, redis_db: RedisDb,
                                            server: Server) -> None:
    """export_storage.redis: a new annotation is SET under its id with Label Studio's content, a sync
    re-exports it, and a password sent on update never comes back."""
    c = legacy_client
    p = project(title="redis export")
    [task_id] = c.projects.import_tasks(p.id, request=[{"data": {"text": "x1"}}], return_task_ids=True).task_ids
    export = c.export_storage.redis
    fields = redis_db.storage_fields()
    assert export.validate(project=p.id, **fields) is None
    s = export.create(project=p.id, title="redis out", can_delete_objects=True, **fields)
    assert (s.type, s.db, s.can_delete_objects) == ("redis", redis_db.db, True)
    assert [x.id for x in export.list(project=p.id)] == [s.id]
    assert_storage_shape(raw_json(export.with_raw_response.get, s.id), "redis", "export", server)

    annotation = c.annotations.create(task_id, result=CHOICE)
    stored = wait_until(lambda: redis_db.conn.get(str(annotation.id)), f"redis key {annotation.id}")
    assert_exported_annotation(json.loads(stored), annotation, task_id, {"text": "x1"}, p.id, server.admin_email)

    redis_db.conn.delete(str(annotation.id))
    export.sync(s.id)
    assert wait_for_sync(export.get, s.id).last_sync_count == 1
    assert json.loads(redis_db.conn.get(str(annotation.id)))["id"] == annotation.id

    c.annotations.delete(annotation.id)
    # DELIBERATE DIFFERENCE: labelsync honours can_delete_objects on every backend; Label Studio's Redis
    # export never deletes.
    if expected(server, labelsync=True, label_studio=False):
        wait_until(lambda: redis_db.conn.get(str(annotation.id)) is None, "the exported key to be deleted")
    else:
        assert redis_db.conn.get(str(annotation.id)) is not None

    # This redis-server has no password, so a password makes the connection fail. DELIBERATE DIFFERENCE:
    # labelsync re-checks the connection when a connection field changes (400); Label Studio does not check
    # a Redis export PATCH (200). Either way the password must not come back.
    secret = "redis-s3cret-never-returned"
    if expected(server, labelsync=True, label_studio=False):
        with pytest.raises(ApiError) as refused:
            export.update(s.id, password=secret)
        assert refused.value.status_code == 400
        assert_no_secrets(refused.value.body, [secret])
    else:
        assert_no_secrets(raw_json(export.with_raw_response.update, s.id, password=secret), [secret])
    assert_no_secrets(raw_json(export.with_raw_response.get, s.id), [secret])
    export.delete(s.id)
