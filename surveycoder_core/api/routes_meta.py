"""Routes: usage, health, webhooks and the offline docs page."""

from __future__ import annotations

import html
import time
from importlib import metadata
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from surveycoder_core import config
from surveycoder_core.api.envelopes import ok
from surveycoder_core.api.models import (
    DataEnvelope,
    HealthEnvelope,
    ListEnvelope,
    UsageEnvelope,
    WebhookIn,
    error_responses,
    shown_credits,
)
from surveycoder_core.api.routes_code import Caller, api_key_header, caller
from surveycoder_core.errors import doc_url
from surveycoder_core.schemas import API_VERSION
from surveycoder_core.service import access, system
from surveycoder_core.service import jobs as job_service
from surveycoder_core.service.settings import engine_settings

try:
    VERSION = metadata.version("surveycoder-selfhosted")
except metadata.PackageNotFoundError:
    VERSION = "0.1.0"

router = APIRouter()
keyed = [Depends(api_key_header)]


@router.get("/v2/usage", summary="Credits and limits of the key's organization", dependencies=keyed,
            responses={200: {"model": UsageEnvelope}, **error_responses(401, 403, 429, 500)})
def usage(c: Caller = Depends(caller)) -> JSONResponse:
    org = c.key["org"]
    left, spent = access.credit_usage(c.org_id, db_path=c.db_path)
    remaining = shown_credits(left)
    data = {"plan": org["plan"], "credits_remaining": remaining, "credits_monthly": int(org["credits_monthly"]),
            "is_trial": bool(org["is_trial"]),
            "rate_limit": {"rpm": int(org["rpm"]), "concurrent_jobs": int(org["concurrent_jobs"])},
            "balance": remaining, "period_used": spent, "unlimited": left is None, "organization_id": c.org_id}
    return ok(c.request, data)


def _dependency(fn: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        status, detail = fn()
    except Exception as exc:  # a health check reports, it never raises
        status, detail = "error", str(exc)
    out: dict[str, Any] = {"status": status, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    if detail:
        out["detail"] = detail
    return out


@router.get("/health", summary="Health of the API and its dependencies (no key needed)",
            responses={200: {"model": HealthEnvelope}, 503: {"model": HealthEnvelope, "description": "Degraded"}})
def health(request: Request) -> JSONResponse:
    state = request.app.state

    def database() -> tuple[str, str | None]:
        system.check_database(db_path=state.db_path)
        return "ok", None

    def queue() -> tuple[str, str | None]:
        if not state.start_worker:
            return "unavailable", "no in-process worker: jobs run in a separate `surveycoder worker`"
        worker = state.worker
        return ("ok", None) if worker is not None and worker.is_alive() else ("error", "worker thread is not running")

    def llm() -> tuple[str, str | None]:
        if engine_settings(state.db_path)["llm_base_url"]:  # the database's setting, else the environment's
            return "ok", None
        return "unavailable", "no LLM configured; the offline embedded engine codes"

    deps = {"database": _dependency(database), "queue": _dependency(queue), "llm": _dependency(llm)}
    degraded = [name for name, d in deps.items() if d["status"] == "error"]
    data = {"status": "degraded" if degraded else "healthy", "timestamp": system.now(), "version": VERSION,
            "uptime_seconds": round(time.time() - state.started, 1),
            "environment": config.environment(), "dependencies": deps}
    body: dict[str, Any] = {"success": not degraded, "data": data,
                            "meta": {"api_version": API_VERSION, "request_id": request.state.request_id}}
    if degraded:
        body["error"] = {"code": "SERVICE_UNAVAILABLE", "message": f"degraded: {', '.join(degraded)}",
                         "request_id": request.state.request_id, "doc_url": doc_url("SERVICE_UNAVAILABLE")}
    return JSONResponse(body, status_code=503 if degraded else 200)


# ---------------------------------------------------------------- webhooks


@router.post("/v2/webhooks", summary="Register a webhook (the secret is shown once)", dependencies=keyed,
             status_code=201, responses={201: {"model": DataEnvelope}, **error_responses(401, 403, 422, 429, 500)})
def create_webhook(body: WebhookIn, c: Caller = Depends(caller)) -> JSONResponse:
    data = job_service.create_webhook(body.url, body.events, org_id=c.org_id, db_path=c.db_path)
    return ok(c.request, data, status_code=201)


@router.get("/v2/webhooks", summary="List webhooks", dependencies=keyed,
            responses={200: {"model": ListEnvelope}, **error_responses(401, 403, 429, 500)})
def list_webhooks(c: Caller = Depends(caller)) -> JSONResponse:
    data = job_service.list_webhooks(org_id=c.org_id, db_path=c.db_path)
    return ok(c.request, data, count=len(data))


@router.delete("/v2/webhooks/{webhook_id}", summary="Delete a webhook", dependencies=keyed,
               responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 429, 500)})
def delete_webhook(webhook_id: str, c: Caller = Depends(caller)) -> JSONResponse:
    job_service.delete_webhook(webhook_id, org_id=c.org_id, db_path=c.db_path)
    return ok(c.request, {"id": webhook_id, "deleted": True})


# ---------------------------------------------------------------- docs


@router.get("/docs", include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    """A plain page listing the endpoints: no JavaScript, nothing fetched from a CDN."""
    items = []
    for path, operations in request.app.openapi()["paths"].items():
        for method, op in operations.items():
            items.append(f"<tr><td><code>{html.escape(method.upper())}</code></td><td><code>{html.escape(path)}"
                         f"</code></td><td>{html.escape(op.get('summary') or '')}</td></tr>")
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SurveyCoder API</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
td{{padding:.3rem .8rem;border-bottom:1px solid #ddd;vertical-align:top}}</style></head><body>
<h1>SurveyCoder API {html.escape(VERSION)}</h1>
<p>Compatible with the Survey Coder Pro API and its Python SDK (<code>pip install surveycoder</code>):
point <code>SurveyCoderClient(api_key, base_url=...)</code> at this server. Send the key in the
<code>x-api-key</code> header (create one with <code>surveycoder keys create --name NAME</code>).
Machine-readable description: <a href="/openapi.json">/openapi.json</a>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What it does</th></tr></thead><tbody>
{''.join(items)}</tbody></table></body></html>"""
    return HTMLResponse(page)
