"""Per-key requests-per-minute limits.

Fixed one-minute windows aligned on the clock (``X-RateLimit-Reset`` is the epoch second the
window ends). The limit comes from the key's organisation (``organizations.rpm``). Counters live in
memory: the API is one server process per database, and a counter that resets on restart is harmless
(it only ever lets a few extra requests through). Requests without a valid key are counted per client
address, so guessing keys is limited too.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass

from .errors import RateLimitedError

WINDOW_SECONDS = 60


def anonymous_rpm() -> int:
    """Limit for requests that carry no valid key (per client address)."""
    return int(os.environ.get("SURVEYCODER_ANON_RPM", "600"))


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
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, int]] = {}  # bucket -> (window, count)

    def _window(self) -> int:
        return int(time.time() // WINDOW_SECONDS)

    def peek(self, bucket: str, limit: int) -> Quota:
        window = self._window()
        with self._lock:
            w, count = self._counts.get(bucket, (window, 0))
        used = count if w == window else 0
        return Quota(limit=limit, remaining=max(0, limit - used), reset=(window + 1) * WINDOW_SECONDS)

    def hit(self, bucket: str, limit: int) -> Quota:
        """Count one request; RateLimitedError (with the quota on it) when over the limit."""
        window = self._window()
        with self._lock:
            w, count = self._counts.get(bucket, (window, 0))
            if w != window:
                count = 0
                if len(self._counts) > 10_000:  # drop buckets of past windows now and then
                    self._counts = {b: v for b, v in self._counts.items() if v[0] == window}
            allowed = count < limit
            if allowed:
                count += 1
            self._counts[bucket] = (window, count)
        quota = Quota(limit=limit, remaining=max(0, limit - count), reset=(window + 1) * WINDOW_SECONDS)
        if not allowed:
            err = RateLimitedError(
                f"Rate limit exceeded: {limit} requests per minute; retry after {quota.retry_after} s",
                retry_after=quota.retry_after)
            err.details["quota"] = quota
            raise err
        return quota

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
