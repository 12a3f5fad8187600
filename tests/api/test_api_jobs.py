"""Jobs end to end: webhooks, cancel, and a worker killed mid-job."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ROOT, Server, base_env, make_keys, make_responses, start_server, stop


class Receiver:
    """A webhook receiver on loopback that fails every first attempt (to exercise the retry)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = 500 if self.headers["X-Attempt"] == "1" else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def wait_job(c: httpx.Client, job_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = c.get(f"/v2/jobs/{job_id}").json()["data"]
        if job["status"] in ("completed", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not end: {job}")


def test_webhook_signed_and_retried(http: httpx.Client, receiver: Receiver) -> None:
    created = http.post("/v2/webhooks", json={"url": receiver.url, "events": ["job.completed"]})
    assert created.status_code == 201, created.text
    hook = created.json()["data"]
    secret = hook["secret"]
    assert secret.startswith("whsec_")
    listed = http.get("/v2/webhooks").json()["data"]
    assert hook["id"] in [h["id"] for h in listed] and all("secret" not in h for h in listed)
    try:
        r = http.post("/v2/code", json={"responses": make_responses(50, seed=9, prefix="W")})
        job_id = r.json()["data"]["job_id"]
        assert wait_job(http, job_id)["status"] == "completed"
        # Other tests' jobs may finish meanwhile: look at this job's deliveries only.
        def mine() -> list[dict[str, Any]]:
            return [d for d in receiver.received if json.loads(d["body"])["job_id"] == job_id]

        deadline = time.monotonic() + 15
        while len(mine()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        assert len(mine()) == 2, receiver.received
        first, second = mine()
        assert first["headers"]["X-Attempt"] == "1" and second["headers"]["X-Attempt"] == "2"
        assert second["body"] == first["body"]
        expected = "sha256=" + hmac.new(secret.encode(), second["body"], hashlib.sha256).hexdigest()
        assert hmac.compare_digest(second["headers"]["X-Signature"], expected)
        assert second["headers"]["X-Event"] == "job.completed"
        payload = json.loads(second["body"])
        assert payload["event"] == "job.completed" and payload["job_id"] == job_id
        assert payload["result"] == {"responses_coded": 50, "credits_used": 50}
    finally:
        assert http.delete(f"/v2/webhooks/{hook['id']}").json()["data"]["deleted"] is True


def test_cancel_a_queued_job(tmp_path: Path) -> None:
    """No worker runs on this server, so the job is still queued when cancelled: 200, and it ends at once."""
    db = tmp_path / "cancel.db"
    srv = start_server(db, tmp_path / "server.log", worker=False)
    srv.keys = make_keys(db)
    try:
        with srv.client() as c:
            r = c.post("/v2/code", json={"responses": make_responses(60, seed=2, prefix="X")})
            assert r.status_code == 202, r.text
            job_id = r.json()["data"]["job_id"]
            assert c.get(f"/v2/jobs/{job_id}").json()["data"]["status"] == "queued"
            cancelled = c.delete(f"/v2/jobs/{job_id}")
            assert cancelled.status_code == 200, cancelled.text
            job = c.get(f"/v2/jobs/{job_id}").json()["data"]
            assert job["status"] == "failed" and job["error"]["code"] == "CODING_FAILED", job
            again = c.delete(f"/v2/jobs/{job_id}")
            assert again.status_code == 409 and again.json()["error"]["code"] == "INVALID_STATE"
    finally:
        stop(srv.proc)


def test_cancel_a_finished_job_is_refused(http: httpx.Client) -> None:
    r = http.post("/v2/code", json={"responses": make_responses(50, seed=2, prefix="X")})
    job_id = r.json()["data"]["job_id"]
    assert wait_job(http, job_id)["status"] == "completed"
    cancelled = http.delete(f"/v2/jobs/{job_id}")
    assert cancelled.status_code == 409 and cancelled.json()["error"]["code"] == "INVALID_STATE", cancelled.text
    assert wait_job(http, job_id)["status"] == "completed"  # nothing changed


def _worker(db: Path, log: Path) -> subprocess.Popen[bytes]:
    env = base_env(db, SURVEYCODER_JOB_STALE_SECONDS="2")
    return subprocess.Popen([sys.executable, "-m", "surveycoder_core.cli.main", "worker", "--db", str(db)], cwd=ROOT,
                            env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_worker_killed_mid_job_resumes_and_charges_once(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    srv: Server = start_server(db, tmp_path / "server.log", worker=False,
                               env=base_env(db, SURVEYCODER_JOB_STALE_SECONDS="2"))
    srv.keys = make_keys(db)
    first = second = None
    try:
        with srv.client() as c:
            assert c.get("/health").json()["data"]["dependencies"]["queue"]["status"] == "unavailable"
            responses = make_responses(2000, seed=42, prefix="K", unique_every=4)
            unique = len({r["text"] for r in responses})
            r = c.post("/v2/code", json={"responses": responses})
            assert r.status_code == 202, r.text
            job_id = r.json()["data"]["job_id"]
            assert r.json()["data"]["total"] == unique

            first = _worker(db, tmp_path / "worker1.log")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                job = c.get(f"/v2/jobs/{job_id}").json()["data"]
                if 0 < job["progress"]["processed"] < unique:
                    break
                assert job["status"] != "completed", "the job finished before the worker could be killed"
                time.sleep(0.02)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            stuck = c.get(f"/v2/jobs/{job_id}").json()["data"]
            assert stuck["status"] == "processing" and 0 < stuck["progress"]["processed"] < unique

            second = _worker(db, tmp_path / "worker2.log")
            job = wait_job(c, job_id, timeout=120)
            assert job["status"] == "completed", job
            assert job["progress"]["processed"] == unique
            assert [x["id"] for x in job["result"]["results"]] == [x["id"] for x in responses]
            assert all(x["status"] in ("coded", "uncoded") for x in job["result"]["results"])
        with sqlite3.connect(db) as conn:
            charged = conn.execute("SELECT -SUM(delta) FROM credit_ledger WHERE job_id = ?", (job_id,)).fetchone()[0]
            attempts = conn.execute("SELECT attempts FROM jobs WHERE id = ?", (job_id,)).fetchone()[0]
        assert charged == unique and attempts == 2
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        stop(srv.proc)
