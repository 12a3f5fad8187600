"""The use cases, in one place: the app, the API and the CLI all call these.

Each function opens its own connection (one per call, per thread) and closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pydantic

from surveycoder_core.access import credits
from surveycoder_core.db import projects
from surveycoder_core.db.codebooks import has_codebook, save_given_codebook
from surveycoder_core.db.responses import (
    build_result,
    code_counts,
    insert_responses,
    pending_canonical,
    reset_for_recoding,
    response_rows,
)
from surveycoder_core.db.store import record_event, session, write
from surveycoder_core.engine_api import Engine
from surveycoder_core.engines import get_engine
from surveycoder_core.errors import ConflictError, InvalidStateError, ValidationError, from_pydantic
from surveycoder_core.exports.model import ExportAssignment, ExportCode, ExportQuestion, ExportResponse
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.pipeline.ingest import IngestResult, ingest_responses
from surveycoder_core.pipeline.stages import RunHooks, generate_codebook_stage, run_question
from surveycoder_core.schemas import (
    ASYNC_THRESHOLD,
    CodebookIn,
    CodeRequest,
    CodeResponseSync,
    CodeResultData,
    CodingType,
    ResponseIn,
)

Progress = Callable[[str, int, int], None]


def embedder(db_path: str | Path | None = None) -> Callable[[Sequence[str]], Any]:
    """Sentence vectors from the offline embedded engine's embedder, cached in the project database
    (meaning search, the teach queue). The embedder alone, as ``get_engine("embedded").embed`` would
    use it, without importing the engine's learners (a second of scikit-learn imports)."""
    from surveycoder_core.db.store import EmbeddingStore
    from surveycoder_core.engines.embedded.embedder import Embedder

    return Embedder(None, EmbeddingStore(db_path) if db_path else None).embed


def _project_name(request: CodeRequest) -> str:
    return request.project_name or f"API Coding {datetime.now(UTC):%Y-%m-%d %H:%M:%S}"


def _store_request(
    db: Any, request: CodeRequest, ingest: IngestResult, *, org_id: str, actor: str, source: str,
    project_id: str | None = None,
) -> tuple[str, str]:
    """Create (or extend) a project with one question holding the ingested responses.

    One transaction: a codebook that cannot be stored leaves no project, question or response behind.
    """
    with write(db):
        if project_id is None:
            project_id = projects.create_project(
                db, name=_project_name(request), language=request.language, coding_type=request.coding_type,
                country=request.country, category=request.category, source=source, org_id=org_id, actor=actor)
        question_id = projects.create_question(
            db, project_id=project_id, text=request.question_text or "", coding_type=request.coding_type,
            language=request.language, coding_guidance=request.coding_guidance, actor=actor)
        insert_responses(db, question_id, ingest)
        if request.codebook is not None:
            save_given_codebook(db, question_id, request.codebook, actor)
        record_event(db, actor=actor, action="responses.import", project_id=project_id, question_id=question_id,
                     payload={"responses": len(ingest.items), "unique": len(ingest.unique)})
        if request.codebook is not None:
            projects.set_question_status(db, question_id, "codebook_ready")
    return project_id, question_id


def code_request(
    request: CodeRequest,
    *,
    db_path: str | Path | None = None,
    engine: Engine | str | None = None,
    org_id: str = credits.DEFAULT_ORG,
    actor: str = "api",
    source: str = "api",
    truncate_long: bool = False,
    progress: Progress | None = None,
) -> CodeResponseSync:
    """POST /v2/code, run inline whatever the size (the API sends ≥ 50 to a job instead)."""
    ingest = ingest_responses(request.responses, truncate_long=truncate_long)  # nothing written yet
    if engine is None or isinstance(engine, str):  # the default engine, or one named (the CLI's --engine)
        engine = get_engine(engine, db_path=db_path)
    with session(db_path) as db:
        credits.require(db, org_id, len(ingest.unique))
        project_id, question_id = _store_request(db, request, ingest, org_id=org_id, actor=actor, source=source)
        hooks = RunHooks(org_id=org_id, actor=actor, progress=progress or RunHooks().progress)
        try:
            run_question(db, question_id, engine, hooks)
        except BaseException:
            # A sync call either answers in full or leaves nothing behind (credits refunded with it).
            with write(db):
                db.conn.execute("DELETE FROM credit_ledger WHERE question_id = ?", (question_id,))
            projects.delete_project(db, project_id, actor=actor)
            raise
        return CodeResponseSync(data=build_result(db, question_id))


def submit_code_job(
    request: CodeRequest,
    *,
    db_path: str | Path | None = None,
    org_id: str = credits.DEFAULT_ORG,
    api_key_id: str | None = None,
    actor: str = "api",
    source: str = "api",
    truncate_long: bool = False,
) -> dict[str, Any]:
    """POST /v2/code with ≥ 50 responses: store everything, queue a job, return at once."""
    ingest = ingest_responses(request.responses, truncate_long=truncate_long)
    with session(db_path) as db:
        credits.require(db, org_id, len(ingest.unique))
        project_id, question_id = _store_request(db, request, ingest, org_id=org_id, actor=actor, source=source)
        job_id = jobs.create_job(db, job_type="one_call", project_id=project_id, question_id=question_id,
                                 org_id=org_id, api_key_id=api_key_id, total=len(ingest.unique))
    return {"job_id": job_id, "project_id": project_id, "question_id": question_id,
            "estimated_seconds": jobs.estimate_seconds(len(ingest.unique)), "total": len(ingest.unique)}


def import_question(
    *,
    db_path: str | Path | None = None,
    responses: Sequence[ResponseIn],
    project_name: str,
    question_text: str = "",
    coding_type: CodingType = "qualitative",
    language: str = "en",
    codebook: CodebookIn | None = None,
    coding_guidance: str | None = None,
    project_id: str | None = None,
    actor: str = "app",
) -> dict[str, Any]:
    """The app's upload: store a question's responses (and codebook) without coding yet.

    Verbatims over the API's length cap are kept, cut at the cap and flagged for review.
    """
    try:
        request = CodeRequest(responses=list(responses), coding_type=coding_type, language=language,
                              codebook=codebook, question_text=question_text or None, project_name=project_name,
                              coding_guidance=coding_guidance)
    except pydantic.ValidationError as exc:  # pydantic's error → ours, naming the field; anything else is a bug
        raise from_pydantic(exc) from exc
    ingest = ingest_responses(request.responses, truncate_long=True)
    with session(db_path) as db:
        pid, qid = _store_request(db, request, ingest, org_id=credits.DEFAULT_ORG, actor=actor, source="app",
                                  project_id=project_id)
    return {"project_id": pid, "question_id": qid, "responses": len(ingest.items), "unique": len(ingest.unique),
            "no_data": sum(1 for i in ingest.items if i.status == "no_data"),
            "truncated": sum(1 for i in ingest.items if i.truncated)}


def code_question(
    question_id: str, *, db_path: str | Path | None = None, engine: Engine | None = None,
    progress: Progress | None = None, actor: str = "app",
) -> CodeResultData:
    """Code a stored question inline (the app does this under 50 responses; jobs above)."""
    engine = engine or get_engine(db_path=db_path)
    with session(db_path) as db:
        question = projects.get_question(db, question_id)
        org_id = projects.get_project(db, question["project_id"])["org_id"]
        run_question(db, question_id, engine, RunHooks(org_id=org_id, actor=actor,
                                                       progress=progress or RunHooks().progress))
        return build_result(db, question_id)


def draft_codebook(
    question_id: str, *, db_path: str | Path | None = None, engine: Engine | None = None,
    progress: Progress | None = None, actor: str = "app",
) -> int:
    """Build the codebook from the answers without coding any of them (free): a human signs it
    off, edits included, before anything is coded. Returns the number of codes."""
    engine = engine or get_engine(db_path=db_path)
    with session(db_path) as db:
        question = projects.get_question(db, question_id)
        if has_codebook(db, question_id):
            raise InvalidStateError("this question already has a codebook; edit it on the Codebook page")
        generate_codebook_stage(db, question_id, engine, RunHooks(actor=actor,
                                                                   progress=progress or RunHooks().progress))
        record_event(db, actor=actor, action="codebook.draft", project_id=question["project_id"],
                     question_id=question_id, payload={"engine": engine.name})
        return projects.question_summary(db, question_id)["code_count"]


def start_question_job(
    question_id: str, *, db_path: str | Path | None = None, job_type: str = "auto_coding", actor: str = "app",
) -> str:
    """Queue a stored question for coding by the worker; one coding job per question at a time."""
    with session(db_path) as db:
        question = projects.get_question(db, question_id)
        project = projects.get_project(db, question["project_id"])
        total = len(pending_canonical(db, question_id))
        return jobs.create_job(db, job_type=job_type, project_id=project["id"], question_id=question_id,
                               org_id=project["org_id"], total=total, actor=actor)


def recode_unreviewed(
    question_id: str, *, db_path: str | Path | None = None, engine: Engine | None = None,
    progress: Progress | None = None, actor: str = "app", as_job: bool | None = None,
) -> dict[str, Any]:
    """'Recode the rest': every reviewed response becomes an example, the rest is coded again.

    Runs inline for small questions and as a job from 50 responses (or as ``as_job`` says).
    """
    with session(db_path) as db:
        question = projects.get_question(db, question_id)
        if not has_codebook(db, question_id):
            raise InvalidStateError("this question has no codebook yet; code it first")
        with write(db):
            running = jobs.running_job_for(db, question_id)
            if running:
                # Checked before anything is reset: a refused recode must leave the answers as they were.
                raise ConflictError(f"a coding job is already running for this question: {running['id']}",
                                    code="JOB_ALREADY_RUNNING")
            n = reset_for_recoding(db, question_id)
            record_event(db, actor=actor, action="question.recode", project_id=question["project_id"],
                         question_id=question_id, payload={"responses": n})
    if as_job is None:
        as_job = n >= ASYNC_THRESHOLD
    if as_job:
        return {"job_id": start_question_job(question_id, db_path=db_path, actor=actor), "responses": n}
    code_question(question_id, db_path=db_path, engine=engine, progress=progress, actor=actor)
    return {"job_id": None, "responses": n}


def get_result(question_id: str, *, db_path: str | Path | None = None) -> CodeResultData:
    with session(db_path) as db:
        return build_result(db, question_id)


def export_questions(
    project_id: str, question_ids: Sequence[str] | None = None, *, db_path: str | Path | None = None,
) -> list[ExportQuestion]:
    """The export model for the project's coded questions (all of them when none are named)."""
    from surveycoder_core.db.codebooks import code_rows

    with session(db_path) as db:
        project = projects.get_project(db, project_id)
        all_questions = projects.list_questions(db, project_id)
        wanted = list(question_ids) if question_ids else [q["id"] for q in all_questions]
        known = {q["id"]: q for q in all_questions}
        missing = [q for q in wanted if q not in known]
        if missing:
            raise ValidationError(f"question_ids not in project {project_id}: {', '.join(missing)}")
        out = []
        for qid in wanted:
            q = known[qid]
            freq = code_counts(db, qid)
            codes = [ExportCode(id=c["id"], name=c["name"], category=c["category"], code_number=c["code_number"],
                                definition=c["definition"], sentiment=c["sentiment"], frequency=freq.get(c["id"], 0))
                     for c in code_rows(db, qid)]
            responses = [
                ExportResponse(
                    respondent_id=r["respondent_id"], text=r["text"],
                    status="coded" if r["assignments"] else ("no_data" if r["status"] == "no_data" else "uncoded"),
                    attributes=r["attributes"],
                    assignments=[ExportAssignment(code_id=a["code_id"], sentiment=a["sentiment"],
                                                  confidence=a["confidence"], score=a["score"], source=a["source"])
                                 for a in r["assignments"]],
                    needs_review=bool(r["needs_review"]), review_reason=r["review_reason"],
                    reviewed=bool(r["reviewed"]), reviewed_by=r["reviewed_by"])
                for r in response_rows(db, qid)
            ]
            out.append(ExportQuestion(project_id=project_id, project_name=project["name"], question_id=qid,
                                      question_text=q["text"], codes=codes, responses=responses))
        if not any(q.codes for q in out):
            raise InvalidStateError("nothing to export yet: no question of this project has been coded")
        return out


def codebook_overview(question_id: str, *, db_path: str | Path | None = None) -> list[dict[str, Any]]:
    """The codebook as a researcher reads it: category, code, expected sentiment, responses, definition
    and the 2-3 typical answers stored on each code (Run and Codebook pages)."""
    from surveycoder_core.db.codebooks import load_codebook

    with session(db_path) as db:
        cats = load_codebook(db, question_id)
        freq = code_counts(db, question_id)
    return [
        {"category": cat["name"], "code": c["name"], "sentiment": c["sentiment"], "responses": freq.get(c["id"], 0),
         "definition": c["definition"] or "", "examples": list(c["examples"][:3]), "code_id": c["id"]}
        for cat in cats for c in cat["codes"]
    ]


# The review loop and project files for integrations (API routes, CLI) live in their own modules;
# they are use cases like the ones above and are called through this module.
