"""The shared undo mechanism: capture the rows a change touches, and put them back.

A mutation builds a :class:`Capture` inside its write transaction, tells it which rows it
is about to touch (codes, categories, the assignments of some responses, responses' review
fields, suggestions) and which rows it creates, then records one event whose ``undo`` JSON
is the capture. :func:`undo_event` restores exactly those rows: rows that existed are put
back column for column, rows the change created are deleted. Nothing else is touched, so
undoing one change never rolls back unrelated work done since.

An older change can only be undone when no later, still-standing change touched the same
rows; otherwise undo would silently throw that later work away.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlite_utils

from surveycoder_core.db.codebooks import bump_version
from surveycoder_core.db.projects import get_question
from surveycoder_core.db.store import get_row, loads, one, record_event, rows, write
from surveycoder_core.errors import InvalidStateError

#: Review fields of a response that changes may touch (the text and ids never change).
RESPONSE_FIELDS = ("status", "needs_review", "review_reason", "review_note", "reviewed", "reviewed_by",
                   "reviewed_at", "version")
_TABLES = ("categories", "codes", "assignments", "responses", "suggestions")
#: Later events without an undo payload that rewrite a question's codes wholesale (coding runs,
#: recodes, imports): nothing recorded before one of them can be undone any more.
BARRIER_PREFIXES = ("job.", "question.recode", "responses.import", "codebook.")


def is_barrier(action: str) -> bool:
    return action.startswith(BARRIER_PREFIXES) and action != "job.create"


class Capture:
    """Before-state of the rows one change touches; the first capture of a key wins."""

    def __init__(self, db: sqlite_utils.Database, question_id: str) -> None:
        self.db = db
        self.question_id = question_id
        # table -> key -> captured rows (None for a row that did not exist before)
        self._keys: dict[str, dict[str, Any]] = {t: {} for t in _TABLES}

    def _take(self, table: str, key_sql: str, keys: list[Any], select: str = "*") -> None:
        todo = [k for k in dict.fromkeys(keys) if str(k) not in self._keys[table]]
        for k in todo:
            self._keys[table][str(k)] = None
        for start in range(0, len(todo), 500):
            chunk = todo[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for r in rows(self.db, f"SELECT {select} FROM {table} WHERE {key_sql} IN ({marks})", chunk):
                self._keys[table][str(r[key_sql])] = r

    def codes(self, code_ids: list[str]) -> Capture:
        self._take("codes", "id", list(code_ids))
        return self

    def categories(self, category_ids: list[str]) -> Capture:
        self._take("categories", "id", list(category_ids))
        return self

    def assignments(self, response_ids: list[int]) -> Capture:
        """Every assignment (and engine assignment) of these responses, as a set per response."""
        ids = [int(r) for r in dict.fromkeys(response_ids) if str(r) not in self._keys["assignments"]]
        for rid in ids:
            self._keys["assignments"][str(rid)] = []
        self._take_engine(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for r in rows(self.db, f"SELECT * FROM assignments WHERE response_id IN ({marks}) ORDER BY id", chunk):
                self._keys["assignments"][str(r["response_id"])].append(r)
        return self

    def _take_engine(self, ids: list[int]) -> None:
        engine = self._keys.setdefault("engine_assignments", {})
        for rid in ids:
            engine[str(rid)] = [r["code_id"] for r in rows(
                self.db, "SELECT code_id FROM engine_assignments WHERE response_id = ? ORDER BY code_id", (rid,))]

    def responses(self, response_ids: list[int]) -> Capture:
        self._take("responses", "id", [int(r) for r in response_ids], "id, " + ", ".join(RESPONSE_FIELDS))
        return self

    def suggestions(self, suggestion_ids: list[str]) -> Capture:
        self._take("suggestions", "id", list(suggestion_ids))
        return self

    def created(self, table: str, keys: list[Any]) -> Capture:
        """Rows the change is creating: undo deletes them."""
        for k in keys:
            self._keys[table].setdefault(str(k), None)
        return self

    def payload(self) -> dict[str, Any]:
        return {"question_id": self.question_id, **{t: v for t, v in self._keys.items() if v}}

    @property
    def touches_codebook(self) -> bool:
        return bool(self._keys["codes"] or self._keys["categories"])


def commit_change(
    db: sqlite_utils.Database,
    capture: Capture,
    *,
    actor: str,
    action: str,
    payload: dict[str, Any],
    codebook_changed: bool | None = None,
) -> tuple[int, int]:
    """Bump the codebook version when it changed and record the undoable event (inside a write).

    Returns (event id, codebook version).
    """
    qid = capture.question_id
    changed = capture.touches_codebook if codebook_changed is None else codebook_changed
    version = bump_version(db, qid, actor, action) if changed else int(get_question(db, qid)["codebook_version"])
    question = get_question(db, qid)
    event_id = record_event(db, actor=actor, action=action, payload={**payload, "codebook_version": version},
                            project_id=question["project_id"], question_id=qid, undo=capture.payload())
    return event_id, version


def _event_keys(undo: dict[str, Any]) -> set[tuple[str, str]]:
    keys = {(t, k) for t in _TABLES for k in (undo.get(t) or {})}
    # Assignments and engine assignments are both keyed by response id.
    keys |= {("assignments", k) for k in (undo.get("engine_assignments") or {})}
    # Review fields and assignments of one response move together.
    keys |= {("responses", k) for t, k in list(keys) if t == "assignments"}
    return keys


def _blocking_event(db: sqlite_utils.Database, event: dict[str, Any]) -> dict[str, Any] | None:
    """The first later, still-standing event that touched the same rows, if any."""
    mine = _event_keys(loads(event["undo"], {}))
    for later in rows(db, "SELECT id, action, actor, created_at, undo FROM events WHERE question_id = ? AND id > ?"
                      " AND undone_by IS NULL ORDER BY id", (event["question_id"], event["id"])):
        if later["undo"] is None:
            if is_barrier(later["action"]):
                return later
        elif mine & _event_keys(loads(later["undo"], {})):
            return later
    return None


def get_event(db: sqlite_utils.Database, event_id: int) -> dict[str, Any]:
    event = get_row(db, "events", int(event_id), what="Event")
    return event


def _upsert(db: sqlite_utils.Database, table: str, key: str, before: dict[str, Any] | None, key_col: str) -> None:
    exists = one(db, f"SELECT 1 AS x FROM {table} WHERE {key_col} = ?", (key,))
    if before is None:
        if exists:
            db.conn.execute(f"DELETE FROM {table} WHERE {key_col} = ?", (key,))
        return
    cols = [c for c in before if c != key_col]
    if exists:
        db.conn.execute(f"UPDATE {table} SET {', '.join(c + ' = ?' for c in cols)} WHERE {key_col} = ?",
                        [before[c] for c in cols] + [before[key_col]])
    else:
        all_cols = list(before)
        db.conn.execute(f"INSERT INTO {table} ({', '.join(all_cols)}) VALUES ({', '.join('?' * len(all_cols))})",
                        [before[c] for c in all_cols])


def restore(db: sqlite_utils.Database, undo: dict[str, Any]) -> None:
    """Put the captured rows back (inside a write). Order matters for the foreign keys."""
    cats = undo.get("categories") or {}
    codes = undo.get("codes") or {}
    # 1. Categories that existed come back first: restored codes point at them.
    for key, before in cats.items():
        if before is not None:
            _upsert(db, "categories", key, before, "id")
    # 2. Codes: updated in place (deleting would cascade to every assignment of the code).
    for key, before in codes.items():
        _upsert(db, "codes", key, before, "id")
    # 3. Each captured response's assignments are replaced by the captured set.
    for rid, before_rows in (undo.get("assignments") or {}).items():
        db.conn.execute("DELETE FROM assignments WHERE response_id = ?", (int(rid),))
        for a in before_rows:
            cols = list(a)
            try:
                db.conn.execute(f"INSERT INTO assignments ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                [a[c] for c in cols])
            except sqlite3.IntegrityError:
                # The old row id was reused meanwhile; keep the row, let SQLite pick an id.
                cols = [c for c in cols if c != "id"]
                db.conn.execute(f"INSERT INTO assignments ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                [a[c] for c in cols])
    for rid, code_ids in (undo.get("engine_assignments") or {}).items():
        db.conn.execute("DELETE FROM engine_assignments WHERE response_id = ?", (int(rid),))
        db.conn.executemany("INSERT INTO engine_assignments (response_id, code_id) VALUES (?, ?)",
                            [(int(rid), c) for c in code_ids])
    # 4. Review fields. The version moves forward, never back: a reviewer holding the old
    #    number must still get STALE_EDIT after an undo changed the row under them.
    for rid, before in (undo.get("responses") or {}).items():
        if before is None:
            continue
        fields = [f for f in RESPONSE_FIELDS if f != "version"]
        db.conn.execute(f"UPDATE responses SET {', '.join(f + ' = ?' for f in fields)}, version = version + 1"
                        " WHERE id = ?", [before[f] for f in fields] + [int(rid)])
    for key, before in (undo.get("suggestions") or {}).items():
        _upsert(db, "suggestions", key, before, "id")
    # 5. Categories the change created go last, once no code uses them.
    for key, before in cats.items():
        if before is None and not one(db, "SELECT 1 AS x FROM codes WHERE category_id = ?", (key,)):
            db.conn.execute("DELETE FROM categories WHERE id = ?", (key,))


def undo_event(db: sqlite_utils.Database, event_id: int, actor: str) -> dict[str, Any]:
    """Revert one recorded change; returns {event_id, undo_event_id, action, codebook_version}."""
    with write(db):
        # Read under the write lock: two people pressing undo at once must not both revert.
        event = get_event(db, event_id)
        if not event["undo"]:
            raise InvalidStateError(f"the change '{event['action']}' (event {event_id}) cannot be undone")
        if event["undone_by"] is not None:
            raise InvalidStateError(f"the change '{event['action']}' (event {event_id}) was already undone")
        blocker = _blocking_event(db, event)
        if blocker is not None:
            raise InvalidStateError(
                f"'{event['action']}' cannot be undone while a later change touches the same rows: undo "
                f"'{blocker['action']}' by {blocker['actor']} at {blocker['created_at']} (event {blocker['id']}) first"
            )
        undo = loads(event["undo"], {})
        try:
            restore(db, undo)
        except sqlite3.IntegrityError as exc:
            # Something outside the event trail (a coding run) changed these rows meanwhile.
            raise InvalidStateError(
                f"'{event['action']}' cannot be undone: the rows it changed were replaced since ({exc})") from exc
        qid = event["question_id"]
        touched_codebook = bool(undo.get("codes") or undo.get("categories"))
        if touched_codebook:
            version = bump_version(db, qid, actor, f"undo {event['action']}")
        else:
            version = int(get_question(db, qid)["codebook_version"])
        undo_id = record_event(db, actor=actor, action="undo", project_id=event["project_id"], question_id=qid,
                               payload={"event_id": event["id"], "undone_action": event["action"],
                                        "codebook_version": version})
        db.conn.execute("UPDATE events SET undone_by = ? WHERE id = ?", (undo_id, event["id"]))
    return {"event_id": event["id"], "undo_event_id": undo_id, "action": event["action"], "codebook_version": version}


def history(db: sqlite_utils.Database, question_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """The question's events, newest first; ``undoable`` says whether undo would succeed now."""
    get_question(db, question_id)
    events = rows(db, "SELECT * FROM events WHERE question_id = ? ORDER BY id DESC LIMIT ?",
                  (question_id, int(limit)))
    out = []
    # Walk newest to oldest, remembering which rows later standing changes hold.
    held: set[tuple[str, str]] = set()
    barrier = False
    for e in events:
        undo = loads(e["undo"], None)
        keys = _event_keys(undo) if undo else set()
        standing = undo is not None and e["undone_by"] is None
        out.append({
            "id": e["id"], "created_at": e["created_at"], "actor": e["actor"], "action": e["action"],
            "payload": loads(e["payload"], {}), "undone_by": e["undone_by"],
            "undoable": standing and not barrier and not (keys & held),
        })
        if standing:
            held |= keys
        barrier = barrier or (undo is None and is_barrier(e["action"]))
    return out


def undo_last(db: sqlite_utils.Database, question_id: str, actor: str) -> dict[str, Any] | None:
    """Undo the newest standing change of the question; None when there is nothing to undo."""
    get_question(db, question_id)
    last = one(db, "SELECT id FROM events WHERE question_id = ? AND undo IS NOT NULL AND undone_by IS NULL"
               " AND action != 'undo' ORDER BY id DESC LIMIT 1", (question_id,))
    if last is None:
        return None
    return undo_event(db, int(last["id"]), actor)
