"""Use cases and read models behind the app's pages (service.runs, service.projects, service.refinement)."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveycoder_core import service
from surveycoder_core.db.store import session, write
from surveycoder_core.schemas import ASYNC_THRESHOLD, ResponseIn
from surveycoder_core.service import jobs as service_jobs
from surveycoder_core.service import projects, runs
from tests.synthetic import make_responses


def _import(db_path: Path, n: int) -> str:
    # Numbered so that every answer is distinct (duplicates are coded once and not counted as pending).
    responses = [ResponseIn(id=r["id"], text=f"{r['text']} (answer {i})") for i, r in enumerate(make_responses(n))]
    return service.import_question(db_path=db_path, responses=responses, project_name=f"{n} answers",
                                   question_text="Why?")["question_id"]


@pytest.mark.parametrize("below", [True, False])
def test_the_service_decides_inline_or_job_by_the_threshold(db_path: Path, below: bool) -> None:
    n = ASYNC_THRESHOLD - 1 if below else ASYNC_THRESHOLD
    qid = _import(db_path, n)
    status = runs.run_status(qid, db_path=db_path)
    assert status["pending"] == n and status["as_job"] is not below
    if below:  # inline: coded when the call returns
        out = runs.start_coding(qid, db_path=db_path, actor="ann")
        assert out == {"job_id": None, "responses": n}
        after = runs.run_status(qid, db_path=db_path)
        assert after["pending"] == 0 and after["summary"]["coded"] > 0 and after["running_job_id"] is None
    else:  # a job for the worker: nothing coded yet, the job is queued and shown as running
        out = runs.start_coding(qid, db_path=db_path, actor="ann")
        assert out["job_id"] and out["responses"] == n
        after = runs.run_status(qid, db_path=db_path)
        assert after["running_job_id"] == out["job_id"] and after["pending"] == n
        assert service_jobs.get_job(out["job_id"], org_id=None, db_path=db_path).status == "queued"
        assert next(q for p in projects.projects_overview(db_path=db_path) for q in p["questions"]
                    if q["id"] == qid)["running"]
        service_jobs.cancel_job(out["job_id"], org_id=None, actor="ann", db_path=db_path)  # queued: ends at once
        assert service_jobs.get_job(out["job_id"], org_id=None, db_path=db_path).status == "failed"
        assert runs.run_status(qid, db_path=db_path)["running_job_id"] is None


def test_question_choices_newest_project_first_with_their_questions_in_order(db_path: Path) -> None:
    first = _import(db_path, 3)
    second = _import(db_path, 4)
    with session(db_path) as db, write(db):  # timestamps have one-second resolution: make the order plain
        db.conn.execute("UPDATE projects SET created_at = '2020-01-01T00:00:00Z' WHERE id = (SELECT project_id"
                        " FROM questions WHERE id = ?)", (first,))
    chosen = projects.question_choices(db_path=db_path)
    assert [c["question_id"] for c in chosen] == [second, first]
    assert chosen[0]["project"] == "4 answers" and chosen[0]["question"] == "Why?" and chosen[0]["codes"] == 0
    assert projects.question_heading(first, db_path=db_path) == {"project": "3 answers", "question": "Why?"}
    assert projects.question_heading("nope", db_path=db_path) is None


def test_export_file_names_are_safe_and_say_what_they_hold() -> None:
    assert service.export_filename("Northwave Broadband — Customer NPS, Q3 (sample)", "csv") == \
        "Northwave_Broadband_Customer_NPS_Q3_sample_coded.csv"
    assert service.export_filename("../../etc/passwd", "json", "codebook") == ".._.._etc_passwd_codebook.json"
    assert service.export_filename("***", "xlsx", "refinement") == "export_refinement.xlsx"
