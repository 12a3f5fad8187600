"""Idempotency-Key: safe retries of write requests for 24 hours.

The cache key is (API key id, Idempotency-Key). The first request claims the slot (a row with no
status yet); when it answers, its status, JSON body and replayable headers are stored. A retry with
the same key and the same body gets that answer again with ``X-Idempotent-Replay: true``; the same
key with a different body is a 422. A retry that arrives while the first is still running gets a
409 ``INVALID_STATE`` rather than running the work twice. Server errors (5xx) are not kept, so the
client's retry really retries.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import sqlite_utils

from surveycoder_core.db.store import dumps, loads, now, one, write
from surveycoder_core.errors import InvalidStateError, ValidationError

TTL = timedelta(hours=24)
#: A claimed slot with no answer after this long belongs to a request that died with its server.
ABANDONED_AFTER = timedelta(minutes=10)
PURGE_EVERY_SECONDS = 3600.0
_last_purge = 0.0
MAX_KEY_LENGTH = 255
#: Response headers worth replaying (the rest — request id, rate limits — belong to the new call).
REPLAYED_HEADERS = ("location", "content-type")


@dataclass
class Cached:
    status_code: int
    body: str
    headers: dict[str, str]


def validate_key(key: str) -> None:
    if not key.strip():
        raise ValidationError("Idempotency-Key must not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError(f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters, got {len(key)}")


def body_hash(method: str, path: str, body: bytes) -> str:
    """What "the same request" means: same method, same path, byte-identical body."""
    h = hashlib.sha256()
    h.update(f"{method.upper()} {path}\n".encode())
    h.update(body)
    return h.hexdigest()


def _cutoff(age: timedelta = TTL) -> str:
    return (datetime.now(UTC) - age).isoformat(timespec="seconds").replace("+00:00", "Z")


def begin(db: sqlite_utils.Database, api_key_id: str, key: str, digest: str) -> Literal["new"] | Cached:
    """Claim the slot for a new request, or return the cached answer to replay.

    Raises ValidationError when the key was used with another body, InvalidStateError while the
    first request with this key is still being processed.
    """
    validate_key(key)
    global _last_purge
    if time.monotonic() - _last_purge > PURGE_EVERY_SECONDS:  # keep the table small on long-running servers
        _last_purge = time.monotonic()
        purge_expired(db)
    with write(db):
        db.conn.execute("DELETE FROM idempotency WHERE api_key_id = ? AND key = ? AND (created_at < ?"
                        " OR (status_code IS NULL AND created_at < ?))",
                        (api_key_id, key, _cutoff(), _cutoff(ABANDONED_AFTER)))
        row = one(db, "SELECT * FROM idempotency WHERE api_key_id = ? AND key = ?", (api_key_id, key))
        if row is None:
            db.conn.execute(
                "INSERT INTO idempotency (api_key_id, key, body_hash, created_at) VALUES (?, ?, ?, ?)",
                (api_key_id, key, digest, now()),
            )
            return "new"
    if row["body_hash"] != digest:
        raise ValidationError("Idempotency-Key reused with different body")
    if row["status_code"] is None:
        raise InvalidStateError("a request with this Idempotency-Key is still being processed; retry shortly")
    return Cached(status_code=int(row["status_code"]), body=row["body"] or "", headers=loads(row["headers"], {}))


def complete(db: sqlite_utils.Database, api_key_id: str, key: str, status_code: int, body: str,
             headers: dict[str, Any]) -> None:
    kept = {k.lower(): str(v) for k, v in headers.items() if k.lower() in REPLAYED_HEADERS}
    with write(db):
        db.conn.execute(
            "UPDATE idempotency SET status_code = ?, body = ?, headers = ? WHERE api_key_id = ? AND key = ?",
            (status_code, body, dumps(kept), api_key_id, key),
        )


def abandon(db: sqlite_utils.Database, api_key_id: str, key: str) -> None:
    """Free the slot (server error, or a response that cannot be replayed)."""
    with write(db):
        db.conn.execute("DELETE FROM idempotency WHERE api_key_id = ? AND key = ?", (api_key_id, key))


def purge_expired(db: sqlite_utils.Database) -> int:
    with write(db):
        cur = db.conn.execute("DELETE FROM idempotency WHERE created_at < ?", (_cutoff(),))
    return cur.rowcount
