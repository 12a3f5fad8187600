"""Jobs: a queue in SQLite and the worker that runs it.

``queued → processing → completed | failed``. A job always ends: a thread of the worker
heartbeats while the job runs, even inside one long step, and the job records the worker's host
and pid. A job whose worker process on the same host is gone is taken over at once by the next
worker that looks (one starting up included); a job whose heartbeat goes stale (a worker on another
host died) is picked up after the stale timeout. Either way it resumes
at the first uncoded response (coding is checkpointed per batch, so nothing is charged
twice); after ``MAX_ATTEMPTS`` it is failed with its partial results kept. Jobs are kept
for 7 days, then removed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from surveycoder_core import config
from surveycoder_core.db.store import dumps, get_row, loads, new_token, now, one, record_event, rows, session, write
from surveycoder_core.errors import ConflictError, EngineError, NotFoundError, SurveyCoderError
from surveycoder_core.jobs import owner as job_owner
from surveycoder_core.schemas import Job, JobError, JobProgress

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETENTION_DAYS = 7
JobListener = Callable[[str | Path | None, dict[str, Any]], None]
_listeners: list[JobListener] = []


def stale_after_seconds() -> float:
    return config.job_stale_seconds()


def add_listener(fn: JobListener) -> None:
    """Called with (db_path, job dict) when a job completes or fails (webhooks hook in here)."""
    if fn not in _listeners:
        _listeners.append(fn)


def estimate_seconds(n: int) -> int:
    return max(2, int(3 + n / 800))


def create_job(
    db: sqlite_utils.Database, *, job_type: str, project_id: str, question_id: str, org_id: str = "default",
    api_key_id: str | None = None, total: int = 0, actor: str = "api",
) -> str:
    job_id = new_token("job_", 12)
    stamp = now()
    with write(db):
        running = one(db, "SELECT id FROM jobs WHERE question_id = ? AND status IN ('queued', 'processing')",
                      (question_id,))
        if running:
            raise ConflictError(f"a coding job is already running for this question: {running['id']}",
                                code="JOB_ALREADY_RUNNING")
        db.conn.execute(
            "INSERT INTO jobs (id, type, status, stage, project_id, question_id, api_key_id, org_id, total,"
            " created_at, updated_at) VALUES (?, ?, 'queued', 'queued', ?, ?, ?, ?, ?, ?, ?)",
            (job_id, job_type, project_id, question_id, api_key_id, org_id, total, stamp, stamp),
        )
        record_event(db, actor=actor, action="job.create", project_id=project_id, question_id=question_id,
                     payload={"job_id": job_id, "type": job_type, "total": total})
    return job_id


def running_job_for(db: sqlite_utils.Database, question_id: str) -> dict[str, Any] | None:
    return one(db, "SELECT * FROM jobs WHERE question_id = ? AND status IN ('queued', 'processing')"
               " ORDER BY created_at DESC", (question_id,))


def _job_model(db: sqlite_utils.Database, row: dict[str, Any], with_result: bool) -> Job:
    from surveycoder_core.db.responses import build_result

    total, processed = int(row["total"]), int(row["processed"])
    pct = 100 if row["status"] == "completed" else (int(processed * 100 / total) if total else 0)
    job = Job(
        id=row["id"], type=row["type"], status=row["status"],
        progress=JobProgress(processed=processed, total=total, percentage=min(pct, 100)),
        created_at=row["created_at"], updated_at=row["updated_at"], stage=row["stage"],
        project_id=row["project_id"], question_id=row["question_id"],
    )
    if row["error"]:
        job.error = JobError(**loads(row["error"]))
    if with_result and row["question_id"] and row["status"] in ("completed", "failed"):
        try:
            data = build_result(db, row["question_id"]).model_dump()
        except NotFoundError:
            data = None
        if row["status"] == "completed":
            job.result = data
        elif data is not None and processed:
            job.partial_result = data
            job.failed_response_indices = [
                r["position"] for r in rows(db, "SELECT position FROM responses WHERE question_id = ?"
                                            " AND status = 'pending' ORDER BY position", (row["question_id"],))
            ]
    return job


def get_job(db: sqlite_utils.Database, job_id: str, org_id: str | None = None, with_result: bool = True) -> Job:
    row = get_row(db, "jobs", job_id, what="Job", org_id=org_id)
    return _job_model(db, row, with_result)


def list_jobs(db: sqlite_utils.Database, org_id: str | None = None, status: str | None = None,
              limit: int = 20) -> list[Job]:
    sql = "SELECT * FROM jobs WHERE 1=1"
    params: list[Any] = []
    if org_id is not None:
        sql += " AND org_id = ?"
        params.append(org_id)
    if status:
        sql += " AND status = ?"
        params.append(status)
    sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
    params.append(int(limit))
    return [_job_model(db, r, with_result=False) for r in rows(db, sql, params)]


def cancel_job(db: sqlite_utils.Database, job_id: str, actor: str = "app") -> None:
    """Ask the worker to stop after the current batch; a queued job ends at once."""
    with write(db):
        row = get_row(db, "jobs", job_id, what="Job")
        if row["status"] == "queued":
            _finish(db, job_id, "failed", {"code": "CODING_FAILED", "message": "cancelled before it started"})
        elif row["status"] == "processing":
            db.conn.execute("UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?", (now(), job_id))
        record_event(db, actor=actor, action="job.cancel", project_id=row["project_id"],
                     question_id=row["question_id"], payload={"job_id": job_id})


def _finish(db: sqlite_utils.Database, job_id: str, status: str, error: dict[str, str] | None = None) -> None:
    db.conn.execute("UPDATE jobs SET status = ?, stage = ?, error = ?, updated_at = ? WHERE id = ?",
                    (status, status, dumps(error) if error else None, now(), job_id))


def orphaned_jobs(db: sqlite_utils.Database) -> list[str]:
    """Processing jobs whose worker ran on this host in a process that no longer exists."""
    held = rows(db, "SELECT id, worker_host, worker_pid FROM jobs WHERE status = 'processing' AND worker_host = ?",
                (job_owner.this_host(),))
    return [r["id"] for r in held if job_owner.owner_gone(r["worker_host"], r["worker_pid"])]


def claim_next(db: sqlite_utils.Database, worker_id: str) -> dict[str, Any] | None:
    """Take the oldest job that is queued, or processing for a worker known to be dead.

    Dead means: its process on this host is gone (taken over at once), or it stopped heartbeating
    for the stale timeout (the only sign available for a worker on another host).
    """
    stale = (datetime.now(UTC) - timedelta(seconds=stale_after_seconds())).isoformat(timespec="seconds")
    stale = stale.replace("+00:00", "Z")
    with write(db):
        # Under the write lock: two workers starting together cannot both take the same orphan.
        orphans = orphaned_jobs(db)
        row = one(
            db,
            "SELECT * FROM jobs WHERE status = 'queued' OR (status = 'processing' AND heartbeat_at <= ?)"
            f" OR id IN ({','.join('?' * len(orphans)) or 'NULL'}) ORDER BY created_at, rowid LIMIT 1",
            (stale, *orphans),
        )
        if row is None:
            return None
        if row["status"] == "processing":
            why = ("its worker process on this host is gone" if row["id"] in orphans
                   else "its worker stopped heartbeating")
            log.info("taking over job %s from %s: %s", row["id"], row["worker"], why)
            record_event(db, actor=f"worker:{worker_id}", action="job.takeover", project_id=row["project_id"],
                         question_id=row["question_id"],
                         payload={"job_id": row["id"], "from": row["worker"], "reason": why})
        if row["attempts"] >= MAX_ATTEMPTS:
            _finish(db, row["id"], "failed", {
                "code": "CODING_FAILED",
                "message": f"the job's worker stopped {row['attempts']} times; {row['processed']} of {row['total']}"
                           " responses were coded and are kept",
            })
            return None
        db.conn.execute(
            "UPDATE jobs SET status = 'processing', attempts = attempts + 1, worker = ?, worker_host = ?,"
            " worker_pid = ?, heartbeat_at = ?, updated_at = ? WHERE id = ?",
            (worker_id, job_owner.this_host(), job_owner.this_pid(), now(), now(), row["id"]),
        )
    return one(db, "SELECT * FROM jobs WHERE id = ?", (row["id"],))


def _beat_until(db_path: str | Path | None, job_id: str, worker: str | None, stop: threading.Event) -> None:
    """Heartbeat a claimed job until ``stop``: a live worker inside one long step (a k-means on
    10,000 answers, an LLM batch) must not look dead and have its job taken over. Only the worker
    that holds the job beats for it; a killed process stops beating, so its job is taken over."""
    every = max(0.5, stale_after_seconds() / 4.0)
    while not stop.wait(every):
        try:
            with session(db_path) as hb, write(hb):
                hb.conn.execute(
                    "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND status = 'processing'"
                    " AND (worker = ? OR ? IS NULL)",
                    (now(), job_id, worker, worker),
                )
        except Exception:  # a missed beat is retried; it must never break the job itself
            log.warning("heartbeat for job %s failed", job_id, exc_info=True)


def run_job(db_path: str | Path | None, job: dict[str, Any], engine_factory: Callable[[], Any]) -> str:
    """Run one claimed job to its end; returns the final status."""
    stop = threading.Event()
    beat = threading.Thread(target=_beat_until, args=(db_path, job["id"], job.get("worker"), stop),
                            daemon=True, name=f"heartbeat-{job['id']}")
    beat.start()
    try:
        return _run_claimed(db_path, job, engine_factory)
    finally:
        stop.set()
        beat.join(timeout=5)


def _run_claimed(db_path: str | Path | None, job: dict[str, Any], engine_factory: Callable[[], Any]) -> str:
    from surveycoder_core.pipeline.stages import Cancelled, RunHooks, run_question

    job_id = job["id"]
    with session(db_path) as db:
        def progress(stage: str, done: int, total: int) -> None:
            with write(db):
                db.conn.execute("UPDATE jobs SET stage = ?, heartbeat_at = ?, updated_at = ? WHERE id = ?",
                                (stage, now(), now(), job_id))

        def on_batch(conn_db: sqlite_utils.Database, done: int, total: int) -> None:
            # Inside the batch's own transaction: progress moves exactly with what was saved.
            conn_db.conn.execute(
                "UPDATE jobs SET processed = (SELECT COUNT(*) FROM responses WHERE question_id = ?"
                " AND dedup_of IS NULL AND status IN ('coded', 'uncoded')), heartbeat_at = ?, updated_at = ?"
                " WHERE id = ?",
                (job["question_id"], now(), now(), job_id),
            )

        def cancelled() -> bool:
            row = one(db, "SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,))
            return bool(row and row["cancel_requested"])

        hooks = RunHooks(progress=progress, cancelled=cancelled, org_id=job["org_id"], job_id=job_id,
                         actor=f"job:{job_id}", on_batch=on_batch)
        error: dict[str, str] | None = None
        try:
            run_question(db, job["question_id"], engine_factory(), hooks)
            status = "completed"
        except Cancelled as exc:
            status, error = "failed", {"code": "CODING_FAILED", "message": f"cancelled by the user: {exc}"}
        except SurveyCoderError as exc:
            status, error = "failed", {"code": exc.code, "message": exc.message}
        except Exception as exc:  # never leave a job processing: the SDK polls forever
            log.exception("job %s crashed", job_id)
            status, error = "failed", {"code": "CODING_FAILED", "message": f"unexpected error: {exc}"}
        with write(db):
            _finish(db, job_id, status, error)
            record_event(db, actor=f"job:{job_id}", action=f"job.{status}", project_id=job["project_id"],
                         question_id=job["question_id"], payload={"job_id": job_id, "error": error})
        final = get_job(db, job_id, with_result=False).model_dump(exclude_none=True)
    for listener in list(_listeners):
        try:
            listener(db_path, final)
        except Exception:  # a webhook problem must not undo a finished job
            log.exception("job listener failed for %s", job_id)
    return status


def gc_jobs(db: sqlite_utils.Database, days: int = RETENTION_DAYS) -> int:
    cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds").replace("+00:00", "Z")
    with write(db):
        cur = db.conn.execute("DELETE FROM jobs WHERE status IN ('completed', 'failed') AND updated_at < ?",
                              (cutoff,))
    return cur.rowcount


class Worker(threading.Thread):
    """Runs queued jobs one after another until stopped."""

    def __init__(self, db_path: str | Path | None = None, engine_factory: Callable[[], Any] | None = None,
                 poll_seconds: float = 0.5) -> None:
        super().__init__(daemon=True, name="surveycoder-worker")
        self.db_path = db_path
        self.poll_seconds = poll_seconds
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop_event = threading.Event()
        if engine_factory is None:
            from surveycoder_core.engines import get_engine

            def engine_factory() -> Any:
                return get_engine(db_path=db_path)
        self.engine_factory = engine_factory

    def stop(self) -> None:
        self._stop_event.set()

    def run_once(self) -> bool:
        with session(self.db_path) as db:
            job = claim_next(db, self.worker_id)
        if job is None:
            return False
        run_job(self.db_path, job, self.engine_factory)
        return True

    def run(self) -> None:
        last_gc = 0.0
        import time

        while not self._stop_event.is_set():
            try:
                if time.monotonic() - last_gc > 3600:
                    with session(self.db_path) as db:
                        gc_jobs(db)
                    last_gc = time.monotonic()
                if not self.run_once():
                    self._stop_event.wait(self.poll_seconds)
            except EngineError:
                log.exception("worker: engine error")
            except Exception:
                log.exception("worker loop error")
                self._stop_event.wait(self.poll_seconds)


_workers: dict[str, Worker] = {}
_workers_lock = threading.Lock()


def ensure_worker(db_path: str | Path | None = None) -> Worker:
    """One in-process worker thread per database (the app and ``surveycoder serve`` use this)."""
    from surveycoder_core.db.store import default_db_path

    key = str(Path(db_path or default_db_path()).resolve())
    with _workers_lock:
        worker = _workers.get(key)
        if worker is None or not worker.is_alive():
            worker = Worker(db_path)
            worker.start()
            _workers[key] = worker
        return worker
