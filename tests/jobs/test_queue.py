"""Jobs: queued → processing → completed | failed; a job always ends and never charges twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveycoder_core import service
from surveycoder_core.access import credits
from surveycoder_core.db.store import one, rows, session, write
from surveycoder_core.errors import ConflictError
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.schemas import CodeRequest
from tests.synthetic import make_responses


class CrashingEngine:
    """Wraps the real engine; the coder dies (like a killed process) on batch ``crash_on``."""

    def __init__(self, engine, crash_on: int) -> None:
        self.engine, self.crash_on, self.name = engine, crash_on, engine.name

    def embed(self, texts):
        return self.engine.embed(texts)

    def generate_codebook(self, texts, context, progress=None):
        return self.engine.generate_codebook(texts, context, progress)

    def prepare(self, codebook, texts, context, progress=None):
        coder = self.engine.prepare(codebook, texts, context, progress)
        outer = self

        class Coder:
            calls = 0

            def code(self, batch):
                Coder.calls += 1
                if Coder.calls == outer.crash_on:
                    raise KeyboardInterrupt("worker killed")
                return coder.code(batch)

        return Coder()


def _submit(db_path: Path, n: int, org_id: str = credits.DEFAULT_ORG) -> dict:
    req = CodeRequest.model_validate({"responses": make_responses(n, seed=9)})
    return service.submit_code_job(req, db_path=db_path, org_id=org_id)


def test_job_runs_to_completion_with_progress_and_result(db_path: Path, engine) -> None:
    sub = _submit(db_path, 120)
    assert sub["job_id"].startswith("job_") and len(sub["job_id"]) == 28
    with session(db_path) as db:
        queued = jobs.get_job(db, sub["job_id"])
    assert queued.status == "queued" and queued.progress.total == sub["total"]
    worker = jobs.Worker(db_path, engine_factory=lambda: engine)
    assert worker.run_once() is True
    with session(db_path) as db:
        done = jobs.get_job(db, sub["job_id"])
    assert done.status == "completed" and done.progress.percentage == 100
    assert done.result is not None and len(done.result["results"]) == 120
    assert done.result["question_id"] == sub["question_id"]


def test_one_coding_job_per_question(db_path: Path) -> None:
    sub = _submit(db_path, 60)
    with session(db_path) as db, pytest.raises(ConflictError) as info:
        jobs.create_job(db, job_type="auto_coding", project_id=sub["project_id"], question_id=sub["question_id"])
    assert info.value.code == "JOB_ALREADY_RUNNING" and sub["job_id"] in info.value.message


def test_crashed_worker_job_resumes_and_charges_each_response_once(db_path: Path, engine, monkeypatch) -> None:
    with session(db_path) as db:
        org = credits.create_org(db, name="metered", credits=5000)
    monkeypatch.setattr("surveycoder_core.pipeline.stages.BATCH_SIZE", 100)
    sub = _submit(db_path, 1200, org_id=org)
    unique = sub["total"]
    crashing = jobs.Worker(db_path, engine_factory=lambda: CrashingEngine(engine, crash_on=4))
    with pytest.raises(KeyboardInterrupt):
        crashing.run_once()
    with session(db_path) as db:
        mid = jobs.get_job(db, sub["job_id"])
        charged_mid = -one(db, "SELECT SUM(delta) AS s FROM credit_ledger WHERE org_id = ? AND delta < 0", (org,))["s"]
    assert mid.status == "processing" and mid.progress.processed == 300 and charged_mid == 300

    monkeypatch.setenv("SURVEYCODER_JOB_STALE_SECONDS", "0")
    jobs.Worker(db_path, engine_factory=lambda: engine).run_once()
    with session(db_path) as db:
        final = jobs.get_job(db, sub["job_id"])
        spent = -one(db, "SELECT SUM(delta) AS s FROM credit_ledger WHERE org_id = ? AND delta < 0", (org,))["s"]
        charged = one(db, "SELECT SUM(charged) AS c FROM responses WHERE question_id = ?", (sub["question_id"],))["c"]
        pending = rows(db, "SELECT id FROM responses WHERE question_id = ? AND status = 'pending'",
                       (sub["question_id"],))
    assert final.status == "completed"
    assert spent == unique == charged and not pending
    assert credits.balance is not None


def test_job_failing_repeatedly_ends_failed_with_partial_results(db_path: Path, engine, monkeypatch) -> None:
    monkeypatch.setattr("surveycoder_core.pipeline.stages.BATCH_SIZE", 50)
    monkeypatch.setenv("SURVEYCODER_JOB_STALE_SECONDS", "0")
    sub = _submit(db_path, 200)
    for attempt in range(jobs.MAX_ATTEMPTS):
        crash_on = 2 if attempt == 0 else 1  # the first attempt saves one batch, later ones none
        with pytest.raises(KeyboardInterrupt):
            jobs.Worker(db_path, engine_factory=lambda c=crash_on: CrashingEngine(engine, crash_on=c)).run_once()
    assert jobs.Worker(db_path, engine_factory=lambda: engine).run_once() is False  # gives up, marks failed
    with session(db_path) as db:
        job = jobs.get_job(db, sub["job_id"])
    assert job.status == "failed" and job.error is not None and job.error.code == "CODING_FAILED"
    assert job.partial_result is not None and job.failed_response_indices


def test_cancel_stops_between_batches(db_path: Path, engine, monkeypatch) -> None:
    monkeypatch.setattr("surveycoder_core.pipeline.stages.BATCH_SIZE", 50)
    sub = _submit(db_path, 300)

    class CancelAfterFirst(CrashingEngine):
        def prepare(self, codebook, texts, context, progress=None):
            coder = self.engine.prepare(codebook, texts, context, progress)

            class Coder:
                def code(self, batch):
                    with session(db_path) as db:
                        jobs.cancel_job(db, sub["job_id"])
                    return coder.code(batch)

            return Coder()

    jobs.Worker(db_path, engine_factory=lambda: CancelAfterFirst(engine, 0)).run_once()
    with session(db_path) as db:
        job = jobs.get_job(db, sub["job_id"])
    assert job.status == "failed" and "cancelled" in job.error.message
    assert 0 < job.progress.processed < job.progress.total


def test_cancel_a_queued_job_ends_it(db_path: Path) -> None:
    sub = _submit(db_path, 60)
    with session(db_path) as db:
        jobs.cancel_job(db, sub["job_id"])
        assert jobs.get_job(db, sub["job_id"]).status == "failed"


def test_old_jobs_are_removed_after_seven_days(db_path: Path) -> None:
    sub = _submit(db_path, 60)
    with session(db_path) as db:
        jobs.cancel_job(db, sub["job_id"])
        with write(db):
            db.conn.execute("UPDATE jobs SET updated_at = '2020-01-01T00:00:00Z'")
        assert jobs.gc_jobs(db) == 1
        assert jobs.list_jobs(db) == []


def test_listeners_hear_about_finished_jobs(db_path: Path, engine) -> None:
    heard: list[dict] = []
    jobs.add_listener(lambda path, job: heard.append(job))
    sub = _submit(db_path, 55)
    jobs.Worker(db_path, engine_factory=lambda: engine).run_once()
    assert any(j["id"] == sub["job_id"] and j["status"] == "completed" for j in heard)


def test_a_slow_but_live_worker_keeps_its_job(db_path: Path, engine, monkeypatch) -> None:
    """One long step with no progress call (a big k-means, a slow LLM batch) is not a dead worker."""
    import threading
    import time

    monkeypatch.setenv("SURVEYCODER_JOB_STALE_SECONDS", "2")

    class SlowEngine(CrashingEngine):
        def prepare(self, codebook, texts, context, progress=None):
            time.sleep(4.5)  # more than twice the stale limit, with no progress call
            return self.engine.prepare(codebook, texts, context, progress)

    sub = _submit(db_path, 60)
    slow = jobs.Worker(db_path, engine_factory=lambda: SlowEngine(engine, crash_on=-1))
    with session(db_path) as db:
        job = jobs.claim_next(db, slow.worker_id)
    assert job is not None and job["id"] == sub["job_id"]
    runner = threading.Thread(target=jobs.run_job, args=(db_path, job, slow.engine_factory))
    runner.start()
    try:
        for _ in range(3):
            time.sleep(1.2)
            with session(db_path) as db:
                assert jobs.claim_next(db, "another-worker") is None  # not taken over
    finally:
        runner.join(timeout=60)
    with session(db_path) as db:
        final = one(db, "SELECT status, attempts, worker FROM jobs WHERE id = ?", (sub["job_id"],))
    assert final["status"] == "completed" and final["attempts"] == 1 and final["worker"] == slow.worker_id
