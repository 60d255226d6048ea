"""Helpers of the storage tests: waiting for syncs, checking that secrets stay write-only, leasing a
redis database, and one small adapter per cloud emulator (create a bucket, put and read objects) so that
the tests can arrange a bucket and read back what an export wrote without going through labelsync."""

from __future__ import annotations

import fcntl
import json
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional
from urllib.parse import quote, urlparse

import redis
import requests

from support import Server, expected

# Fields Label Studio never returns (docs/label-studio-api.md §3.2–§3.5); labelsync keeps them
# write-only too.
SECRET_FIELDS = (
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "google_application_credentials",
    "account_name",
    "account_key",
    "password",
)
TERMINAL = ("completed", "completed_with_errors", "failed")
# The order a sync moves through; a poll may miss states, never see them go backwards.
SYNC_ORDER = ("initialized", "queued", "in_progress", "completed")

IMAGE_CONFIG = (
    '<View><Image name="image" value="$image_url"/>'
    '<Choices name="choice" toName="image"><Choice value="a"/><Choice value="b"/></Choices></View>'
)
IMAGE_CHOICE = [{"from_name": "choice", "to_name": "image", "type": "choices", "value": {"choices": ["a"]}}]


def unique_name(prefix: str = "compat") -> str:
    """A bucket / container / key-prefix name no other test uses (lowercase, valid for all three clouds)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# The exact keys, in order, of each storage type's JSON (docs/label-studio-api.md §3.7, observed on
# Label Studio 1.23.2).
COMMON_STATE = "last_sync last_sync_count last_sync_job status traceback meta title description created_at"
STORAGE_KEYS = {
    ("s3", "import"): f"id type synchronizable presign {COMMON_STATE} bucket prefix regex_filter use_blob_urls "
    "aws_sse_kms_key_id region_name s3_endpoint presign_ttl recursive_scan project",
    ("s3", "export"): f"id type synchronizable {COMMON_STATE} can_delete_objects bucket prefix regex_filter "
    "use_blob_urls aws_sse_kms_key_id region_name s3_endpoint project",
    ("gcs", "import"): "id type synchronizable presign bucket prefix regex_filter use_blob_urls google_project_id "
    f"{COMMON_STATE} presign_ttl recursive_scan project",
    ("gcs", "export"): "id type synchronizable bucket prefix regex_filter use_blob_urls google_project_id "
    f"{COMMON_STATE} can_delete_objects project",
    ("azure", "import"): "id type synchronizable presign container prefix regex_filter use_blob_urls "
    f"{COMMON_STATE} presign_ttl recursive_scan project",
    ("azure", "export"): "id type synchronizable container prefix regex_filter use_blob_urls "
    f"{COMMON_STATE} can_delete_objects project",
    ("redis", "import"): f"id type synchronizable path host port regex_filter use_blob_urls {COMMON_STATE} db project",
    ("redis", "export"): "id type synchronizable path host port regex_filter use_blob_urls "
    f"{COMMON_STATE} can_delete_objects db project",
    ("localfiles", "import"): f"id type synchronizable path regex_filter use_blob_urls {COMMON_STATE} "
    "recursive_scan project",
    ("localfiles", "export"): f"id type synchronizable path regex_filter use_blob_urls {COMMON_STATE} "
    "can_delete_objects project",
}
SDK_MODELS = {"s3": "S3", "gcs": "Gcs", "azure": "AzureBlob", "redis": "Redis", "localfiles": "LocalFiles"}


def assert_storage_shape(body: Dict[str, Any], kind: str, role: str, server: Server) -> None:
    """A storage's JSON (from create or get) has exactly Label Studio's keys in Label Studio's order, and
    validates against the SDK's own pydantic model of that type."""
    keys = STORAGE_KEYS[(kind, role)].split()
    if kind == "s3":
        # DELIBERATE DIFFERENCE: labelsync's S3 storages also carry role_arn / external_id (from Label
        # Studio's API reference), right after s3_endpoint.
        at = keys.index("s3_endpoint") + 1
        keys[at:at] = expected(server, labelsync=["role_arn", "external_id"], label_studio=[])
    if role == "import":
        # DELIBERATE DIFFERENCE: labelsync's import storages end with its own sync policies and schedule
        # (defaults: Label Studio's behaviour), after every key Label Studio sends.
        keys += expected(server, labelsync=["sync_deleted", "sync_changed", "sync_interval_seconds"], label_studio=[])
    assert list(body) == keys, f"{kind} {role} storage keys differ: {list(body)}"
    import label_studio_sdk.types as sdk_types

    model = getattr(sdk_types, f"{SDK_MODELS[kind]}{role.capitalize()}Storage")
    model.model_validate(body)


def raw_json(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The JSON body of an SDK call made through its `with_raw_response` twin (what the server really sent,
    before the SDK's models drop or add anything)."""
    return method(*args, **kwargs).response.json()


def assert_no_secrets(body: Any, secrets: List[str]) -> None:
    """No secret field name as a key and no secret value anywhere in a response body."""
    items = body if isinstance(body, list) else [body]
    for item in items:
        leaked = sorted(set(item) & set(SECRET_FIELDS))
        assert not leaked, f"secret fields in a response: {leaked}"
    text = json.dumps(body)
    for secret in secrets:
        assert secret not in text, "a secret value came back in a response"


def wait_for_sync(get: Callable[[int], Any], storage_id: int, timeout: float = 30.0) -> Any:
    """Polls the storage until its sync ends and returns it. Asserts the observed statuses move forward
    through queued → in_progress → completed and that the sync ended `completed`."""
    seen: List[str] = []
    deadline = time.monotonic() + timeout
    while True:
        storage = get(storage_id)
        status = storage.status
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in TERMINAL:
            break
        assert time.monotonic() < deadline, f"sync of storage {storage_id} did not end in {timeout}s: {seen}"
        time.sleep(0.1)
    assert status == "completed", f"sync ended {status}: traceback={storage.traceback!r}, statuses {seen}"
    ranks = [SYNC_ORDER.index(s) for s in seen]
    assert ranks == sorted(ranks), f"statuses went backwards: {seen}"
    return storage


def wait_until(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Polls `check` until it returns something truthy, and returns that."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.1)


def assert_exported_annotation(body: Dict[str, Any], annotation: Any, task_id: int, data: Dict[str, Any],
                               project_id: int, email: str) -> None:
    """An exported object has Label Studio's annotation-centric content (docs/label-studio-api.md §6.2)."""
    assert body["id"] == annotation.id
    assert body["result"] == annotation.result
    assert body["was_cancelled"] is False
    assert body["project"] == project_id
    assert body["completed_by"]["email"] == email
    assert body["task"]["id"] == task_id
    assert body["task"]["data"] == data
    assert "annotations" not in body["task"]


# --- redis -----------------------------------------------------------------------------------------------


@dataclass
class RedisDb:
    """One numbered database of the test redis-server, leased for one test."""

    host: str
    port: int
    db: int
    conn: redis.Redis

    def storage_fields(self) -> Dict[str, Any]:
        return {"host": self.host, "port": str(self.port), "db": self.db}


def leased_redis_db(url: str, timeout: float = 60.0) -> Iterator[RedisDb]:
    """Leases a database 1–15 of the server at `url` with the same advisory file locks the Rust tests use
    (labelsync-storage's `RedisDbLease`), so no Rust test process touches it meanwhile, and empties it
    before and after. Nothing outside that database is touched."""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    safe_host = re.sub(r"[^A-Za-z0-9]", "_", host)
    deadline = time.monotonic() + timeout
    while True:
        for db in range(1, 16):
            path = Path(tempfile.gettempdir()) / f"labelsync-test-redis-{safe_host}-{port}-db{db}.lock"
            lock = open(path, "a")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                continue
            conn = redis.Redis(host=host, port=port, db=db, decode_responses=True)
            try:
                conn.flushdb()
                yield RedisDb(host, port, db, conn)
                conn.flushdb()
            finally:
                conn.close()
                lock.close()
            return
        assert time.monotonic() < deadline, "no free redis test database (1–15) within the timeout"
        time.sleep(0.05)


# --- cloud emulators -------------------------------------------------------------------------------------


@dataclass
class Cloud:
    """One cloud emulator: arranges buckets and objects directly, and knows how the SDK names it."""

    name: str  # the SDK attribute: client.import_storage.<name>
    scheme: str  # of blob-mode task URIs
    bucket_field: str  # "bucket" or "container"
    credentials: Dict[str, str]  # storage fields that carry credentials (secrets included)
    secrets: List[str] = field(default_factory=list)  # secret values that must never come back

    def create_bucket(self) -> str:
        raise NotImplementedError

    def put(self, bucket: str, key: str, body: bytes) -> None:
        raise NotImplementedError

    def get(self, bucket: str, key: str) -> Optional[bytes]:
        """The object's bytes, or None when it does not exist."""
        raise NotImplementedError

    def storage_fields(self, bucket: str, **extra: Any) -> Dict[str, Any]:
        return {self.bucket_field: bucket, **self.credentials, **extra}

    def public_fields(self, bucket: str, **extra: Any) -> Dict[str, Any]:
        """storage_fields without the secret ones (what a client resends to validate a stored storage)."""
        fields = self.storage_fields(bucket, **extra)
        return {k: v for k, v in fields.items() if k not in SECRET_FIELDS}

    def uri(self, bucket: str, key: str) -> str:
        return f"{self.scheme}://{bucket}/{key}"


class S3Cloud(Cloud):
    """s3s-fs, through boto3; storages name it in `s3_endpoint`."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str) -> None:
        import boto3
        from botocore.config import Config

        super().__init__(
            name="s3",
            scheme="s3",
            bucket_field="bucket",
            credentials={
                "aws_access_key_id": access_key,
                "aws_secret_access_key": secret_key,
                "region_name": "us-east-1",
                "s3endpoint": endpoint,
            },
            secrets=[secret_key],
        )
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name="us-east-1",
            config=Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def create_bucket(self) -> str:
        bucket = unique_name()
        self.client.create_bucket(Bucket=bucket)
        return bucket

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=body)

    def get(self, bucket: str, key: str) -> Optional[bytes]:
        try:
            return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None


class GcsCloud(Cloud):
    """fake-gcs-server, through its JSON API with plain HTTP; the server finds it by STORAGE_EMULATOR_HOST.
    fake-gcs-server does not check credentials, but the storage needs a well-formed service account."""

    def __init__(self, endpoint: str, service_account_json: str) -> None:
        super().__init__(
            name="gcs",
            scheme="gs",
            bucket_field="bucket",
            credentials={"google_application_credentials": service_account_json},
            secrets=[json.loads(service_account_json)["private_key"], service_account_json],
        )
        self.endpoint = endpoint.rstrip("/")

    def create_bucket(self) -> str:
        bucket = unique_name()
        r = requests.post(f"{self.endpoint}/storage/v1/b", params={"project": "compat"}, json={"name": bucket},
                          timeout=30)
        r.raise_for_status()
        return bucket

    def put(self, bucket: str, key: str, body: bytes) -> None:
        r = requests.post(f"{self.endpoint}/upload/storage/v1/b/{bucket}/o",
                          params={"uploadType": "media", "name": key}, data=body, timeout=30)
        r.raise_for_status()

    def get(self, bucket: str, key: str) -> Optional[bytes]:
        r = requests.get(f"{self.endpoint}/storage/v1/b/{bucket}/o/{quote(key, safe='')}",
                         params={"alt": "media"}, timeout=30)
        if r.status_code == 404:
            return None
        r.raise_for_status()
        return r.content


# Azurite's well-known development account (published in Azurite's documentation; not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class AzureCloud(Cloud):
    """Azurite, through the azure-storage-blob SDK; the server finds it by LABELSYNC_AZURE_BLOB_ENDPOINT."""

    def __init__(self, endpoint: str) -> None:
        from azure.storage.blob import BlobServiceClient

        super().__init__(
            name="azure",
            scheme="azure-blob",
            bucket_field="container",
            credentials={"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY},
            secrets=[AZURITE_KEY],
        )
        self.service = BlobServiceClient(
            account_url=endpoint.rstrip("/"),
            credential={"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY},
        )

    def create_bucket(self) -> str:
        container = unique_name()
        self.service.create_container(container)
        return container

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.service.get_blob_client(bucket, key).upload_blob(body, overwrite=True)

    def get(self, bucket: str, key: str) -> Optional[bytes]:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self.service.get_blob_client(bucket, key).download_blob().readall()
        except ResourceNotFoundError:
            return None
