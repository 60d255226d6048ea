"""Helpers shared by the compatibility tests: SDK clients, pagination, JWT inspection, and the one
switch for places where labelsync deliberately differs from Label Studio."""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, List, Optional, TypeVar

from label_studio_sdk.client import LabelStudio
from label_studio_sdk.core.api_error import ApiError

T = TypeVar("T")

ADMIN_EMAIL = "admin@example.com"
# 40 hex characters, the shape of a Label Studio legacy token.
ADMIN_TOKEN = "0123456789abcdef0123456789abcdef01234567"

TEXT_CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>'
)


@dataclass(frozen=True)
class Server:
    """The server under test: labelsync started by conftest, or any server named by LABELSYNC_COMPAT_URL."""

    base_url: str
    legacy_token: str
    admin_email: str
    is_label_studio: bool
    local_files_root: Optional[Path]
    log_path: Optional[Path]


def make_client(server: Server, api_key: str) -> LabelStudio:
    """An SDK client that fails fast: no retries (a wrong 5xx or 409 fails at once instead of after ~3 s of
    backoff) and no redirects (the SDK turns a redirected POST into a GET, so a server must never redirect)."""
    return LabelStudio(
        base_url=server.base_url,
        api_key=api_key,
        max_retries=0,
        timeout=30,
        follow_redirects=False,
    )


def pages(pager: Iterable[T]) -> List[List[T]]:
    """The non-empty pages of an SDK pager, in order. Like the SDK's own iterator, a 404 after the first
    page ends the listing (Label Studio answers 404 "Invalid page." past the end)."""
    result: List[List[T]] = []
    try:
        for page in pager.iter_pages():  # type: ignore[attr-defined]
            if page.items:
                result.append(list(page.items))
    except ApiError as exc:
        if exc.status_code != 404 or not result:
            raise
    return result


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, without checking its signature."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def forged_jwt(**claims: Any) -> str:
    """An HS256 JWT signed with a key no server knows."""
    import jwt

    return jwt.encode(claims, "not-the-server-key-" + os.urandom(8).hex(), algorithm="HS256")


def now() -> int:
    return int(time.time())


def expected(server: Server, *, labelsync: Any, label_studio: Any) -> Any:
    """A DELIBERATE DIFFERENCE between labelsync and Label Studio 1.23.2: the value the server under test
    should give. Every call site is one entry of the compatibility notes; grep for `expected(`."""
    return label_studio if server.is_label_studio else labelsync
