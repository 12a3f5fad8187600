"""The service layer: the use cases the app's pages, the HTTP API and the command line call.

Nothing above this package opens a database session, builds an engine or starts a thread; each use
case here is one transaction (and so one undo entry). Submodules by area:

- ``coding``: import, code, recode, results, the export model of coded data;
- ``runs``: coding a stored question from the app (inline or as a job, the service decides), job status;
- ``projects``: projects and questions as the app lists them, rename, delete, the sample, the worker;
- ``upload``: reading uploaded tables, request bodies, codebook files and coded earlier waves;
- ``dashboard``: the analytics frames, views, figures and answer search;
- ``review``: the review loop (the API's and the CLI's by respondent id; the app's by row id);
- ``refinement``: finding and resolving suggestions (the app and the API);
- ``codebook``: editing the codebook, history and undo, codebook import and download;
- ``export``: exported files and their names;
- ``settings``: the engine settings.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Each use case and the submodule it lives in; imported on first use, so that a caller needing one
#: area (the CLI's --help, the API's start-up) does not load the others (pandas, plotly, scikit-learn).
_HOMES: dict[str, str] = {
    "CHART_KINDS": "dashboard",
    "CONFIDENCE_ORDER": "dashboard",
    "Cached": "access",
    "CodedTable": "upload",
    "Frames": "dashboard",
    "ImportedTable": "upload",
    "KINDS": "refinement",
    "Quota": "access",
    "RateLimiter": "access",
    "SEARCH_MODES": "dashboard",
    "SENTIMENT_ORDER": "dashboard",
    "add_code": "codebook",
    "admit": "access",
    "apply_suggestion": "refinement",
    "attribute_values": "dashboard",
    "begin_idempotent": "access",
    "build_engine": "settings",
    "bulk_apply": "refinement",
    "bulk_apply_all": "refinement",
    "cancel_job": "jobs",
    "categories": "dashboard",
    "chart": "dashboard",
    "check_concurrent_jobs": "jobs",
    "check_database": "system",
    "check_question": "review",
    "check_scope": "access",
    "code_frequencies": "dashboard",
    "code_question": "coding",
    "code_request": "coding",
    "codebook_file": "codebook",
    "codebook_overview": "coding",
    "codebook_preview": "upload",
    "codebook_request": "codebook",
    "codebook_screen": "codebook",
    "create_key": "access",
    "create_project": "projects",
    "create_webhook": "jobs",
    "credit_balance": "access",
    "credit_usage": "access",
    "crosstab": "dashboard",
    "data_stamp": "dashboard",
    "db_location": "projects",
    "decide_response": "review",
    "default_db_path": "projects",
    "delete_code": "codebook",
    "delete_project": "projects",
    "delete_webhook": "jobs",
    "draft_codebook": "coding",
    "embedder": "coding",
    "engine_settings": "settings",
    "ensure_worker": "projects",
    "estimate_credits": "access",
    "evaluation_report": "evaluation",
    "export_file": "export",
    "export_filename": "export",
    "export_preview": "export",
    "export_questions": "coding",
    "export_screen": "export",
    "filter_frames": "dashboard",
    "find_project": "export",
    "find_question": "export",
    "find_suggestions": "refinement",
    "finish_idempotent": "access",
    "forget_llm_key": "settings",
    "get_job": "jobs",
    "get_result": "coding",
    "guess_columns": "upload",
    "import_codebook": "codebook",
    "import_question": "coding",
    "import_sample": "projects",
    "list_jobs": "jobs",
    "list_keys": "access",
    "list_projects": "export",
    "list_webhooks": "jobs",
    "merge_codes": "codebook",
    "now": "system",
    "organisation_project": "projects",
    "organisation_projects": "projects",
    "overall_net_sentiment": "dashboard",
    "peek_anonymous": "access",
    "project_choices": "projects",
    "projects_overview": "projects",
    "purge_idempotency": "access",
    "question_choices": "projects",
    "question_frames": "dashboard",
    "question_heading": "projects",
    "question_state": "projects",
    "rate_limiter": "access",
    "read_codebook": "upload",
    "read_coded_table": "upload",
    "read_request_json": "upload",
    "read_table": "upload",
    "recode_question": "review",
    "recode_unreviewed": "coding",
    "refinement_screen": "refinement",
    "rename_category": "codebook",
    "rename_project": "projects",
    "request_digest": "access",
    "resolve_suggestion": "refinement",
    "responses_with_code": "codebook",
    "result_json": "export",
    "review_agreement": "review",
    "review_items": "review",
    "review_log_csv": "export",
    "review_queue": "review",
    "review_screen": "review",
    "revoke_key": "access",
    "run_status": "runs",
    "run_worker": "jobs",
    "sample_request": "projects",
    "save_code": "codebook",
    "save_engine_settings": "settings",
    "save_review": "review",
    "search_verbatims": "dashboard",
    "segment_attributes": "dashboard",
    "split_code": "codebook",
    "start_coding": "runs",
    "start_question_job": "coding",
    "start_server": "system",
    "start_webhook_deliveries": "jobs",
    "submit_code_job": "coding",
    "suggestion_title": "refinement",
    "suggestions_file": "refinement",
    "suggestions_xlsx": "export",
    "summary": "dashboard",
    "table_to_responses": "upload",
    "undo_change": "codebook",
    "undo_last": "codebook",
    "undo_suggestion": "refinement",
    "verbatims": "dashboard",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'surveycoder_core.service' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"surveycoder_core.service.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
