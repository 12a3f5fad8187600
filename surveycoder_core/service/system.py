"""The API server process: what it does at start (migrate, webhook deliveries, the worker thread),
the database check of ``/health``, and the clock its answers are stamped with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from surveycoder_core.access import credits
from surveycoder_core.db import store
from surveycoder_core.service.access import purge_idempotency
from surveycoder_core.service.jobs import start_webhook_deliveries
from surveycoder_core.service.projects import ensure_worker


def start_server(db_path: str | Path | None = None, *, start_worker: bool = True) -> Any:
    """Migrate the database now (not under the first request) and forget expired idempotent answers;
    tell webhooks when this process's jobs end and resume pending deliveries; start the in-process
    worker unless ``start_worker`` is False. The worker, or None."""
    purge_idempotency(db_path=db_path)
    start_webhook_deliveries(db_path=db_path)
    return ensure_worker(db_path) if start_worker else None


def check_database(*, db_path: str | Path | None = None) -> None:
    """Raise unless the database opens and holds the default organisation."""
    with store.session(db_path) as db:
        credits.get_org(db, credits.DEFAULT_ORG)


def now() -> str:
    """The time, as every answer and record stamps it (ISO 8601, seconds, UTC ``Z``)."""
    return store.now()


__all__ = ["check_database", "now", "start_server"]
