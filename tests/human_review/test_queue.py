from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from surveycoder_core.db import undo as history
from surveycoder_core.db.store import one, open_db, rows
from surveycoder_core.errors import ConflictError, NotFoundError, ValidationError
from surveycoder_core.human_review import queue as reviews
from tests.factories import question_state


def version_of(db: sqlite_utils.Database, rid: int) -> int:
    return int(one(db, "SELECT version FROM responses WHERE id = ?", (rid,))["version"])


def final_codes(db: sqlite_utils.Database, rid: int) -> list[tuple[str, str, str]]:
    return [(r["name"], r["sentiment"], r["source"]) for r in rows(
        db, "SELECT a.sentiment, a.source, c.name FROM assignments a JOIN codes c ON c.id = a.code_id"
        " WHERE a.response_id = ? ORDER BY a.mention", (rid,))]


def test_queue_lists_flagged_responses_with_reasons(coded: Any) -> None:
    db, ids = coded
    queue = reviews.review_queue(db, ids["question_id"])
    assert [(q["respondent_id"], q["review_reason"]) for q in queue] == [
        ("r15", "low_confidence"), ("r18", "low_confidence"), ("r19", "low_confidence"), ("r20", "mixed_sentiment"),
        ("r22", "low_confidence"), ("r23", "no_code_fit"), ("r24", "no_code_fit"), ("r25", "no_code_fit"),
        ("r26", "no_code_fit"), ("r27", "no_code_fit"), ("r28", "no_code_fit"), ("r29", "no_code_fit")]
    r18 = queue[1]
    assert r18["assignments"] == [{"code_id": ids["codes"]["Slow service"], "name": "Slow service",
                                   "sentiment": "Neutral", "confidence": "low", "score": 0.3, "source": "engine:fake"}]
    assert r18["candidates"][0] == {"code_id": ids["codes"]["Friendly staff"], "name": "Friendly staff",
                                    "score": 0.74}
    assert r18["attributes"] == {"segment": "A", "age": 37}
    assert set(r18) >= {"id", "respondent_id", "text", "status", "review_note", "version", "reviewed", "reviewed_by"}


def test_queue_filters_combine(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    low = reviews.review_queue(db, qid, reasons=["low_confidence"])
    assert [q["respondent_id"] for q in low] == ["r15", "r18", "r19", "r22"]
    uncoded = reviews.review_queue(db, qid, reasons=["uncoded", "mixed_sentiment"])
    assert [q["respondent_id"] for q in uncoded] == ["r20", "r23", "r24", "r25", "r26", "r27", "r28", "r29"]
    both = reviews.review_queue(db, qid, reasons=["low_confidence"], code_id=ids["codes"]["Slow service"])
    assert [q["respondent_id"] for q in both] == ["r18", "r19"]
    rid = ids["responses"]["r18"]
    reviews.accept_review(db, qid, rid, actor="alice", expected_version=version_of(db, rid))
    slow = reviews.review_queue(db, qid, code_id=ids["codes"]["Slow service"])
    assert [q["respondent_id"] for q in slow] == ["r19", "r20"]
    again = reviews.review_queue(db, qid, code_id=ids["codes"]["Slow service"], include_reviewed=True)
    assert [(q["respondent_id"], q["reviewed"], q["reviewed_by"]) for q in again] == [
        ("r18", True, "alice"), ("r19", False, None), ("r20", False, None)]


def test_decided_response_stays_in_the_queue_when_reviewed_are_included(coded: Any) -> None:
    db, ids = coded
    qid, c = ids["question_id"], ids["codes"]
    rid = ids["responses"]["r18"]  # flagged for a low-confidence code
    reviews.decide_review(db, qid, rid, actor="bob", expected_version=version_of(db, rid),
                          codes=[{"code_id": c["Friendly staff"], "sentiment": "Positive"}])
    assert "r18" not in [q["respondent_id"] for q in reviews.review_queue(db, qid)]
    shown = {q["respondent_id"]: q for q in reviews.review_queue(db, qid, include_reviewed=True)}
    assert shown["r18"]["reviewed"] and shown["r18"]["reviewed_by"] == "bob"


def test_decide_review_writes_final_codes_and_undo(coded: Any) -> None:
    db, ids = coded
    qid, c = ids["question_id"], ids["codes"]
    rid = ids["responses"]["r20"]
    before = question_state(db, qid)
    v = version_of(db, rid)
    result = reviews.decide_review(db, qid, rid, actor="alice", expected_version=v, codes=[
        {"code_id": c["Slow service"], "sentiment": "negative"},  # unchanged → engine's
        {"code_id": c["Friendly staff"], "sentiment": "Mixed"},  # sentiment changed → human
        {"code_id": c["Good quality"], "sentiment": "Positive"},  # added → human
        {"code_id": c["Good quality"], "sentiment": "Neutral"},  # repeated: first one wins
    ])
    assert final_codes(db, rid) == [("Slow service", "Negative", "engine:fake"),
                                    ("Friendly staff", "Mixed", "human:alice"),
                                    ("Good quality", "Positive", "human:alice")]
    kept = one(db, "SELECT score FROM assignments WHERE response_id = ? AND code_id = ?", (rid, c["Slow service"]))
    assert kept["score"] == 0.65
    row = one(db, "SELECT * FROM responses WHERE id = ?", (rid,))
    assert (row["reviewed"], row["reviewed_by"], row["needs_review"], row["status"], row["version"]) == (
        1, "alice", 0, "coded", v + 1)
    assert row["reviewed_at"] and result["version"] == v + 1
    assert "r20" not in [q["respondent_id"] for q in reviews.review_queue(db, qid)]
    history.undo_last(db, qid, "alice")
    assert question_state(db, qid) == before


def test_decide_with_no_codes_leaves_response_uncoded(coded: Any) -> None:
    db, ids = coded
    qid, rid = ids["question_id"], ids["responses"]["r22"]
    reviews.decide_review(db, qid, rid, codes=[], actor="bob", expected_version=version_of(db, rid))
    row = one(db, "SELECT status, reviewed, review_reason FROM responses WHERE id = ?", (rid,))
    assert (row["status"], row["reviewed"], row["review_reason"]) == ("uncoded", 1, "low_confidence")
    assert final_codes(db, rid) == []


def test_decide_validation(coded: Any) -> None:
    db, ids = coded
    qid, rid = ids["question_id"], ids["responses"]["r22"]
    v = version_of(db, rid)
    with pytest.raises(ValidationError):
        reviews.decide_review(db, qid, rid, codes=[{"code_id": "nope", "sentiment": "Neutral"}], actor="a",
                              expected_version=v)
    with pytest.raises(ValidationError):
        reviews.decide_review(db, qid, rid, codes=[{"code_id": ids["codes"]["Delivery"], "sentiment": "meh"}],
                              actor="a", expected_version=v)
    with pytest.raises(NotFoundError):
        reviews.decide_review(db, qid, 999_999, codes=[], actor="a", expected_version=0)
    with pytest.raises(NotFoundError):
        reviews.review_queue(db, "no-question")


def test_stale_edit_between_two_connections(coded: Any, tmp_path: Path) -> None:
    db, ids = coded
    qid, rid = ids["question_id"], ids["responses"]["r15"]
    other = open_db(tmp_path / "t.db")
    try:
        seen = version_of(db, rid)
        assert version_of(other, rid) == seen  # both reviewers opened the same version
        reviews.decide_review(db, qid, rid, codes=[{"code_id": ids["codes"]["Slow service"], "sentiment": "Negative"}],
                              actor="alice", expected_version=seen)
        with pytest.raises(ConflictError) as err:
            reviews.accept_review(other, qid, rid, actor="bob", expected_version=seen)
        assert err.value.code == "STALE_EDIT" and err.value.http_status == 409
        assert "alice" in err.value.message and "r15" in err.value.message
        assert final_codes(db, rid) == [("Slow service", "Negative", "human:alice")]
        reviews.accept_review(other, qid, rid, actor="bob", expected_version=seen + 1)  # after reloading
        assert one(db, "SELECT reviewed_by FROM responses WHERE id = ?", (rid,))["reviewed_by"] == "bob"
    finally:
        other.conn.close()


def test_progress_counts(coded: Any) -> None:
    db, ids = coded
    qid, r = ids["question_id"], ids["responses"]
    assert reviews.review_progress(db, qid) == {"flagged": 12, "reviewed": 0, "reviewed_flagged": 0, "total": 31}
    reviews.accept_review(db, qid, r["r15"], actor="a", expected_version=version_of(db, r["r15"]))
    reviews.accept_review(db, qid, r["r01"], actor="a", expected_version=version_of(db, r["r01"]))
    assert reviews.review_progress(db, qid) == {"flagged": 12, "reviewed": 2, "reviewed_flagged": 1, "total": 31}


def test_agreement_on_hand_computed_example(coded: Any) -> None:
    db, ids = coded
    qid, r, c = ids["question_id"], ids["responses"], ids["codes"]

    def decide(key: str, names: list[str]) -> None:
        reviews.decide_review(db, qid, r[key], actor="alice", expected_version=version_of(db, r[key]),
                              codes=[{"code_id": c[n], "sentiment": "Neutral"} for n in names])

    reviews.accept_review(db, qid, r["r01"], actor="alice", expected_version=version_of(db, r["r01"]))  # F1 1
    decide("r08", ["Price too high"])  # engine {PTH, EXP}: F1 2/3
    decide("r18", ["Friendly staff"])  # engine {SS}: F1 0
    decide("r23", [])  # both empty: F1 1
    a = reviews.agreement(db, qid)
    # TP 2, FP 2, FN 1; 4 responses x 6 codes = 24 cells, 21 agree; engine 4 and human 3 present.
    assert a["n"] == 4 and a["sufficient"] is False and "insufficient data" in a["message"]
    assert a["micro_f1"] == pytest.approx(4 / 7)
    assert a["mean_f1"] == pytest.approx(2 / 3)
    half = 1.96 * math.sqrt(2 / 9) / 2
    assert a["ci_low"] == pytest.approx(2 / 3 - half) and a["ci_high"] == 1.0
    assert a["exact_match"] == 0.5
    pe = (4 / 24) * (3 / 24) + (20 / 24) * (21 / 24)
    assert a["kappa"] == pytest.approx((21 / 24 - pe) / (1 - pe)) and a["kappa"] == pytest.approx(0.5)
    # 48 values (2 coders x 24 cells), 7 present and 41 absent, 3 disagreeing cells.
    assert a["alpha"] == pytest.approx(1 - 47 * 3 / (7 * 41))


def test_agreement_sufficient_when_everything_accepted(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    assert reviews.agreement(db, qid)["n"] == 0
    for row in rows(db, "SELECT id, version FROM responses WHERE question_id = ? AND status != 'no_data'", (qid,)):
        reviews.accept_review(db, qid, row["id"], actor="alice", expected_version=row["version"])
    a = reviews.agreement(db, qid)
    assert (a["n"], a["sufficient"], a["micro_f1"], a["mean_f1"], a["kappa"], a["alpha"], a["exact_match"]) == (
        31, True, 1.0, 1.0, 1.0, 1.0, 1.0)


def test_review_log(coded: Any) -> None:
    db, ids = coded
    qid, r, c = ids["question_id"], ids["responses"], ids["codes"]
    reviews.accept_review(db, qid, r["r01"], actor="alice", expected_version=version_of(db, r["r01"]))
    reviews.decide_review(db, qid, r["r18"], actor="bob", expected_version=version_of(db, r["r18"]),
                          codes=[{"code_id": c["Friendly staff"], "sentiment": "Positive"}])
    history.undo_last(db, qid, "bob")
    log = reviews.review_log(db, qid)
    assert [(x["actor"], x["action"], x["respondent_id"]) for x in log] == [
        ("alice", "review.accept", "r01"), ("bob", "review.decide", "r18")]
    assert log[0]["detail"] == "codes: Friendly staff (Positive)"
    assert log[1]["detail"] == "codes: Friendly staff (Positive); added 1, removed 1 (undone)"
    assert all(x["created_at"] for x in log)


def test_audit_sample_and_its_agreement(coded: Any) -> None:
    db, ids = coded
    qid, r, c = ids["question_id"], ids["responses"], ids["codes"]
    codable = [row["id"] for row in rows(db, "SELECT id FROM responses WHERE question_id = ? AND status != 'no_data'",
                                         (qid,))]
    sample = reviews.audit_sample(db, qid)
    assert sorted(sample) == sorted(codable)  # fewer responses than the sample size: all of them
    assert sample != sorted(sample) and reviews.audit_sample(db, qid) == sample  # shuffled, reproducibly
    small = reviews.audit_sample(db, qid, size=5)
    assert len(small) == 5 and small == reviews.audit_sample(db, qid, size=5)
    assert [q["id"] for q in reviews.review_queue(db, qid, audit=True)] == sample

    reviews.accept_review(db, qid, r["r01"], actor="alice", expected_version=version_of(db, r["r01"]))  # F1 1
    reviews.decide_review(db, qid, r["r18"], actor="bob", expected_version=version_of(db, r["r18"]), blind=True,
                          codes=[{"code_id": c["Friendly staff"], "sentiment": "Positive"}])  # F1 0
    only_r01 = reviews.agreement(db, qid, response_ids=[r["r01"]])
    assert only_r01["n"] == 1 and only_r01["micro_f1"] == 1.0
    both = reviews.audit_agreement(db, qid)
    assert both["n"] == 2 and both["sample_size"] == len(codable) and both["mean_f1"] == pytest.approx(0.5)
    assert r["r01"] not in {q["id"] for q in reviews.review_queue(db, qid, audit=True)}
    blind = one(db, "SELECT payload FROM events WHERE action = 'review.decide' ORDER BY id DESC LIMIT 1")
    assert '"blind":true' in blind["payload"].replace(" ", "")
