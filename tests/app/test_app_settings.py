"""Settings page: reviewer name, engine choice, LLM endpoint — the key never reaches the database."""

from __future__ import annotations

import os
from pathlib import Path

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


def test_llm_settings_stay_out_of_the_database(coded_db):
    path, ids = coded_db
    at = app("9_Settings", question_id=ids["question_id"])
    assert any(path in c.value for c in at.code)  # the database location is shown
    at.radio(key="settings_engine").set_value("llm").run()
    at.text_input(key="settings_url").input("http://127.0.0.1:9/v1")
    at.text_input(key="settings_model").input("tiny-model")
    at.text_input(key="settings_key").input("sk-secret-123456789")
    at.button(key="settings_save").click().run()
    assert not at.exception
    assert os.environ["SURVEYCODER_ENGINE"] == "llm"
    assert os.environ["SURVEYCODER_LLM_API_KEY"] == "sk-secret-123456789"
    for f in Path(path).parent.glob("app.db*"):
        assert b"sk-secret-123456789" not in f.read_bytes()


def test_llm_needs_url_and_model(db_path):
    at = app("9_Settings")
    at.radio(key="settings_engine").set_value("llm").run()
    at.button(key="settings_save").click().run()
    assert any("base URL" in e.value for e in at.error)
    assert os.environ.get("SURVEYCODER_ENGINE") != "llm"
