"""Refine page: pending suggestions with confidence and examples; apply, assign, dismiss, undo, bulk-apply."""

from __future__ import annotations

from surveycoder_core.db import store
from surveycoder_core.engines import get_engine
from surveycoder_core.refinement import suggestions as refine

from .helpers import app, button, plain


def pending(path, qid):
    with store.session(path) as db:
        return refine.list_suggestions(db, qid, "pending")


def ensure_suggestions(path, qid):
    if not pending(path, qid):
        with store.session(path) as db:
            refine.generate_suggestions(db, qid, get_engine(db_path=path), actor="test")
    return pending(path, qid)


def test_apply_then_undo_a_suggestion(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    first = ensure_suggestions(path, qid)[0]
    at = app("6_Refine", question_id=qid)
    assert {m.label for m in at.metric} >= {"Confidence", "Responses", "Pending suggestions"}
    at.button(key=f"apply_{first['id']}").click().run()
    assert not at.exception
    assert any("Applied" in plain(s.value) for s in at.success)
    with store.session(path) as db:
        assert [s for s in refine.list_suggestions(db, qid) if s["id"] == first["id"]][0]["status"] == "applied"
    at.button(key=f"undo_{first['id']}").click().run()
    with store.session(path) as db:
        assert [s for s in refine.list_suggestions(db, qid) if s["id"] == first["id"]][0]["status"] == "pending"


def test_dismiss_with_a_reason_and_assign_to_an_existing_code(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    found = ensure_suggestions(path, qid)
    s1 = found[0]
    at = app("6_Refine", question_id=qid)
    at.text_input(key=f"reason_{s1['id']}").input("Not a real theme")
    at.button(key=f"dismiss_{s1['id']}").click().run()
    with store.session(path) as db:
        s = [x for x in refine.list_suggestions(db, qid) if x["id"] == s1["id"]][0]
    assert s["status"] == "dismissed" and s["dismiss_reason"] == "Not a real theme"
    if len(found) > 1:
        s2 = found[1]
        at.button(key=f"assign_{s2['id']}").click().run()
        assert not at.exception


def test_find_suggestions_and_bulk_apply(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    at = app("6_Refine", question_id=qid)
    button(at, at.button(key="refine_find").label).click()
    at.run()
    assert not at.exception
    at.slider(key="refine_threshold").set_value(0.5).run()
    at.button(key="refine_bulk").click().run()
    assert any("Applied" in s.value for s in at.success)


def test_a_split_card_is_titled_as_a_split(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    splits = [s for s in ensure_suggestions(path, qid) if s["type"] == "split"]
    at = app("6_Refine", question_id=qid)
    shown = [plain(m.value) for m in at.markdown]
    assert not any("for “None”" in m for m in shown)
    for s in splits:
        assert any(f"Split “{s['name']}” out of “{s['source_code']}”" in m for m in shown), shown
