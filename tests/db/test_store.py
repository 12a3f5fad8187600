from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from surveycoder_core.db.migrations import MIGRATIONS
from surveycoder_core.db.store import EmbeddingStore, open_db, rows, session, write


def test_migrations_apply_once_and_set_wal(db_path: Path) -> None:
    with session(db_path) as db:
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        applied = [r["number"] for r in rows(db, "SELECT number FROM _migrations")]
    assert applied == sorted(MIGRATIONS)
    with session(db_path) as db:  # reopening applies nothing new
        assert len(rows(db, "SELECT number FROM _migrations")) == len(MIGRATIONS)


def test_write_rolls_back_on_error(db_path: Path) -> None:
    with session(db_path) as db:
        try:
            with write(db):
                db.conn.execute("INSERT INTO organizations (id, name, created_at) VALUES ('o1', 'x', 'now')")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert rows(db, "SELECT * FROM organizations WHERE id = 'o1'") == []


def test_concurrent_writers_do_not_lose_rows(db_path: Path) -> None:
    open_db(db_path).conn.close()

    def writer(k: int) -> None:
        for i in range(50):
            with session(db_path) as db, write(db):
                db.conn.execute("INSERT INTO organizations (id, name, created_at) VALUES (?, 'x', 'now')",
                                (f"o{k}-{i}",))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with session(db_path) as db:
        assert len(rows(db, "SELECT id FROM organizations WHERE id LIKE 'o%-%'")) == 200


def test_embedding_cache_round_trips(db_path: Path) -> None:
    cache = EmbeddingStore(db_path)
    vec = np.arange(4, dtype=np.float32)
    cache.put_many("m", {"hello": vec})
    got = cache.get_many("m", ["hello", "missing"])
    assert list(got) == ["hello"] and np.array_equal(got["hello"], vec)
    assert cache.get_many("other-model", ["hello"]) == {}


def test_many_connections_opening_a_new_database_at_once(tmp_path: Path) -> None:
    """Creating + switching to WAL while others open the same new file must not fail as "locked"."""
    for round_ in range(5):
        path = tmp_path / f"new-{round_}.db"
        errors: list[BaseException] = []

        def opener(path: Path = path, errors: list[BaseException] = errors) -> None:
            try:
                with session(path) as db:
                    db.conn.execute("SELECT COUNT(*) FROM projects").fetchone()
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=opener) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []


def test_get_row_raises_not_found_for_a_missing_or_foreign_row(tmp_path: Path) -> None:
    from surveycoder_core.db.store import get_row
    from surveycoder_core.errors import NotFoundError

    with session(tmp_path / "rows.db") as db:
        db["projects"].insert({"id": "p1", "name": "Wave 1", "org_id": "org-a", "created_at": "2026-01-01",
                               "updated_at": "2026-01-01"},
                              alter=False)
        assert get_row(db, "projects", "p1", what="Project")["name"] == "Wave 1"
        assert get_row(db, "projects", "p1", what="Project", org_id="org-a")["id"] == "p1"
        with pytest.raises(NotFoundError, match="Project not found: p2"):
            get_row(db, "projects", "p2", what="Project")
        with pytest.raises(NotFoundError, match="Project not found: p1"):
            get_row(db, "projects", "p1", what="Project", org_id="org-b")
