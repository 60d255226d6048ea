"""Schema fuzzing: schemathesis against a running labelsync, every operation of its OpenAPI document.

Starts `$LABELSYNC_BIN serve` on a free loopback port with a fresh database (SQLite in a temp dir, or a
new PostgreSQL database on TEST_DATABASE_URL), seeds a project with tasks, an annotation, a prediction,
local-files storages and a webhook so that small ids exist, then runs schemathesis with these checks:

  not_a_server_error          no 5xx
  status_code_conformance     every status is documented
  content_type_conformance    every body has its documented content type
  response_schema_conformance every body matches its documented schema

Usage: run.py --database sqlite|postgres --seconds N [--report-dir DIR]
Exit status: schemathesis's (0 when it found nothing), 10 when labelsync did not start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from xml.etree import ElementTree

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ADMIN_TOKEN = "f0220f0220f0220f0220f0220f0220f0220f0220"
# Where the seeded webhook points: allow-listed for the server, and nothing listens there.
WEBHOOK_HOST = "127.0.0.1:9"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices>
</View>"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(admin_url: str, sql: str) -> None:
    subprocess.run(["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True)


def with_database(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def wait_for_health(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    print(f"labelsync did not come up; its log ({log}):\n{log.read_text(errors='replace')[-4000:]}")
    sys.exit(10)


def seed(url: str, files_root: Path) -> None:
    """A project with tasks, an annotation, a prediction, local-files storages of both roles and a webhook."""
    s = requests.Session()
    s.headers["Authorization"] = f"Token {ADMIN_TOKEN}"

    def ok(response: requests.Response) -> dict:
        if not response.ok:
            raise SystemExit(f"seeding failed: {response.request.method} {response.url}: {response.text}")
        return response.json() if response.content else {}

    project = ok(s.post(f"{url}/api/projects/", json={"title": "Fuzzed", "label_config": CONFIG}))
    pid = project["id"]
    tasks = [{"text": f"task {i}"} for i in range(3)]
    ids = ok(s.post(f"{url}/api/projects/{pid}/import?return_task_ids=true", json=tasks))["task_ids"]
    result = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}]
    ok(s.post(f"{url}/api/tasks/{ids[0]}/annotations/", json={"result": result}))
    ok(s.post(f"{url}/api/predictions/", json={"task": ids[1], "result": result, "score": 0.5}))
    source = files_root / "fuzz"
    source.mkdir(parents=True, exist_ok=True)
    (source / "one.txt").write_text("hello")
    ok(s.post(f"{url}/api/storages/localfiles/", json={"project": pid, "path": str(source), "use_blob_urls": True}))
    target = files_root / "out"
    target.mkdir(parents=True, exist_ok=True)
    ok(s.post(f"{url}/api/storages/export/localfiles", json={"project": pid, "path": str(target)}))
    ok(s.post(f"{url}/api/webhooks/", json={"project": pid, "url": f"http://{WEBHOOK_HOST}/fuzz"}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--report-dir", type=Path, default=None)
    args = parser.parse_args()

    binary = Path(os.environ.get("LABELSYNC_BIN") or REPO / "target/debug/labelsync")
    if not binary.is_file():
        print(f"no labelsync binary at {binary}: build it, or set LABELSYNC_BIN")
        return 10
    work = Path(tempfile.mkdtemp(prefix="labelsync-fuzz-"))
    files_root = work / "files"
    files_root.mkdir()
    db_name = None
    if args.database == "postgres":
        admin_url = os.environ.get("TEST_DATABASE_URL")
        if not admin_url:
            print("--database postgres needs TEST_DATABASE_URL (scripts/test and scripts/fuzz set it)")
            return 2
        db_name = f"labelsync_fuzz_{uuid.uuid4().hex[:12]}"
        psql(admin_url, f'CREATE DATABASE "{db_name}"')
        database_url = with_database(admin_url, db_name)
    else:
        database_url = f"sqlite://{work}/fuzz.db?mode=rwc"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = work / "labelsync.log"
    env = {
        **os.environ,
        "LABELSYNC_BIND": f"127.0.0.1:{port}",
        "DATABASE_URL": database_url,
        "LABELSYNC_ADMIN_EMAIL": "fuzz@example.com",
        "LABELSYNC_ADMIN_TOKEN": ADMIN_TOKEN,
        "LABELSYNC_SECRET_KEY": "fuzz-suite-secret-key-not-for-production-use",
        "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
        "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(files_root),
        "LABELSYNC_LOG": os.environ.get("LABELSYNC_LOG", "warn"),
        "LABELSYNC_LOG_FORMAT": "json",
        # The seeded webhook's receiver: a closed loopback port, so deliveries fail fast and stay local.
        "LABELSYNC_OUTBOUND_ALLOW_HOSTS": WEBHOOK_HOST,
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(binary), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    rc = 1
    try:
        wait_for_health(url, proc, log)
        seed(url, files_root)
        report_dir = args.report_dir or work / "report"
        fuzz = Fuzzer(url, report_dir)
        rc = fuzz.run(args.seconds)
        tool_errors = fuzz.tool_errors_only()
        if rc != 0 and tool_errors:
            # schemathesis failed inside its own generator (not on a response) for these operations:
            # nothing about labelsync was found, but they were not fuzzed either, so fuzz them again.
            print(f"\nschemathesis errored while generating cases for {tool_errors}; fuzzing them again")
            rc = fuzz.run(max(10, args.seconds // 3), only=tool_errors)
        if rc != 0:
            errors = [line for line in log.read_text(errors="replace").splitlines() if '"ERROR"' in line]
            print(f"\nlabelsync's errors ({len(errors)}):\n" + "\n".join(errors[-20:]))
        return rc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if db_name:
            psql(os.environ["TEST_DATABASE_URL"], f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        if rc == 0 and args.report_dir is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept for inspection: {work}")


class Fuzzer:
    """One schemathesis run after another against the same server, each with its own JUnit report."""

    def __init__(self, url: str, report_dir: Path) -> None:
        self.url = url
        self.report_dir = report_dir
        self.runs = 0

    def run(self, seconds: int, only: list[str] | None = None) -> int:
        self.runs += 1
        self.junit = self.report_dir / f"junit-{self.runs}.xml"
        command = [
            sys.executable, "-m", "schemathesis.cli", "run", f"{self.url}/openapi.json",
            "--checks", CHECKS,
            "--max-time", str(seconds),
            # One worker: CPython 3.11 before 3.11.8 can fail "AST constructor recursion depth
            # mismatch" when Hypothesis inspects source in two threads at once (CPython gh-106905).
            "--workers", "1",
            "--request-timeout", "30",
            "--suppress-health-check", "all",
            "--report", "junit", "--report-junit-path", str(self.junit), "--report-dir", str(self.report_dir),
            "--no-color",
        ]
        for name in only or []:
            command += ["--include-name", name]
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": "hooks",
            "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            "LABELSYNC_FUZZ_URL": self.url,
            "LABELSYNC_FUZZ_TOKEN": ADMIN_TOKEN,
        }
        # schemathesis keeps a cache in its working directory: the report dir, not the repository.
        self.report_dir.mkdir(parents=True, exist_ok=True)
        return subprocess.run(command, env=env, cwd=self.report_dir).returncode

    def tool_errors_only(self) -> list[str]:
        """The operations of the last run that errored inside schemathesis, when nothing failed a check."""
        try:
            root = ElementTree.parse(self.junit).getroot()
        except (OSError, ElementTree.ParseError):
            return []
        names = []
        for case in root.iter("testcase"):
            for outcome in case:
                if outcome.tag == "failure":
                    return []
                text = (outcome.get("message") or "") + (outcome.text or "")
                if outcome.tag == "error" and ("hypothesis" in text or "Inconsistent results" in text):
                    names.append(case.get("name", ""))
                elif outcome.tag == "error":
                    return []
        return names


if __name__ == "__main__":
    sys.exit(main())
