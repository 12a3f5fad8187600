"""Use cases for who may call and what it costs: API keys, scopes, rate limits, idempotent replays, credits.

The HTTP API's middleware and its usage and estimate routes call these, and so does ``surveycoder keys``.
Each opens its own connection and is one transaction (authentication with its ``last_used_at`` stamp,
the begin or the finish of an idempotent request); the rate limiter keeps one connection per thread
because it is asked on every request (see :mod:`surveycoder_core.access.ratelimit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from surveycoder_core.access import auth, credits, idempotency, ratelimit
from surveycoder_core.access.idempotency import Cached
from surveycoder_core.access.ratelimit import Quota, RateLimiter
from surveycoder_core.db.store import session, snapshot
from surveycoder_core.errors import SurveyCoderError
from surveycoder_core.pipeline.ingest import ingest_responses
from surveycoder_core.schemas import ResponseIn

# ---------------------------------------------------------------- keys


def create_key(
    *, name: str, scopes: list[str] | str | None, credits: int | None = None, db_path: str | Path | None = None,
    test: bool = False, expires_days: int | None = None, org_id: str | None = None,
) -> dict[str, Any]:
    """Issue a key (with its own organisation holding ``credits`` when given); the plain ``key`` is shown once."""
    return auth.create_key(name=name, scopes=scopes, credits=credits, db_path=db_path, test=test,
                           expires_days=expires_days, org_id=org_id)


def list_keys(*, db_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every key, oldest first, never its secret."""
    return auth.list_keys(db_path=db_path)


def revoke_key(key_id: str, *, db_path: str | Path | None = None) -> None:
    """Revoke a key by id (NotFoundError for an unknown one); revoking twice keeps the first time."""
    auth.revoke_key(key_id, db_path=db_path)


# ---------------------------------------------------------------- per request


def rate_limiter(db_path: str | Path | None = None) -> RateLimiter:
    """The request counters of this server process, kept in the database (shared by every process on it)."""
    return RateLimiter(db_path)


def peek_anonymous(limiter: RateLimiter, client: str) -> Quota:
    """The quota left for a caller without a key (public paths), without counting the request."""
    return limiter.peek(f"ip:{client}", ratelimit.anonymous_rpm())


def admit(raw_key: str | None, client: str, *, limiter: RateLimiter,
          db_path: str | Path | None = None) -> tuple[dict[str, Any], Quota]:
    """Check the key and count the request against its organisation's limit.

    A failed key counts against the caller's address (guessing keys is rate limited too); the error
    then carries that quota in ``details["quota"]`` so the response still shows it.
    """
    try:
        with session(db_path) as db:
            key = auth.authenticate(db, raw_key)
    except SurveyCoderError as err:
        err.details["quota"] = limiter.hit(f"ip:{client}", ratelimit.anonymous_rpm())
        raise
    return key, limiter.hit(f"key:{key['id']}", int(key["org"]["rpm"]))


def check_scope(key: dict[str, Any], method: str) -> None:
    """AuthError (INSUFFICIENT_SCOPE) unless the key may make a request with this HTTP method
    (GET, HEAD and OPTIONS read; everything else writes)."""
    auth.require_scope(key, auth.scope_for_method(method))


def request_digest(method: str, path: str, body: bytes) -> str:
    """What an Idempotency-Key is bound to: the method, the path and the body."""
    return idempotency.body_hash(method, path, body)


def begin_idempotent(key_id: str, idem_key: str, digest: str, *,
                     db_path: str | Path | None = None) -> Literal["new"] | Cached:
    """Claim the Idempotency-Key for a new request, or the cached answer to replay.

    ValidationError when the key was used with another body; InvalidStateError while the first request
    with this key is still being processed.
    """
    with session(db_path) as db:
        return idempotency.begin(db, key_id, idem_key, digest)


def finish_idempotent(key_id: str, idem_key: str, status: int, body: bytes, headers: dict[str, str], *,
                      db_path: str | Path | None = None) -> None:
    """Store the answer to replay, or free the key when the answer is not worth replaying."""
    with session(db_path) as db:
        # Keep answers worth replaying: not server errors (a retry must retry), not conflicts or rate
        # limits (they depend on the moment), and only JSON (downloads are rebuilt on demand).
        json_body = headers.get("content-type", "").startswith("application/json")
        if status >= 500 or status in (409, 429) or not json_body:
            idempotency.abandon(db, key_id, idem_key)
        else:
            idempotency.complete(db, key_id, idem_key, status, body.decode("utf-8"), headers)


def purge_idempotency(*, db_path: str | Path | None = None) -> int:
    """Forget expired idempotent answers (the first call on a new database also migrates it)."""
    with session(db_path) as db:
        return idempotency.purge_expired(db)


# ---------------------------------------------------------------- credits


def credit_balance(org_id: str, *, db_path: str | Path | None = None) -> int | None:
    """The organisation's credits left; None when it is unlimited."""
    with session(db_path) as db:
        return credits.balance(db, org_id)


def credit_usage(org_id: str, *, db_path: str | Path | None = None) -> tuple[int | None, int]:
    """The credits left (None: unlimited) and the credits used this period, read together."""
    with session(db_path) as db, snapshot(db):
        return credits.balance(db, org_id), credits.used(db, org_id)


def estimate_credits(answers: Sequence[ResponseIn], org_id: str, *,
                     db_path: str | Path | None = None) -> dict[str, Any]:
    """What coding these answers would cost (free): the same cleaning, junk filter and dedup as coding.

    ``credits_remaining`` is the raw balance (None: unlimited); the caller shows it as it shows balances.
    """
    ingest = ingest_responses(list(answers))
    needed = len(ingest.unique)
    left = credit_balance(org_id, db_path=db_path)
    codable = ingest.codable_count
    return {"responses": len(answers), "codable": codable, "no_data": len(answers) - codable,
            "duplicates": codable - needed, "credits_needed": needed, "credits_remaining": left,
            "unlimited": left is None, "sufficient": left is None or left >= needed}


__all__ = [
    "Cached",
    "Quota",
    "RateLimiter",
    "admit",
    "begin_idempotent",
    "check_scope",
    "create_key",
    "credit_balance",
    "credit_usage",
    "estimate_credits",
    "finish_idempotent",
    "list_keys",
    "peek_anonymous",
    "purge_idempotency",
    "rate_limiter",
    "request_digest",
    "revoke_key",
]
