"""Find answers in a question: by words (every word of the query, in any order, any case) or by
meaning (the answers nearest the query in the engine's sentence-embedding space).

Words are matched as the researcher typed them, as parts of words too ("engineer" finds
"engineers"); meaning search finds "the broadband keeps dropping out" for "unreliable connection".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from surveycoder_core.analytics.tables import Frames, verbatims

MEANING_LIMIT = 50  # meaning search returns the nearest answers, not a yes/no match
MODES = ("words", "meaning")


def query_words(query: str) -> list[str]:
    return [w for w in (query or "").casefold().split() if w]


def word_matches(texts: Sequence[str], query: str) -> np.ndarray:
    """True for each text that contains every word of the query."""
    words = query_words(query)
    low = [(t or "").casefold() for t in texts]
    return np.array([bool(words) and all(w in t for w in words) for t in low], dtype=bool)


def meaning_scores(texts: Sequence[str], query: str, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Cosine similarity of each text to the query (texts embedded once each)."""
    if not texts or not query.strip():
        return np.zeros(len(texts))
    unique = list(dict.fromkeys(t or "" for t in texts))
    vectors = np.asarray(embed([query.strip(), *unique]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    by_text = dict(zip(unique, vectors[1:] @ vectors[0], strict=False))
    return np.array([float(by_text[t or ""]) for t in texts])


def search_verbatims(frames: Frames, query: str, *, mode: str = "words", code_id: str | None = None,
                     embed: Callable[[list[str]], np.ndarray] | None = None,
                     limit: int = MEANING_LIMIT) -> pd.DataFrame:
    """The verbatims table (see :func:`analytics.verbatims`) of the answers the query finds.

    ``words``: every matching answer, in question order. ``meaning``: the ``limit`` nearest
    answers, nearest first, with a ``similarity`` column; needs ``embed``.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    table = verbatims(frames, code_id)
    if not query_words(query) or table.empty:
        return table.iloc[0:0] if query_words(query) else table
    texts = table["response"].tolist()
    if mode == "words":
        return table[word_matches(texts, query)].reset_index(drop=True)
    if embed is None:
        raise ValueError("meaning search needs the engine's embed function")
    scores = meaning_scores(texts, query, embed)
    order = np.argsort(-scores, kind="stable")[:limit]
    out = table.iloc[order].copy()
    out.insert(2, "similarity", np.round(scores[order], 3))
    return out.reset_index(drop=True)
