"""Widgets shared by the pages: the sidebar's question picker, error display, cached frames.

Not a page itself (app.py lists the pages explicitly). Nothing here talks SQL: it calls
surveycoder_core and opens one connection per rerun with ``store.session``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from surveycoder_core.analytics import tables as analytics
from surveycoder_core.db import store
from surveycoder_core.errors import SurveyCoderError
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.service import app_reads as appstate

QID = "current_question_id"


def db_path() -> str:
    return store.default_db_path()


def actor() -> str:
    return st.session_state.get("reviewer_name") or "reviewer"


def set_question(question_id: str | None) -> None:
    """Make a question current (safe to call from callbacks and before st.switch_page)."""
    st.session_state[QID] = question_id
    if question_id:
        st.query_params["q"] = question_id
    elif "q" in st.query_params:
        del st.query_params["q"]


CSS = """<style>
[data-testid="stAppDeployButton"] {display: none;}
[data-testid="stMainBlockContainer"] {padding-top: 2.2rem; max-width: 1280px;}
.st-key-review_verbatim [data-testid="stText"] {font-size: 1.22rem; line-height: 1.6; color: #1f2a36;}
.st-key-review_verbatim {padding: 0.4rem 0 0.2rem 0;}
.st-key-review_meta [data-testid="stText"] {font-size: 0.88rem; color: #5b6775;}
.st-key-review_meta {gap: 0.2rem;}
[data-testid="stMetricValue"] {font-size: 1.9rem;}
[class*="st-key-examples_"] [data-testid="stText"] {border-left: 3px solid #d5dde6; padding-left: 0.7rem;
  color: #3a4654; font-style: italic;}
[class*="st-key-examples_"] {gap: 0.35rem;}
</style>"""


def sidebar() -> None:
    """The question picker and the database location, on every page (plus the app's few style rules)."""
    st.html(CSS)  # our own static CSS only: no data ever goes through st.html
    jobs.ensure_worker(db_path())  # queued jobs (from this app or the API) run while the app is up
    if QID not in st.session_state and st.query_params.get("q"):
        st.session_state[QID] = st.query_params.get("q")  # a refresh keeps the open question
    with store.session(db_path()) as db:
        choices = appstate.question_choices(db)
    ids = [c["question_id"] for c in choices]
    current = st.session_state.get(QID)
    if current not in ids:
        current = ids[0] if ids else None
        set_question(current)
    elif st.query_params.get("q") != current:
        st.query_params["q"] = current
    with st.sidebar:
        if choices:
            labels: dict[str, str] = {}
            for c in choices:  # two waves may ask the same question: number the repeats
                label = base = f"{c['project']} — {c['question'][:60]}"
                n = 1
                while label in labels.values():
                    n += 1
                    label = f"{base} ({n})"
                labels[c["question_id"]] = label
            key = f"question_picker_{current}"
            st.selectbox("Question", ids, index=ids.index(current), format_func=labels.__getitem__, key=key,
                         help="The question every page works on.",
                         on_change=lambda: set_question(st.session_state[key]))
        st.caption("Database")
        st.code(appstate.db_location(db_path()), language=None, wrap_lines=True)


def question_id() -> str:
    """The current question, or a pointer to the Projects page and stop."""
    qid = st.session_state.get(QID)
    if not qid:
        st.info("No question yet. Upload a file or try the sample data to get started.")
        st.page_link("pages/1_Projects.py", label="Go to Projects", icon=":material/folder_open:")
        st.stop()
    return str(qid)


def header(title: str, caption: str | None = None) -> None:
    st.title(title)
    if caption:
        st.caption(caption)


def question_caption(qid: str) -> None:
    """The open question's project and text, under the page title."""
    with store.session(db_path()) as db:
        choice = next((c for c in appstate.question_choices(db) if c["question_id"] == qid), None)
    if choice:
        st.markdown(f"**{appstate.md(choice['project'])}** · {appstate.md(choice['question'])}")


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, SurveyCoderError | None]:
    """Run a core call; a SurveyCoderError is shown in plain words (err.message) and returned."""
    try:
        return fn(*args, **kwargs), None
    except SurveyCoderError as err:
        st.error(appstate.md(err.message), icon=":material/error:")
        return None, err


def db_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, SurveyCoderError | None]:
    """Like :func:`call` for functions that take the connection first."""
    with store.session(db_path()) as db:
        return call(fn, db, *args, **kwargs)


def flash(message: str, icon: str = ":material/check_circle:") -> None:
    """A message shown once on the next run (survives st.rerun)."""
    st.session_state["_flash"] = (message, icon)


def show_flash() -> None:
    msg = st.session_state.pop("_flash", None)
    if msg:
        st.success(msg[0], icon=msg[1])


def embed(texts: list[str]) -> Any:
    """Sentence vectors from the offline embedded engine (cached in the project database)."""
    from surveycoder_core.engines import get_engine

    return get_engine("embedded", db_path=db_path()).embed(texts)


@st.cache_data(max_entries=6, show_spinner=False)
def _frames(path: str, qid: str, stamp: tuple[Any, ...]) -> analytics.Frames:
    with store.session(path) as db:
        return analytics.load_frames(db, qid)


def frames(qid: str) -> analytics.Frames:
    """The question's analytics frames, cached until its data changes."""
    with store.session(db_path()) as db:
        stamp = appstate.data_stamp(db, qid)
    return _frames(db_path(), qid, stamp)


@st.cache_data(max_entries=64, show_spinner=False)
def _chart(kind: str, path: str, qid: str, stamp: tuple[Any, ...], filters: tuple, segment: str | None) -> Any:
    from surveycoder_core.analytics import charts

    view = analytics.filter_frames(_frames(path, qid, stamp), **dict(filters))
    if kind == "frequencies":
        return charts.frequency_chart(analytics.code_frequencies(view))
    if kind == "sentiment":
        return charts.sentiment_chart(analytics.sentiment_by_code(view))
    if kind == "net":
        return charts.net_sentiment_chart(analytics.net_sentiment(view))
    counts, pct = analytics.crosstab(view, segment or "")
    return charts.crosstab_heatmap(pct, counts)


def chart(kind: str, qid: str, filters: dict[str, Any], segment: str | None = None) -> Any:
    """A dashboard figure, cached per question data version, filters and segment (building one costs ~0.1 s)."""
    with store.session(db_path()) as db:
        stamp = appstate.data_stamp(db, qid)
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items()))
    return _chart(kind, db_path(), qid, stamp, key, segment)


def codebook_table(overview: list[dict]) -> None:
    """The codebook with each code's typical answers (plain text cells: verbatims are never markdown)."""
    import pandas as pd

    if not overview:
        return
    table = pd.DataFrame([{"Category": r["category"], "Code": r["code"], "Sentiment": r["sentiment"],
                           "Responses": r["responses"], "Definition": r["definition"],
                           "Examples": "  ·  ".join(r["examples"])} for r in overview])
    st.dataframe(table, hide_index=True, height=min(600, 40 + 35 * len(table)),
                 column_config={"Definition": st.column_config.TextColumn(width="large"),
                                "Examples": st.column_config.TextColumn(width="large")})
