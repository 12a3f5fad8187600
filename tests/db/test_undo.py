from __future__ import annotations

from typing import Any

import pytest

from surveycoder_core.db import undo as history
from surveycoder_core.db.store import one, record_event, rows, write
from surveycoder_core.errors import InvalidStateError, NotFoundError
from surveycoder_core.refinement import edits
from tests.factories import cb_version, question_state


def test_undo_last_with_nothing_to_undo_returns_none(coded: Any) -> None:
    db, ids = coded
    assert history.undo_last(db, ids["question_id"], "alice") is None


def test_undo_restores_rows_marks_event_and_bumps_version(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    before = question_state(db, qid)
    edits.rename_code(db, qid, ids["codes"]["Delivery"], "Shipping", actor="alice")
    version = cb_version(db, qid)
    result = history.undo_last(db, qid, "bob")
    assert result is not None and result["action"] == "code.rename"
    assert question_state(db, qid) == before
    assert cb_version(db, qid) == version + 1
    event = one(db, "SELECT * FROM events WHERE id = ?", (result["event_id"],))
    assert event["undone_by"] == result["undo_event_id"]
    undo = one(db, "SELECT * FROM events WHERE id = ?", (result["undo_event_id"],))
    assert undo["action"] == "undo" and undo["actor"] == "bob" and undo["undo"] is None
    with pytest.raises(InvalidStateError, match="already undone"):
        history.undo_event(db, result["event_id"], "bob")


def test_history_newest_first_with_undoable_flags(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    code = ids["codes"]["Delivery"]
    edits.rename_code(db, qid, code, "Shipping", actor="alice")
    edits.update_code(db, qid, code, actor="alice", definition="Anything about getting the parcel.")
    edits.rename_code(db, qid, ids["codes"]["Expensive"], "Costly", actor="carol")
    events = history.history(db, qid)
    assert [e["action"] for e in events[:3]] == ["code.rename", "code.update", "code.rename"]
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    # The first rename is held by the later update of the same code; the others are free.
    assert [e["undoable"] for e in events[:3]] == [True, True, False]
    assert events[-1]["action"] == "question.create" and events[-1]["undoable"] is False
    assert history.history(db, qid, limit=2)[1]["action"] == "code.update"


def test_older_change_cannot_be_undone_under_a_later_one(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    code = ids["codes"]["Delivery"]
    before = question_state(db, qid)
    edits.rename_code(db, qid, code, "Shipping", actor="alice")
    first = one(db, "SELECT MAX(id) AS id FROM events")["id"]
    edits.update_code(db, qid, code, actor="bob", sentiment="negative")
    with pytest.raises(InvalidStateError, match="bob"):
        history.undo_event(db, first, "alice")
    history.undo_last(db, qid, "alice")
    history.undo_event(db, first, "alice")
    assert question_state(db, qid) == before


def test_unrelated_older_change_can_be_undone(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    edits.rename_code(db, qid, ids["codes"]["Delivery"], "Shipping", actor="alice")
    first = one(db, "SELECT MAX(id) AS id FROM events")["id"]
    edits.rename_code(db, qid, ids["codes"]["Expensive"], "Costly", actor="bob")
    history.undo_event(db, first, "alice")
    names = {r["name"] for r in rows(db, "SELECT name FROM codes WHERE question_id = ?", (qid,))}
    assert "Delivery" in names and "Costly" in names


def test_undo_moves_response_versions_forward(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    rid = ids["responses"]["r15"]
    v0 = one(db, "SELECT version FROM responses WHERE id = ?", (rid,))["version"]
    before = question_state(db, qid)
    edits.delete_code(db, qid, ids["codes"]["Delivery"], actor="alice")
    history.undo_last(db, qid, "alice")
    assert question_state(db, qid) == before
    # Never back to an old number: a reviewer holding it must still be refused.
    assert one(db, "SELECT version FROM responses WHERE id = ?", (rid,))["version"] == v0 + 2


def test_unknown_ids(coded: Any) -> None:
    db, ids = coded
    with pytest.raises(NotFoundError):
        history.undo_event(db, 999_999, "alice")
    with pytest.raises(NotFoundError):
        history.history(db, "no-such-question")
    with pytest.raises(NotFoundError):
        history.undo_last(db, "no-such-question", "alice")
    first = one(db, "SELECT MIN(id) AS id FROM events")["id"]
    with pytest.raises(InvalidStateError, match="cannot be undone"):
        history.undo_event(db, first, "alice")


def test_a_coding_run_is_a_barrier_for_older_undo(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    edits.rename_code(db, qid, ids["codes"]["Delivery"], "Shipping", actor="alice")
    with write(db):  # what the service records when it recodes the question (no undo payload)
        record_event(db, actor="app", action="question.recode", question_id=qid, payload={"responses": 20})
    assert history.history(db, qid)[1]["undoable"] is False
    with pytest.raises(InvalidStateError, match="question.recode"):
        history.undo_last(db, qid, "alice")
    edits.rename_code(db, qid, ids["codes"]["Expensive"], "Costly", actor="alice")
    assert history.history(db, qid)[0]["undoable"] is True
    history.undo_last(db, qid, "alice")
