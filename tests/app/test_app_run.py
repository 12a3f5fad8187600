"""Run page: inline coding under 50 responses with stage progress; background jobs from 50; cancel."""

from __future__ import annotations

from surveycoder_core import service
from surveycoder_core.db import projects, store
from surveycoder_core.db.codebooks import code_rows
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.refinement import edits

from .conftest import import_sample
from .helpers import app, button


def test_small_question_is_coded_inline_and_shows_credits(db_path):
    out = import_sample(db_path, n=30)
    at = app("3_Run", question_id=out["question_id"])
    assert any("right here" in m.value for m in at.markdown)
    button(at, "Start coding").click()
    at.run()
    assert not at.exception
    assert any("Every response of this question is coded" in s.value for s in at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Responses"] == "30" and int(metrics["Credits used"]) == 30
    with store.session(db_path) as db:
        assert projects.get_question(db, out["question_id"])["status"] == "coded"


def test_large_question_runs_as_a_job_that_can_be_cancelled(db_path):
    out = import_sample(db_path)
    qid = out["question_id"]
    job_id = service.start_question_job(qid, db_path=db_path)  # queued; no worker for this db yet
    with store.session(db_path) as db:
        jobs.cancel_job(db, job_id)  # a queued job ends at once
        assert jobs.get_job(db, job_id).status == "failed"
    at = app("3_Run", question_id=qid)
    assert any("cancelled" in w.value for w in at.warning)
    assert any("in the background" in m.value for m in at.markdown)


def test_job_progress_panel_and_cancel_button(db_path, monkeypatch):
    out = import_sample(db_path)
    qid = out["question_id"]
    monkeypatch.setattr(jobs, "ensure_worker", lambda path=None: None)  # keep the job queued while we look
    service.start_question_job(qid, db_path=db_path)
    at = app("3_Run", question_id=qid)
    assert any("Waiting for the worker" in (p.proto.text or "") for p in at.get("progress"))
    at.button(key="cancel_job").click()
    at.run()
    with store.session(db_path) as db:
        assert jobs.running_job_for(db, qid) is None


def test_run_page_without_a_question_points_to_projects(db_path):
    at = app("3_Run")
    assert any("No question yet" in i.value for i in at.info)


def test_draft_the_codebook_first_then_code_with_the_edited_codebook(db_path):
    out = import_sample(db_path, n=40)
    qid = out["question_id"]
    at = app("3_Run", question_id=qid)
    at.button(key="draft_codebook").click()
    at.run()
    assert not at.exception
    with store.session(db_path) as db:
        codes = code_rows(db, qid)
        summary = projects.question_summary(db, qid)
        question = projects.get_question(db, qid)
    assert question["status"] == "codebook_ready" and question["credits_used"] == 0  # drafting is free
    assert len(codes) >= 2 and summary["coded"] == 0  # and codes nothing
    assert any("codebook is drafted" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "draft_codebook"]
    # The drafted codebook is shown with each code's definition and typical answers.
    table = next(df.value for df in at.dataframe if "Examples" in df.value.columns)
    assert list(table["Code"]) == [c["name"] for c in codes]
    assert all(ex for ex in table["Examples"]) and all(d.endswith(".") for d in table["Definition"])
    # The researcher signs the draft off with an edit: the coding uses the edited codebook.
    with store.session(db_path) as db:
        edits.rename_code(db, qid, codes[0]["id"], "Signed-off name", actor="app")
    at = app("3_Run", question_id=qid)
    button(at, "Start coding").click()
    at.run()
    assert not at.exception
    with store.session(db_path) as db:
        after = code_rows(db, qid)
        summary = projects.question_summary(db, qid)
    assert [c["id"] for c in after] == [c["id"] for c in codes]  # the same codes, none regenerated
    assert after[0]["name"] == "Signed-off name" and summary["coded"] > 0


def test_a_drafted_codebook_opens_on_the_codebook_page(db_path):
    out = import_sample(db_path, n=40)
    service.draft_codebook(out["question_id"], db_path=db_path)
    at = app("7_Codebook", question_id=out["question_id"])
    assert not at.exception
    with store.session(db_path) as db:
        first = code_rows(db, out["question_id"])[0]["name"]
    shown = " ".join(str(getattr(e, "value", "")) for e in at.main)
    assert first in shown or any(first in str(df.value) for df in at.dataframe)
    table = next(df.value for df in at.dataframe if "Examples" in df.value.columns)
    assert table["Examples"].str.len().gt(0).all()  # 2-3 typical answers stored on every generated code
