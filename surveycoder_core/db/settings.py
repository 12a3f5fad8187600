"""A database's engine settings: the ``settings`` table, over the ``SURVEYCODER_*`` defaults.

Each database carries its own engine (``embedded`` or ``llm``) and LLM endpoint, model and key, so
changing one database's settings never changes the engine another database (another user, another
server process) codes with. A setting the table does not hold falls back to its environment variable
(:mod:`surveycoder_core.config`).

The LLM key has to be usable, so it cannot be hashed like our own API keys: it is stored as given, in
this database file, which already holds every answer of every survey and must be protected like them.
It is never read back to a page or an API answer (:attr:`EngineSettings.masked_key`), never written to
the audit trail, and can be forgotten (:func:`forget_key`); whoever wants it out of the file sets
``SURVEYCODER_LLM_API_KEY`` instead and leaves the stored key empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from surveycoder_core import config
from surveycoder_core.db.store import now, record_event, rows, session, write
from surveycoder_core.errors import ValidationError

ENGINES = ("embedded", "llm")
# setting name -> the environment variable that is its default
DEFAULTS = {"engine": config.ENGINE, "llm_base_url": config.LLM_BASE_URL, "llm_model": config.LLM_MODEL,
            "llm_api_key": config.LLM_API_KEY}


@dataclass(frozen=True)
class EngineSettings:
    """The settings an engine is built with; ``source`` says, per setting, "database" or "environment"."""

    engine: str = config.DEFAULT_ENGINE
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    source: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def masked_key(self) -> str:
        """What may be shown of the key: its last four characters, or nothing."""
        key = self.llm_api_key
        return "" if not key else ("…" + key[-4:] if len(key) >= 12 else "…")

    def llm_values(self) -> dict[str, str]:
        """The LLM settings keyed by their environment variable names (what ``LLMEngine.from_env`` takes)."""
        return {config.LLM_BASE_URL: self.llm_base_url, config.LLM_MODEL: self.llm_model,
                config.LLM_API_KEY: self.llm_api_key}


def _from(stored: dict[str, str]) -> EngineSettings:
    values, source = {}, {}
    for name, var in DEFAULTS.items():
        if stored.get(name):
            values[name], source[name] = stored[name], "database"
        else:
            values[name], source[name] = config.get(var), "environment"
    values["engine"] = (values["engine"] or config.DEFAULT_ENGINE).strip().lower()
    return EngineSettings(**values, source=source)


def load(db: sqlite_utils.Database) -> EngineSettings:
    """This database's settings, each unset one taken from the environment."""
    stored = {r["name"]: r["value"] for r in rows(db, "SELECT name, value FROM settings")}
    return _from(stored)


def engine_settings(db_path: str | Path | None = None) -> EngineSettings:
    """The settings of the database at ``db_path`` (default: ``SURVEYCODER_DB``).

    A database file that does not exist yet has no settings: the environment's are returned and
    no file is created.
    """
    target = str(db_path or config.db_path())
    if target == ":memory:" or not Path(target).expanduser().exists():
        return _from({})
    with session(target) as db:
        return load(db)


def save(db: sqlite_utils.Database, *, engine: str, llm_base_url: str = "", llm_model: str = "",
         llm_api_key: str = "", actor: str = "app") -> EngineSettings:
    """Store this database's engine settings in one transaction.

    An empty base URL or model removes the stored value (the environment's default applies again);
    an empty key keeps the stored key (use :func:`forget_key` to remove it). The audit trail records
    which settings changed, never the key.
    """
    engine = (engine or "").strip().lower()
    if engine not in ENGINES:
        raise ValidationError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    new = {"engine": engine, "llm_base_url": llm_base_url.strip(), "llm_model": llm_model.strip()}
    key = llm_api_key.strip()
    with write(db):
        before = load(db)
        for name, value in new.items():
            _put(db, name, value, actor)
        if key:
            _put(db, "llm_api_key", key, actor)
        after = load(db)
        changed = [n for n in ("engine", "llm_base_url", "llm_model") if getattr(before, n) != getattr(after, n)]
        if before.llm_api_key != after.llm_api_key:
            changed.append("llm_api_key")
        if changed:
            record_event(db, actor=actor, action="settings.changed",
                         payload={"changed": changed, "engine": after.engine, "llm_model": after.llm_model})
    return after


def forget_key(db: sqlite_utils.Database, actor: str = "app") -> EngineSettings:
    """Remove the stored LLM key (``SURVEYCODER_LLM_API_KEY``, if set, applies again)."""
    with write(db):
        cur = db.conn.execute("DELETE FROM settings WHERE name = 'llm_api_key'")
        if cur.rowcount:
            record_event(db, actor=actor, action="settings.changed", payload={"changed": ["llm_api_key"]})
    return load(db)


def _put(db: sqlite_utils.Database, name: str, value: str, actor: str) -> None:
    if not value:
        db.conn.execute("DELETE FROM settings WHERE name = ?", (name,))
        return
    db.conn.execute(
        "INSERT INTO settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
        " updated_by = excluded.updated_by",
        (name, value, now(), actor),
    )


__all__ = ["ENGINES", "EngineSettings", "engine_settings", "forget_key", "load", "save"]
