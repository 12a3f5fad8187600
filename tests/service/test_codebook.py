"""Codebook use cases the app calls: saving a code is one transaction and one undo entry."""

from __future__ import annotations

import pytest

from surveycoder_core.db.codebooks import code_rows
from surveycoder_core.db.store import rows
from surveycoder_core.errors import ValidationError
from surveycoder_core.service import codebook


def _path(db) -> str:
    return rows(db, "PRAGMA database_list")[0]["file"]


def _events(db, qid: str) -> list[dict]:
    return rows(db, "SELECT id, action FROM events WHERE question_id = ? ORDER BY id", (qid,))


def _code(db, qid: str, code_id: str) -> dict:
    return next(c for c in code_rows(db, qid) if c["id"] == code_id)


def test_saving_name_definition_sentiment_and_category_is_one_undo_entry(coded):
    db, ids = coded
    qid, code_id = ids["question_id"], ids["codes"]["Friendly staff"]
    before, events = _code(db, qid, code_id), _events(db, qid)
    assert codebook.save_code(qid, code_id, name="  Helpful  staff ", definition="Staff helped.",
                              sentiment="Mixed", category="People", actor="ann", db_path=_path(db))
    after = _code(db, qid, code_id)
    assert (after["name"], after["definition"], after["sentiment"], after["category"]) == (
        "Helpful staff", "Staff helped.", "Mixed", "People")
    new = _events(db, qid)[len(events):]
    assert [e["action"] for e in new] == ["code.update"]  # one change, not a rename plus an update
    screen = codebook.codebook_screen(qid, db_path=_path(db))
    assert screen["history"][0]["payload"]["from"] == "Friendly staff"

    codebook.undo_last(qid, actor="ann", db_path=_path(db))  # one undo takes all of it back
    back = _code(db, qid, code_id)
    assert {k: back[k] for k in ("name", "definition", "sentiment", "category")} == {
        k: before[k] for k in ("name", "definition", "sentiment", "category")}
    assert "People" not in {c["category"] for c in code_rows(db, qid)}


def test_a_refused_save_changes_nothing(coded):
    db, ids = coded
    qid, code_id = ids["question_id"], ids["codes"]["Friendly staff"]
    before, events = _code(db, qid, code_id), _events(db, qid)
    with pytest.raises(ValidationError, match="already exists"):
        codebook.save_code(qid, code_id, name="slow service", definition="Changed too.", sentiment="Negative",
                           actor="ann", db_path=_path(db))
    assert _code(db, qid, code_id) == before  # the definition was not saved without the name
    assert _events(db, qid) == events


def test_only_a_new_name_is_a_rename_and_no_change_is_no_entry(coded):
    db, ids = coded
    qid, code_id = ids["question_id"], ids["codes"]["Delivery"]
    events = _events(db, qid)
    code = _code(db, qid, code_id)
    assert not codebook.save_code(qid, code_id, name=code["name"], definition=code["definition"] or "",
                                  sentiment=code["sentiment"], actor="ann", db_path=_path(db))
    assert _events(db, qid) == events
    assert codebook.save_code(qid, code_id, name="Shipping", definition="", sentiment=code["sentiment"],
                              actor="ann", db_path=_path(db))
    assert [e["action"] for e in _events(db, qid)[len(events):]] == ["code.rename"]
