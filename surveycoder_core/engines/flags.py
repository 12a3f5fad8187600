"""Decide which coded responses a human should look at, and say why in plain words.

The flag is tuned to catch a large share of the engine's wrong assignments while flagging a
minority of responses (measured by ``evaluation.py``: "caught" vs "flagged").

When the coder gives a per-question cut (``TextCoding.review_cut``, set by the embedded coder: the
review priority of the least certain ~25 % of the question's answers: weakest calibrated score,
less a penalty per extra code), a response is flagged when its priority falls below that cut, or
when no code fits or it was truncated. This is a ranking: the reviewer sees the least certain answers of
each question first and
the queue stays a minority whatever the coder's accuracy on that question. Opposite sentiments and
mixed sentiment alone no longer flag (measured: they do not point at wrong codes, AUC ~0.5, and
flagged up to 45 % of long reviews); they still explain a flag. Without a cut (other engines),
absolute thresholds on the calibrated score apply.
"""

from __future__ import annotations

from collections.abc import Mapping

from surveycoder_core.engine_api import TextCoding
from surveycoder_core.text.answer_forms import is_catch_all

# A response is flagged when its weakest assignment is below this calibrated probability.
LOW_SCORE = 0.4
# Further codes found in one clause of a long answer are held to a lower bar: flagging every
# multi-aspect answer for its weakest aside would flag almost all long answers.
LOW_SCORE_EXTRA = 0.25
# Two codes compete when the runner-up has at least this share of the leader's support.
COMPETING_RATIO = 0.6
COMPETING_MIN = 0.2
# Ranking for the relative cut: the weakest calibrated score, minus this much per code beyond the
# first (each extra code is one more chance of a wrong one). Measured, share of wrong assignments
# caught at 25 % flagged, mean over the 10 set x mode runs: 0.377 without, 0.420 with 0.2, every run
# equal or better (0.1: 0.410, 0.3: 0.425 but ranks almost purely by #codes).
EXTRA_CODE_PENALTY = 0.2
# With a per-question cut: an answer whose weakest score is at least this is never flagged for it
# ("high" confidence, precision ~0.9 on the benchmark sets).
RELATIVE_MAX_CUT = 0.75


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
    if names and all(is_catch_all(names.get(a.code_key, "")) for a in coding.assignments):
        return True, "no_code_fit", ("Coded “Other”: no code of its own fits this response; it may be an idea "
                                     "to promote to a code.")
    cut = coding.review_cut
    if cut is not None:
        return _flag_relative(coding, float(cut), label)
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
    # Opposite sentiments: praise for one aspect, complaint about another.
    if "Positive" in sents and "Negative" in sents and len(coding.assignments) > 1:
        return True, "competing_aspects", "The response praises one aspect and criticises another."
    weak = [a for i, a in enumerate(coding.assignments) if a.score < (LOW_SCORE if i == 0 else LOW_SCORE_EXTRA)]
    if weak:
        w = weak[0]
        return True, "low_confidence", f"The engine is unsure about the code {label(w.code_key)} (score {w.score:.2f})."
    if coding.sentiment_mixed and len(coding.assignments) == 1:
        return True, "mixed_sentiment", "The response mixes praise and criticism under a single code."
    return False, None, None


def review_priority(coding: TextCoding) -> float:
    """How sure the coder is about a coded response; lower = review first (None-free: needs assignments)."""
    weakest = min(a.score for a in coding.assignments)
    return weakest - EXTRA_CODE_PENALTY * (len(coding.assignments) - 1)


def _flag_relative(coding: TextCoding, cut: float, label) -> tuple[bool, str | None, str | None]:
    weakest = min(coding.assignments, key=lambda a: a.score)
    if weakest.score >= RELATIVE_MAX_CUT or review_priority(coding) >= cut:
        return False, None, None
    assigned = {a.code_key for a in coding.assignments}
    others = [(k, s) for k, s in coding.candidates if k not in assigned]
    if others:
        k2, s2 = others[0]
        support = dict(coding.candidates)
        lead = support.get(weakest.code_key, weakest.score)
        if s2 >= COMPETING_MIN and s2 >= COMPETING_RATIO * lead:
            return True, "competing_aspects", (
                f"Another code ({label(k2)}) is almost as likely as {label(weakest.code_key)}; check which applies."
            )
    sents = {a.sentiment for a in coding.assignments}
    if "Positive" in sents and "Negative" in sents and len(coding.assignments) > 1:
        return True, "competing_aspects", (
            f"The engine is unsure about the code {label(weakest.code_key)}, and the response praises one "
            "aspect and criticises another."
        )
    if coding.sentiment_mixed and len(coding.assignments) == 1:
        return True, "mixed_sentiment", (
            f"The engine is unsure about the code {label(weakest.code_key)}, and the response mixes praise and "
            "criticism."
        )
    return True, "low_confidence", (
        f"The engine is unsure about the code {label(weakest.code_key)} (score {weakest.score:.2f}); "
        "it is among the least certain answers to this question."
    )
