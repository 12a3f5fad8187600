"""Use cases for coding jobs and their webhooks, as an organisation sees them over the API.

Submitting a job is :func:`service.submit_code_job` (``coding``); here: the concurrent-job limit, a
job's status, cancelling, listing, the webhooks told when a job ends, and the worker that runs queued
jobs in its own process (``surveycoder worker``). The in-process worker thread of the app and of
``surveycoder serve`` is :func:`service.projects.ensure_worker`.

Each function opens its own connection and is one transaction (reads of several rows share one snapshot).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from surveycoder_core.db.store import session, snapshot, write
from surveycoder_core.errors import InvalidStateError, RateLimitedError
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.jobs import webhooks
from surveycoder_core.schemas import Job

# ---------------------------------------------------------------- jobs


def check_concurrent_jobs(org: dict[str, Any], *, db_path: str | Path | None = None) -> None:
    """RateLimitedError when a metered organisation already runs ``concurrent_jobs`` jobs (queued or
    processing); the unlimited organisation has no cap."""
    if org["unlimited"]:
        return
    with session(db_path) as db, snapshot(db):
        running = sum(len(jobs.list_jobs(db, str(org["id"]), status=s, limit=100)) for s in ("queued", "processing"))
    if running >= int(org["concurrent_jobs"]):
        raise RateLimitedError(f"Concurrent job limit reached: {org['concurrent_jobs']} jobs already queued or"
                               " running for this organization", retry_after=10)


def get_job(job_id: str, *, org_id: str | None, with_result: bool = True,
            db_path: str | Path | None = None) -> Job:
    """The organisation's job with its progress and, once completed, its result (NotFoundError otherwise).

    ``org_id=None`` is the app's view: every job of its database, whichever organisation submitted it."""
    with session(db_path) as db, snapshot(db):  # the job and its result as of one moment
        return jobs.get_job(db, job_id, org_id=org_id, with_result=with_result)


def cancel_job(job_id: str, *, org_id: str | None, actor: str, db_path: str | Path | None = None) -> Job:
    """Cancel the organisation's job (a queued one ends at once, a running one after its current batch)
    and return it; InvalidStateError when it has already completed or failed. One transaction: the job
    cannot finish between the check and the cancel. ``org_id=None``: any job of the database (the app)."""
    with session(db_path) as db, write(db):
        job = jobs.get_job(db, job_id, org_id=org_id, with_result=False)
        if job.status in ("completed", "failed"):
            raise InvalidStateError(f"job {job_id} has already {job.status}; nothing to cancel")
        jobs.cancel_job(db, job_id, actor=actor)
        return jobs.get_job(db, job_id, org_id=org_id, with_result=False)


def list_jobs(*, org_id: str, status: str | None = None, limit: int = 20,
              db_path: str | Path | None = None) -> list[Job]:
    """The organisation's jobs, newest first (without their results)."""
    with session(db_path) as db, snapshot(db):
        return jobs.list_jobs(db, org_id, status=status, limit=limit)


def run_worker(*, db_path: str | Path | None = None, announce: Callable[[str], None] | None = None) -> None:
    """Run queued jobs in this process until interrupted (``surveycoder worker``), telling webhooks when
    they end; ``announce`` is given the worker's id before the first job."""
    webhooks.install()  # jobs this process finishes must notify webhooks too
    worker = jobs.Worker(db_path)
    if announce is not None:
        announce(worker.worker_id)
    worker.run()


# ---------------------------------------------------------------- webhooks


def create_webhook(url: str, events: list[str] | None, *, org_id: str,
                   db_path: str | Path | None = None) -> dict[str, Any]:
    """Register a URL told when the organisation's jobs end; the answer holds the ``secret`` (shown once)."""
    return webhooks.create_webhook(db_path, org_id, url, events)


def list_webhooks(*, org_id: str, db_path: str | Path | None = None) -> list[dict[str, Any]]:
    """The organisation's webhooks (never their secrets)."""
    return webhooks.list_webhooks(db_path, org_id)


def delete_webhook(webhook_id: str, *, org_id: str, db_path: str | Path | None = None) -> None:
    """Delete one of the organisation's webhooks (NotFoundError for another's or an unknown one)."""
    webhooks.delete_webhook(db_path, org_id, webhook_id)


def start_webhook_deliveries(*, db_path: str | Path | None = None) -> int:
    """Tell webhooks about the jobs this process finishes, and resume the deliveries a stopped server
    left pending (each on its own thread); the number resumed."""
    webhooks.install()
    return webhooks.resume_pending(db_path)


__all__ = [
    "cancel_job",
    "check_concurrent_jobs",
    "create_webhook",
    "delete_webhook",
    "get_job",
    "list_jobs",
    "list_webhooks",
    "run_worker",
    "start_webhook_deliveries",
]
