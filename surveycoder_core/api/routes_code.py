"""Routes: POST /v2/code and the jobs it creates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from surveycoder_core import service
from surveycoder_core.api.envelopes import ok
from surveycoder_core.api.models import JobEnvelope, JobListEnvelope, error_responses, shown_credits
from surveycoder_core.schemas import ASYNC_THRESHOLD, CodeRequest, CodeResponseAsync, CodeResponseSync, JobStatus
from surveycoder_core.service import access
from surveycoder_core.service import jobs as job_service

# Documents the header in /openapi.json; the check itself happens in the API middleware.
api_key_header = APIKeyHeader(name="x-api-key", auto_error=False, description="scp_live_… or scp_test_… key")
router = APIRouter(dependencies=[Depends(api_key_header)])


@dataclass
class Caller:
    """Who is calling (set by the middleware) and where the database is."""

    db_path: str
    key: dict[str, Any]
    request: Request

    @property
    def org_id(self) -> str:
        return str(self.key["org_id"])

    @property
    def actor(self) -> str:
        return f"api:{self.key['name']}"


def caller(request: Request) -> Caller:
    return Caller(db_path=request.app.state.db_path, key=request.state.api_key, request=request)


def credits_remaining(db_path: str, org_id: str) -> int:
    return shown_credits(access.credit_balance(org_id, db_path=db_path))


@router.post(
    "/v2/code", summary="Code survey responses (sync under 50 responses, else a job)",
    responses={200: {"model": CodeResponseSync, "description": "Synchronous result (< 50 responses)"},
               202: {"model": CodeResponseAsync, "description": "Async job created (>= 50 responses)"},
               **error_responses(401, 402, 403, 409, 422, 429, 500, 504)},
)
def code(body: CodeRequest, c: Caller = Depends(caller)) -> JSONResponse:
    if len(body.responses) >= ASYNC_THRESHOLD:
        job_service.check_concurrent_jobs(c.key["org"], db_path=c.db_path)
        job = service.submit_code_job(body, db_path=c.db_path, org_id=c.org_id, api_key_id=c.key["id"],
                                      actor=c.actor)
        poll_url = f"/v2/jobs/{job['job_id']}"
        data = {"job_id": job["job_id"], "status": "queued", "estimated_seconds": job["estimated_seconds"],
                "project_id": job["project_id"], "question_id": job["question_id"], "total": job["total"]}
        return ok(c.request, data, status_code=202, headers={"Location": poll_url}, mode="async",
                  poll_url=poll_url)
    result = service.code_request(body, db_path=c.db_path, org_id=c.org_id, actor=c.actor, source="api")
    data = result.data.model_dump(mode="json")
    return ok(c.request, data, mode="sync", credits_used=data["credits_used"],
              credits_remaining=credits_remaining(c.db_path, c.org_id))


@router.get("/v2/jobs/{job_id}", summary="Job status, progress and result",
            responses={200: {"model": JobEnvelope}, **error_responses(401, 403, 404, 429, 500)})
def get_job(job_id: str, c: Caller = Depends(caller)) -> JSONResponse:
    job = job_service.get_job(job_id, org_id=c.org_id, db_path=c.db_path)
    return ok(c.request, job.model_dump(mode="json", exclude_none=True))


@router.delete("/v2/jobs/{job_id}", summary="Cancel a job (it stops after the current batch)",
               responses={200: {"model": JobEnvelope}, **error_responses(401, 403, 404, 409, 429, 500)})
def cancel_job(job_id: str, c: Caller = Depends(caller)) -> JSONResponse:
    job = job_service.cancel_job(job_id, org_id=c.org_id, actor=c.actor, db_path=c.db_path)
    return ok(c.request, job.model_dump(mode="json", exclude_none=True))


@router.get("/v2/jobs", summary="List the organization's jobs, newest first",
            responses={200: {"model": JobListEnvelope}, **error_responses(401, 403, 422, 429, 500)})
def list_jobs(
    c: Caller = Depends(caller),
    status: JobStatus | None = Query(None),
    limit: int = Query(20, ge=1, le=100),
) -> JSONResponse:
    found = job_service.list_jobs(org_id=c.org_id, status=status, limit=limit, db_path=c.db_path)
    data = [j.model_dump(mode="json", exclude_none=True) for j in found]
    return ok(c.request, data, count=len(data))


__all__ = ["Caller", "api_key_header", "caller", "router"]
