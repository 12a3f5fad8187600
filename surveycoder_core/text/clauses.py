"""Split a verbatim into clauses, so each theme (and its sentiment) is read from the part that carries it.

Survey answers often name several themes in one breath ("lovely staff but the wait was awful").
Coding the whole text against each code blurs the themes together and gives every code the
sentiment of the whole; coding clause by clause keeps them apart.
"""

from __future__ import annotations

import re

# Sentence ends and semicolons always split; newlines and bullet dashes too (list-style answers).
_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+|\n+|\s+-\s+|\s*•\s*")
# Contrast words start a new clause: the stance usually flips there.
_CONTRAST_RE = re.compile(
    r"\s*(?:,\s*)?\b(?:but|however|although|though|whereas|except|apart from|other than|and also|also)\b\s*",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[A-Za-z0-9']+")

MIN_WORDS = 2  # a one-word fragment ("but", "Also") carries no theme of its own


def _words(text: str) -> int:
    return len(_WORD_RE.findall(text))


def split_clauses(text: str, max_clauses: int = 12) -> list[str]:
    """Return the clauses of ``text`` in order; short fragments are glued to their neighbour.

    Always returns at least one element (the stripped text) for non-empty input, so callers
    can rely on ``clauses[0]`` existing.
    """
    text = (text or "").strip()
    if not text:
        return []
    pieces: list[str] = []
    for sent in _SENTENCE_RE.split(text):
        if not sent or not sent.strip():
            continue
        pieces.extend(p.strip(" ,") for p in _CONTRAST_RE.split(sent) if p and p.strip(" ,"))
    merged: list[str] = []
    for p in pieces:
        # Glue fragments too short to carry a theme onto the previous clause (or the next one).
        if merged and (_words(p) < MIN_WORDS or _words(merged[-1]) < MIN_WORDS):
            merged[-1] = f"{merged[-1]} {p}"
        else:
            merged.append(p)
    if not merged:
        return [text]
    if len(merged) > max_clauses:
        # Very long answers: keep the count bounded (speed) by folding the tail together.
        merged = merged[: max_clauses - 1] + [" ".join(merged[max_clauses - 1 :])]
    return merged
