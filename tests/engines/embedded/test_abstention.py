"""Abstention with a given codebook: what fits no code gets none, is flagged, and becomes a suggestion.

The issue's example: a 2-code codebook (Price, Service) and answers about delivery and the app.
"""

from __future__ import annotations

from pathlib import Path

from surveycoder_core import service
from surveycoder_core.db.store import session
from surveycoder_core.refinement import suggestions as refine
from surveycoder_core.schemas import CodeRequest

CODEBOOK = {"categories": [{"name": "Reasons", "codes": [{"name": "Price"}, {"name": "Service"}]}]}
ANSWERS = [
    "Prices are too high", "It's far too expensive", "Good value for money",
    "Customer service was rude", "Friendly service at the counter", "The service desk staff were helpful",
    "Delivery took two weeks", "My delivery arrived late", "The delivery was late again",
    "The app keeps crashing when I pay", "The app crashes at checkout", "Checkout in the app is quick and easy",
]


def _request() -> CodeRequest:
    return CodeRequest.model_validate({"responses": [{"id": f"r{i}", "text": t} for i, t in enumerate(ANSWERS)],
                                       "codebook": CODEBOOK})


def test_what_fits_no_code_gets_none_and_a_new_code_is_suggested(db_path: Path, engine) -> None:
    data = service.code_request(_request(), db_path=db_path, engine=engine).data
    by_id = {r.id: r for r in data.results}
    crash = by_id["r9"]
    assert crash.codes == [] and crash.needs_review and crash.review_reason == "no_code_fit"
    assert crash.status == "uncoded"
    checkout = by_id["r11"]
    assert not any(c.name == "Price" and c.confidence == "high" for c in checkout.codes)
    # What does fit keeps its code.
    assert [c.name for c in by_id["r0"].codes] == ["Price"]
    assert [c.name for c in by_id["r3"].codes] == ["Service"]
    with session(db_path) as db:
        pending = refine.list_suggestions(db, data.question_id, "pending")
    new_codes = [s for s in pending if s["type"] == "new_code"]
    assert new_codes, [refine.suggestion_title(s) for s in pending]
    unfitted = {r.id for r in data.results if not r.codes}
    for s in new_codes:
        assert set(s["affected_response_ids"]) <= unfitted and len(s["affected_response_ids"]) >= 2
        assert s["name"] and s["definition"] and 0 <= s["confidence"] <= 1 and s["action"] == "create_new"
    assert {"r6", "r7", "r8", "r9", "r10"} & {r for s in new_codes for r in s["affected_response_ids"]}


def test_applying_the_new_code_suggestion_codes_its_answers(db_path: Path, engine) -> None:
    data = service.code_request(_request(), db_path=db_path, engine=engine).data
    with session(db_path) as db:
        s = next(s for s in refine.list_suggestions(db, data.question_id, "pending") if s["type"] == "new_code")
        refine.apply_suggestion(db, data.question_id, s["id"], actor="alice")
    result = service.get_result(data.question_id, db_path=db_path)
    coded = {r.id: [c.name for c in r.codes] for r in result.results}
    assert all(coded[rid] == [s["name"]] for rid in s["affected_response_ids"])
