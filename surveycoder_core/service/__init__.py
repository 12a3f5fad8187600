"""The service layer: the use cases the app's pages, the HTTP API and the command line call.

Nothing above this package opens a database session, builds an engine or starts a thread; each use
case here is one transaction (and so one undo entry). Submodules by area: ``coding`` (import, code,
recode, results, exports of coded data), ``export`` (projects and files for the command line),
``review`` (the review loop for integrations), ``app_reads`` (what the app's pages show).
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
from surveycoder_core.service.review import (
    decide_response,
    recode_question,
    review_agreement,
    review_queue,
)

__all__ = [
    "code_question",
    "code_request",
    "codebook_overview",
    "decide_response",
    "draft_codebook",
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
    "start_question_job",
    "submit_code_job",
]
