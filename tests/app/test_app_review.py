"""Review page: the queue one at a time, accept / correct / mark reviewed, progress, agreement, stale edits."""

from __future__ import annotations

import json

from surveycoder_core.db import store
from surveycoder_core.db.responses import response_rows
from surveycoder_core.human_review import queue as reviews

from .helpers import app, button, plain


def response(path, qid, rid):
    with store.session(path) as db:
        return [r for r in response_rows(db, qid) if r["id"] == rid][0]


def queue(path, qid):
    with store.session(path) as db:
        return reviews.review_queue(db, qid)


def test_accept_moves_on_and_counts(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    first = queue(path, qid)[0]
    at = app("5_Review", question_id=qid)
    assert first["text"] in [t.value for t in at.text]
    assert any("0 of" in (p.proto.text or "") for p in at.get("progress"))
    button(at, "Accept as coded").click()
    at.run()
    assert not at.exception
    assert any("Saved the review" in plain(s.value) for s in at.success)
    assert first["text"] not in [t.value for t in at.text]  # the next one is shown
    with store.session(path) as db:
        assert reviews.review_progress(db, qid)["reviewed"] == 1
    assert any("1 of" in (p.proto.text or "") for p in at.get("progress"))


def test_change_codes_and_sentiment_then_save(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    first = queue(path, qid)[0]
    at = app("5_Review", question_id=qid)
    ms = at.multiselect(key=f"review_codes_{first['id']}_{first['version']}")
    for code in list(ms.value):
        ms.unselect(code)
    other = [o for o in ms.options][0]
    ms.select(other).run()
    at.selectbox[-1].select("Negative").run()
    assert at.button(key="review_accept").disabled  # accepting would ignore the change
    at.button(key="review_save").click().run()
    row = response(path, qid, first["id"])
    assert row["reviewed"] and [a["sentiment"] for a in row["assignments"]] == ["Negative"]
    assert [a["code_name"] for a in row["assignments"]] == [other]


def test_next_previous_and_filters(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    q = queue(path, qid)
    at = app("5_Review", question_id=qid)
    at.button(key="review_next").click().run()
    assert q[1]["text"] in [t.value for t in at.text]
    at.button(key="review_prev").click().run()
    assert q[0]["text"] in [t.value for t in at.text]
    at.multiselect(key="review_reasons").select("no_code_fit").run()
    assert not at.exception


def test_stale_edit_is_refused_and_reloaded(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    first, second = queue(path, qid)[:2]
    at = app("5_Review", question_id=qid)
    with store.session(path) as db:  # another reviewer decides first
        reviews.accept_review(db, qid, first["id"], actor="alice", expected_version=first["version"])
    at.button(key="review_save").click().run()
    assert any("Someone else changed this response" in w.value for w in at.warning)
    assert response(path, qid, first["id"])["reviewed_by"] == "alice"
    assert not response(path, qid, second["id"])["reviewed"]  # the click never lands on the next one


def test_agreement_and_recode_the_rest(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    at = app("5_Review", question_id=qid)
    for _ in range(3):
        button(at, "Accept as coded").click()
        at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Engine–reviewer F1"] == "1.00" and metrics["Reviewed"] == "3"
    assert any("insufficient data" in c.value for c in at.caption)
    at.button(key="review_recode").click().run()  # > 50 left: a background job, shown on the Run page
    assert at.title[0].value == "Run"


def test_blind_review_of_the_random_audit_sample(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    with store.session(path) as db:
        sample = reviews.audit_sample(db, qid)
        flagged = {r["id"] for r in reviews.review_queue(db, qid)}
        audit_queue = reviews.review_queue(db, qid, audit=True)
    assert len(sample) == reviews.AUDIT_SIZE and set(sample) - flagged  # unflagged responses are in it
    assert [r["id"] for r in audit_queue] == sample  # the audit queue is the sample, in its order
    # The first answer of the sample the engine gave a code (the sample is random: it may open on one the
    # engine left uncoded, and whether a borderline answer is coded is not what this test is about).
    position = next(i for i, r in enumerate(audit_queue) if r["assignments"])
    first = audit_queue[position]
    at = app("5_Review", question_id=qid)
    at.radio(key="review_scope").set_value(at.radio(key="review_scope").options[2]).run()
    at.toggle(key="review_blind").set_value(True).run()
    for _ in range(position):
        at.button(key="review_next").click().run()
    assert not at.exception
    assert first["text"] in [t.value for t in at.text]
    assert at.multiselect(key="review_reasons").disabled
    ms = at.multiselect(key=f"review_codes_{first['id']}_{first['version']}_blind")
    assert ms.value == []  # the engine's codes are hidden
    assert not any("Engine also considered" in c.value for c in at.caption)
    assert not any("Why it is flagged" in t.value for t in at.text)
    assert not [b for b in at.button if b.key == "review_accept"]  # nothing to accept when blind
    engine_codes = [a["name"] for a in first["assignments"]]
    ms.select(engine_codes[0]).run()
    at.button(key="review_save").click().run()
    assert not at.exception
    with store.session(path) as db:
        audit = reviews.audit_agreement(db, qid)
        event = db.conn.execute("SELECT payload FROM events WHERE action = 'review.decide' ORDER BY id DESC"
                                " LIMIT 1").fetchone()[0]
        left = reviews.review_queue(db, qid, audit=True)
    assert audit["n"] == 1 and audit["sample_size"] == reviews.AUDIT_SIZE
    assert json.loads(event)["blind"] is True
    assert first["id"] not in {r["id"] for r in left} and len(left) == reviews.AUDIT_SIZE - 1
    assert any("1 of 50 audited" in (p.proto.text or "") for p in at.get("progress"))


def test_teach_order_queue(coded_db):
    from surveycoder_core.engines import get_engine

    path, ids = coded_db
    qid = ids["question_id"]
    with store.session(path) as db:
        expected = reviews.teach_queue(db, qid, embed=get_engine("embedded", db_path=path).embed)
    at = app("5_Review", question_id=qid)
    at.radio(key="review_scope").set_value("Teach the engine").run()
    assert not at.exception, at.exception
    assert expected[0]["text"] in [t.value for t in at.text]
    assert {m.label for m in at.metric} >= {"Estimated agreement"}
    button(at, "Accept as coded").click()
    at.run()
    assert not at.exception
    assert expected[0]["text"] not in [t.value for t in at.text]
    assert any("1 decision(s) since the last recode" in c.value for c in at.caption)
