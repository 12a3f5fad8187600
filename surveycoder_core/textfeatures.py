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


_CASED_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z'&-]*")
_SENTENCE_END = ".!?\n\"“(:;"


def proper_nouns(texts: list[str]) -> set[str]:
    """Lower-cased words used as names across the answers: brands, people, places.

    A word counts as a name when it is capitalised mid-sentence at least once and never written
    in lower case; acronyms (GP, NHS, A&E) stay: they name topics, not who or where.
    """
    mid_cap: dict[str, int] = {}
    lower: set[str] = set()
    for text in texts:
        for m in _CASED_TOKEN_RE.finditer(text or ""):
            word = m.group(0)
            key = word.lower()
            if word.islower():
                lower.add(key)
                continue
            if word.isupper() and len(word) <= 5 or key in STOP or key.startswith("i'"):
                continue
            before = text[: m.start()].rstrip()
            if before and before[-1] not in _SENTENCE_END:
                mid_cap[key] = mid_cap.get(key, 0) + 1
    # On a large question one capitalised use is often style ("…, Breastfeeding support"); ask for
    # two there. Verb and adverb forms are never taken for names.
    need = 1 if len(texts) <= 50 else 2
    return {k for k, n in mid_cap.items()
            if n >= need and k not in lower and not re.search(r"(ing|ed|ly)$", k)}


def mask_names(texts: list[str], names: set[str]) -> list[str]:
    """The answers without the given names, so themes form around what is said, not who is named.

    An answer that would be left empty is kept as it was.
    """
    if not names:
        return list(texts)
    out = []
    for text in texts:
        masked = _CASED_TOKEN_RE.sub(lambda m: "" if m.group(0).lower() in names else m.group(0), text or "")
        masked = " ".join(masked.split())
        out.append(masked if re.search(r"[A-Za-z]{3}", masked) else text)
    return out
