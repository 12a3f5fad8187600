"""Widgets shared by the pages: the sidebar's question picker, error display, cached frames, markdown escaping.

Not a page itself (app.py lists the pages explicitly). Nothing here talks SQL or opens the database:
it calls the use cases and read models in ``surveycoder_core.service``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from surveycoder_core.errors import SurveyCoderError
from surveycoder_core.service import dashboard
from surveycoder_core.service import projects as workspace

QID = "current_question_id"

_MD_SPECIAL = set("\\`*_{}[]()#+-!|<>~$&=\"'^%/;,?")
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)(?=[:.])")
_MD_ENTITY = {":": "&#58;", ".": "&#46;", "@": "&#64;"}  # entities also stop URL/e-mail autolinking


def md(text: object) -> str:
    """Text made inert for Markdown: punctuation backslash-escaped (CommonMark allows escaping any ASCII
    punctuation) and ``: . @`` written as character references so that bare URLs, e-mails and Streamlit's
    ``:emoji:``/``:color[...]`` directives are not recognised; newlines kept as line breaks. Use it for
    names and values from uploads inside st.markdown/st.caption; verbatims themselves go to st.text."""
    # Streamlit links bare URLs and e-mails found in the *decoded* text: an invisible word joiner breaks them.
    text = _AUTOLINK.sub("\\1\u2060", str(text)).replace("@", "@\u2060")
    out = "".join(_MD_ENTITY.get(ch) or ("\\" + ch if ch in _MD_SPECIAL else ch) for ch in text)
    return out.replace("\n", "  \n")


def db_path() -> str:
    return workspace.default_db_path()


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
    workspace.ensure_worker(db_path())  # queued jobs (from this app or the API) run while the app is up
    if QID not in st.session_state and st.query_params.get("q"):
        st.session_state[QID] = st.query_params.get("q")  # a refresh keeps the open question
    choices = workspace.question_choices(db_path=db_path())
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
        st.code(workspace.db_location(db_path()), language=None, wrap_lines=True)


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
    choice = workspace.question_heading(qid, db_path=db_path())
    if choice:
        st.markdown(f"**{md(choice['project'])}** · {md(choice['question'])}")


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, SurveyCoderError | None]:
    """Run a core call; a SurveyCoderError is shown in plain words (err.message) and returned."""
    try:
        return fn(*args, **kwargs), None
    except SurveyCoderError as err:
        st.error(md(err.message), icon=":material/error:")
        return None, err


def flash(message: str, icon: str = ":material/check_circle:") -> None:
    """A message shown once on the next run (survives st.rerun)."""
    st.session_state["_flash"] = (message, icon)


def show_flash() -> None:
    msg = st.session_state.pop("_flash", None)
    if msg:
        st.success(msg[0], icon=msg[1])


@st.cache_data(max_entries=6, show_spinner=False)
def _frames(path: str, qid: str, stamp: tuple[Any, ...]) -> dashboard.Frames:
    return dashboard.question_frames(qid, db_path=path)


def data_stamp(qid: str) -> tuple[Any, ...]:
    """Changes whenever the question's codes, assignments or reviews change: read it once per run."""
    return dashboard.data_stamp(qid, db_path=db_path())


def frames(qid: str, stamp: tuple[Any, ...] | None = None) -> dashboard.Frames:
    """The question's analytics frames, cached until its data changes."""
    return _frames(db_path(), qid, data_stamp(qid) if stamp is None else stamp)


@st.cache_data(max_entries=64, show_spinner=False)
def _chart(kind: str, path: str, qid: str, stamp: tuple[Any, ...], filters: tuple, segment: str | None) -> Any:
    return dashboard.chart(kind, dashboard.filter_frames(_frames(path, qid, stamp), **dict(filters)), segment)


def chart(kind: str, qid: str, filters: dict[str, Any], segment: str | None = None,
          stamp: tuple[Any, ...] | None = None) -> Any:
    """A dashboard figure, cached per question data version, filters and segment (building one costs ~0.1 s)."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items()))
    return _chart(kind, db_path(), qid, data_stamp(qid) if stamp is None else stamp, key, segment)


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
