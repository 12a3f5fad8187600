"""SQLite access: one connection per caller, WAL, foreign keys, short ``BEGIN IMMEDIATE`` writers.

Every thread, Streamlit rerun and request opens its own connection with :func:`open_db`
(cheap); a connection shared across threads lost rows in our checks. Writers wrap their
statements in :func:`write`, which takes the write lock up front so two writers never
deadlock into "database is locked".
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from surveycoder_core import config
from surveycoder_core.db.migrations import apply_migrations
from surveycoder_core.errors import NotFoundError, StorageError

DEFAULT_DB = "surveycoder.db"
_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def default_db_path() -> str:
    return config.db_path()


def open_db(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open (and on first use, migrate) the database at ``path``."""
    target = str(path or default_db_path())
    if target != ":memory:":
        Path(target).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(target, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        if target != ":memory:":
            _ensure_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
        db = sqlite_utils.Database(conn)
        key = str(Path(target).resolve()) if target != ":memory:" else f"mem:{id(conn)}"
        if key not in _migrated:
            with _migrate_lock:
                apply_migrations(db)
                _migrated.add(key)
        return db
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"cannot open the database at {target}: {exc}") from exc


def _ensure_wal(conn: sqlite3.Connection, wait_seconds: float = 30.0) -> None:
    """Switch a new database to WAL once; later opens only read the mode.

    Changing the journal mode needs an exclusive lock and SQLite answers "database is locked"
    at once (the busy timeout does not apply) while another connection is creating or
    migrating the same new file, so wait and retry instead of failing the page or request.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One short write transaction that holds the write lock from its first statement."""
    conn = db.conn
    if conn.in_transaction:
        # Already inside our own transaction: join it (sqlite-utils nests with savepoints).
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextmanager
def snapshot(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One read transaction: every read inside sees the same state of the database (a writer's commit
    in between is not half seen). Reads only: a write inside would need the lock it does not hold."""
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN")
    try:
        yield db
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


@contextmanager
def session(path: str | Path | None = None) -> Iterator[sqlite_utils.Database]:
    """Open a connection for one unit of work and always close it."""
    db = open_db(path)
    try:
        yield db
    finally:
        db.conn.close()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_token(prefix: str, nbytes: int = 12) -> str:
    return prefix + secrets.token_hex(nbytes)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def loads(value: str | bytes | None, default: Any = None) -> Any:
    if value is None or value == "":
        return default
    return json.loads(value)


def rows(db: sqlite_utils.Database, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
    return [dict(r) for r in db.conn.execute(sql, params).fetchall()]


def one(db: sqlite_utils.Database, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
    row = db.conn.execute(sql, params).fetchone()
    return dict(row) if row is not None else None


def get_row(db: sqlite_utils.Database, table: str, key: Any, *, what: str, **belongs_to: Any) -> dict[str, Any]:
    """The row of ``table`` whose primary key is ``key``, or :class:`NotFoundError` ("Code not found: …").

    ``belongs_to`` columns (``question_id=…``) must match too, when given: another question's (or
    organisation's) row does not exist for the caller."""
    try:
        row = db.table(table).get(key)
    except sqlite_utils.db.NotFoundError:
        row = None
    if row is None or any(want is not None and row.get(col) != want for col, want in belongs_to.items()):
        raise NotFoundError(f"{what} not found: {key}")
    return row


def record_event(
    db: sqlite_utils.Database,
    *,
    actor: str,
    action: str,
    payload: dict[str, Any] | None = None,
    project_id: str | None = None,
    question_id: str | None = None,
    undo: dict[str, Any] | None = None,
) -> int:
    """Append to the audit trail; ``undo`` holds what is needed to revert the change."""
    cur = db.conn.execute(
        "INSERT INTO events (project_id, question_id, actor, action, payload, undo, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (project_id, question_id, actor, action, dumps(payload or {}), dumps(undo) if undo else None, now()),
    )
    return int(cur.lastrowid or 0)


class EmbeddingStore:
    """Embedding cache in the ``embeddings`` table, keyed by model and text hash."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = path

    @staticmethod
    def _hash(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def get_many(self, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        if not texts:
            return found
        by_hash = {self._hash(t): t for t in texts}
        hashes = list(by_hash)
        with session(self.path) as db:
            for start in range(0, len(hashes), 500):
                chunk = hashes[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for r in db.conn.execute(
                    f"SELECT text_hash, dim, vector FROM embeddings WHERE model = ? AND text_hash IN ({marks})",
                    [model, *chunk],
                ):
                    found[by_hash[r["text_hash"]]] = np.frombuffer(r["vector"], dtype=np.float32).copy()
        return found

    def put_many(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        if not vectors:
            return
        with session(self.path) as db, write(db):
            db.conn.executemany(
                "INSERT OR IGNORE INTO embeddings (model, text_hash, dim, vector) VALUES (?, ?, ?, ?)",
                [
                    (model, self._hash(t), int(v.shape[-1]), np.asarray(v, dtype=np.float32).tobytes())
                    for t, v in vectors.items()
                ],
            )
