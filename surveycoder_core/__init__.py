"""SurveyCoder's core: codes open-ended survey answers into a codebook of themes, with sentiment,
confidence and review flags, and persists everything in SQLite.

This module is the front door. The names below are all a caller needs:

* the use cases (:mod:`surveycoder_core.service`) that the app, the HTTP API and the command line call;
* the error hierarchy (:mod:`surveycoder_core.errors`), each error carrying the seed's envelope code;
* the contract models (:mod:`surveycoder_core.schemas`), which mirror POST /v2/code field for field.

They are loaded on first use (PEP 562), so ``import surveycoder_core`` stays cheap for the command
line and the API's start-up; ``from surveycoder_core import code_request`` works as usual.
"""

from __future__ import annotations

import importlib
from typing import Any

# The service's door is lazy too: importing it loads no use case. Its functions are the root's use cases.
from surveycoder_core.service import __all__ as _SERVICE_NAMES

__version__ = "0.1.0"

_HOMES: dict[str, str] = {
    **{name: "surveycoder_core.service" for name in _SERVICE_NAMES if name[0].islower()},
    "SurveyCoderError": "surveycoder_core.errors",
    "ValidationError": "surveycoder_core.errors",
    "NoDataError": "surveycoder_core.errors",
    "EmptyCodebookError": "surveycoder_core.errors",
    "NotFoundError": "surveycoder_core.errors",
    "InvalidStateError": "surveycoder_core.errors",
    "ConflictError": "surveycoder_core.errors",
    "AuthError": "surveycoder_core.errors",
    "CreditsError": "surveycoder_core.errors",
    "RateLimitedError": "surveycoder_core.errors",
    "EngineError": "surveycoder_core.errors",
    "StorageError": "surveycoder_core.errors",
    "ResponseIn": "surveycoder_core.schemas",
    "CodeIn": "surveycoder_core.schemas",
    "CategoryIn": "surveycoder_core.schemas",
    "CodebookIn": "surveycoder_core.schemas",
    "CodeRequest": "surveycoder_core.schemas",
    "CodeOut": "surveycoder_core.schemas",
    "CategoryOut": "surveycoder_core.schemas",
    "AssignedCode": "surveycoder_core.schemas",
    "ResultItem": "surveycoder_core.schemas",
    "CodeResultData": "surveycoder_core.schemas",
    "Meta": "surveycoder_core.schemas",
    "SyncMeta": "surveycoder_core.schemas",
    "CodeResponseSync": "surveycoder_core.schemas",
    "AsyncAcceptedData": "surveycoder_core.schemas",
    "AsyncMeta": "surveycoder_core.schemas",
    "CodeResponseAsync": "surveycoder_core.schemas",
    "JobProgress": "surveycoder_core.schemas",
    "JobError": "surveycoder_core.schemas",
    "Job": "surveycoder_core.schemas",
    "ErrorBody": "surveycoder_core.schemas",
    "ErrorEnvelope": "surveycoder_core.schemas",
    "CodingType": "surveycoder_core.schemas",
    "Sentiment": "surveycoder_core.schemas",
    "Confidence": "surveycoder_core.schemas",
    "ResponseStatus": "surveycoder_core.schemas",
    "JobStatus": "surveycoder_core.schemas",
    "JobType": "surveycoder_core.schemas",
}

__all__ = ["__version__", *sorted(_HOMES)]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'surveycoder_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
