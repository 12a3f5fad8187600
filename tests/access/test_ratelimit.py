"""Rate-limit counters in the database: every limiter on one database file counts the same requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveycoder_core.access.ratelimit import RateLimiter
from surveycoder_core.db.store import one, session
from surveycoder_core.errors import RateLimitedError


def test_two_limiters_on_one_database_share_one_limit(db_path: Path) -> None:
    # Two API processes each have their own limiter; the database is what they share.
    first, second = RateLimiter(db_path), RateLimiter(db_path)
    assert [first.hit("key:k1", 4).remaining, second.hit("key:k1", 4).remaining,
            first.hit("key:k1", 4).remaining, second.hit("key:k1", 4).remaining] == [3, 2, 1, 0]
    with pytest.raises(RateLimitedError) as info:
        first.hit("key:k1", 4)
    assert info.value.retry_after >= 1 and info.value.details["quota"].remaining == 0
    assert second.peek("key:k1", 4).remaining == 0
    assert first.hit("key:other", 4).remaining == 3  # buckets are separate


def test_peek_does_not_count_and_refused_requests_are_not_counted(db_path: Path) -> None:
    limiter = RateLimiter(db_path)
    assert limiter.peek("ip:1.2.3.4", 1).remaining == 1
    limiter.hit("ip:1.2.3.4", 1)
    for _ in range(3):
        with pytest.raises(RateLimitedError):
            limiter.hit("ip:1.2.3.4", 1)
    with session(db_path) as db:
        assert one(db, "SELECT count FROM rate_limits WHERE bucket = 'ip:1.2.3.4'")["count"] == 1


def test_rows_of_past_windows_are_removed(db_path: Path) -> None:
    limiter = RateLimiter(db_path)
    with session(db_path) as db:
        db.conn.execute("INSERT INTO rate_limits (bucket, window_id, count) VALUES ('key:old', 1, 9)")
    limiter.hit("key:new", 10)
    with session(db_path) as db:
        assert one(db, "SELECT COUNT(*) AS n FROM rate_limits WHERE bucket = 'key:old'")["n"] == 0
    limiter.reset()
    assert limiter.peek("key:new", 10).remaining == 10
