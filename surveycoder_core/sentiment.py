"""Lexicon sentiment (VADER) for a clause or a whole verbatim, in the contract's four labels.

VADER is a rule-based lexicon tuned on short social-media text: fast (no model), deterministic and
good at negation ("not helpful") and intensifiers, which is what survey comments need.
"""

from __future__ import annotations

import threading
from functools import lru_cache

_LOCK = threading.Lock()
_ANALYZER = None

# Compound score cut-offs recommended by the VADER authors.
POS_CUT = 0.05
NEG_CUT = -0.05


def _analyzer():  # -> SentimentIntensityAnalyzer
    global _ANALYZER
    if _ANALYZER is None:
        with _LOCK:
            if _ANALYZER is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                _ANALYZER = SentimentIntensityAnalyzer()
    return _ANALYZER


@lru_cache(maxsize=65536)
def polarity(text: str) -> float:
    """VADER compound score in [-1, 1] (0 for empty text)."""
    if not text or not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])


def label_from_score(compound: float) -> str:
    if compound >= POS_CUT:
        return "Positive"
    if compound <= NEG_CUT:
        return "Negative"
    return "Neutral"


def sentiment_label(text: str) -> str:
    """Positive / Negative / Neutral for one clause or text."""
    return label_from_score(polarity(text))


def word_polarity(word: str) -> float:
    """The lexicon valence of a single word (0 when not in the lexicon); used to tell stance words apart."""
    return float(_analyzer().lexicon.get(word.lower(), 0.0))


def text_sentiment(clauses: list[str]) -> tuple[str, bool]:
    """Overall label for a text from its clauses, and whether it mixes praise and complaint.

    A text is Mixed when at least one clause is clearly positive and another clearly negative
    (a stricter cut than for labels, so that a mild aside does not make everything Mixed).
    """
    scores = [polarity(c) for c in clauses if c.strip()]
    if not scores:
        return "Neutral", False
    has_pos = any(s >= 0.3 for s in scores)
    has_neg = any(s <= -0.3 for s in scores)
    if has_pos and has_neg:
        return "Mixed", True
    return label_from_score(polarity(" ".join(clauses))), False


def code_sentiment(
    clause: str, full_text: str, expected: str = "Neutral", coding_type: str = "qualitative"
) -> str:
    """Sentiment of one code in one text: from the clause that carries it.

    * ``qualitative_topics`` is always Neutral (topics carry no stance by definition).
    * A neutral clause falls back to the whole text, then to the code's expected polarity:
      "Nothing to improve" reads neutral to a lexicon but a human codes it as the code's stance.
    """
    if coding_type == "qualitative_topics":
        return "Neutral"
    s = polarity(clause)
    if abs(s) >= POS_CUT:
        return label_from_score(s)
    s_full = polarity(full_text)
    if abs(s_full) >= POS_CUT:
        return label_from_score(s_full)
    return expected if expected in ("Positive", "Negative", "Mixed") else "Neutral"
