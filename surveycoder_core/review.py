"""Decide which coded responses a human should look at, and say why in plain words.

The flag is tuned to catch a large share of the engine's wrong assignments while flagging a
minority of responses (measured by ``evaluation.py``: "caught" vs "flagged").
"""

from __future__ import annotations

from collections.abc import Mapping

from .engines.base import TextCoding

# A response is flagged when its weakest assignment is below this calibrated probability.
LOW_SCORE = 0.4
# Further codes found in one clause of a long answer are held to a lower bar: flagging every
# multi-aspect answer for its weakest aside would flag almost all long answers.
LOW_SCORE_EXTRA = 0.25
# Two codes compete when the runner-up has at least this share of the leader's support.
COMPETING_RATIO = 0.6
COMPETING_MIN = 0.2
# Flag a response whose codes carry opposite sentiments (praise for one aspect, complaint about another).
FLAG_OPPOSITE = True


def flag_for_review(
    coding: TextCoding, *, truncated: bool = False, names: Mapping[str, str] | None = None
) -> tuple[bool, str | None, str | None]:
    """(needs_review, review_reason token from schemas.REVIEW_REASONS, plain-words note).

    ``names`` maps code keys to code names so the note speaks of codes as people know them.
    """
    def label(key: str) -> str:
        return f"“{names[key]}”" if names and key in names else key

    if truncated:
        return True, "too_long_truncated", "The response was cut to the length limit before coding; check the rest."
    if not coding.assignments:
        return True, "no_code_fit", "No code in the codebook fits this response; it may need a new code."
    assigned = {a.code_key for a in coding.assignments}
    # A candidate that was not assigned yet scores nearly as high as an assigned code.
    others = [(k, s) for k, s in coding.candidates if k not in assigned]
    if others:
        k2, s2 = others[0]
        # Compare like with like: candidate support against the assigned codes' own support
        # (candidates carry the coder's raw support, assignments a calibrated score).
        support = dict(coding.candidates)
        lead = max((support.get(a.code_key, a.score) for a in coding.assignments), default=0.0)
        if s2 >= COMPETING_MIN and s2 >= COMPETING_RATIO * lead:
            return True, "competing_aspects", (
                f"Another code ({label(k2)}) is almost as likely as the one chosen; check which applies."
            )
    sents = {a.sentiment for a in coding.assignments}
    if FLAG_OPPOSITE and "Positive" in sents and "Negative" in sents and len(coding.assignments) > 1:
        return True, "competing_aspects", "The response praises one aspect and criticises another."
    weak = [a for i, a in enumerate(coding.assignments) if a.score < (LOW_SCORE if i == 0 else LOW_SCORE_EXTRA)]
    if weak:
        w = weak[0]
        return True, "low_confidence", f"The engine is unsure about the code {label(w.code_key)} (score {w.score:.2f})."
    if coding.sentiment_mixed and len(coding.assignments) == 1:
        return True, "mixed_sentiment", "The response mixes praise and criticism under a single code."
    return False, None, None
