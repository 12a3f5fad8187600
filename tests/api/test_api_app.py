"""In-process checks of the app (no server): error edges, health degraded, the keys CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from surveycoder_core.access import auth
from surveycoder_core.api.app import create_app

from .conftest import ROOT, base_env


@pytest.fixture()
def app_client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    db = tmp_path / "app.db"
    app = create_app(db, start_worker=False)

    @app.get("/v2/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("secret internals")

    key = auth.create_key(name="t", scopes=["read", "write"], db_path=db)
    with TestClient(app, raise_server_exceptions=False, headers={"x-api-key": key["key"]}) as client:
        yield client, key


def test_unhandled_exception_is_an_envelope(app_client: tuple[TestClient, dict[str, Any]]) -> None:
    client, _ = app_client
    r = client.get("/v2/boom", headers={"X-Request-Id": "trace-1"})
    assert r.status_code == 500
    assert r.json() == {"success": False, "error": {
        "code": "INTERNAL_ERROR", "message": "Unexpected server error", "request_id": "trace-1",
        "doc_url": "https://docs.surveycoder.io/errors/internal-error"}}
    assert r.headers["X-Request-Id"] == "trace-1" and "X-RateLimit-Limit" in r.headers


def test_body_that_is_not_utf8(app_client: tuple[TestClient, dict[str, Any]]) -> None:
    client, _ = app_client
    r = client.post("/v2/code", content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert r.json()["error"]["message"].startswith("Invalid JSON")


def test_allow_header_lists_every_method(app_client: tuple[TestClient, dict[str, Any]]) -> None:
    client, _ = app_client
    r = client.request("PATCH", "/v2/jobs/job_x")
    assert r.status_code == 405 and r.headers["Allow"] == "DELETE, GET"
    assert r.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_other_organisations_jobs_and_projects_do_not_exist(app_client: tuple[TestClient, dict[str, Any]],
                                                            tmp_path: Path) -> None:
    client, _ = app_client
    from surveycoder_core import service
    from surveycoder_core.schemas import CodeRequest

    job = service.submit_code_job(
        CodeRequest(responses=[{"id": str(i), "text": f"answer number {i}"} for i in range(50)]),
        db_path=tmp_path / "app.db")
    assert client.get(f"/v2/jobs/{job['job_id']}").status_code == 200
    other = auth.create_key(name="other", scopes=["read", "write"], credits=10, db_path=tmp_path / "app.db")
    headers = {"x-api-key": other["key"]}
    assert client.get(f"/v2/jobs/{job['job_id']}", headers=headers).json()["error"]["code"] == "NOT_FOUND"
    assert client.get(f"/v2/projects/{job['project_id']}", headers=headers).status_code == 404
    assert client.get("/v2/projects", headers=headers).json()["data"] == []


def test_health_degraded_when_the_worker_is_gone(tmp_path: Path) -> None:
    app = create_app(tmp_path / "h.db", start_worker=True)
    app.state.worker.stop()
    app.state.worker.join(timeout=10)
    with TestClient(app) as client:
        r = client.get("/health")
    assert r.status_code == 503
    body = r.json()
    assert body["success"] is False and body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert body["data"]["status"] == "degraded" and body["data"]["dependencies"]["queue"]["status"] == "error"


def test_keys_cli(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "surveycoder_core.cli.main", "keys", *args, "--db", str(db)],
                              cwd=ROOT, env=base_env(db), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    out = cli("create", "--name", "ci", "--scopes", "read", "--credits", "100")
    key = out.strip().splitlines()[-1]
    assert auth.KEY_RE.match(key) and key.startswith("scp_live_")
    key_id = out.split()[2]
    assert key_id in cli("list") and key not in cli("list")
    cli("revoke", key_id)
    assert "revoked" in cli("list")
    assert [k["revoked_at"] is not None for k in auth.list_keys(db)] == [True]


def test_pending_webhook_delivery_resumes_after_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import time

    from surveycoder_core.db.store import now, session, write
    from surveycoder_core.jobs import webhooks

    from .test_api_jobs import Receiver

    monkeypatch.setenv("SURVEYCODER_WEBHOOK_RETRY_DELAYS", "0,0.1,0.2,0.3")
    receiver = Receiver()
    db = tmp_path / "wh.db"
    try:
        hook = webhooks.create_webhook(db, "default", receiver.url)
        payload = {"event": "job.failed", "job_id": "job_x", "error": {"code": "CODING_FAILED", "message": "m"}}
        with session(db) as conn, write(conn):
            conn.conn.execute("INSERT INTO webhook_deliveries (webhook_id, event, payload, attempts, status,"
                              " created_at) VALUES (?, 'job.failed', ?, 1, 'pending', ?)",
                              (hook["id"], json.dumps(payload), now()))
        create_app(db, start_worker=False)  # a new server process picks the delivery up
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.received[0]["headers"]["X-Attempt"] == "2"
        assert json.loads(receiver.received[0]["body"]) == payload
    finally:
        receiver.close()


def test_concurrent_job_limit_of_a_metered_organisation(tmp_path: Path) -> None:
    from surveycoder_core.access import credits
    from surveycoder_core.db.store import session

    db = tmp_path / "cj.db"
    app = create_app(db, start_worker=False)  # jobs stay queued
    with session(db) as conn:
        org = credits.create_org(conn, name="two at a time", credits=1000, concurrent_jobs=2)
    key = auth.create_key(name="cj", scopes=["read", "write"], db_path=db, org_id=org)
    body = {"responses": [{"id": str(i), "text": f"answer number {i}"} for i in range(50)]}
    with TestClient(app, headers={"x-api-key": key["key"]}) as client:
        assert [client.post("/v2/code", json=body).status_code for _ in range(2)] == [202, 202]
        third = client.post("/v2/code", json=body)
        assert third.status_code == 429 and third.json()["error"]["code"] == "RATE_LIMITED"
        assert "Concurrent job limit" in third.json()["error"]["message"] and third.headers["Retry-After"] == "10"
        usage = client.get("/v2/usage").json()["data"]
        # Queued jobs have not charged anything yet.
        assert usage["credits_remaining"] == 1000 and usage["rate_limit"]["concurrent_jobs"] == 2
