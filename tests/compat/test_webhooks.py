"""Webhooks through the official SDK: `client.webhooks.create/list/get/update/delete/info`, and a delivery
of `TASKS_CREATED` to a receiver on loopback, signed with the key from the create answer (labelsync's)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List, Tuple

import pytest
from label_studio_sdk.client import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from support import Server


class Receiver:
    """An HTTP server on 127.0.0.1 recording every POST (headers, body)."""

    def __init__(self) -> None:
        self.received: List[Tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, action: str, timeout: float = 30.0) -> Tuple[dict, bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for headers, body in list(self.received):
                if json.loads(body).get("action") == action:
                    return headers, body
            time.sleep(0.1)
        raise AssertionError(f"no {action} delivery within {timeout} s: {self.received}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.httpd.shutdown()


def test_webhook_crud_through_the_sdk(legacy_client: LabelStudio, project) -> None:
    """create answers Label Studio's fields and defaults; list filters by project; get, update (PATCH)
    and delete work; another project's filter does not list it."""
    p = project()
    other = project(title="compat other")
    hook = legacy_client.webhooks.create(url="http://127.0.0.1:9/compat", project=p.id, headers={"X-Compat": "1"})
    try:
        assert (hook.project, hook.send_payload, hook.send_for_all_actions, hook.is_active) == (p.id, True, True, True)
        assert hook.headers == {"X-Compat": "1"}
        assert hook.actions == []
        assert [w.id for w in legacy_client.webhooks.list(project=str(p.id))] == [hook.id]
        assert hook.id not in [w.id for w in legacy_client.webhooks.list(project=str(other.id))]
        assert hook.id in [w.id for w in legacy_client.webhooks.list()]
        assert legacy_client.webhooks.get(hook.id).url == "http://127.0.0.1:9/compat"
        updated = legacy_client.webhooks.update(
            hook.id, send_for_all_actions=False, actions=["TASKS_CREATED"], is_active=False
        )
        assert (updated.send_for_all_actions, updated.actions, updated.is_active) == (False, ["TASKS_CREATED"], False)
        assert updated.project == p.id
    finally:
        legacy_client.webhooks.delete(hook.id)
    with pytest.raises(ApiError) as err:
        legacy_client.webhooks.get(hook.id)
    assert err.value.status_code == 404


def test_webhook_info_through_the_sdk(legacy_client: LabelStudio) -> None:
    """info describes the actions; organization_only=True keeps the organization-only ones."""
    info = legacy_client.webhooks.info()
    assert info.tasks_created.key == "tasks"
    assert info.tasks_created.organization_only is False
    only = legacy_client.webhooks.info(organization_only=True)
    assert only.project_created.organization_only is True
    assert only.tasks_created is None


def test_webhook_delivery_is_signed(legacy_client: LabelStudio, project, receiver: Receiver, server: Server) -> None:
    """Importing tasks delivers TASKS_CREATED to the webhook with the tasks, and X-Labelsync-Signature is
    the HMAC-SHA256 of the body under the key returned once by create."""
    if server.is_label_studio:
        pytest.skip("the signature is labelsync's")
    p = project()
    hook = legacy_client.webhooks.create(url=receiver.url, project=p.id)
    try:
        secret = hook.model_extra["secret"] if hook.model_extra else hook.secret  # type: ignore[attr-defined]
        legacy_client.projects.import_tasks(p.id, request=[{"data": {"text": "hello"}}])
        headers, body = receiver.wait_for("TASKS_CREATED")
        payload = json.loads(body)
        assert [t["data"] for t in payload["tasks"]] == [{"text": "hello"}]
        assert payload["project"]["id"] == p.id
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-labelsync-signature"] == f"sha256={digest}"
    finally:
        legacy_client.webhooks.delete(hook.id)
