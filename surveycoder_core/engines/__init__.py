"""Coding engines behind one protocol (see base.py): ``embedded`` (default, offline) and ``llm``."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import EngineError
from .base import Engine

ENGINE_NAMES = ("embedded", "llm")


def get_engine(name: str | None = None, db_path: str | Path | None = None) -> Engine:
    """The engine to use: ``name``, else ``SURVEYCODER_ENGINE``, else embedded.

    The embedded engine caches embeddings in the project database so recoding is cheap;
    the LLM engine uses the embedded one for embeddings (clustering, merge suggestions).
    """
    from surveycoder_core.db.store import EmbeddingStore
    from .embedded import EmbeddedEngine

    choice = (name or os.environ.get("SURVEYCODER_ENGINE") or "embedded").strip().lower()
    embedded = EmbeddedEngine(cache=EmbeddingStore(db_path) if db_path else None)
    if choice == "embedded":
        return embedded
    if choice == "llm":
        from .llm import LLMEngine

        engine = LLMEngine.from_env()
        engine.embedder = embedded
        return engine
    raise EngineError(f"unknown engine {choice!r}; choose one of {', '.join(ENGINE_NAMES)}", code="CONFIG_ERROR")


__all__ = ["ENGINE_NAMES", "Engine", "get_engine"]
