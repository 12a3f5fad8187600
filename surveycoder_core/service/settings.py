"""The engine settings the Settings page shows and changes."""

from __future__ import annotations

import os

ENV_ENGINE = "SURVEYCODER_ENGINE"
ENV_LLM = ("SURVEYCODER_LLM_BASE_URL", "SURVEYCODER_LLM_MODEL", "SURVEYCODER_LLM_API_KEY")


def engine_settings() -> dict[str, str]:
    """The engine configuration of this server process (from the environment; the key is never stored)."""
    return {"engine": os.environ.get(ENV_ENGINE, "embedded"),
            **{name: os.environ.get(name, "") for name in ENV_LLM}}


def apply_engine_settings(engine: str, base_url: str = "", model: str = "", api_key: str = "") -> None:
    """Set the engine for this server process (environment only: nothing is written to the database)."""
    os.environ[ENV_ENGINE] = engine
    for name, value in zip(ENV_LLM, (base_url, model, api_key), strict=True):
        if value.strip():
            os.environ[name] = value.strip()
        elif name != "SURVEYCODER_LLM_API_KEY":
            os.environ.pop(name, None)


def mask_key(key: str) -> str:
    return "" if not key else (key[:4] + "…" + key[-4:] if len(key) > 10 else "…")
