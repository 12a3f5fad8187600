"""Settings page: reviewer name, and the engine settings, which go to this database (never the environment)."""

from __future__ import annotations

import os

from surveycoder_core.db import store
from surveycoder_core.engines import get_engine
from surveycoder_core.engines.embedded.engine import EmbeddedEngine
from surveycoder_core.service import settings

from .helpers import app, button


def test_reviewer_name_is_used_for_decisions(coded_db):
    path, ids = coded_db
    at = app("9_Settings", question_id=ids["question_id"])
    at.text_input(key="settings_name").input("Alice").run()
    assert at.session_state["reviewer_name"] == "Alice"
    at.switch_page("pages/5_Review.py").run()
    button(at, "Accept as coded").click()
    at.run()
    from surveycoder_core.db import store
    from surveycoder_core.human_review import queue as reviews

    with store.session(path) as db:
        assert reviews.review_log(db, ids["question_id"])[0]["actor"] == "Alice"


def test_llm_settings_go_to_this_database_not_the_environment(coded_db, tmp_path):
    path, ids = coded_db
    other = str(tmp_path / "other.db")
    store.open_db(other).conn.close()
    at = app("9_Settings", question_id=ids["question_id"])
    assert any(path in c.value for c in at.code)  # the database location is shown
    at.radio(key="settings_engine").set_value("llm").run()
    at.text_input(key="settings_url").input("http://127.0.0.1:9/v1")
    at.text_input(key="settings_model").input("tiny-model")
    at.text_input(key="settings_key").input("sk-secret-123456789")
    at.button(key="settings_save").click().run()
    assert not at.exception
    for var in ("SURVEYCODER_ENGINE", "SURVEYCODER_LLM_BASE_URL", "SURVEYCODER_LLM_MODEL", "SURVEYCODER_LLM_API_KEY"):
        assert var not in os.environ
    engine = get_engine(db_path=path)
    assert (engine.name, engine.client._http.headers["Authorization"]) == ("engine:llm:tiny-model",
                                                                           "Bearer sk-secret-123456789")
    assert isinstance(get_engine(db_path=other), EmbeddedEngine)  # another database keeps its engine
    # The page shows the key masked, never whole, and says where it is kept.
    at = app("9_Settings", question_id=ids["question_id"])
    assert at.radio(key="settings_engine").value == "llm"
    assert at.text_input(key="settings_model").value == "tiny-model"
    assert at.text_input(key="settings_key").value in ("", None)
    assert "…6789" in at.text_input(key="settings_key").placeholder
    shown = " ".join(str(e.value) for e in [*at.caption, *at.markdown, *at.text_input, *at.code])
    assert "sk-secret-123456789" not in shown and "stored in this database file" in shown
    # Saving again with the key left empty keeps it; forgetting it removes it from the database.
    at.text_input(key="settings_model").input("tiny-model-2")
    at.button(key="settings_save").click().run()
    assert get_engine(db_path=path).client._http.headers["Authorization"] == "Bearer sk-secret-123456789"
    at.button(key="settings_forget").click().run()
    assert not at.exception
    with store.session(path) as db:
        assert store.rows(db, "SELECT name FROM settings WHERE name = 'llm_api_key'") == []


def test_llm_needs_url_and_model(db_path):
    at = app("9_Settings")
    at.radio(key="settings_engine").set_value("llm").run()
    at.button(key="settings_save").click().run()
    assert any("base URL" in e.value for e in at.error)
    assert os.environ.get("SURVEYCODER_ENGINE") != "llm"
    assert settings.engine_settings(db_path)["source"]["engine"] == "environment"  # nothing was saved


def test_environment_defaults_are_shown_and_saved_to_the_database(db_path, monkeypatch):
    monkeypatch.setenv("SURVEYCODER_ENGINE", "llm")
    monkeypatch.setenv("SURVEYCODER_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SURVEYCODER_LLM_MODEL", "env-model")
    monkeypatch.setenv("SURVEYCODER_LLM_API_KEY", "sk-env-key-123456789")
    at = app("9_Settings")
    assert at.radio(key="settings_engine").value == "llm"
    assert at.text_input(key="settings_model").value == "env-model"
    assert "SURVEYCODER_LLM_API_KEY" in at.text_input(key="settings_key").placeholder
    assert any("come from the server's environment" in c.value for c in at.caption)
    at.button(key="settings_save").click().run()
    assert not at.exception
    view = settings.engine_settings(db_path)
    assert view["source"] == {"engine": "database", "llm_base_url": "database", "llm_model": "database",
                              "llm_api_key": "environment"}  # the environment's key is not copied in
    with store.session(db_path) as db:
        assert store.rows(db, "SELECT name FROM settings WHERE name = 'llm_api_key'") == []
    assert all(b.key != "settings_forget" for b in at.button)  # nothing stored to forget
