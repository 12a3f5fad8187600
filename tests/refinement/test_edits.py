from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlite_utils

from surveycoder_core.db import codebooks
from surveycoder_core.db import undo as history
from surveycoder_core.db.store import one, rows
from surveycoder_core.errors import NotFoundError, ValidationError
from surveycoder_core.refinement import edits
from tests.factories import cb_version, question_state


def code_of(db: sqlite_utils.Database, qid: str, name: str) -> dict[str, Any] | None:
    return one(db, "SELECT * FROM codes WHERE question_id = ? AND name = ?", (qid, name))


def codes_on(db: sqlite_utils.Database, rid: int) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rows(db, "SELECT a.*, c.name FROM assignments a JOIN codes c ON c.id = a.code_id"
                                       " WHERE a.response_id = ?", (rid,))}


def check_undo(db: sqlite_utils.Database, qid: str, change: Callable[[], Any]) -> Any:
    """Run the change, check it bumped the codebook version, undo it and compare every row."""
    before = question_state(db, qid)
    version = cb_version(db, qid)
    result = change()
    assert cb_version(db, qid) == version + 1
    assert question_state(db, qid) != before
    history.undo_last(db, qid, "tester")
    assert question_state(db, qid) == before
    return result


def test_rename_code_and_undo(coded: Any) -> None:
    db, ids = coded
    qid, code = ids["question_id"], ids["codes"]["Delivery"]

    def change() -> None:
        edits.rename_code(db, qid, code, "  Shipping   speed ", actor="alice")
        assert code_of(db, qid, "Shipping speed")["id"] == code

    check_undo(db, qid, change)
    with pytest.raises(ValidationError, match="already exists"):
        edits.rename_code(db, qid, code, "expensive", actor="alice")
    with pytest.raises(ValidationError):
        edits.rename_code(db, qid, code, "   ", actor="alice")
    with pytest.raises(NotFoundError):
        edits.rename_code(db, qid, "nope", "X", actor="alice")
    with pytest.raises(NotFoundError):
        edits.rename_code(db, "no-question", code, "X", actor="alice")
    edits.rename_code(db, qid, code, "delivery", actor="alice")  # a case change of its own name is fine


def test_update_code_moves_to_new_category_and_undo_removes_it(coded: Any) -> None:
    db, ids = coded
    qid, code = ids["question_id"], ids["codes"]["Delivery"]

    def change() -> None:
        edits.update_code(db, qid, code, actor="alice", definition="Getting the parcel.", sentiment="negative",
                          category="Logistics")
        row = code_of(db, qid, "Delivery")
        cat = one(db, "SELECT name FROM categories WHERE id = ?", (row["category_id"],))
        assert (row["definition"], row["sentiment"], cat["name"]) == ("Getting the parcel.", "Negative", "Logistics")

    check_undo(db, qid, change)
    assert one(db, "SELECT id FROM categories WHERE name = 'Logistics'") is None
    with pytest.raises(ValidationError):
        edits.update_code(db, qid, code, actor="alice", sentiment="furious")
    edits.update_code(db, qid, code, actor="alice", category="service")  # existing category, any casing
    assert code_of(db, qid, "Delivery")["category_id"] == ids["categories"]["Service"]


def test_add_code_and_undo(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]

    def change() -> str:
        code_id = edits.add_code(db, qid, name="Parking", category="Access", definition="Parking trouble.",
                                 sentiment="Negative", actor="alice")
        assert code_of(db, qid, "Parking")["id"] == code_id
        assert codebooks.code_rows(db, qid)[-1]["category"] == "Access"
        return code_id

    check_undo(db, qid, change)
    with pytest.raises(ValidationError):
        edits.add_code(db, qid, name="Friendly STAFF", category="Service", actor="alice")


def test_delete_code_uncodes_orphans_and_undo(coded: Any) -> None:
    db, ids = coded
    qid, r = ids["question_id"], ids["responses"]

    def change() -> None:
        edits.delete_code(db, qid, ids["codes"]["Delivery"], actor="alice")
        status = {k: one(db, "SELECT status FROM responses WHERE id = ?", (r[k],))["status"]
                  for k in ("r15", "r16", "r32")}
        assert status == {"r15": "uncoded", "r16": "uncoded", "r32": "coded"}
        assert list(codes_on(db, r["r32"])) == ["Good quality"]

    check_undo(db, qid, change)


def test_merge_codes_keeps_stronger_score_and_undo(coded: Any) -> None:
    db, ids = coded
    qid, r, c = ids["question_id"], ids["responses"], ids["codes"]

    def change() -> dict[str, Any]:
        result = edits.merge_codes(db, qid, c["Expensive"], c["Price too high"], actor="alice")
        assert result == {"moved_response_ids": sorted([r["r08"], r["r09"], r["r10"]]),
                          "target_code_id": c["Price too high"]}
        assert code_of(db, qid, "Expensive") is None
        assert codes_on(db, r["r08"])["Price too high"]["score"] == 0.86
        merged = codes_on(db, r["r10"])["Price too high"]
        assert (merged["score"], merged["confidence"], merged["mention"]) == (0.79, "high", 1)
        engine = {e["code_id"] for e in rows(db, "SELECT code_id FROM engine_assignments WHERE response_id = ?",
                                             (r["r10"],))}
        assert engine == {c["Price too high"]}
        return result

    check_undo(db, qid, change)
    with pytest.raises(ValidationError):
        edits.merge_codes(db, qid, c["Expensive"], c["Expensive"], actor="alice")


def test_merge_moves_when_target_absent(coded: Any) -> None:
    db, ids = coded
    qid, r, c = ids["question_id"], ids["responses"], ids["codes"]
    check_undo(db, qid, lambda: edits.merge_codes(db, qid, c["Slow service"], c["Friendly staff"], actor="a"))
    edits.merge_codes(db, qid, c["Slow service"], c["Friendly staff"], actor="a")
    moved = codes_on(db, r["r05"])["Friendly staff"]
    assert (moved["score"], moved["source"]) == (0.9, "engine:fake")


def test_split_code_and_undo(coded: Any) -> None:
    db, ids = coded
    qid, r, c = ids["question_id"], ids["responses"], ids["codes"]

    def change() -> str:
        new_id = edits.split_code(db, qid, c["Good quality"], new_name="Durability",
                                  response_ids=[r["r12"], r["r14"]], actor="alice", definition="Lasts long.")
        assert list(codes_on(db, r["r12"])) == ["Durability"]
        assert list(codes_on(db, r["r13"])) == ["Good quality"]
        new = code_of(db, qid, "Durability")
        assert (new["id"], new["category_id"], new["sentiment"]) == (new_id, ids["categories"]["Product"],
                                                                     "Positive")
        return new_id

    check_undo(db, qid, change)
    with pytest.raises(ValidationError, match="do not have"):
        edits.split_code(db, qid, c["Good quality"], new_name="X", response_ids=[r["r01"]], actor="alice")
    with pytest.raises(ValidationError):
        edits.split_code(db, qid, c["Good quality"], new_name="X", response_ids=[], actor="alice")


def test_rename_category_and_undo(coded: Any) -> None:
    db, ids = coded
    qid, cat = ids["question_id"], ids["categories"]["Product"]
    check_undo(db, qid, lambda: edits.rename_category(db, qid, cat, "Products", actor="alice"))
    with pytest.raises(ValidationError):
        edits.rename_category(db, qid, cat, "service", actor="alice")
    with pytest.raises(NotFoundError):
        edits.rename_category(db, qid, "nope", "X", actor="alice")


def test_reorder_code_and_undo(coded: Any) -> None:
    db, ids = coded
    qid, c = ids["question_id"], ids["codes"]

    def change() -> None:
        edits.reorder_code(db, qid, c["Delivery"], 0, actor="alice")
        product = [cat for cat in codebooks.load_codebook(db, qid) if cat["name"] == "Product"][0]
        assert [x["name"] for x in product["codes"]] == ["Delivery", "Price too high", "Expensive", "Good quality"]
        service = [cat for cat in codebooks.load_codebook(db, qid) if cat["name"] == "Service"][0]
        assert [x["name"] for x in service["codes"]] == ["Friendly staff", "Slow service"]

    check_undo(db, qid, change)
