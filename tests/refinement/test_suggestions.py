from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from surveycoder_core.db import projects, responses
from surveycoder_core.db import undo as history
from surveycoder_core.db.store import one, open_db, rows, write
from surveycoder_core.errors import InvalidStateError, NotFoundError, ValidationError
from surveycoder_core.pipeline import ingest
from surveycoder_core.refinement import edits
from surveycoder_core.refinement import suggestions as refine
from surveycoder_core.schemas import ResponseIn
from tests.factories import FakeEngine, make_coded_question, question_state

KEYS = {"id", "type", "action", "status", "confidence", "name", "definition", "sentiment", "category_id", "category",
        "target_code_id", "target_code", "source_code_id", "source_code", "affected_response_ids", "affected_count",
        "example_responses", "rationale", "created_at", "resolved_at", "resolved_by", "resolution_action",
        "dismiss_reason"}


def by_type(suggestions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["type"]: s for s in suggestions}


def codes_on(db: sqlite_utils.Database, rid: int) -> list[str]:
    return [r["name"] for r in rows(db, "SELECT c.name FROM assignments a JOIN codes c ON c.id = a.code_id"
                                    " WHERE a.response_id = ? ORDER BY a.mention", (rid,))]


def test_needs_coded_responses(tmp_path: Path) -> None:
    db = open_db(tmp_path / "t.db")
    pid = projects.create_project(db, name="p")
    qid = projects.create_question(db, project_id=pid, text="q")
    with write(db):
        responses.insert_responses(db, qid, ingest.ingest_responses([ResponseIn(id="1", text="hello there")]))
    with pytest.raises(InvalidStateError, match="no coded responses yet; code it first"):
        refine.generate_suggestions(db, qid, FakeEngine())
    with pytest.raises(NotFoundError):
        refine.generate_suggestions(db, "no-question", FakeEngine())


def test_generators_find_each_kind(coded: Any) -> None:
    db, ids = coded
    c = ids["codes"]
    found = refine.generate_suggestions(db, ids["question_id"], FakeEngine())
    assert [s["type"] for s in found] == ["new_code", "merge", "reassign", "definition_update"]
    for s in found:
        assert set(s) == KEYS and re.fullmatch(r"sug_[0-9a-f]{16}", s["id"]) and s["status"] == "pending"
        assert 0 <= s["confidence"] <= 1 and s["affected_count"] == len(s["affected_response_ids"])
        assert len(s["example_responses"]) <= 5
    t = by_type(found)
    # Only the parking cluster is big enough (≥ 3); the website loner is not proposed.
    assert (t["new_code"]["name"], t["new_code"]["action"]) == ("Parking", "create_new")
    assert sorted(t["new_code"]["affected_response_ids"]) == ["r23", "r24", "r25", "r26", "r27"]
    assert t["new_code"]["example_responses"][0] == {"id": "r23", "text": "Parking was impossible on Saturday"}
    assert (t["merge"]["source_code"], t["merge"]["target_code"], t["merge"]["action"]) == (
        "Expensive", "Price too high", "merge")
    assert "overlap 1.00" in t["merge"]["rationale"]
    assert (t["reassign"]["source_code_id"], t["reassign"]["target_code_id"], t["reassign"]["action"]) == (
        c["Slow service"], c["Friendly staff"], "assign_existing")
    assert t["reassign"]["affected_response_ids"] == ["r18", "r19"]
    assert t["definition_update"]["target_code"] == "Delivery"
    assert t["definition_update"]["definition"].startswith("Responses about delivery: they mention")
    assert t["definition_update"]["category"] == "Product"


def test_generation_is_deterministic(tmp_path: Path) -> None:
    def content(path: Path) -> list[tuple[Any, ...]]:
        db = open_db(path)
        make_coded_question(db)
        qid = one(db, "SELECT id FROM questions")["id"]
        out = [(s["type"], s["name"], s["definition"], s["confidence"], s["affected_response_ids"], s["target_code"])
               for s in refine.generate_suggestions(db, qid, FakeEngine())]
        db.conn.close()
        return out

    assert content(tmp_path / "a.db") == content(tmp_path / "b.db")


def test_cached_until_resolved_and_force_supersedes(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    engine = FakeEngine()
    first = refine.generate_suggestions(db, qid, engine)
    assert refine.generate_suggestions(db, qid, engine) == first and engine.generate_calls == 1
    forced = refine.generate_suggestions(db, qid, engine, force=True, actor="alice")
    assert engine.generate_calls == 2 and {s["id"] for s in forced}.isdisjoint({s["id"] for s in first})
    old = refine.list_suggestions(db, qid, "dismissed")
    assert {s["id"] for s in old} == {s["id"] for s in first}
    assert {(s["dismiss_reason"], s["resolved_by"]) for s in old} == {("superseded", "alice")}
    assert refine.suggestion_summary(db, qid) == {"pending": 4, "applied": 0, "dismissed": 4,
                                                  "unclassified_responses": 7}
    assert len(refine.suggestions_for_export(db, qid)) == 8


def test_dismissed_proposal_is_not_made_again(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    for s in refine.generate_suggestions(db, qid, FakeEngine()):
        refine.resolve_suggestion(db, qid, s["id"], "dismiss", actor="alice", dismiss_reason="not useful")
    assert refine.generate_suggestions(db, qid, FakeEngine()) == []


def test_apply_new_code_and_true_undo(coded: Any) -> None:
    db, ids = coded
    qid, r = ids["question_id"], ids["responses"]
    sug = by_type(refine.generate_suggestions(db, qid, FakeEngine()))["new_code"]
    before = question_state(db, qid)
    version = one(db, "SELECT codebook_version FROM questions WHERE id = ?", (qid,))["codebook_version"]
    result = refine.apply_suggestion(db, qid, sug["id"], actor="alice",
                                     overrides={"override_name": "Parking problems", "override_category_id": "x1"})
    code = result["code"]
    assert (result["status"], result["action"], result["codebook_version"]) == ("applied", "create_new", version + 1)
    assert (code["name"], code["definition"], code["sentiment"]) == (
        "Parking problems", "Trouble finding or paying for parking.", "Negative")
    assert one(db, "SELECT name FROM categories WHERE id = ?", (code["category_id"],))["name"] == "Other"
    assert sorted(result["reassigned_response_ids"]) == ["r23", "r24", "r25", "r26", "r27"]
    assert result["reassigned_count"] == 5
    row = one(db, "SELECT status, needs_review FROM responses WHERE id = ?", (r["r23"],))
    assert (row["status"], row["needs_review"]) == ("coded", 0)
    assert codes_on(db, r["r27"]) == ["Parking problems"]
    src = one(db, "SELECT source FROM assignments WHERE response_id = ?", (r["r23"],))["source"]
    assert src == "human:alice"
    applied = refine.list_suggestions(db, qid, "applied")[0]
    assert (applied["resolved_by"], applied["resolution_action"]) == ("alice", "create_new")
    with pytest.raises(InvalidStateError, match="already applied"):
        refine.apply_suggestion(db, qid, sug["id"], actor="alice")

    assert refine.undo_suggestion(db, qid, sug["id"], actor="bob") == {
        "suggestion_id": sug["id"], "status": "pending", "reverted": True}
    assert question_state(db, qid) == before
    with pytest.raises(InvalidStateError):
        refine.undo_suggestion(db, qid, sug["id"], actor="bob")


def test_create_new_into_an_existing_category(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    sug = by_type(refine.generate_suggestions(db, qid, FakeEngine()))["new_code"]
    cat = ids["categories"]["Service"]
    result = refine.resolve_suggestion(db, qid, sug["id"], "create_new", actor="a",
                                       overrides={"override_category_id": cat, "override_sentiment": "neutral"})
    assert (result["code"]["category_id"], result["code"]["sentiment"]) == (cat, "Neutral")


def test_assign_existing_moves_low_confidence_responses_and_undo(coded: Any) -> None:
    db, ids = coded
    qid, r = ids["question_id"], ids["responses"]
    sug = by_type(refine.generate_suggestions(db, qid, FakeEngine()))["reassign"]
    before = question_state(db, qid)
    result = refine.apply_suggestion(db, qid, sug["id"], actor="alice")
    assert result["code"]["name"] == "Friendly staff" and result["reassigned_response_ids"] == ["r18", "r19"]
    assert codes_on(db, r["r18"]) == ["Friendly staff"]
    refine.undo_suggestion(db, qid, sug["id"], actor="alice")
    assert question_state(db, qid) == before


def test_merge_and_definition_update_and_dismiss_with_undo(coded: Any) -> None:
    db, ids = coded
    qid, c, r = ids["question_id"], ids["codes"], ids["responses"]
    t = by_type(refine.generate_suggestions(db, qid, FakeEngine()))
    before = question_state(db, qid)
    merged = refine.apply_suggestion(db, qid, t["merge"]["id"], actor="alice")
    assert merged["code"]["id"] == c["Price too high"] and sorted(merged["reassigned_response_ids"]) == [
        "r08", "r09", "r10"]
    assert one(db, "SELECT id FROM codes WHERE id = ?", (c["Expensive"],)) is None
    defined = refine.apply_suggestion(db, qid, t["definition_update"]["id"], actor="alice",
                                      overrides={"override_definition": "Getting the parcel to the customer."})
    assert defined["code"]["definition"] == "Getting the parcel to the customer."
    assert defined["reassigned_count"] == 0
    dismissed = refine.resolve_suggestion(db, qid, t["new_code"]["id"], "dismiss", actor="bob",
                                          dismiss_reason="too vague")
    assert (dismissed["status"], dismissed["code"], dismissed["reassigned_count"]) == ("dismissed", None, 0)
    assert refine.list_suggestions(db, qid, "dismissed")[0]["dismiss_reason"] == "too vague"
    assert codes_on(db, r["r23"]) == []
    for s in (t["new_code"], t["definition_update"], t["merge"]):  # newest first
        refine.undo_suggestion(db, qid, s["id"], actor="carol")
    assert question_state(db, qid) == before


def test_undo_is_refused_while_a_later_change_holds_the_rows(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    sug = by_type(refine.generate_suggestions(db, qid, FakeEngine()))["new_code"]
    code_id = refine.apply_suggestion(db, qid, sug["id"], actor="alice")["code"]["id"]
    edits.rename_code(db, qid, code_id, "Car park", actor="bob")
    with pytest.raises(InvalidStateError, match="code.rename"):
        refine.undo_suggestion(db, qid, sug["id"], actor="alice")
    history.undo_last(db, qid, "bob")
    refine.undo_suggestion(db, qid, sug["id"], actor="alice")
    assert refine.list_suggestions(db, qid, "pending")


def test_resolve_validation(coded: Any) -> None:
    db, ids = coded
    qid, c = ids["question_id"], ids["codes"]
    t = by_type(refine.generate_suggestions(db, qid, FakeEngine()))
    with pytest.raises(NotFoundError, match="Suggestion not found"):
        refine.resolve_suggestion(db, qid, "sug_0000000000000000", "dismiss", actor="a")
    with pytest.raises(ValidationError):
        refine.resolve_suggestion(db, qid, t["new_code"]["id"], "explode", actor="a")
    with pytest.raises(ValidationError, match="target_code_id"):
        refine.resolve_suggestion(db, qid, t["new_code"]["id"], "assign_existing", actor="a")
    with pytest.raises(ValidationError, match="not found"):
        refine.resolve_suggestion(db, qid, t["new_code"]["id"], "assign_existing", actor="a", target_code_id="zz")
    with pytest.raises(ValidationError, match="needs source_code_id"):
        refine.resolve_suggestion(db, qid, t["new_code"]["id"], "merge", actor="a", target_code_id=c["Delivery"])
    with pytest.raises(ValidationError, match="differ"):
        refine.resolve_suggestion(db, qid, t["merge"]["id"], "merge", actor="a", source_code_id=c["Price too high"])
    with pytest.raises(ValidationError, match="already exists"):
        refine.resolve_suggestion(db, qid, t["new_code"]["id"], "create_new", actor="a",
                                  overrides={"override_name": "Delivery"})
    with pytest.raises(ValidationError, match="category not found"):
        refine.resolve_suggestion(db, qid, t["new_code"]["id"], "create_new", actor="a",
                                  overrides={"override_category_id": "00000000-0000-4000-8000-000000000000"})
    # Nothing above changed anything: all four are still pending.
    assert refine.suggestion_summary(db, qid)["pending"] == 4
    result = refine.resolve_suggestion(db, qid, t["new_code"]["id"], "assign_existing", actor="a",
                                       target_code_id=c["Delivery"])
    assert result["status"] == "applied" and result["reassigned_count"] == 5


def test_bulk_apply_thresholds_and_failures(coded: Any) -> None:
    db, ids = coded
    qid = ids["question_id"]
    t = by_type(refine.generate_suggestions(db, qid, FakeEngine()))
    high = refine.bulk_apply(db, qid, actor="alice", min_confidence=0.9)
    assert high["applied"] == [] and high["failed"] == []
    assert {s["suggestion_id"]: s["reason"] for s in high["skipped"]}[t["new_code"]["id"]] == "confidence 0.8 below 0.9"
    assert high["summary"] == {"applied": 0, "skipped": 4, "failed": 0, "responses_reassigned": 0}

    edits.add_code(db, qid, name="Parking", category="Access", actor="bob")  # the proposed name is taken now
    clash = refine.bulk_apply(db, qid, actor="alice", suggestion_ids=[t["new_code"]["id"], "sug_missing"])
    assert [f["suggestion_id"] for f in clash["failed"]] == [t["new_code"]["id"], "sug_missing"]
    assert "already exists" in clash["failed"][0]["reason"]
    history.undo_last(db, qid, "bob")

    ok = refine.bulk_apply(db, qid, actor="alice", min_confidence=0.5)
    assert ok["applied"] == [{"suggestion_id": t["new_code"]["id"]}]
    assert ok["summary"] == {"applied": 1, "skipped": 3, "failed": 0, "responses_reassigned": 5}
    again = refine.bulk_apply(db, qid, actor="alice", suggestion_ids=[t["new_code"]["id"]])
    assert again["skipped"] == [{"suggestion_id": t["new_code"]["id"], "reason": "already applied"}]
    merges = refine.bulk_apply(db, qid, actor="alice", action="merge")
    assert merges["summary"]["applied"] == 1 and merges["summary"]["responses_reassigned"] == 3
    with pytest.raises(ValidationError):
        refine.bulk_apply(db, qid, actor="alice", action="nonsense")


def test_over_broad_code_gets_split_proposals_that_move_responses(coded: Any) -> None:
    db, ids = coded
    qid, c, r = ids["question_id"], ids["codes"], ids["responses"]
    for name in ("Friendly staff", "Slow service", "Price too high", "Expensive", "Delivery"):
        edits.merge_codes(db, qid, c[name], c["Good quality"], actor="setup")  # one code on 24 of 31
    found = refine.generate_suggestions(db, qid, FakeEngine())
    # (The merged code also holds complaints now: that is the stance rule's proposal, tested below.)
    split = [s for s in found if s["type"] == "split" and "praise and complaint" not in s["rationale"]]
    assert [(s["name"], s["action"], s["source_code"]) for s in split] == [
        ("Staff attitude", "create_new", "Good quality")]
    assert split[0]["affected_response_ids"] == ["r01", "r02", "r03", "r31", "r04"]
    before = question_state(db, qid)
    result = refine.apply_suggestion(db, qid, split[0]["id"], actor="alice")
    assert result["reassigned_count"] == 5
    assert codes_on(db, r["r01"]) == ["Staff attitude"] and codes_on(db, r["r04"]) == ["Staff attitude"]
    refine.undo_suggestion(db, qid, split[0]["id"], actor="alice")
    assert question_state(db, qid) == before


def test_praise_and_complaint_under_one_code_are_separated(coded: Any) -> None:
    db, ids = coded
    qid, c, r = ids["question_id"], ids["codes"], ids["responses"]
    # The engine put three complaints about staff under the positive code "Friendly staff".
    with write(db):
        for key in ("r01", "r02", "r31"):
            db.conn.execute("UPDATE assignments SET sentiment = 'Negative' WHERE response_id = ? AND code_id = ?",
                            (r[key], c["Friendly staff"]))
    found = refine.generate_suggestions(db, qid, FakeEngine())
    [stance] = [s for s in found if "praise and complaint" in s["rationale"]]
    assert (stance["type"], stance["action"], stance["name"], stance["sentiment"], stance["source_code"]) == (
        "split", "create_new", "Friendly staff (complaints)", "Negative", "Friendly staff")
    assert sorted(stance["affected_response_ids"]) == ["r01", "r02", "r31"]
    before = question_state(db, qid)
    refine.apply_suggestion(db, qid, stance["id"], actor="alice")
    assert codes_on(db, r["r01"]) == ["Friendly staff (complaints)"] and codes_on(db, r["r03"]) == ["Friendly staff"]
    refine.undo_suggestion(db, qid, stance["id"], actor="alice")
    assert question_state(db, qid) == before

    # When the opposite-stance code exists, the answers go there.
    edits.rename_code(db, qid, c["Friendly staff"], "Praise for staff", actor="setup")
    edits.add_code(db, qid, name="Complaints about staff", category="Service", sentiment="Negative", actor="setup")
    found = refine.generate_suggestions(db, qid, FakeEngine(), force=True)
    [stance] = [s for s in found if "praise and complaint" in s["rationale"]]
    assert (stance["type"], stance["action"], stance["target_code"], stance["source_code"]) == (
        "reassign", "assign_existing", "Complaints about staff", "Praise for staff")
    refine.apply_suggestion(db, qid, stance["id"], actor="alice")
    assert codes_on(db, r["r02"]) == ["Complaints about staff"]


def test_opposite_stance_names() -> None:
    from surveycoder_core.refinement.rules import opposite_stance_name

    assert opposite_stance_name("Complaints about bill", "Positive") == "Praise for bill"
    assert opposite_stance_name("Praise for staff", "Negative") == "Complaints about staff"
    assert opposite_stance_name("Fast speed", "Negative") == "Fast speed (complaints)"


def test_every_suggestion_kind_is_titled_by_its_own_fields() -> None:
    from surveycoder_core.refinement.suggestions import suggestion_title

    base = {"name": "General complaints (praise)", "source_code": "General complaints", "target_code": None}
    expected = "Split “General complaints (praise)” out of “General complaints”"
    assert suggestion_title({**base, "type": "split"}) == expected
    assert "None" not in suggestion_title({**base, "type": "split"})
    assert suggestion_title({**base, "type": "new_code"}) == "New code “General complaints (praise)”"
    assert suggestion_title({"type": "definition_update", "name": "X", "target_code": "X", "source_code": None}) \
        == "Sharper definition for “X”"
    merge = {"type": "merge", "name": "B", "source_code": "A", "target_code": "B"}
    assert suggestion_title(merge) == "Merge “A” into “B”"


def test_other_and_general_codes_get_no_sharper_definition(engine) -> None:
    from surveycoder_core.refinement.rules import definition_rules

    texts = ["the wifi drops at night", "my bill was wrong", "engineer was late", "router lights too bright",
             "price went up", "moved house and lost service"]
    members = [(i, f"R{i}", t) for i, t in enumerate(texts)]
    codes = [{"id": cid, "name": name, "definition": "", "sentiment": "Neutral", "category_id": "c"}
             for cid, name in (("o", "Other"), ("g", "General satisfaction"), ("w", "Wifi"))]
    out = definition_rules(engine, codes, {c["id"]: members for c in codes}, {c["id"]: [0.3] * 6 for c in codes})
    assert [s["target_code_id"] for s in out] == ["w"]
