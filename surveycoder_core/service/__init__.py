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

from surveycoder_core.service.coding import (
    code_question,
    code_request,
    codebook_overview,
    draft_codebook,
    export_questions,
    get_result,
    import_question,
    recode_unreviewed,
    start_question_job,
    submit_code_job,
)
from surveycoder_core.service.export import (
    export_file,
    export_filename,
    find_project,
    find_question,
    list_projects,
)
from surveycoder_core.service.projects import ensure_worker
from surveycoder_core.service.review import (
    decide_response,
    recode_question,
    review_agreement,
    review_queue,
)
from surveycoder_core.service.runs import start_coding

__all__ = [
    "code_question",
    "code_request",
    "codebook_overview",
    "decide_response",
    "draft_codebook",
    "ensure_worker",
    "export_file",
    "export_filename",
    "export_questions",
    "find_project",
    "find_question",
    "get_result",
    "import_question",
    "list_projects",
    "recode_question",
    "recode_unreviewed",
    "review_agreement",
    "review_queue",
    "start_coding",
    "start_question_job",
    "submit_code_job",
]
