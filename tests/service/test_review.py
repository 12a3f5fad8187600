"""The review use cases integrations call (service_review), on a real SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from surveycoder_core import service
from surveycoder_core.access import credits
from surveycoder_core.db.store import one, rows, session
from surveycoder_core.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.schemas import CodeRequest
from tests.synthetic import make_responses


@pytest.fixture()
def coded(db_path: Path, engine) -> dict[str, Any]:
    responses = make_responses(24, seed=3) + [{"id": "junk", "text": "n/a"}]
    data = service.code_request(CodeRequest.model_validate({"responses": responses}), db_path=db_path,
                                engine=engine).data
    return {"project_id": data.project_id, "question_id": data.question_id, "db_path": db_path,
            "codes": [c for cat in data.codebook for c in cat.codes]}


def _ref(coded: dict[str, Any]) -> tuple[str, str]:
    return coded["project_id"], coded["question_id"]


def test_codes_by_id_or_name_and_sentiment_defaults(coded: dict[str, Any]) -> None:
    pid, qid = _ref(coded)
    entry = service.review_queue(pid, qid, queue="all", db_path=coded["db_path"])["items"][0]
    first, second = coded["codes"][:2]
    out = service.decide_response(pid, qid, entry["response_id"], reviewer="  Jo   Doe ", version=entry["version"],
                                  codes=[{"code_id": first.id}, {"name": second.name.upper(), "sentiment": "mixed"}],
                                  db_path=coded["db_path"])
    current = {c["code_id"]: c["sentiment"] for c in entry["codes"]}
    assert [c["code_id"] for c in out["codes"]] == [first.id, second.id]
    assert out["codes"][0]["sentiment"] == current.get(first.id, first.sentiment)  # kept, else the expected one
    assert out["codes"][1]["sentiment"] == "Mixed" and out["reviewed_by"] == "Jo Doe"


def test_refusals_write_nothing(coded: dict[str, Any]) -> None:
    pid, qid, db_path = *_ref(coded), coded["db_path"]
    entry = service.review_queue(pid, qid, queue="all", db_path=db_path)["items"][1]
    with pytest.raises(ValidationError, match="reviewer"):
        service.decide_response(pid, qid, entry["response_id"], codes=None, reviewer=" ", version=entry["version"],
                                db_path=db_path)
    with pytest.raises(ValidationError, match="sentiment"):
        service.decide_response(pid, qid, entry["response_id"], reviewer="Jo", version=entry["version"],
                                codes=[{"name": coded["codes"][0].name, "sentiment": "furious"}], db_path=db_path)
    with pytest.raises(InvalidStateError, match="no_data"):
        service.decide_response(pid, qid, "junk", codes=None, reviewer="Jo", version=0, db_path=db_path)
    with pytest.raises(NotFoundError):  # another organisation's project does not exist for it
        service.review_queue(pid, qid, org_id="someone-else", db_path=db_path)
    with pytest.raises(NotFoundError):
        service.review_queue(pid, "not-a-question", db_path=db_path)
    with session(db_path) as db:
        assert one(db, "SELECT COUNT(*) AS n FROM responses WHERE reviewed = 1")["n"] == 0
        assert not rows(db, "SELECT id FROM events WHERE action LIKE 'review.%'")


def test_a_stale_version_is_invalid_state_and_the_app_path_keeps_stale_edit(coded: dict[str, Any]) -> None:
    from surveycoder_core.human_review import queue as reviews

    pid, qid, db_path = *_ref(coded), coded["db_path"]
    entry = service.review_queue(pid, qid, queue="all", db_path=db_path)["items"][2]
    service.decide_response(pid, qid, entry["response_id"], codes=[], reviewer="Kim", version=entry["version"],
                            db_path=db_path)
    with pytest.raises(InvalidStateError, match="changed by Kim at 20") as info:
        service.decide_response(pid, qid, entry["response_id"], codes=None, reviewer="Lee", version=entry["version"],
                                db_path=db_path)
    assert info.value.http_status == 409
    with session(db_path) as db, pytest.raises(ConflictError) as app_path:
        row = one(db, "SELECT id FROM responses WHERE respondent_id = ?", (entry["response_id"],))
        reviews.accept_review(db, qid, row["id"], actor="Lee", expected_version=entry["version"])
    assert app_path.value.code == "STALE_EDIT"


def test_recode_is_refused_while_a_job_runs_and_changes_nothing(coded: dict[str, Any]) -> None:
    pid, qid, db_path = *_ref(coded), coded["db_path"]
    with session(db_path) as db:
        job_id = jobs.create_job(db, job_type="auto_coding", project_id=pid, question_id=qid,
                                 org_id=credits.DEFAULT_ORG)
        before = rows(db, "SELECT id, status, version FROM responses WHERE question_id = ? ORDER BY id", (qid,))
    with pytest.raises(ConflictError) as info:
        service.recode_question(pid, qid, db_path=db_path)
    assert info.value.code == "JOB_ALREADY_RUNNING" and job_id in info.value.message
    with session(db_path) as db:
        assert rows(db, "SELECT id, status, version FROM responses WHERE question_id = ? ORDER BY id", (qid,)) == before


def test_queue_pages_and_counts(coded: dict[str, Any]) -> None:
    pid, qid, db_path = *_ref(coded), coded["db_path"]
    whole = service.review_queue(pid, qid, queue="all", limit=1000, db_path=db_path)
    page = service.review_queue(pid, qid, queue="all", limit=5, offset=20, db_path=db_path)
    assert whole["total"] == whole["matching"] == 24 and "junk" not in {i["response_id"] for i in whole["items"]}
    assert [i["response_id"] for i in page["items"]] == [i["response_id"] for i in whole["items"][20:25]]
    with pytest.raises(ValidationError):
        service.review_queue(pid, qid, limit=0, db_path=db_path)
