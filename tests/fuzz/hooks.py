"""schemathesis hooks for labelsync (loaded through SCHEMATHESIS_HOOKS by run.py).

The fuzzer calls every operation, including the ones that change the caller's own credentials:
`POST /api/current-user/reset-token/` replaces its legacy token, and `POST /api/jwt/settings` can turn
off the kind of token it authenticates with. These hooks keep the fuzzing user able to log in, as a real
client would: a reset token is picked up from the response, and token settings are switched back on
after each change, with whichever kind of token is still accepted.
"""

from __future__ import annotations

import os
import threading
import time

import requests
import schemathesis

BASE_URL = os.environ["LABELSYNC_FUZZ_URL"]
_lock = threading.Lock()
_legacy_token = os.environ["LABELSYNC_FUZZ_TOKEN"]


def _personal_access_token() -> str:
    response = requests.post(
        f"{BASE_URL}/api/token/", headers={"Authorization": f"Token {_legacy_token}"}, timeout=10
    )
    response.raise_for_status()
    return response.json()["token"]


# Created before the fuzzer runs, while legacy tokens are certainly enabled.
_refresh_token = _personal_access_token()


def _current_legacy_token() -> str:
    with _lock:
        return _legacy_token


@schemathesis.auth(refresh_interval=None)
class FuzzUser:
    """The seeded administrator, by its current legacy token."""

    def get(self, case, context):
        return _current_legacy_token()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Token {data}"


def _enable_both_token_kinds() -> None:
    """Both kinds of token on again. With two workers, another case may reset the legacy token or
    change the settings while this runs, so each way is retried with the latest token."""
    body = {"api_tokens_enabled": True, "legacy_api_tokens_enabled": True}
    url = f"{BASE_URL}/api/jwt/settings"
    for _ in range(20):
        legacy = {"Authorization": f"Token {_current_legacy_token()}"}
        if requests.post(url, json=body, headers=legacy, timeout=10).ok:
            return
        access = requests.post(f"{BASE_URL}/api/token/refresh/", json={"refresh": _refresh_token}, timeout=10)
        if access.ok:
            bearer = {"Authorization": f"Bearer {access.json()['access']}"}
            if requests.post(url, json=body, headers=bearer, timeout=10).ok:
                return
        time.sleep(0.1)
    raise RuntimeError("could not switch both kinds of token back on: the fuzzing user is locked out")


@schemathesis.hook
def after_call(context, case, response):
    global _legacy_token
    operation = (case.method.upper(), case.operation.path)
    if operation == ("POST", "/api/current-user/reset-token/") and response.status_code == 201:
        with _lock:
            _legacy_token = response.json()["token"]
    elif operation == ("POST", "/api/jwt/settings") and response.status_code == 200:
        _enable_both_token_kinds()
