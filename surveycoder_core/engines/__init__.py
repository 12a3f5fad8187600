"""Coding engines behind one protocol (:mod:`surveycoder_core.engine_api`): ``embedded`` (the default,
offline) and ``llm``."""

from __future__ import annotations

from pathlib import Path

from surveycoder_core.engine_api import Engine

from ..errors import EngineError

ENGINE_NAMES = ("embedded", "llm")


def get_engine(name: str | None = None, db_path: str | Path | None = None) -> Engine:
    """The engine to use: ``name``, else the database's setting (default ``SURVEYCODER_ENGINE``), else embedded.

    The one place an engine is built from settings: the LLM engine takes its endpoint, model and key
    from the database at ``db_path`` (``SURVEYCODER_DB`` when None), each unset one from the environment.

    The embedded engine caches embeddings in the project database so recoding is cheap;
    the LLM engine uses the embedded one for embeddings (clustering, merge suggestions).
    """
    from surveycoder_core.db.settings import engine_settings
    from surveycoder_core.db.store import EmbeddingStore
    from surveycoder_core.engines.embedded.engine import EmbeddedEngine

    settings = engine_settings(db_path)
    choice = (name or settings.engine or "embedded").strip().lower()
    embedded = EmbeddedEngine(cache=EmbeddingStore(db_path) if db_path else None)
    if choice == "embedded":
        return embedded
    if choice == "llm":
        from surveycoder_core.engines.llm.engine import LLMEngine

        engine = LLMEngine.from_env(settings.llm_values())
        engine.embedder = embedded
        return engine
    raise EngineError(f"unknown engine {choice!r}; choose one of {', '.join(ENGINE_NAMES)}", code="CONFIG_ERROR")


__all__ = ["ENGINE_NAMES", "Engine", "get_engine"]
