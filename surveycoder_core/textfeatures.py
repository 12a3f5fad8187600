"""Small text helpers shared by the embedded engine's parts: cleaning code names, content-word stems.

Kept separate so that naming, coding and entity extraction agree on what a "word" is.
"""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_WORD_RE = re.compile(r"[a-z][a-z']+")
# Words that say nothing about a theme in survey answers (on top of the usual stop words).
SURVEY_STOP = frozenset(
    {
        "just", "really", "very", "quite", "bit", "lot", "lots", "thing", "things", "think", "like",
        "get", "got", "getting", "going", "make", "made", "did", "does", "doing", "don't", "didn't",
        "i'm", "i've", "it's", "im", "ive", "dont", "didnt", "wasn't", "isn't", "can't", "cant",
        "general", "misc", "miscellaneous", "etc", "also", "would", "could", "should", "will",
        "one", "two", "way", "time", "times", "good", "bad", "great", "nice", "well", "much", "many",
        "yes", "no", "ok", "okay", "overall", "always", "never", "everything", "nothing", "anything",
        "something", "people", "person", "use", "used", "using", "want", "need", "needs", "know",
    }
)
STOP = frozenset(ENGLISH_STOP_WORDS) | SURVEY_STOP


def clean_code_name(name: str) -> str:
    """'card_payment_fee_charged' / 'FOOD#QUALITY' / 'Staff: General' -> plain lower-case words."""
    s = re.sub(r"([a-z])([A-Z])", r"\1 \2", name or "")
    s = re.sub(r"[_#/:|\\\-]+", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    return s.lower()


def stem(word: str) -> str:
    """A crude prefix stem: 'waiting'/'waited'/'wait' share 'wait'; good enough for lexical evidence."""
    return word[:5]


def content_stems(text: str, *, keep_generic: bool = False) -> set[str]:
    """Stems of the content words of ``text`` (stop words and 1–2 letter words dropped)."""
    stop = ENGLISH_STOP_WORDS if keep_generic else STOP
    return {stem(w) for w in _WORD_RE.findall((text or "").lower()) if len(w) > 2 and w not in stop}


def words(text: str) -> list[str]:
    return _WORD_RE.findall((text or "").lower())
