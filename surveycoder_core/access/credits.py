"""Credits: one per coded response, checked before any work, charged as responses are coded.

Balances live in an append-only ledger per organisation. The ``default`` organisation (the
app, the CLI and self-hosters who do not want metering; created by the first migration) is
unlimited.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from surveycoder_core.db.store import get_row, new_token, now, one, write
from surveycoder_core.errors import CreditsError

DEFAULT_ORG = "default"


def create_org(
    db: sqlite_utils.Database, *, name: str, credits: int | None = None, plan: str = "starter",
    is_trial: bool = False, rpm: int = 60, concurrent_jobs: int = 3,
) -> str:
    """A metered organisation when ``credits`` is given, else an unlimited one."""
    org_id = new_token("org_", 8)
    with write(db):
        db.conn.execute(
            "INSERT INTO organizations (id, name, plan, unlimited, is_trial, credits_monthly, rpm, concurrent_jobs,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (org_id, name, plan if credits is not None else "enterprise", int(credits is None), int(is_trial),
             int(credits or 0), rpm, concurrent_jobs, now()),
        )
        if credits:
            grant(db, org_id, credits, "initial credits")
    return org_id


def get_org(db: sqlite_utils.Database, org_id: str) -> dict[str, Any]:
    org = get_row(db, "organizations", org_id, what="organisation")
    return org


def balance(db: sqlite_utils.Database, org_id: str) -> int | None:
    """Credits remaining, or None for an unlimited organisation."""
    org = get_org(db, org_id)
    if org["unlimited"]:
        return None
    row = one(db, "SELECT COALESCE(SUM(delta), 0) AS b FROM credit_ledger WHERE org_id = ?", (org_id,))
    return int(row["b"] if row else 0)


def used(db: sqlite_utils.Database, org_id: str) -> int:
    row = one(db, "SELECT COALESCE(-SUM(delta), 0) AS u FROM credit_ledger WHERE org_id = ? AND delta < 0",
              (org_id,))
    return int(row["u"] if row else 0)


def require(db: sqlite_utils.Database, org_id: str, needed: int) -> None:
    """Refuse before any work when the balance cannot cover ``needed``; nothing is charged."""
    have = balance(db, org_id)
    if have is None or needed <= have:
        return
    org = get_org(db, org_id)
    code = "TRIAL_LIMIT_EXCEEDED" if org["is_trial"] else "INSUFFICIENT_CREDITS"
    raise CreditsError(
        f"Your organization has {have} credits remaining but this request requires {needed}. Need {needed} credits,"
        f" have {have}.",
        code=code,
    )


def charge(
    db: sqlite_utils.Database, org_id: str, n: int, *, question_id: str | None, job_id: str | None = None,
    reason: str = "coded responses",
) -> None:
    """Debit ``n`` credits (inside the caller's write, together with the work it pays for)."""
    if n <= 0:
        return
    db.conn.execute(
        "INSERT INTO credit_ledger (org_id, delta, reason, job_id, question_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (org_id, -n, reason, job_id, question_id, now()),
    )
    if question_id:
        db.conn.execute("UPDATE questions SET credits_used = credits_used + ? WHERE id = ?", (n, question_id))


def grant(db: sqlite_utils.Database, org_id: str, n: int, reason: str = "top-up") -> None:
    db.conn.execute(
        "INSERT INTO credit_ledger (org_id, delta, reason, created_at) VALUES (?, ?, ?, ?)",
        (org_id, int(n), reason, now()),
    )
