"""The Dashboard's read models: the question's analytics frames, the views over them, the figures, search.

:func:`question_frames` reads the database once per question (the app caches it under
:func:`data_stamp`); everything else here is pure pandas/plotly over those frames, so filters and
tabs recompute cheaply. Charts come from ``analytics.charts`` through :func:`chart`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from surveycoder_core.analytics import charts
from surveycoder_core.analytics import search as _search
from surveycoder_core.analytics.tables import (
    CONFIDENCE_ORDER,
    SENTIMENT_ORDER,
    Frames,
    attribute_values,
    categories,
    code_frequencies,
    crosstab,
    filter_frames,
    load_frames,
    net_sentiment,
    overall_net_sentiment,
    segment_attributes,
    sentiment_by_code,
    summary,
    verbatims,
)
from surveycoder_core.db.store import one, session

SEARCH_MODES = _search.MODES
CHART_KINDS = ("frequencies", "sentiment", "net", "crosstab")

__all__ = ["CHART_KINDS", "CONFIDENCE_ORDER", "SEARCH_MODES", "SENTIMENT_ORDER", "Frames", "attribute_values",
           "categories", "chart", "code_frequencies", "crosstab", "data_stamp", "filter_frames",
           "overall_net_sentiment", "question_frames", "search_verbatims", "segment_attributes", "summary",
           "verbatims"]


def data_stamp(question_id: str, *, db_path: str | Path | None = None) -> tuple[Any, ...]:
    """Changes whenever the question's codes, assignments or reviews change (a cheap cache key)."""
    with session(db_path) as db:
        ev = one(db, "SELECT MAX(id) AS e FROM events WHERE question_id = ?", (question_id,)) or {}
        q = one(db, "SELECT codebook_version, updated_at, status FROM questions WHERE id = ?", (question_id,)) or {}
        r = one(db, "SELECT COUNT(*) AS n, SUM(version) AS v, SUM(status = 'coded') AS c, SUM(reviewed) AS rv"
                " FROM responses WHERE question_id = ?", (question_id,)) or {}
    return (ev.get("e"), q.get("codebook_version"), q.get("updated_at"), q.get("status"), r.get("n"), r.get("v"),
            r.get("c"), r.get("rv"))


def question_frames(question_id: str, *, db_path: str | Path | None = None) -> Frames:
    """The question's responses and assignments as tidy frames (one read of the database)."""
    with session(db_path) as db:
        return load_frames(db, question_id)


def chart(kind: str, view: Frames, segment: str | None = None) -> Any:
    """A dashboard figure over (filtered) frames: ``frequencies``, ``sentiment``, ``net`` or ``crosstab``
    (by ``segment``)."""
    if kind == "frequencies":
        return charts.frequency_chart(code_frequencies(view))
    if kind == "sentiment":
        return charts.sentiment_chart(sentiment_by_code(view))
    if kind == "net":
        return charts.net_sentiment_chart(net_sentiment(view))
    if kind == "crosstab":
        counts, pct = crosstab(view, segment or "")
        return charts.crosstab_heatmap(pct, counts)
    raise ValueError(f"chart kind must be one of {', '.join(CHART_KINDS)}, got {kind!r}")


def search_verbatims(view: Frames, query: str, *, mode: str = "words", code_id: str | None = None,
                     db_path: str | Path | None = None) -> pd.DataFrame:
    """Answers with every word of the query, or (``mode="meaning"``) the answers nearest it in meaning,
    embedded by the offline engine with the database's embedding cache."""
    from surveycoder_core.service.coding import embedder

    return _search.search_verbatims(view, query, mode=mode, code_id=code_id,
                                    embed=embedder(db_path) if mode == "meaning" else None)
