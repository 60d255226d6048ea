"""Fixtures for the label-studio-sdk compatibility suite.

By default the suite starts `$LABELSYNC_BIN serve` on a free loopback port with a fresh SQLite database
(scripts/test sets LABELSYNC_BIN) and stops it at the end of the session.

To run the same tests against a server that is already running — for example the real Label Studio
1.23.2, to check the suite itself — set:

    LABELSYNC_COMPAT_URL=http://127.0.0.1:8080   base URL
    LABELSYNC_COMPAT_TOKEN=<legacy token>        legacy tokens must be enabled there
    LABELSYNC_COMPAT_REFERENCE=1                 the server is Label Studio (see support.expected)
    LABELSYNC_COMPAT_EMAIL=admin@example.com     the token owner's email (default admin@example.com)
    LABELSYNC_COMPAT_LOCAL_FILES_ROOT=<dir>      its LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT, if tests need it
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping

import pytest
import requests
from label_studio_sdk.client import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from storage_support import AzureCloud, Cloud, GcsCloud, RedisDb, S3Cloud, leased_redis_db
from support import ADMIN_EMAIL, ADMIN_TOKEN, TEXT_CONFIG, Server, make_client

# pytest exit status when labelsync does not come up; scripts/test reports it as such.
SERVER_DID_NOT_START = 10
REPO = Path(__file__).resolve().parents[2]
# A throwaway service account (the key behind labelsync's GCS signer tests); fake-gcs-server accepts any.
GCS_TEST_SERVICE_ACCOUNT = REPO / "crates/labelsync-storage/testdata/gcs-v4/service-account.json"
# The log of the labelsync this session started, for the failure summary.
STARTED_SERVER_LOG: List[Path] = []


def pytest_report_header(config: pytest.Config) -> str:
    if os.environ.get("LABELSYNC_COMPAT_URL"):
        kind = "Label Studio (reference)" if os.environ.get("LABELSYNC_COMPAT_REFERENCE") == "1" else "as given"
        return f"compat target: {os.environ['LABELSYNC_COMPAT_URL']} ({kind})"
    return f"compat target: {labelsync_bin()} serve (started by the suite)"


def labelsync_bin() -> Path:
    if os.environ.get("LABELSYNC_BIN"):
        return Path(os.environ["LABELSYNC_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "debug" / "labelsync"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        tail = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return "(no log file)"
    return "\n".join(tail) if tail else "(the log is empty)"


def server_did_not_start(why: str, log: Path) -> None:
    pytest.exit(
        f"labelsync {why}.\nLast lines of its log ({log}):\n{log_tail(log)}",
        returncode=SERVER_DID_NOT_START,
    )


def wait_for_health(base_url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = proc.poll()
        if code is not None:
            server_did_not_start(
                f"exited with status {code} before GET /health answered 200 "
                "(does this build implement `labelsync serve` yet?)",
                log,
            )
        try:
            if requests.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    server_did_not_start(f"did not answer GET /health with 200 within {timeout:.0f}s", log)


def emulator_operator_env(environ: Mapping[str, str]) -> Dict[str, str]:
    """The operator settings that point labelsync's GCS and Azure adapters at the emulators scripts/test
    started (S3 needs none: each storage names its endpoint in `s3_endpoint`)."""
    env: Dict[str, str] = {}
    if environ.get("LABELSYNC_TEST_GCS_ENDPOINT"):
        env["STORAGE_EMULATOR_HOST"] = environ["LABELSYNC_TEST_GCS_ENDPOINT"]
    if environ.get("LABELSYNC_TEST_AZURITE_ENDPOINT"):
        # Already the account's blob endpoint (`http://127.0.0.1:PORT/devstoreaccount1`).
        env["LABELSYNC_AZURE_BLOB_ENDPOINT"] = environ["LABELSYNC_TEST_AZURITE_ENDPOINT"]
    return env


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server under test, up and answering /health for the whole session."""
    if os.environ.get("LABELSYNC_COMPAT_URL"):
        token = os.environ.get("LABELSYNC_COMPAT_TOKEN") or pytest.exit(
            "LABELSYNC_COMPAT_URL needs LABELSYNC_COMPAT_TOKEN (a legacy token)", returncode=4
        )
        root = os.environ.get("LABELSYNC_COMPAT_LOCAL_FILES_ROOT")
        yield Server(
            base_url=os.environ["LABELSYNC_COMPAT_URL"].rstrip("/"),
            legacy_token=token,
            admin_email=os.environ.get("LABELSYNC_COMPAT_EMAIL", ADMIN_EMAIL),
            is_label_studio=os.environ.get("LABELSYNC_COMPAT_REFERENCE") == "1",
            local_files_root=Path(root) if root else None,
            log_path=None,
        )
        return

    binary = labelsync_bin()
    if not binary.is_file():
        pytest.exit(f"no labelsync binary at {binary}: build it, or set LABELSYNC_BIN", SERVER_DID_NOT_START)
    work = tmp_path_factory.mktemp("labelsync")
    files_root = work / "local-files"
    files_root.mkdir()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LABELSYNC_BIND": f"127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite://{work}/ls.db?mode=rwc",
        "LABELSYNC_ADMIN_EMAIL": ADMIN_EMAIL,
        "LABELSYNC_ADMIN_TOKEN": ADMIN_TOKEN,
        "LABELSYNC_SECRET_KEY": "compat-suite-secret-key-not-for-production",
        "LABELSYNC_WORKERS": "2",
        "SSRF_PROTECTION_ENABLED": "false",
        "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
        "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(files_root),
        "LABEL_STUDIO_HOST": base_url,
        **emulator_operator_env(os.environ),
    }
    log = work / "labelsync.log"
    STARTED_SERVER_LOG.append(log)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(binary), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        wait_for_health(base_url, proc, log, float(os.environ.get("LABELSYNC_COMPAT_START_TIMEOUT", "60")))
        yield Server(base_url, ADMIN_TOKEN, ADMIN_EMAIL, False, files_root, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def base_url(server: Server) -> str:
    return server.base_url


@pytest.fixture(scope="session")
def legacy_client(server: Server) -> LabelStudio:
    """An SDK client authenticated with the admin's legacy token (`Authorization: Token …`)."""
    return make_client(server, server.legacy_token)


def blacklist_all_pats(client: LabelStudio) -> None:
    for listed in client.tokens.list():
        client.tokens.blacklist(refresh=listed.token)


@pytest.fixture
def pat(legacy_client: LabelStudio) -> str:
    """A fresh personal access token (a JWT refresh token) of the admin. Label Studio allows one per user
    and answers 409 while one exists, so existing ones are blacklisted first (its list shows them as
    `header.payload`, which its blacklist endpoint accepts)."""
    try:
        return legacy_client.tokens.create().token
    except ApiError as exc:
        if exc.status_code != 409:
            raise
    blacklist_all_pats(legacy_client)
    return legacy_client.tokens.create().token


@pytest.fixture
def pat_client(server: Server, pat: str) -> LabelStudio:
    """An SDK client authenticated with a personal access token (refresh → `Authorization: Bearer …`)."""
    return make_client(server, pat)


@pytest.fixture(params=["legacy_token", "personal_access_token"])
def client(request: pytest.FixtureRequest) -> LabelStudio:
    """The SDK client, once with each kind of credential."""
    name = "legacy_client" if request.param == "legacy_token" else "pat_client"
    return request.getfixturevalue(name)


@pytest.fixture
def project(legacy_client: LabelStudio) -> Iterator[Callable[..., object]]:
    """A factory for projects (`project(title=…, label_config=…, using=client)`); it deletes them all after."""
    created: List[int] = []

    def make(*, using: LabelStudio = legacy_client, **fields: object) -> object:
        fields.setdefault("title", "compat project")
        fields.setdefault("label_config", TEXT_CONFIG)
        p = using.projects.create(**fields)
        created.append(p.id)
        return p

    yield make
    for pid in created:
        try:
            legacy_client.projects.delete(pid)
        except ApiError as exc:
            if exc.status_code != 404:
                raise


@pytest.fixture(scope="session")
def local_files_root(server: Server) -> Path:
    """The server's LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT, for local-files storage tests."""
    if server.local_files_root is None:
        pytest.skip("LABELSYNC_COMPAT_LOCAL_FILES_ROOT is not set for this server")
    return server.local_files_root


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if value:
        return value
    if os.environ.get("LABELSYNC_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{name} is not set, and LABELSYNC_TEST_REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(f"{name} is not set")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """`redis://127.0.0.1:<port>` of a throwaway redis-server (scripts/test starts one)."""
    return required_env("LABELSYNC_TEST_REDIS_URL")


@pytest.fixture
def redis_db(redis_url: str) -> Iterator[RedisDb]:
    """A database of the test redis-server leased for this test (see storage_support.leased_redis_db)."""
    yield from leased_redis_db(redis_url)


@pytest.fixture(scope="session")
def s3_cloud() -> S3Cloud:
    """s3s-fs (scripts/test starts it): storages reach it through their `s3_endpoint`."""
    return S3Cloud(
        required_env("LABELSYNC_TEST_S3_ENDPOINT"),
        required_env("LABELSYNC_TEST_S3_ACCESS_KEY"),
        required_env("LABELSYNC_TEST_S3_SECRET_KEY"),
    )


@pytest.fixture(scope="session")
def gcs_cloud() -> GcsCloud:
    """fake-gcs-server: labelsync reaches it through STORAGE_EMULATOR_HOST (emulator_operator_env)."""
    endpoint = required_env("LABELSYNC_TEST_GCS_ENDPOINT")
    return GcsCloud(endpoint, GCS_TEST_SERVICE_ACCOUNT.read_text())


@pytest.fixture(scope="session")
def azure_cloud() -> AzureCloud:
    """Azurite: labelsync reaches it through LABELSYNC_AZURE_BLOB_ENDPOINT (emulator_operator_env)."""
    return AzureCloud(required_env("LABELSYNC_TEST_AZURITE_ENDPOINT"))


@pytest.fixture(params=["s3", "gcs", "azure"])
def cloud(request: pytest.FixtureRequest) -> Cloud:
    """Each cloud emulator in turn."""
    return request.getfixturevalue(f"{request.param}_cloud")


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """On failure, show the end of the labelsync log this session started."""
    if exitstatus == 0 or not STARTED_SERVER_LOG:
        return
    terminalreporter.write_sep("-", f"last lines of {STARTED_SERVER_LOG[0]}")
    terminalreporter.write_line(log_tail(STARTED_SERVER_LOG[0], 40))
