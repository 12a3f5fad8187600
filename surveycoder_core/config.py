"""Every ``SURVEYCODER_*`` environment variable, read in one place.

Each accessor reads the environment when it is called (not at import), so a test's
``monkeypatch.setenv`` or a ``--db`` flag set before a command runs is seen. An empty value
counts as unset. Nothing else in the package reads ``os.environ`` for these names.

==================================  ===================  ==============================================
variable                            default              what it sets
==================================  ===================  ==============================================
``SURVEYCODER_DB``                  ``surveycoder.db``   the SQLite file the app, API, worker and CLI use
``SURVEYCODER_ENGINE``              ``embedded``         the engine a database codes with until its
                                                         Settings say otherwise (``embedded`` | ``llm``)
``SURVEYCODER_LLM_BASE_URL``        (none)               OpenAI-compatible endpoint, e.g. ``…/v1``:
                                                         the default for a database's LLM settings
``SURVEYCODER_LLM_MODEL``           (none)               the LLM's model name (default, as above)
``SURVEYCODER_LLM_API_KEY``         (none)               the LLM's key (default, as above)
``SURVEYCODER_EMBEDDER``            wordllama (bundled)  a sentence-transformers model folder instead
``SURVEYCODER_BATCH_SIZE``          pipeline.BATCH_SIZE  responses per coding checkpoint
``SURVEYCODER_JOB_STALE_SECONDS``   ``60``               a processing job without heartbeat for this
                                                         long is taken over by another worker
``SURVEYCODER_WEBHOOK_RETRY_DELAYS`` ``0,5,30,300``      seconds before each webhook delivery attempt
``SURVEYCODER_WEBHOOK_ALLOW_HTTP``  ``0``                ``1`` accepts plain-http webhook URLs that are
                                                         not loopback
``SURVEYCODER_ANON_RPM``            ``600``              requests per minute per address without a key
``SURVEYCODER_ENV``                 ``development``      the ``environment`` that ``GET /health`` reports
``SURVEYCODER_THREADS``             ``1``                native (BLAS, OpenMP) threads per caller for
                                                         numpy and scikit-learn in the API and the worker
==================================  ===================  ==============================================
"""

from __future__ import annotations

import os

DB = "SURVEYCODER_DB"
ENGINE = "SURVEYCODER_ENGINE"
LLM_BASE_URL = "SURVEYCODER_LLM_BASE_URL"
LLM_MODEL = "SURVEYCODER_LLM_MODEL"
LLM_API_KEY = "SURVEYCODER_LLM_API_KEY"
EMBEDDER = "SURVEYCODER_EMBEDDER"
BATCH_SIZE = "SURVEYCODER_BATCH_SIZE"
JOB_STALE_SECONDS = "SURVEYCODER_JOB_STALE_SECONDS"
WEBHOOK_RETRY_DELAYS = "SURVEYCODER_WEBHOOK_RETRY_DELAYS"
WEBHOOK_ALLOW_HTTP = "SURVEYCODER_WEBHOOK_ALLOW_HTTP"
ANON_RPM = "SURVEYCODER_ANON_RPM"
ENV = "SURVEYCODER_ENV"
THREADS = "SURVEYCODER_THREADS"

VARIABLES = (DB, ENGINE, LLM_BASE_URL, LLM_MODEL, LLM_API_KEY, EMBEDDER, BATCH_SIZE, JOB_STALE_SECONDS,
             WEBHOOK_RETRY_DELAYS, WEBHOOK_ALLOW_HTTP, ANON_RPM, ENV, THREADS)

DEFAULT_DB = "surveycoder.db"
DEFAULT_ENGINE = "embedded"
DEFAULT_WEBHOOK_DELAYS = (0.0, 5.0, 30.0, 300.0)


def get(name: str, default: str = "") -> str:
    """The variable's value, stripped; ``default`` when it is unset or empty."""
    if name not in VARIABLES:
        raise KeyError(f"{name} is not a SurveyCoder setting; add it to config.VARIABLES and the table")
    value = os.environ.get(name, "").strip()
    return value or default


def set_db(path: str) -> None:
    """Make ``path`` the default database for this process (``--db``), for code that reads :func:`db_path`."""
    os.environ[DB] = str(path)


def db_path() -> str:
    return get(DB, DEFAULT_DB)


def engine() -> str:
    return get(ENGINE, DEFAULT_ENGINE).lower()


def llm_base_url() -> str:
    return get(LLM_BASE_URL)


def llm_model() -> str:
    return get(LLM_MODEL)


def llm_api_key() -> str:
    return get(LLM_API_KEY)


def embedder() -> str | None:
    return get(EMBEDDER) or None


def batch_size(default: int) -> int:
    return max(1, int(get(BATCH_SIZE) or default))


def job_stale_seconds() -> float:
    return float(get(JOB_STALE_SECONDS, "60"))


def webhook_retry_delays() -> tuple[float, ...]:
    raw = get(WEBHOOK_RETRY_DELAYS)
    if not raw:
        return DEFAULT_WEBHOOK_DELAYS
    return tuple(float(x) for x in raw.split(",") if x.strip())


def webhook_allow_http() -> bool:
    return get(WEBHOOK_ALLOW_HTTP) == "1"


def anonymous_rpm() -> int:
    return int(get(ANON_RPM, "600"))


def environment() -> str:
    return get(ENV, "development")


def threads() -> int:
    return max(1, int(get(THREADS, "1")))


_native_threads_limited: int | None = None

#: The variables native thread pools read when they load (OpenMP for scikit-learn, the BLAS of numpy and scipy).
NATIVE_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def limit_native_threads() -> int:
    """Cap numpy's and scikit-learn's native thread pools at :func:`threads` for this process.

    The API codes each sync request in its own thread and the job worker is another: with the pools'
    default (one thread per core each), two requests and a job on 2 cores run six busy threads, and
    OpenMP's waiting threads spin: coding 2,000 answers took 2.5 s of CPU with one thread and 7 s
    with the defaults. A pool variable already set (``OMP_NUM_THREADS`` …) is respected. Call before
    numpy loads (every ``surveycoder`` command does; the app, whose Streamlit has loaded numpy
    already, calls it first thing); pools already loaded are capped through threadpoolctl, and
    scikit-learn's OpenMP pool, which loads later, reads the variable. Returns the cap.
    """
    global _native_threads_limited
    n = threads()
    if _native_threads_limited == n:  # the app calls this on every rerun
        return n
    for name in NATIVE_THREAD_VARIABLES:
        os.environ.setdefault(name, str(n))
    import sys

    if "numpy" in sys.modules:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=n)
    _native_threads_limited = n
    return n


__all__ = [
    "NATIVE_THREAD_VARIABLES", "VARIABLES", "anonymous_rpm", "batch_size", "db_path", "embedder", "engine",
    "environment", "get", "job_stale_seconds", "limit_native_threads", "llm_api_key", "llm_base_url", "llm_model",
    "set_db", "threads", "webhook_allow_http", "webhook_retry_delays",
]
