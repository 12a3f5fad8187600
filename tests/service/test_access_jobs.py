"""The use cases behind the API's middleware and its job, usage and project routes (service.access,
service.jobs, service.projects, service.system), called directly as the routes call them."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveycoder_core import service
from surveycoder_core.access import credits
from surveycoder_core.db.store import one, open_db, rows, session, snapshot, write
from surveycoder_core.errors import AuthError, EngineError, InvalidStateError, NotFoundError, RateLimitedError
from surveycoder_core.schemas import CodeRequest, ResponseIn
from surveycoder_core.service import access, jobs, projects, system
from tests.synthetic import make_responses


def _submit(db_path: Path, n: int, org_id: str = credits.DEFAULT_ORG) -> dict:
    req = CodeRequest.model_validate({"responses": make_responses(n, seed=3)})
    return service.submit_code_job(req, db_path=db_path, org_id=org_id)


def _metered_org(db_path: Path, credits_given: int = 100, concurrent_jobs: int = 3) -> str:
    with session(db_path) as db:
        return credits.create_org(db, name="metered", credits=credits_given, concurrent_jobs=concurrent_jobs)


def test_snapshot_reads_one_state_while_another_connection_commits(db_path: Path) -> None:
    org = _metered_org(db_path, credits_given=10)
    with session(db_path) as reader, snapshot(reader):
        before = credits.balance(reader, org)
        with session(db_path) as writer:
            credits.grant(writer, org, 5)
        assert credits.balance(reader, org) == before == 10  # the grant committed after the snapshot began
    assert access.credit_balance(org, db_path=db_path) == 15


def test_admit_counts_a_bad_key_against_the_address_and_a_good_one_against_its_org(db_path: Path) -> None:
    created = access.create_key(name="ci", scopes="read", db_path=db_path)
    limiter = access.rate_limiter(db_path)
    with pytest.raises(AuthError) as info:
        access.admit("scp_live_" + "x" * 32, "10.9.8.7", limiter=limiter, db_path=db_path)
    assert info.value.code == "AUTH_ERROR"
    assert isinstance(info.value.details["quota"], access.Quota)
    assert access.peek_anonymous(limiter, "10.9.8.7").remaining == info.value.details["quota"].remaining
    key, quota = access.admit(created["key"], "10.9.8.7", limiter=limiter, db_path=db_path)
    assert key["id"] == created["id"] and quota.remaining == quota.limit - 1
    access.check_scope(key, "GET")
    with pytest.raises(AuthError) as scope:
        access.check_scope(key, "POST")
    assert scope.value.code == "INSUFFICIENT_SCOPE"


def test_idempotent_answer_is_kept_only_when_worth_replaying(db_path: Path) -> None:
    digest = access.request_digest("POST", "/v2/code", b'{"responses": []}')
    assert access.begin_idempotent("key_a", "k-1", digest, db_path=db_path) == "new"
    with pytest.raises(InvalidStateError):  # the first request is still being processed
        access.begin_idempotent("key_a", "k-1", digest, db_path=db_path)
    access.finish_idempotent("key_a", "k-1", 200, b'{"ok": true}', {"content-type": "application/json"},
                             db_path=db_path)
    cached = access.begin_idempotent("key_a", "k-1", digest, db_path=db_path)
    assert isinstance(cached, access.Cached) and cached.status_code == 200 and cached.body == '{"ok": true}'
    assert access.begin_idempotent("key_a", "k-2", digest, db_path=db_path) == "new"
    access.finish_idempotent("key_a", "k-2", 500, b"", {}, db_path=db_path)  # a server error is retried
    assert access.begin_idempotent("key_a", "k-2", digest, db_path=db_path) == "new"


def test_credit_usage_and_estimate(db_path: Path) -> None:
    org = _metered_org(db_path, credits_given=3)
    assert access.credit_usage(org, db_path=db_path) == (3, 0)
    assert access.credit_usage(credits.DEFAULT_ORG, db_path=db_path)[0] is None
    answers = [ResponseIn(id="1", text="too expensive"), ResponseIn(id="2", text="too expensive"),
               ResponseIn(id="3", text="slow delivery"), ResponseIn(id="4", text="fast and friendly"),
               ResponseIn(id="5", text="")]
    quote = access.estimate_credits(answers, org, db_path=db_path)
    assert quote == {"responses": 5, "codable": 4, "no_data": 1, "duplicates": 1, "credits_needed": 3,
                     "credits_remaining": 3, "unlimited": False, "sufficient": True}


def test_cancel_checks_and_cancels_in_one_transaction(db_path: Path) -> None:
    sub = _submit(db_path, 60)
    cancelled = jobs.cancel_job(sub["job_id"], org_id=credits.DEFAULT_ORG, actor="api:t", db_path=db_path)
    assert cancelled.status == "failed"  # a queued job ends at once
    with pytest.raises(InvalidStateError):
        jobs.cancel_job(sub["job_id"], org_id=credits.DEFAULT_ORG, actor="api:t", db_path=db_path)
    with session(db_path) as db:
        events = rows(db, "SELECT action FROM events WHERE action = 'job.cancel'")
    assert len(events) == 1  # the refused second cancel recorded nothing
    with pytest.raises(NotFoundError):  # another organisation's job does not exist
        jobs.get_job(sub["job_id"], org_id="org_someone_else", db_path=db_path)


def test_concurrent_job_cap_of_a_metered_organisation(db_path: Path) -> None:
    org_id = _metered_org(db_path, credits_given=1000, concurrent_jobs=1)
    with session(db_path) as db:
        org = credits.get_org(db, org_id)
    jobs.check_concurrent_jobs(org, db_path=db_path)
    _submit(db_path, 60, org_id=org_id)
    with pytest.raises(RateLimitedError) as info:
        jobs.check_concurrent_jobs(org, db_path=db_path)
    assert "1 jobs already queued" in info.value.message
    assert [j.status for j in jobs.list_jobs(org_id=org_id, db_path=db_path)] == ["queued"]
    with session(db_path) as db:
        unlimited = credits.get_org(db, credits.DEFAULT_ORG)
    jobs.check_concurrent_jobs(unlimited, db_path=db_path)  # no cap


def test_question_state_only_for_the_owning_organisation(db_path: Path) -> None:
    sub = _submit(db_path, 60)
    state = projects.question_state(sub["project_id"], sub["question_id"], org_id=credits.DEFAULT_ORG,
                                    db_path=db_path)
    assert state["id"] == sub["question_id"] and state["response_count"] == 60 and state["coded_count"] == 0
    with pytest.raises(NotFoundError):
        projects.question_state(sub["project_id"], sub["question_id"], org_id="org_other", db_path=db_path)
    with pytest.raises(NotFoundError):
        projects.question_state(sub["project_id"], "q_missing", org_id=credits.DEFAULT_ORG, db_path=db_path)


def test_webhooks_belong_to_their_organisation(db_path: Path) -> None:
    made = jobs.create_webhook("http://127.0.0.1:9/hook", None, org_id="default", db_path=db_path)
    assert made["secret"].startswith("whsec_")
    assert [w["id"] for w in jobs.list_webhooks(org_id="default", db_path=db_path)] == [made["id"]]
    with pytest.raises(NotFoundError):
        jobs.delete_webhook(made["id"], org_id="org_other", db_path=db_path)
    jobs.delete_webhook(made["id"], org_id="default", db_path=db_path)
    assert jobs.list_webhooks(org_id="default", db_path=db_path) == []


def test_server_start_without_worker_migrates_and_checks(db_path: Path) -> None:
    assert system.start_server(db_path, start_worker=False) is None
    system.check_database(db_path=db_path)
    db = open_db(db_path)
    try:
        with write(db):
            db.conn.execute("DELETE FROM organizations WHERE id = ?", (credits.DEFAULT_ORG,))
        assert one(db, "SELECT id FROM organizations WHERE id = ?", (credits.DEFAULT_ORG,)) is None
    finally:
        db.conn.close()
    with pytest.raises(NotFoundError):
        system.check_database(db_path=db_path)


def test_code_request_builds_the_engine_named(db_path: Path) -> None:
    req = CodeRequest.model_validate({"responses": make_responses(5, seed=1)})
    with pytest.raises(EngineError) as info:
        service.code_request(req, db_path=db_path, engine="no-such-engine", actor="cli", source="cli")
    assert "no-such-engine" in info.value.message
    with session(db_path) as db:
        assert rows(db, "SELECT id FROM projects") == []  # nothing stored before the engine is known
