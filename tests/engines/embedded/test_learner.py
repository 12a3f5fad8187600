"""Learning from people: reviewed responses and a codebook's `examples` take one path.

The review screen's "recode the rest" and an API caller who sends `examples` with a code both
end up as CodeSpec.examples (codebooks.code_specs), so a correction teaches the engine the same
way whichever face it came through.
"""

from __future__ import annotations

from pathlib import Path

from surveycoder_core import service
from surveycoder_core.db.codebooks import code_specs
from surveycoder_core.db.store import one, session
from surveycoder_core.human_review import queue as reviews
from surveycoder_core.schemas import CodeRequest

# A codebook whose names alone do not say where "the lift" comments belong.
CODEBOOK = {"categories": [{"name": "Building", "codes": [
    {"name": "Accessibility", "definition": "Getting around the building."},
    {"name": "Cleanliness", "definition": "How clean the place was."},
]}]}
LIFT = ["the lift was out of order again", "lift broken so I used the stairs", "waited ages for the lift",
        "the lift doors kept jamming", "lift was stuck between floors", "no working lift on the ward"]
OTHER = ["the floors were spotless", "toilets were dirty", "very clean waiting room", "bins overflowing",
         "ramps at every door", "wide corridors for wheelchairs", "dusty shelves", "no step-free entrance"]


def _request(with_examples: bool) -> CodeRequest:
    codebook = {"categories": [{"name": "Building", "codes": [dict(c) for c in CODEBOOK["categories"][0]["codes"]]}]}
    if with_examples:
        codebook["categories"][0]["codes"][0]["examples"] = LIFT[:3]
    texts = LIFT + OTHER
    return CodeRequest.model_validate({"responses": [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)],
                                       "codebook": codebook})


def _codes_of(result, ids: list[str]) -> dict[str, set[str]]:
    return {r.id: {c.name for c in r.codes} for r in result.results if r.id in ids}


def test_reviews_become_examples_and_recoding_uses_them(db_path: Path, engine) -> None:
    data = service.code_request(_request(with_examples=False), db_path=db_path, engine=engine).data
    qid = data.question_id
    before = _codes_of(data, [f"r{i}" for i in range(3, 6)])
    assert not all("Accessibility" in codes for codes in before.values()), "nothing to learn: test data too easy"
    with session(db_path) as db:
        access = one(db, "SELECT id FROM codes WHERE question_id = ? AND name = 'Accessibility'", (qid,))["id"]
        for i in range(3):  # a reviewer says: lift comments are about accessibility
            row = one(db, "SELECT id, version FROM responses WHERE question_id = ? AND respondent_id = ?",
                      (qid, f"r{i}"))
            reviews.decide_review(db, qid, row["id"], codes=[{"code_id": access, "sentiment": "Negative"}],
                                  actor="alice", expected_version=row["version"])
        learned = {s.name: s.examples for s in code_specs(db, qid)}
    assert set(LIFT[:3]) <= set(learned["Accessibility"])

    service.recode_unreviewed(qid, db_path=db_path, engine=engine, as_job=False)
    after = _codes_of(service.get_result(qid, db_path=db_path), [f"r{i}" for i in range(3, 6)])
    assert all("Accessibility" in codes for codes in after.values()), after
    # Reviewed responses keep the reviewer's decision, untouched by the recode.
    kept = _codes_of(service.get_result(qid, db_path=db_path), ["r0", "r1", "r2"])
    assert all(codes == {"Accessibility"} for codes in kept.values())


def test_api_examples_take_the_same_path(tmp_path: Path, engine) -> None:
    via_api = service.code_request(_request(with_examples=True), db_path=tmp_path / "api.db", engine=engine).data
    with session(tmp_path / "api.db") as db:
        specs = {s.name: s.examples for s in code_specs(db, via_api.question_id)}
    assert specs["Accessibility"] == LIFT[:3]
    unseen = _codes_of(via_api, [f"r{i}" for i in range(3, 6)])
    assert all("Accessibility" in codes for codes in unseen.values()), unseen


def test_every_reviewed_answer_teaches_no_cap_and_no_code_reviews_too(db_path: Path, engine) -> None:
    from surveycoder_core.db.codebooks import no_code_examples

    texts = [f"the lift was broken on floor {i}" for i in range(70)] + ["the weather was nice", "my cat is ill"]
    req = CodeRequest.model_validate({"responses": [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)],
                                      "codebook": CODEBOOK})
    data = service.code_request(req, db_path=db_path, engine=engine).data
    qid = data.question_id
    with session(db_path) as db:
        access = one(db, "SELECT id FROM codes WHERE question_id = ? AND name = 'Accessibility'", (qid,))["id"]
        for i in range(72):
            row = one(db, "SELECT id, version FROM responses WHERE question_id = ? AND respondent_id = ?",
                      (qid, f"r{i}"))
            codes = [{"code_id": access, "sentiment": "Negative"}] if i < 70 else []
            reviews.decide_review(db, qid, row["id"], codes=codes, actor="alice", expected_version=row["version"])
        learned = {s.name: s.examples for s in code_specs(db, qid)}
        assert len(learned["Accessibility"]) == 70  # more than the old cap of 50
        assert set(no_code_examples(db, qid)) == {"the weather was nice", "my cat is ill"}
