"""The engine settings the Settings page shows and changes: stored in the database, per database.

One database's settings never change another's engine (see :mod:`surveycoder_core.db.settings`);
the ``SURVEYCODER_*`` variables are the defaults. The stored LLM key is never returned: only
whether one is set, where it comes from, and its last four characters.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from surveycoder_core.db import settings as db_settings
from surveycoder_core.db.store import session

if TYPE_CHECKING:
    from surveycoder_core.engine_api import Engine


def _view(s: db_settings.EngineSettings) -> dict[str, Any]:
    return {"engine": s.engine, "llm_base_url": s.llm_base_url, "llm_model": s.llm_model,
            "key_set": bool(s.llm_api_key), "key_masked": s.masked_key,
            "key_source": s.source.get("llm_api_key", "environment") if s.llm_api_key else None,
            "source": dict(s.source)}


def engine_settings(db_path: str | Path | None = None) -> dict[str, Any]:
    """The database's engine settings as the page shows them (the key masked, never in full)."""
    return _view(db_settings.engine_settings(db_path))


def save_engine_settings(engine: str, base_url: str = "", model: str = "", api_key: str = "", *,
                         db_path: str | Path | None = None, actor: str = "app") -> dict[str, Any]:
    """Store the database's engine settings (an empty key keeps the stored one); returns the page's view."""
    with session(db_path) as db:
        return _view(db_settings.save(db, engine=engine, llm_base_url=base_url, llm_model=model,
                                      llm_api_key=api_key, actor=actor))


def forget_llm_key(*, db_path: str | Path | None = None, actor: str = "app") -> dict[str, Any]:
    """Remove the stored LLM key from the database."""
    with session(db_path) as db:
        return _view(db_settings.forget_key(db, actor=actor))


def build_engine(db_path: str | Path | None = None, name: str | None = None) -> Engine:
    """The engine the database's settings ask for (``name`` overrides the engine choice only)."""
    from surveycoder_core.engines import get_engine

    return get_engine(name, db_path=db_path)


__all__ = ["build_engine", "engine_settings", "forget_llm_key", "save_engine_settings"]
