"""Webhooks: tell a URL when a job completes or fails.

Events ``job.completed`` and ``job.failed``. The JSON body is signed with the webhook's secret
(HMAC-SHA256 of the raw body) in ``X-Signature: sha256=<hex>``; ``X-Event`` names the event and
``X-Attempt`` counts deliveries (1..4). A non-2xx answer or a timeout is retried after 5 s, 30 s and
5 min (``SURVEYCODER_WEBHOOK_RETRY_DELAYS`` overrides, e.g. for tests), then dropped; every attempt
is recorded in ``webhook_deliveries``. Deliveries run on a background thread so a slow receiver
never holds up the worker.

URLs: https everywhere. Plain http is refused (as upstream) except for loopback hosts (a receiver
on the same machine, tests) or when ``SURVEYCODER_WEBHOOK_ALLOW_HTTP=1`` (a private network the
operator vouches for). The secret is returned once, when the webhook is created.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from surveycoder_core import config
from surveycoder_core.db.store import dumps, loads, new_token, now, one, rows, session, write
from surveycoder_core.errors import NotFoundError, ValidationError
from surveycoder_core.jobs import queue as jobs

log = logging.getLogger(__name__)

EVENTS = ("job.completed", "job.failed")
DEFAULT_DELAYS = (0.0, 5.0, 30.0, 300.0)
TIMEOUT_SECONDS = 10.0


def retry_delays() -> tuple[float, ...]:
    return config.webhook_retry_delays()


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_url(url: str) -> str:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # e.g. "http://[" (a broken IPv6 literal)
        raise ValidationError(f"url is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationError("url must be an absolute http(s) URL")
    if parts.scheme == "http" and not _is_loopback(host) \
            and not config.webhook_allow_http():
        raise ValidationError("url must use https (plain http is accepted only for loopback hosts)")
    return url


def _events(events: list[str] | None) -> list[str]:
    if not events:
        return list(EVENTS)
    out: list[str] = []
    for e in events:
        if e == "*":
            return list(EVENTS)
        if e not in EVENTS:
            raise ValidationError(f"unknown event {e!r}; events are {', '.join(EVENTS)} or '*'")
        if e not in out:
            out.append(e)
    return out


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "url": row["url"], "events": row["events"].split(","), "active": bool(row["active"]),
            "created_at": row["created_at"]}


def create_webhook(db_path: str | Path | None, org_id: str, url: str,
                   events: list[str] | None = None) -> dict[str, Any]:
    """Register a URL; the result carries the ``secret`` (shown this once)."""
    url = validate_url(url)
    chosen = _events(events)
    webhook_id, secret = new_token("wh_", 12), "whsec_" + secrets.token_hex(24)
    with session(db_path) as db, write(db):
        db.conn.execute("INSERT INTO webhooks (id, org_id, url, events, secret, active, created_at)"
                        " VALUES (?, ?, ?, ?, ?, 1, ?)", (webhook_id, org_id, url, ",".join(chosen), secret, now()))
        row = one(db, "SELECT * FROM webhooks WHERE id = ?", (webhook_id,))
    assert row is not None
    return _public(row) | {"secret": secret}


def list_webhooks(db_path: str | Path | None, org_id: str) -> list[dict[str, Any]]:
    with session(db_path) as db:
        return [_public(r) for r in rows(db, "SELECT * FROM webhooks WHERE org_id = ? ORDER BY created_at, id",
                                         (org_id,))]


def delete_webhook(db_path: str | Path | None, org_id: str, webhook_id: str) -> None:
    with session(db_path) as db, write(db):
        cur = db.conn.execute("DELETE FROM webhooks WHERE id = ? AND org_id = ?", (webhook_id, org_id))
        if cur.rowcount == 0:
            raise NotFoundError(f"Webhook not found: {webhook_id}")


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def build_payload(db_path: str | Path | None, job: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    stamp = now()
    if job["status"] == "completed":
        with session(db_path) as db:
            row = one(db, "SELECT COALESCE(-SUM(delta), 0) AS n FROM credit_ledger WHERE job_id = ?", (job["id"],))
        progress = job.get("progress") or {}
        return "job.completed", {
            "event": "job.completed", "job_id": job["id"], "project_id": job.get("project_id"),
            "question_id": job.get("question_id"),
            "result": {"responses_coded": int(progress.get("processed", 0)),
                       "credits_used": int(row["n"] if row else 0)},
            "timestamp": stamp,
        }
    error = job.get("error") or {"code": "CODING_FAILED", "message": "Job failed"}
    return "job.failed", {"event": "job.failed", "job_id": job["id"], "project_id": job.get("project_id"),
                          "question_id": job.get("question_id"), "error": error, "timestamp": stamp}


def on_job_finished(db_path: str | Path | None, job: dict[str, Any]) -> None:
    """jobs listener: queue one delivery per subscribed webhook and send them in the background."""
    if job.get("status") not in ("completed", "failed"):
        return
    event, payload = build_payload(db_path, job)
    with session(db_path) as db:
        hooks = [h for h in rows(db, "SELECT * FROM webhooks WHERE org_id = ? AND active = 1",
                                 (job.get("org_id") or _job_org(db, job["id"]),))
                 if event in h["events"].split(",")]
        if not hooks:
            return
        deliveries = []
        with write(db):
            for h in hooks:
                cur = db.conn.execute(
                    "INSERT INTO webhook_deliveries (webhook_id, event, payload, next_attempt_at, created_at)"
                    " VALUES (?, ?, ?, ?, ?)", (h["id"], event, dumps(payload), now(), now()))
                deliveries.append((int(cur.lastrowid or 0), h["url"], h["secret"]))
    for delivery_id, url, secret in deliveries:
        threading.Thread(target=deliver, args=(db_path, delivery_id, url, secret, event, payload),
                         daemon=True, name=f"webhook-{delivery_id}").start()


def _job_org(db: Any, job_id: str) -> str:
    row = one(db, "SELECT org_id FROM jobs WHERE id = ?", (job_id,))
    return row["org_id"] if row else "default"


def deliver(db_path: str | Path | None, delivery_id: int, url: str, secret: str, event: str,
            payload: dict[str, Any], first_attempt: int = 1) -> bool:
    """Send one event with retries; returns whether a receiver acknowledged it (2xx)."""
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    delays = retry_delays()
    if first_attempt > len(delays):
        _record(db_path, delivery_id, first_attempt - 1, None, "failed")
        return False
    import httpx  # here, not at import: httpx loads its command line (rich, pygments), 0.1 s of API start

    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        for attempt, delay in enumerate(delays, start=1):
            if attempt < first_attempt:
                continue
            if delay:
                time.sleep(delay)
            status: int | None = None
            try:
                response = client.post(url, content=body, headers={
                    "Content-Type": "application/json", "User-Agent": "SurveyCoder-Webhooks/1",
                    "X-Signature": sign(secret, body), "X-Event": event, "X-Attempt": str(attempt),
                    "X-Delivery-Id": str(delivery_id)})
                status = response.status_code
            except httpx.HTTPError as exc:
                log.warning("webhook delivery %s attempt %s failed: %s", delivery_id, attempt, exc)
            ok = status is not None and 200 <= status < 300
            final = ok or attempt == len(delays)
            _record(db_path, delivery_id, attempt, status, "delivered" if ok else ("failed" if final else "pending"))
            if ok:
                return True
    return False


def _record(db_path: str | Path | None, delivery_id: int, attempts: int, status: int | None, state: str) -> None:
    try:
        with session(db_path) as db, write(db):
            db.conn.execute("UPDATE webhook_deliveries SET attempts = ?, last_status = ?, status = ?,"
                            " next_attempt_at = ? WHERE id = ?",
                            (attempts, status, state, None if state != "pending" else now(), delivery_id))
    except Exception:  # bookkeeping must not stop the retries
        log.exception("could not record webhook delivery %s", delivery_id)


def list_deliveries(db_path: str | Path | None, webhook_id: str) -> list[dict[str, Any]]:
    with session(db_path) as db:
        return rows(db, "SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id", (webhook_id,))


def resume_pending(db_path: str | Path | None) -> int:
    """Deliveries a stopped process left between retries (recorded as pending) carry on where they were."""
    cutoff = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds").replace("+00:00", "Z")
    with session(db_path) as db:
        pending = rows(db, "SELECT d.id, d.event, d.payload, d.attempts, w.url, w.secret FROM webhook_deliveries d"
                           " JOIN webhooks w ON w.id = d.webhook_id WHERE d.status = 'pending' AND w.active = 1"
                           " AND d.created_at > ?", (cutoff,))
    for d in pending:
        threading.Thread(target=deliver, args=(db_path, d["id"], d["url"], d["secret"], d["event"],
                                               loads(d["payload"]), int(d["attempts"]) + 1),
                         daemon=True, name=f"webhook-{d['id']}").start()
    return len(pending)


def install() -> None:
    """Hook webhook delivery into the job runner of this process (API server or worker)."""
    jobs.add_listener(on_job_finished)
