"""Small text helpers shared by the embedded engine's parts: the word tokeniser and the stemmer,
cleaning code names, content-word stems, people's names.

Kept in one place so that naming, coding and theme finding agree on what a "word" is and which
words are forms of one another.
"""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# The one word tokeniser of the engine's text modules (match on lower-cased text, or use CASED_WORD_RE):
# letters with inner apostrophes ("didn't", "staff's"), hyphenated compounds kept whole ("top-up",
# "face-to-face").
WORD_RE = re.compile(r"[a-z][a-z']*[a-z](?:-[a-z]+)*|[a-z]")
CASED_WORD_RE = re.compile(WORD_RE.pattern, re.IGNORECASE)
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


def stem(w: str) -> str:
    """Light stemming for grouping a word's forms: wait/waits/waiting/waited, price/prices/pricing."""
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        w = w[:-1]
    if w.endswith("ing") and len(w) > 6:  # "caring" stays apart from "car"
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 5:
        w = w[:-2]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (possessives keep their noun: "staff's" -> "staff")."""
    toks = WORD_RE.findall((text or "").lower().replace("’", "'"))
    return [t[:-2] if t.endswith("'s") else t for t in toks]


# Coding's lexical evidence (a code's own words in an answer) matches words on their first letters,
# looser than stem(): "staff"/"staffing", "recep(tion|tionist)". Measured, micro-F1 mode a, 3,000-answer
# samples, Banking77 / NHS / SemEval14: 0.519 / 0.286 / 0.556 with the prefix, 0.511 / 0.276 / 0.557
# with stem(), 0.517 / 0.279 / 0.557 with stem()'s first five letters.
MATCH_PREFIX = 5


def content_stems(text: str, *, keep_generic: bool = False) -> set[str]:
    """Match keys (MATCH_PREFIX first letters) of the content words of ``text``: stop words and 1-2
    letter words dropped; a compound's parts count one by one ("top-up" matches a code named "Top up")."""
    stop = ENGLISH_STOP_WORDS if keep_generic else STOP
    return {p[:MATCH_PREFIX] for w in words(text) for p in w.split("-") if len(p) > 2 and p not in stop}


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
