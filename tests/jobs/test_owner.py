"""Crash takeover: a job whose worker process on this host is gone is taken over at once.

Real processes stand in for workers: one that has exited (its pid is free), one still running,
one killed but not yet reaped (a zombie). Owners on another host are judged by their heartbeat only.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from surveycoder_core import service
from surveycoder_core.db.store import one, rows, session
from surveycoder_core.jobs import owner as job_owner
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.schemas import CodeRequest
from tests.synthetic import make_responses


def _processing_job(db_path: Path, host: str, pid: int) -> str:
    """A job claimed by a worker that ran as ``pid`` on ``host`` (heartbeat just now)."""
    req = CodeRequest.model_validate({"responses": make_responses(60, seed=4)})
    job_id = service.submit_code_job(req, db_path=db_path)["job_id"]
    with session(db_path) as db:
        claimed = jobs.claim_next(db, "old-worker")
        assert claimed is not None and claimed["id"] == job_id
        assert (claimed["worker_host"], claimed["worker_pid"]) == (job_owner.this_host(), job_owner.this_pid())
        db.conn.execute("UPDATE jobs SET worker_host = ?, worker_pid = ? WHERE id = ?", (host, pid, job_id))
    return job_id


def _exited_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_job_whose_worker_process_is_gone_is_taken_over_at_once(db_path: Path) -> None:
    job_id = _processing_job(db_path, job_owner.this_host(), _exited_pid())
    with session(db_path) as db:
        taken = jobs.claim_next(db, "new-worker")  # the default 60 s stale timeout has not passed
        events = rows(db, "SELECT payload FROM events WHERE action = 'job.takeover'")
    assert taken is not None and taken["id"] == job_id
    assert taken["worker"] == "new-worker" and taken["attempts"] == 2 and taken["worker_pid"] == job_owner.this_pid()
    assert len(events) == 1 and "gone" in events[0]["payload"]


def test_a_live_owner_keeps_its_job(db_path: Path) -> None:
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _processing_job(db_path, job_owner.this_host(), live.pid)
        with session(db_path) as db:
            assert jobs.claim_next(db, "new-worker") is None
    finally:
        live.kill()
        live.wait()


def test_an_owner_on_another_host_waits_for_the_stale_timeout(db_path: Path, monkeypatch) -> None:
    job_id = _processing_job(db_path, "some-other-host", _exited_pid())
    with session(db_path) as db:
        assert jobs.claim_next(db, "new-worker") is None  # its pid means nothing here
    monkeypatch.setenv("SURVEYCODER_JOB_STALE_SECONDS", "0")
    with session(db_path) as db:
        taken = jobs.claim_next(db, "new-worker")
        reason = one(db, "SELECT payload FROM events WHERE action = 'job.takeover'")
    assert taken is not None and taken["id"] == job_id and "heartbeat" in reason["payload"]


def test_jobs_without_a_recorded_owner_keep_the_timeout(db_path: Path) -> None:
    job_id = _processing_job(db_path, job_owner.this_host(), _exited_pid())
    with session(db_path) as db:  # as claimed before host and pid were recorded
        db.conn.execute("UPDATE jobs SET worker_host = NULL, worker_pid = NULL WHERE id = ?", (job_id,))
        assert jobs.claim_next(db, "new-worker") is None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="zombies are read from /proc")
def test_a_killed_but_unreaped_process_counts_as_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert not job_owner.process_gone(child.pid)
        child.send_signal(signal.SIGKILL)
        for _ in range(200):  # the kernel marks it a zombie a moment later
            if job_owner.process_gone(child.pid):
                break
            import time

            time.sleep(0.01)
        assert job_owner.process_gone(child.pid)
    finally:
        child.wait()
    assert job_owner.process_gone(child.pid)
    assert not job_owner.process_gone(job_owner.this_pid())
