"""Real `surveycoder serve` processes: killed with SIGKILL in the middle of a job, and two on one database.

* ``kill -9`` mid-job, then a restart: the new server's worker sees that the job's owner process on this
  host is gone and takes the job over at once (the stale timeout is set to an hour here, so only that can
  finish it); the job resumes at the first unfinished batch and charges nothing twice.
* Two servers on one database share one rate limit and one idempotency cache.
"""

from __future__ import annotations

import signal
import sqlite3
import time
import uuid
from pathlib import Path

import httpx
import pytest

from .conftest import base_env, make_keys, make_responses, start_server, stop

pytestmark = pytest.mark.slow


def _job_row(db: Path, job_id: str) -> dict:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone())


def test_kill_9_mid_job_then_restart_finishes_the_job_at_once(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    # Small batches: the job is still coding when it is killed; an hour's stale timeout: only the
    # dead-owner check can hand the job to the restarted server within this test.
    env = base_env(db, SURVEYCODER_BATCH_SIZE="10", SURVEYCODER_JOB_STALE_SECONDS="3600")
    first = start_server(db, tmp_path / "first.log", env=env)
    keys = make_keys(db)
    headers = {"x-api-key": keys["write"]["key"]}
    try:
        accepted = httpx.post(first.url + "/v2/code", json={"responses": make_responses(2000, seed=13)},
                              headers=headers, timeout=120)
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["data"]["job_id"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            row = _job_row(db, job_id)
            if row["processed"] > 0 or row["status"] in ("completed", "failed"):
                break
            time.sleep(0.02)
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(timeout=30)
    finally:
        stop(first.proc)
    killed = _job_row(db, job_id)
    assert killed["status"] == "processing", f"the job was not mid-way when killed: {killed}"
    assert 0 < killed["processed"] < killed["total"] and killed["worker_pid"] == first.proc.pid

    restarted_at = time.monotonic()
    second = start_server(db, tmp_path / "second.log", env=env)
    try:
        with httpx.Client(base_url=second.url, headers=headers, timeout=60) as client:
            while time.monotonic() - restarted_at < 600:
                job = client.get(f"/v2/jobs/{job_id}").json()["data"]
                if job["status"] in ("completed", "failed"):
                    break
                time.sleep(0.2)
        seconds = time.monotonic() - restarted_at
        done = _job_row(db, job_id)
        assert job["status"] == "completed", job
        assert done["attempts"] == 2 and done["worker_pid"] == second.proc.pid
        with sqlite3.connect(db) as conn:
            coded = conn.execute("SELECT COUNT(*) FROM responses WHERE question_id = ? AND status != 'pending'",
                                 (done["question_id"],)).fetchone()[0]
            takeover = conn.execute("SELECT payload FROM events WHERE action = 'job.takeover'").fetchone()[0]
        assert coded == 2000 and "gone" in takeover
        print(f"\njob {job_id}: killed at {killed['processed']} of {killed['total']} coded; completed "
              f"{seconds:.1f} s after the restart (stale timeout 3600 s)")
    finally:
        stop(second.proc)


def test_two_servers_on_one_database_share_one_rate_limit_and_idempotency(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    a = start_server(db, tmp_path / "a.log", worker=False)
    b = start_server(db, tmp_path / "b.log", worker=False)
    try:
        keys = make_keys(db)  # "limited": an organisation allowed 3 requests a minute
        limited = {"x-api-key": keys["limited"]["key"]}
        if time.time() % 60 > 40:  # start well inside one rate-limit minute: its counts must not restart
            time.sleep(60.5 - time.time() % 60)
        window = int(time.time() // 60)
        seen = []
        for url in (a.url, b.url, a.url, b.url):
            seen.append(httpx.get(url + "/v2/usage", headers=limited, timeout=30))
        assert int(time.time() // 60) == window, "four local requests took over 20 s"
        assert [r.status_code for r in seen] == [200, 200, 200, 429]
        assert [r.headers["X-RateLimit-Remaining"] for r in seen] == ["2", "1", "0", "0"]
        assert seen[3].json()["error"]["code"] == "RATE_LIMITED" and int(seen[3].headers["Retry-After"]) >= 1

        # An Idempotency-Key answered by one server is replayed by the other, not run twice.
        write = {"x-api-key": keys["write"]["key"], "Idempotency-Key": str(uuid.uuid4())}
        body = {"name": "Shared wave", "objective": "one project whichever server answers"}
        made = httpx.post(a.url + "/v2/projects", json=body, headers=write, timeout=30)
        again = httpx.post(b.url + "/v2/projects", json=body, headers=write, timeout=30)
        assert made.status_code == 201 and again.status_code == 201
        assert again.headers["X-Idempotent-Replay"] == "true" and again.json() == made.json()
        listed = httpx.get(b.url + "/v2/projects", headers={"x-api-key": keys["write"]["key"]}, timeout=30).json()
        assert [p["name"] for p in listed["data"]].count("Shared wave") == 1
    finally:
        stop(a.proc)
        stop(b.proc)
