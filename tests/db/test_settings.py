"""Engine settings per database: each database builds the engine its own settings ask for."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveycoder_core.db import settings as db_settings
from surveycoder_core.db import store
from surveycoder_core.engines import get_engine
from surveycoder_core.engines.embedded.engine import EmbeddedEngine
from surveycoder_core.engines.llm.engine import LLMEngine
from surveycoder_core.errors import EngineError, ValidationError
from surveycoder_core.jobs.queue import Worker
from surveycoder_core.service import settings

LLM_VARS = ("SURVEYCODER_ENGINE", "SURVEYCODER_LLM_BASE_URL", "SURVEYCODER_LLM_MODEL", "SURVEYCODER_LLM_API_KEY")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in LLM_VARS:
        monkeypatch.delenv(var, raising=False)


def _db(tmp_path: Path, name: str) -> str:
    path = str(tmp_path / f"{name}.db")
    store.open_db(path).conn.close()
    return path


def test_two_databases_build_their_own_engines(tmp_path: Path) -> None:
    a, b, c = _db(tmp_path, "a"), _db(tmp_path, "b"), _db(tmp_path, "c")
    settings.save_engine_settings("llm", "http://127.0.0.1:9/v1", "model-a", "sk-a-0123456789", db_path=a)
    settings.save_engine_settings("llm", "http://127.0.0.1:8/v1", "model-b", "sk-b-0123456789", db_path=b)
    settings.save_engine_settings("embedded", db_path=c)

    engine_a, engine_b = get_engine(db_path=a), get_engine(db_path=b)
    assert isinstance(engine_a, LLMEngine) and isinstance(engine_b, LLMEngine)
    assert (engine_a.model, str(engine_a.client.url)) == ("model-a", "http://127.0.0.1:9/v1/chat/completions")
    assert (engine_b.model, str(engine_b.client.url)) == ("model-b", "http://127.0.0.1:8/v1/chat/completions")
    assert engine_a.client._http.headers["Authorization"] == "Bearer sk-a-0123456789"
    assert engine_b.client._http.headers["Authorization"] == "Bearer sk-b-0123456789"
    assert isinstance(get_engine(db_path=c), EmbeddedEngine)
    # The job worker builds its engine through the same function, per database.
    assert Worker(db_path=a).engine_factory().model == "model-a"
    assert isinstance(Worker(db_path=c).engine_factory(), EmbeddedEngine)
    assert isinstance(settings.build_engine(c), EmbeddedEngine)
    assert settings.build_engine(a).model == "model-a"


def test_the_environment_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh, saved = _db(tmp_path, "fresh"), _db(tmp_path, "saved")
    monkeypatch.setenv("SURVEYCODER_ENGINE", "llm")
    monkeypatch.setenv("SURVEYCODER_LLM_BASE_URL", "http://127.0.0.1:7/v1")
    monkeypatch.setenv("SURVEYCODER_LLM_MODEL", "env-model")
    monkeypatch.setenv("SURVEYCODER_LLM_API_KEY", "env-key-0123456789")
    settings.save_engine_settings("embedded", db_path=saved)
    assert get_engine(db_path=fresh).model == "env-model"
    assert isinstance(get_engine(db_path=saved), EmbeddedEngine)
    # A stored model overrides the environment's; what is not stored still comes from it.
    settings.save_engine_settings("llm", "", "db-model", db_path=saved)
    engine = get_engine(db_path=saved)
    assert (engine.model, str(engine.client.url)) == ("db-model", "http://127.0.0.1:7/v1/chat/completions")
    view = settings.engine_settings(saved)
    assert view["source"] == {"engine": "database", "llm_base_url": "environment", "llm_model": "database",
                              "llm_api_key": "environment"}
    assert view["key_source"] == "environment"
    # A database file that does not exist is not created by asking for its settings.
    missing = tmp_path / "missing.db"
    assert settings.engine_settings(missing)["llm_model"] == "env-model" and not missing.exists()


def test_the_key_is_kept_masked_and_forgotten(tmp_path: Path) -> None:
    path = _db(tmp_path, "k")
    key = "sk-secret-0123456789"
    view = settings.save_engine_settings("llm", "http://127.0.0.1:9/v1", "m", key, db_path=path, actor="Ann")
    assert key not in repr(view) and view["key_masked"] == "…6789" and view["key_set"]
    assert view["key_source"] == "database"
    # An empty key keeps the stored one.
    settings.save_engine_settings("llm", "http://127.0.0.1:9/v1", "m2", "", db_path=path)
    assert get_engine(db_path=path).client._http.headers["Authorization"] == f"Bearer {key}"
    with store.session(path) as db:
        events = store.rows(db, "SELECT actor, payload FROM events WHERE action = 'settings.changed'")
        assert key not in repr(db_settings.load(db))
    assert [e["actor"] for e in events] == ["Ann", "app"]
    assert all(key not in e["payload"] for e in events)
    assert '"llm_api_key"' in events[0]["payload"] and '"llm_api_key"' not in events[1]["payload"]
    settings.forget_llm_key(db_path=path)
    assert not settings.engine_settings(path)["key_set"]
    with pytest.raises(EngineError) as exc:
        get_engine(db_path=path)
    assert exc.value.code == "CONFIG_ERROR" and "SURVEYCODER_LLM_API_KEY" in exc.value.message


def test_an_unknown_engine_is_refused(tmp_path: Path) -> None:
    path = _db(tmp_path, "u")
    with pytest.raises(ValidationError):
        settings.save_engine_settings("gpt", db_path=path)
    assert settings.engine_settings(path)["source"]["engine"] == "environment"
