"""Helpers for the AppTest tests."""

from __future__ import annotations

import html
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def app(page: str | None = None, question_id: str | None = None) -> AppTest:
    """The app (optionally on a page, with a question open), run once."""
    at = AppTest.from_file(APP, default_timeout=30)
    if question_id:
        at.session_state["current_question_id"] = question_id
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return found[0]


def plain(text: str) -> str:
    """Markdown-escaped text back to what the user reads."""
    return html.unescape(re.sub(r"\\(.)", r"\1", text)).replace("\u2060", "")


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]

