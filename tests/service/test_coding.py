"""The one-call pipeline end to end on the embedded engine, against real SQLite files."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from surveycoder_core import service
from surveycoder_core.db.store import rows, session
from surveycoder_core.errors import NoDataError, ValidationError
from surveycoder_core.schemas import CodeRequest, CodeResponseSync
from tests.synthetic import CODEBOOK, SEED_BRAND_EXAMPLE, make_responses


def _count(db_path: Path, table: str) -> int:
    if not db_path.exists():
        return 0
    with sqlite3.connect(db_path) as conn:
        try:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def test_seed_brand_example_has_the_seed_shape(db_path: Path, engine) -> None:
    req = CodeRequest.model_validate({"responses": SEED_BRAND_EXAMPLE, "coding_type": "qualitative",
                                      "language": "en"})
    out = service.code_request(req, db_path=db_path, engine=engine)
    body = out.model_dump()
    assert body["success"] is True and body["meta"]["mode"] == "sync"
    data = body["data"]
    assert set(data) >= {"codebook", "results", "credits_used", "project_id", "question_id"}
    assert [r["id"] for r in data["results"]] == ["R001", "R002", "R003", "R004", "R005"]
    codes = [c for cat in data["codebook"] for c in cat["codes"]]
    assert 2 <= len(codes) <= 8
    numbers = [c["code_number"] for c in codes]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    for cat in data["codebook"]:
        assert cat["id"] and cat["name"]
    for c in codes:
        assert set(c) >= {"id", "name", "sentiment", "code_number", "frequency"}
        assert not re.fullmatch(r"(cluster|topic|code)?\s*\d+", c["name"].lower())
    # frequency equals the number of assignments of each code
    assigned: dict[str, int] = {}
    for r in data["results"]:
        for a in r["codes"]:
            assert set(a) >= {"name", "sentiment", "confidence"}
            assert a["confidence"] in ("high", "medium", "low")
            assert a["sentiment"] in ("Positive", "Negative", "Neutral", "Mixed")
            assigned[a["name"]] = assigned.get(a["name"], 0) + 1
        assert isinstance(r["needs_review"], bool)
    assert {c["name"]: c["frequency"] for c in codes if c["frequency"]} == assigned
    assert data["credits_used"] == 5
    CodeResponseSync.model_validate(body)


def test_duplicates_are_coded_once_fanned_out_and_charged_once(db_path: Path, engine) -> None:
    base = make_responses(30)
    base.append({"id": "DUP1", "text": base[0]["text"].upper()})
    base.append({"id": "DUP2", "text": "  " + base[0]["text"] + "  "})
    base.append({"id": "JUNK", "text": "n/a"})
    out = service.code_request(CodeRequest.model_validate({"responses": base}), db_path=db_path, engine=engine)
    results = {r.id: r for r in out.data.results}
    assert [r.id for r in out.data.results] == [r["id"] for r in base]
    first = [c.name for c in results[base[0]["id"]].codes]
    assert [c.name for c in results["DUP1"].codes] == first == [c.name for c in results["DUP2"].codes]
    assert results["JUNK"].codes == [] and results["JUNK"].status == "no_data"
    from surveycoder_core.pipeline.ingest import dedup_key

    assert out.data.credits_used == len({dedup_key(r["text"]) for r in base[:30]})


def test_two_thousand_responses_without_codebook(db_path: Path, engine) -> None:
    responses = make_responses(2000, seed=11)
    out = service.code_request(CodeRequest.model_validate({"responses": responses}), db_path=db_path,
                               engine=engine)
    data = out.data
    assert [r.id for r in data.results] == [r["id"] for r in responses]
    codes = [c for cat in data.codebook for c in cat.codes]
    assert 5 <= len(codes) <= 40
    coded = sum(1 for r in data.results if r.codes)
    assert coded / len(responses) >= 0.9
    assert sum(c.frequency for c in codes) == sum(len(r.codes) for r in data.results)


def test_given_codebook_uses_only_its_codes_in_order(db_path: Path, engine) -> None:
    responses = make_responses(40, seed=3)
    req = CodeRequest.model_validate({"responses": responses, "codebook": CODEBOOK})
    data = service.code_request(req, db_path=db_path, engine=engine).data
    given = [c["name"] for cat in CODEBOOK["categories"] for c in cat["codes"]]
    returned = [c.name for cat in data.codebook for c in cat.codes]
    assert returned == given
    assert [cat.name for cat in data.codebook] == ["Value", "Service"]
    used = {a.name for r in data.results for a in r.codes}
    assert used <= set(given) and used


def test_qualitative_topics_are_neutral(db_path: Path, engine) -> None:
    req = CodeRequest.model_validate({"responses": make_responses(25), "coding_type": "qualitative_topics"})
    data = service.code_request(req, db_path=db_path, engine=engine).data
    sentiments = {a.sentiment for r in data.results for a in r.codes}
    assert sentiments == {"Neutral"}


def test_entity_coding_folds_brand_variants(db_path: Path, engine) -> None:
    texts = ["I buy Nike for running", "nike air max are comfy", "Addidas is my go-to", "adidas originals look good",
             "Adidas Originals for the style", "New Balance fits wide feet", "new balance 574 are classic",
             "Puma is fine", "PUMA collabs are cool", "Nike and Adidas both"]
    req = CodeRequest.model_validate({"responses": [{"id": str(i), "text": t} for i, t in enumerate(texts)],
                                      "coding_type": "entity"})
    data = service.code_request(req, db_path=db_path, engine=engine).data
    names = [c.name for cat in data.codebook for c in cat.codes]
    lowered = [n.lower() for n in names]
    assert "adidas" in lowered and "nike" in lowered and "new balance" in lowered
    assert not any("originals" in n or "addidas" in n for n in lowered)
    both = next(r for r in data.results if r.id == "9")
    assert {c.name.lower() for c in both.codes} >= {"nike", "adidas"}


def test_entity_coding_of_answers_that_name_nothing_is_a_clear_422(db_path: Path, engine) -> None:
    texts = ["\u9b69\u6f22\u5b57", "\u5b57\u6587\u8a9e", "\u8a9e\u53e5\u6587"]  # words, but no names to find
    req = CodeRequest.model_validate({"responses": [{"id": str(i), "text": t} for i, t in enumerate(texts)],
                                      "coding_type": "entity"})
    with pytest.raises(NoDataError, match="no brands, products or other names") as info:
        service.code_request(req, db_path=db_path, engine=engine)
    assert info.value.code == "NO_DATA"
    with session(db_path) as db:
        assert not rows(db, "SELECT id FROM projects")  # nothing left behind


@pytest.mark.parametrize("body, code, needle", [
    ({"responses": []}, "VALIDATION_ERROR", "responses"),
    ({"responses": [{"id": str(i), "text": "great"} for i in range(10_001)]}, "VALIDATION_ERROR", "responses"),
    ({"responses": [{"id": "X1", "text": "a"}, {"id": "X1", "text": "b"}]}, "VALIDATION_ERROR", "'X1'"),
    ({"responses": [{"id": "1", "text": "a b"}], "coding_type": "sentiment"}, "VALIDATION_ERROR", "coding_type"),
])
def test_bad_requests_write_nothing(db_path: Path, body: dict, code: str, needle: str) -> None:
    from pydantic import ValidationError as PydanticError

    from surveycoder_core.errors import from_pydantic

    with pytest.raises(PydanticError) as info:
        CodeRequest.model_validate(body)
    err = from_pydantic(info.value)
    assert err.code == code and needle in err.message
    assert _count(db_path, "projects") == 0


def test_all_junk_is_no_data_and_leaves_nothing(db_path: Path, engine) -> None:
    req = CodeRequest.model_validate({"responses": [{"id": "a", "text": "-"}, {"id": "b", "text": "n/a"}]})
    with pytest.raises(NoDataError):
        service.code_request(req, db_path=db_path, engine=engine)
    assert _count(db_path, "projects") == 0 and _count(db_path, "responses") == 0


def test_too_long_verbatim_is_refused_naming_the_id(db_path: Path, engine) -> None:
    req = CodeRequest.model_validate({"responses": [{"id": "long1", "text": "x " * 1200}, {"id": "ok", "text": "hi"}]})
    with pytest.raises(ValidationError, match="long1"):
        service.code_request(req, db_path=db_path, engine=engine)
    assert _count(db_path, "projects") == 0


def test_engine_failure_mid_run_leaves_nothing_and_refunds(db_path: Path, engine) -> None:
    class Exploding:
        name = "engine:exploding"

        def embed(self, texts):
            return engine.embed(texts)

        def generate_codebook(self, texts, context, progress=None):
            return engine.generate_codebook(texts, context, progress)

        def prepare(self, codebook, texts, context, progress=None):
            raise RuntimeError("model fell over")

    req = CodeRequest.model_validate({"responses": make_responses(10)})
    with pytest.raises(Exception, match="model fell over"):
        service.code_request(req, db_path=db_path, engine=Exploding())
    assert _count(db_path, "projects") == 0 and _count(db_path, "credit_ledger") == 0


def test_review_flags_and_suggestions_are_stored(db_path: Path, engine) -> None:
    responses = make_responses(120, seed=5)
    responses += [{"id": f"odd{i}", "text": t} for i, t in enumerate([
        "the parking is impossible to find", "no parking spaces near the entrance", "parking costs too much",
        "could not park anywhere", "the car park was full again", "parking machine was broken"])]
    req = CodeRequest.model_validate({"responses": responses, "codebook": CODEBOOK})
    data = service.code_request(req, db_path=db_path, engine=engine).data
    flagged = [r for r in data.results if r.needs_review]
    assert flagged and all(r.review_reason for r in flagged)
    with session(db_path) as db:
        pending = rows(db, "SELECT * FROM suggestions WHERE question_id = ? AND status = 'pending'",
                       (data.question_id,))
    assert pending, "themes outside the given codebook must become suggestions"


def test_json_export_is_the_api_envelope(db_path: Path, engine) -> None:
    import json

    from surveycoder_core.exports.files import export_json

    req = CodeRequest.model_validate({"responses": SEED_BRAND_EXAMPLE})
    data = service.code_request(req, db_path=db_path, engine=engine).data
    body = json.loads(export_json(service.get_result(data.question_id, db_path=db_path)))
    assert body["success"] is True and body["meta"]["mode"] == "sync"
    assert body["data"] == json.loads(data.model_dump_json())


def test_only_pydantic_errors_become_validation_errors(db_path: Path) -> None:
    with pytest.raises(ValidationError) as exc:
        service.import_question(db_path=db_path, responses=[{"id": "", "text": "x"}], project_name="p")
    assert exc.value.code == "VALIDATION_ERROR" and "responses.0.id" in exc.value.message
    # Anything else is a caller's bug and keeps its own type and message. It used to reach
    # from_pydantic, which broke on it: "AttributeError: 'TypeError' object has no attribute 'errors'".
    with pytest.raises(TypeError, match="not iterable"):
        service.import_question(db_path=db_path, responses=None, project_name="p")  # type: ignore[arg-type]
    assert _count(db_path, "projects") == 0
