"""API keys: issue, list, revoke, authenticate, check scopes.

A key looks like ``scp_live_`` or ``scp_test_`` followed by 32 letters and digits (the official
SDK refuses any other prefix). Only its SHA-256 hash is stored; the plain key is shown once,
when it is created. A key belongs to one organisation: the unlimited ``default`` one unless
credits are given, which creates a metered organisation with that balance.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from surveycoder_core.access import credits
from surveycoder_core.db.store import new_token, now, one, rows, session, write
from surveycoder_core.errors import AuthError, NotFoundError, ValidationError

KEY_PREFIXES = ("scp_live_", "scp_test_")
KEY_RE = re.compile(r"^scp_(live|test)_[A-Za-z0-9]{32}$")
SCOPES = ("read", "write", "import")
_ALPHABET = string.ascii_letters + string.digits
# last_used_at is informative only; refreshing it at most once a minute keeps reads write-free.
_LAST_USED_EVERY = timedelta(seconds=60)


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def _parse_scopes(scopes: list[str] | str | None) -> list[str]:
    if scopes is None:
        return ["read", "write"]
    if isinstance(scopes, str):
        scopes = scopes.split(",")
    out = []
    for s in scopes:
        s = s.strip().lower()
        if not s:
            continue
        if s not in SCOPES:
            raise ValidationError(f"unknown scope {s!r}; scopes are {', '.join(SCOPES)}")
        if s not in out:
            out.append(s)
    if not out:
        raise ValidationError("a key needs at least one scope")
    return out


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """A key row without its hash."""
    out = {k: v for k, v in row.items() if k != "key_hash"}
    out["scopes"] = [s for s in str(row["scopes"]).split(",") if s]
    return out


def create_key(
    *, name: str, scopes: list[str] | str | None, credits: int | None = None, db_path: str | Path | None = None,
    test: bool = False, expires_days: int | None = None, org_id: str | None = None,
) -> dict[str, Any]:
    """Issue a key; the returned dict holds the plain ``key`` (shown once) and its ``id``."""
    from surveycoder_core.access import credits as credits_mod

    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("a key needs a name")
    scope_list = _parse_scopes(scopes)
    if credits is not None and credits < 0:
        raise ValidationError("credits must not be negative")
    if expires_days is not None and expires_days <= 0:
        raise ValidationError("expires_days must be positive")
    raw = (KEY_PREFIXES[1] if test else KEY_PREFIXES[0]) + "".join(secrets.choice(_ALPHABET) for _ in range(32))
    key_id = new_token("key_", 8)
    expires_at = None
    if expires_days is not None:
        expires_at = (datetime.now(UTC) + timedelta(days=expires_days)).isoformat(timespec="seconds")
        expires_at = expires_at.replace("+00:00", "Z")
    with session(db_path) as db:
        if org_id is None:
            if credits is not None:
                org_id = credits_mod.create_org(db, name=f"{name} (API)", credits=credits)
            else:
                org_id = credits_mod.DEFAULT_ORG
        credits_mod.get_org(db, org_id)  # NotFound for an unknown organisation
        with write(db):
            db.conn.execute(
                "INSERT INTO api_keys (id, org_id, name, key_hash, prefix, scopes, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key_id, org_id, name, hash_key(raw), raw[:13], ",".join(scope_list), now(), expires_at),
            )
        row = one(db, "SELECT * FROM api_keys WHERE id = ?", (key_id,))
    assert row is not None
    return _public(row) | {"key": raw}


def list_keys(db_path: str | Path | None = None) -> list[dict[str, Any]]:
    with session(db_path) as db:
        return [_public(r) for r in rows(db, "SELECT * FROM api_keys ORDER BY created_at, id")]


def revoke_key(key_id: str, db_path: str | Path | None = None) -> None:
    with session(db_path) as db, write(db):
        cur = db.conn.execute("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                              (now(), key_id))
        if cur.rowcount == 0:
            raise NotFoundError(f"API key not found: {key_id}")


def authenticate(db: sqlite_utils.Database, raw_key: str | None) -> dict[str, Any]:
    """The key's row (without hash, scopes as a list, plus its organisation's ``org``), or AuthError."""
    if not raw_key:
        raise AuthError("x-api-key header is required", code="UNAUTHORIZED")
    raw_key = raw_key.strip()
    if not KEY_RE.match(raw_key):
        raise AuthError("API key is malformed: expected scp_live_ or scp_test_ followed by 32 letters and digits",
                        code="UNAUTHORIZED")
    row = one(db, "SELECT * FROM api_keys WHERE key_hash = ?", (hash_key(raw_key),))
    if row is None:
        raise AuthError("API key could not be resolved (unknown or deleted key)", code="AUTH_ERROR")
    if row["revoked_at"]:
        raise AuthError(f"API key was revoked at {row['revoked_at']}", code="KEY_REVOKED")
    stamp = now()
    if row["expires_at"] and row["expires_at"] <= stamp:
        raise AuthError(f"API key expired at {row['expires_at']}", code="KEY_EXPIRED")
    try:
        org = credits.get_org(db, row["org_id"])
    except NotFoundError as exc:
        raise AuthError("API key has no active organization", code="NO_ORG") from exc
    last = row["last_used_at"]
    if last is None or _older_than(last, _LAST_USED_EVERY):
        with write(db):
            db.conn.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (stamp, row["id"]))
    return _public(row) | {"org": org}


def _older_than(stamp: str, age: timedelta) -> bool:
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return True
    return datetime.now(UTC) - when > age


def require_scope(key: dict[str, Any], scope: str) -> None:
    held = list(key.get("scopes") or [])
    if scope not in held:
        raise AuthError(f"Requires '{scope}' scope; this key holds: {', '.join(held) or 'none'}",
                        code="INSUFFICIENT_SCOPE")


def scope_for_method(method: str) -> str:
    """GET (and HEAD/OPTIONS) read; everything else, exports included, writes."""
    return "read" if method.upper() in ("GET", "HEAD", "OPTIONS") else "write"
