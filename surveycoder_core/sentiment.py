"""Lexicon sentiment (VADER) for a clause or a whole verbatim, in the contract's four labels.

VADER is a rule-based lexicon tuned on short social-media text: fast (no model), deterministic and
good at negation ("not helpful") and intensifiers, which is what survey comments need.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import numpy as np

_LOCK = threading.Lock()
_ANALYZER = None

SURVEY_LEXICON: dict[str, float] = {
    # complaints
    "slow": -1.5, "slowly": -1.0, "waiting": -0.8, "waited": -0.8, "overpriced": -2.0, "pricey": -1.2,
    "expensive": -1.2, "noisy": -1.5, "crowded": -1.2, "overcrowded": -1.8, "cramped": -1.5, "late": -0.8,
    "delay": -1.2, "delays": -1.2, "delayed": -1.5, "cancelled": -1.5, "canceled": -1.5, "bland": -1.5,
    "tasteless": -1.8, "lacking": -1.5, "lack": -1.2, "lacked": -1.2, "understaffed": -2.0,
    "unhelpful": -2.0, "forgot": -1.0, "forgotten": -1.2, "rushed": -1.5, "unprofessional": -2.0,
    "disorganised": -2.0, "disorganized": -2.0, "confusing": -1.5, "overcooked": -1.5, "undercooked": -1.5,
    "soggy": -1.5, "greasy": -1.2, "stale": -1.5, "cold": -0.6, "dismissive": -2.0, "ignored": -1.8,
    "inattentive": -1.8, "uncomfortable": -1.5, "unclean": -2.0, "filthy": -2.5, "smelly": -1.8,
    "nightmare": -2.0, "shortage": -1.5, "short-staffed": -2.0, "queue": -0.5, "queues": -0.8, "hassle": -1.5,
    # praise
    "prompt": 1.2, "attentive": 1.8, "knowledgeable": 1.5, "reasonable": 1.0, "affordable": 1.5,
    "spacious": 1.2, "efficient": 1.5, "professional": 1.2, "informative": 1.2, "reassuring": 1.5,
    "polite": 1.8, "quick": 0.8, "fresh": 1.2, "cozy": 1.5, "cosy": 1.5, "welcoming": 1.8, "caring": 1.8,
    "listened": 1.0, "tasty": 1.8, "yummy": 2.0, "courteous": 1.8, "thorough": 1.2, "approachable": 1.5,
}

FALLBACK_TO_TEXT = True  # a neutral clause takes the whole answer's sentiment
MODEL_CUT = 0.8  # QuestionSentiment must be this sure to speak where the lexicon is silent

# Compound score cut-offs recommended by the VADER authors.
POS_CUT = 0.05
NEG_CUT = -0.05


def _analyzer():  # -> SentimentIntensityAnalyzer
    global _ANALYZER
    if _ANALYZER is None:
        with _LOCK:
            if _ANALYZER is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                analyzer = SentimentIntensityAnalyzer()
                # VADER was built on social-media text and misses the plain words of service
                # complaints and praise ("slow", "overpriced", "attentive"); add them, never
                # overriding VADER's own valences.
                for word, valence in SURVEY_LEXICON.items():
                    analyzer.lexicon.setdefault(word, valence)
                _ANALYZER = analyzer
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


# Improvement suggestions ("should have more staff", "too long a wait") are criticism in survey
# coding even when the words are polite; measured to help on every benchmark set.
_SUGGESTION_RE = re.compile(
    r"\b(should|could be (better|improved)|would be (nice|good|better|helpful)|needs? (more|to)|"
    r"more (staff|time|information|help)|improve|improvement|wish|lack of|not enough|"
    r"too (long|slow|much|many|few|little|expensive|small|noisy))\b",
    re.IGNORECASE,
)


def is_suggestion(text: str) -> bool:
    return bool(_SUGGESTION_RE.search(text or ""))


def sentiment_label(text: str) -> str:
    """Positive / Negative / Neutral for one clause or text."""
    s = polarity(text)
    if s < 0.5 and is_suggestion(text):
        return "Negative"
    return label_from_score(s)


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


def _from_model(p_pos: float | None) -> str | None:
    if p_pos is None:
        return None
    if p_pos >= MODEL_CUT:
        return "Positive"
    if p_pos <= 1.0 - MODEL_CUT:
        return "Negative"
    return None


def code_sentiment(
    clause: str,
    full_text: str,
    expected: str = "Neutral",
    coding_type: str = "qualitative",
    p_clause: float | None = None,
    p_text: float | None = None,
) -> str:
    """Sentiment of one code in one text: from the clause that carries it.

    * ``qualitative_topics`` is always Neutral (topics carry no stance by definition).
    * The lexicon reads the clause; where it sees nothing, the question's own sentiment model
      (``p_clause``, see :class:`QuestionSentiment`) does, then the whole text, then the code's
      expected polarity: "Nothing to improve" reads neutral but a human codes it with its stance.
    """
    if coding_type == "qualitative_topics":
        return "Neutral"
    s = polarity(clause)
    if abs(s) >= POS_CUT or is_suggestion(clause):
        return sentiment_label(clause)
    m = _from_model(p_clause)
    if m:
        return m
    s_full = polarity(full_text)
    if FALLBACK_TO_TEXT and (abs(s_full) >= POS_CUT or is_suggestion(full_text)):
        return sentiment_label(full_text)
    m = _from_model(p_text)
    if m:
        return m
    return expected if expected in ("Positive", "Negative", "Mixed") else "Neutral"


class QuestionSentiment:
    """A sentiment model learnt from the question itself, to read what the lexicon cannot.

    The answers the lexicon scores clearly (|compound| >= 0.4) label themselves; a logistic
    regression on their [embedding, TF-IDF] then scores the answers where the lexicon sees no
    sentiment words ("the food came out cold after 40 minutes"), catching the question's own
    vocabulary of praise and complaint. Measured (accuracy on correctly assigned codes): +2 to +4
    points on NHS comments and restaurant sentences, -2.6 on whole multi-aspect reviews. Only used
    where the lexicon is silent, and only when confident (MODEL_CUT).
    """

    def __init__(self) -> None:
        self.model = None
        self.tfidf = None

    def fit(self, texts: list[str], emb: np.ndarray) -> QuestionSentiment:
        pol = np.array([polarity(t) for t in texts])
        sel = np.where(np.abs(pol) >= 0.4)[0]
        y = (pol[sel] > 0).astype(int)
        if len(sel) < 20 or y.sum() < 5 or (1 - y).sum() < 5:
            return self
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2, max_features=20000).fit(texts)
        X = self._x(texts, emb)
        self.model = LogisticRegression(C=1.0, max_iter=300).fit(X[sel], y)
        return self

    def _x(self, texts: list[str], emb: np.ndarray):
        from scipy import sparse

        return sparse.hstack([sparse.csr_matrix(emb), self.tfidf.transform(texts)]).tocsr()

    def predict(self, texts: list[str], emb: np.ndarray) -> np.ndarray | None:
        """Probability of Positive for each text (None when the model could not be fitted)."""
        if self.model is None or not texts:
            return None
        return self.model.predict_proba(self._x(texts, emb))[:, 1]
