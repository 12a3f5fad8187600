"""Per-key requests-per-minute limits, counted in the database.

Fixed one-minute windows aligned on the clock (``X-RateLimit-Reset`` is the epoch second the
window ends). The limit comes from the key's organisation (``organizations.rpm``). The counters
live in the ``rate_limits`` table, so every ``surveycoder serve`` process on one database shares
one limit (counters in each process's memory let two processes double every limit). Each count is
one short ``BEGIN IMMEDIATE`` transaction: read the bucket's count for this window and, when under
the limit, add one; rows of past windows are deleted by the first count of each new window in
each process. Requests without a valid key are counted per client address, so guessing keys is
limited too.

The limiter keeps one connection per thread open (a connection per thread, as everywhere here):
when the last connection to a WAL database closes, SQLite checkpoints the log into the database
with an fsync, and with a write on every request that made each request close the last
connection and pay ~10 ms for it (measured: 11.6 ms p50 for key check + count with per-call
connections only, 0.6 ms with this one kept open).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from surveycoder_core import config
from surveycoder_core.db.store import one, open_db, write
from surveycoder_core.errors import RateLimitedError

WINDOW_SECONDS = 60


def anonymous_rpm() -> int:
    """Limit for requests that carry no valid key (per client address)."""
    return config.anonymous_rpm()


@dataclass
class Quota:
    limit: int
    remaining: int
    reset: int  # epoch second the window ends

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset)}

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window resets (an int: the SDK does ``int(Retry-After)``)."""
        return max(1, math.ceil(self.reset - time.time()))


class RateLimiter:
    """Counts requests per bucket (``key:<id>``, ``ip:<address>``) in the database at ``db_path``."""

    def __init__(self, db_path: str | Path | None = None) -> None:
        self.db_path = db_path
        self._cleaned_window = -1  # the last window this process removed older rows in
        self._local = threading.local()

    def _db(self) -> sqlite_utils.Database:
        """This thread's connection, opened once and kept (see the module docstring for why)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = open_db(self.db_path)
        return db

    @staticmethod
    def _window() -> int:
        return int(time.time() // WINDOW_SECONDS)

    def _quota(self, limit: int, window: int, used: int) -> Quota:
        return Quota(limit=limit, remaining=max(0, limit - used), reset=(window + 1) * WINDOW_SECONDS)

    def peek(self, bucket: str, limit: int) -> Quota:
        """The quota left in this window, without counting a request."""
        window = self._window()
        row = one(self._db(), "SELECT count FROM rate_limits WHERE bucket = ? AND window_id = ?", (bucket, window))
        return self._quota(limit, window, int(row["count"]) if row else 0)

    def hit(self, bucket: str, limit: int) -> Quota:
        """Count one request; RateLimitedError (with the quota on it) when over the limit."""
        window = self._window()
        db = self._db()
        with write(db):
            if window != self._cleaned_window:
                db.conn.execute("DELETE FROM rate_limits WHERE window_id < ?", (window,))
                self._cleaned_window = window
            row = one(db, "SELECT count FROM rate_limits WHERE bucket = ? AND window_id = ?", (bucket, window))
            count = int(row["count"]) if row else 0
            allowed = count < limit
            if allowed:
                count += 1
                db.conn.execute(
                    "INSERT INTO rate_limits (bucket, window_id, count) VALUES (?, ?, 1)"
                    " ON CONFLICT (bucket, window_id) DO UPDATE SET count = count + 1", (bucket, window))
        quota = self._quota(limit, window, count)
        if not allowed:
            err = RateLimitedError(
                f"Rate limit exceeded: {limit} requests per minute; retry after {quota.retry_after} s",
                retry_after=quota.retry_after)
            err.details["quota"] = quota
            raise err
        return quota

    def reset(self) -> None:
        """Forget every count (tests, or an operator lifting a block at once)."""
        db = self._db()
        with write(db):
            db.conn.execute("DELETE FROM rate_limits")
