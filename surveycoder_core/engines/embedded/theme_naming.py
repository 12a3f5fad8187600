"""Names, definitions and examples for generated themes, in the words respondents used.

* A topical theme is named after the topic phrase its members write (``naming.ThemeNamer``: the head
  phrase as written, forms of a word counted together, acronyms kept, people's names never).
* The stance enters the name only when the theme is one-sided (``ONE_SIDED`` of its answers share it):
  the adjectives people used ("Friendly, helpful staff", "Slow delivery"), else "Praise for X" /
  "Complaints about X" — and only around a noun (a lone verb or adjective never heads a name).
* Answers that name no topic get plain names: "General satisfaction", "General dissatisfaction",
  "Nothing to improve" / "Nothing / no comment"; single-answer ideas are "Other".
* Each code gets a one-sentence definition of what belongs in it and 2-3 typical, different answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from surveycoder_core.engines.embedded.topic_phrases import _DESCRIPTORS, GENERIC, ThemeNamer, ctfidf_keywords
from surveycoder_core.text.answer_forms import NON_TOPIC_WORDS, STANCE_PREFIXES, TONE_WORDS, topic_words
from surveycoder_core.text.sentiment import word_polarity
from surveycoder_core.text.words import stem

__all__ = ["Theme", "name_themes", "ONE_SIDED", "name_support"]

# A theme is one-sided when this share of its answers carries the same stance; only then does the
# stance go into its name (the purity bar for stance names is 0.85).
ONE_SIDED = 0.85
EXAMPLES = 3
# A name must be carried by its members: its head is used by at least this share of them.
MIN_SUPPORT = 0.3
# A theme of two or three answers needs a name two thirds of them use: two answers that share no
# word of their name are not one idea (they go to "Other").
SMALL_THEME_SUPPORT = 0.66
# Two answers that happen to agree are not a one-sided theme: stance names need this many answers.
STANCE_MIN_ANSWERS = 3
# A theme no noun phrase names keeps a plain word for a name only from this many answers on.
PLAIN_NAME_MIN_ANSWERS = 4
_NOUN_CONTEXT = (r"(?:the|my|our|your|their|his|her|its|a|an|this|that|these|those|no|any|some|more|less|of|for|with|"
                 r"many|few|and|or|about|on|in|at|by|from)")


@dataclass
class Theme:
    """A generated theme while it is being named: its members are indices of distinct answers."""

    kind: str  # topic | nothing | verdict | other
    members: list[int]
    pole: str = "Neutral"  # verdict themes: Positive / Negative / Neutral
    name: str = ""
    topic: str = ""  # the stance-free topic phrase ("delivery"); the name without stance words
    category: str = ""
    definition: str = ""
    sentiment: str = "Neutral"
    keywords: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    confidence: float = 0.5
    plain: bool = False  # named after a word that is not a noun ("Fast"): defined by the word itself


def _sentence(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


@lru_cache(maxsize=65536)
def _name_stems(name: str) -> frozenset[str]:
    """Stems of the content words of a name or an answer (cached: names are tried against every member)."""
    return frozenset(stem(w) for w in topic_words(name.replace("/", " ")))


def name_support(name: str, texts: Sequence[str], weights: Sequence[float] | np.ndarray | None = None) -> float:
    """Share of ``texts`` that contain a content word of ``name`` (forms of a word counted together)."""
    stems = _name_stems(name)
    if not texts or not stems:
        return 0.0
    w = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=float)
    hit = np.array([bool(stems & _name_stems(t)) for t in texts], dtype=float)
    return float((hit * w).sum() / max(w.sum(), 1e-9))


def _nounish(word: str, texts: Sequence[str]) -> bool:
    """Is a lone head word used as a noun ("the delivery", "parking was", "fast broadband") rather than
    a verb or an adjective ("expire", "missing", "deliver")? Read from how the members write it."""
    from surveycoder_core.engines.embedded.topic_phrases import _PARTICIPLES

    low = word.lower()
    if low in _DESCRIPTORS or low in _PARTICIPLES or low.endswith(("ly", "ed")):
        return False  # "slow", "missing", "advertised": attributes, not topics
    if low.endswith(("tion", "ment", "ness", "ity", "ance", "ence")):
        return True
    w = re.escape(word)
    after = re.compile(rf"\b{_NOUN_CONTEXT}\s+(?:\w+\s+)?{w}s?\b", re.IGNORECASE)
    before = re.compile(rf"\b{w}s?\s+(?:is|was|are|were|has|had|keeps?|kept|need|needs|goes|went)\b", re.IGNORECASE)
    adjective = re.compile(rf"\b(\w+)\s+{w}s?\b", re.IGNORECASE)
    verb = re.compile(rf"\b(?:to|i|we|you|they|can|cannot|can't|cant|don't|dont|didn't|didnt|doesn't|won't|will|"
                      rf"would|should|could|please|not|never|\w+s)\s+{w}\b", re.IGNORECASE)
    hits = verbs = uses = 0
    for t in texts:
        if not re.search(rf"\b{w}", t, re.IGNORECASE):
            continue
        uses += 1
        m = adjective.search(t)
        prev = m.group(1).lower() if m else ""
        if after.search(t) or before.search(t) or prev in _DESCRIPTORS or abs(word_polarity(prev)) >= 1.0:
            hits += 1
        elif verb.search(t):
            verbs += 1  # "to deliver", "points expire", "didn't arrive"
    # A noun by default: compounds ("membership fees", "opening hours") give no context of their own.
    return uses > 0 and (hits >= max(1, 0.2 * uses) or verbs < max(1, 0.5 * uses))


def _stance(theme: Theme, stance: np.ndarray, weight: np.ndarray) -> tuple[str, float, float]:
    w = weight[theme.members]
    tot = max(float(w.sum()), 1e-9)
    pos = float(w[stance[theme.members] == "Positive"].sum()) / tot
    neg = float(w[stance[theme.members] == "Negative"].sum()) / tot
    if pos >= ONE_SIDED:
        return "Positive", pos, neg
    if neg >= ONE_SIDED:
        return "Negative", pos, neg
    if pos >= 0.25 and neg >= 0.25:
        return "Mixed", pos, neg
    if pos > 0.5:
        return "Positive", pos, neg  # mostly praise: the code expects praise, the name stays neutral
    if neg > 0.5:
        return "Negative", pos, neg
    return "Neutral", pos, neg


def _examples(theme: Theme, docs: Sequence[str], weight: np.ndarray, terms: Sequence[str]) -> list[str]:
    """Typical, different, readable answers: they use the theme's words, are 3-30 words long, and do
    not repeat each other."""
    stems = {stem(w) for t in terms for w in t.split()}

    def score(j: int) -> tuple:
        words = topic_words(docs[j])
        n = len(docs[j].split())
        hits = len(stems & {stem(w) for w in words})
        return (-(hits > 0), -(3 <= n <= 30), -min(hits, 3), -weight[j], abs(n - 12), docs[j])

    chosen: list[str] = []
    seen: list[set[str]] = []
    for j in sorted(theme.members, key=score):
        bag = set(topic_words(docs[j]))
        if any(len(bag & s) / max(1, len(bag | s)) > 0.6 for s in seen):
            continue
        text = " ".join(docs[j].split())
        chosen.append(text if len(text) <= 200 else text[:197].rstrip() + "…")
        seen.append(bag)
        if len(chosen) == EXAMPLES:
            break
    return chosen


def _quote_list(terms: Sequence[str]) -> str:
    terms = [f"“{t}”" for t in terms]
    if len(terms) <= 1:
        return "".join(terms)
    return ", ".join(terms[:-1]) + " or " + terms[-1]


def _usable_topic(namer: ThemeNamer, k: int, topic: str, member_docs: Sequence[str]) -> str | None:
    """``topic`` as a name head, or None: every part of it must be a phrase or a noun as the members
    use it; a lone verb or adjective is widened to the phrase it is used in ("points expire")."""
    parts = []
    for part in topic.split(" / "):
        if " " in part or _nounish(part, member_docs):
            parts.append(part)
            continue
        wider = namer._expand(k, part.lower())
        if wider == part.lower():
            return None
        parts.append(namer.surface.phrase(wider))
    return " / ".join(parts)


def _name_topic(namer: ThemeNamer, k: int, theme: Theme, docs: Sequence[str], weight: np.ndarray,
                stance: str, keywords: Sequence[str], topics_only: bool, every_idea_named: bool = False,
                subject: frozenset[str] = frozenset()) -> None:
    member_docs = [docs[j] for j in theme.members]
    w = weight[theme.members]
    phrase, topic = namer.topic_phrase(k, stance if not topics_only else "Neutral")
    cands: list[tuple[str, str]] = []
    if topic is not None or phrase is not None:
        cands.append((phrase or topic or "", topic or phrase or ""))
    cands += [(namer.surface.phrase(t), namer.surface.phrase(t)) for t, _s, _sh in namer.topic_terms(k)[:8]]
    # c-TF-IDF keywords are not filtered for evaluative or filler words ("lady", "lovely"): skip those.
    cands += [(namer.surface.phrase(t), namer.surface.phrase(t)) for t in keywords[:4]
              if not any(w in GENERIC or stem(w) in GENERIC or w in NON_TOPIC_WORDS for w in t.split())]
    # The question's own subject ("course" in "What did you think of the course?") names no code.
    cands = [(ph, tp) for ph, tp in cands if not (_name_stems(tp) and _name_stems(tp) <= subject)]
    chosen: tuple[str, str] | None = None
    nounish = True
    need = SMALL_THEME_SUPPORT if w.sum() <= 3 else MIN_SUPPORT
    for ph, tp in cands:
        usable = _usable_topic(namer, k, tp, member_docs)
        if usable is None or name_support(usable, member_docs, w) < need:
            continue
        chosen = (ph if usable == tp else usable, usable)
        # A phrase widened around a verb ("app keeps", "points expire") names the code as written,
        # never inside "Praise for" / "Complaints about".
        nounish = usable == tp
        break
    if chosen is None:
        # No noun phrase carries the theme: a big theme keeps its most used word as written ("Slow"),
        # never inside a stance template; a small one ("Exactly", "Works") goes to "Other", as does a
        # theme whose members share no word.
        plain = [tp for _ph, tp in cands if name_support(tp, member_docs, w) >= need]
        if not plain or (w.sum() < PLAIN_NAME_MIN_ANSWERS and not every_idea_named):
            theme.topic = theme.name = ""
            return
        chosen, nounish = (plain[0], plain[0]), False
        theme.plain = True
    phrase, topic = chosen
    theme.topic = topic
    words = topic.lower().replace("/", " ").split()
    if words and (words[0] in _DESCRIPTORS or all(w in _DESCRIPTORS or w in {"and", "or"} or
                                                  abs(word_polarity(w)) >= 1.0 for w in words)):
        nounish = False  # "friendly staff", "helpful and friendly" carry their stance already
    one_sided = (stance in ("Positive", "Negative") and not topics_only and theme.sentiment == stance
                 and w.sum() >= STANCE_MIN_ANSWERS and nounish)
    if one_sided and phrase != topic:
        name = phrase  # "Friendly, helpful staff": the adjectives carry the stance
    elif one_sided:
        name = STANCE_PREFIXES[0 if stance == "Positive" else 1] + topic
    else:
        name = topic
    theme.name = _sentence(name)


def _distinct_name(t: Theme, keywords: Sequence[str], member_docs: Sequence[str], namer: ThemeNamer,
                   used: set[str]) -> str:
    """``t.name``, or when another code already has it, told apart by the theme's next keyword: an
    adjective goes in front ("Helpful staff"), anything else after ("Card (arrive)")."""
    if t.name.casefold() not in used:
        return t.name
    base_low = t.name.casefold()
    for extra in keywords:
        if extra.casefold() in base_low or any(w in base_low.split() for w in extra.casefold().split()):
            continue
        if any(w in TONE_WORDS or w in GENERIC for w in extra.casefold().split()):
            continue  # "Care (excellent)" tells nothing apart
        word = namer.surface.phrase(extra)
        prefix = next((p for p in STANCE_PREFIXES if t.name.startswith(p)), "")
        body = t.name[len(prefix):]
        adjective = " " not in extra and " " not in body and (
            extra.lower() in _DESCRIPTORS or extra.lower().endswith(("ful", "ive", "ous", "able", "ible", "ing", "ly")))
        if adjective:  # "Helpful staff", "Praise for professional service"
            lowered = body if body[:2].isupper() else body[:1].lower() + body[1:]
            cand = f"{prefix}{word.lower()} {lowered}" if prefix else f"{_sentence(word)} {lowered}"
        else:
            cand = f"{t.name} ({word})"
        if cand.casefold() not in used:
            return cand
    suffix = 2
    while f"{t.name} ({suffix})".casefold() in used:
        suffix += 1
    return f"{t.name} ({suffix})"


def _namer(themes: list[Theme], masked: Sequence[str],
           before: ThemeNamer | None = None) -> tuple[ThemeNamer, np.ndarray, int]:
    """The topic-phrase namer over the themes' members (answers in no theme form one more label);
    ``before``: the namer of the same answers under other themes, whose answer-level work is reused."""
    labels = np.full(len(masked), len(themes))
    for k, t in enumerate(themes):
        labels[t.members] = k
    n_labels = len(themes) + (1 if (labels == len(themes)).any() else 0)
    if before is not None:
        return before.relabel(labels, n_labels), labels, n_labels
    return ThemeNamer(list(masked), labels, n_labels), labels, n_labels


def name_themes(themes: list[Theme], docs: Sequence[str], masked: Sequence[str], weight: np.ndarray,
                stance: np.ndarray, *, topics_only: bool = False, merge_same_topic: bool = True,
                every_idea_named: bool = False, subject: frozenset[str] = frozenset()) -> None:
    """Fill in name, topic, definition, sentiment, keywords, examples and confidence of every theme."""
    namer, labels, n_labels = _namer(themes, masked)
    kws = ctfidf_keywords(list(masked), labels, n_labels, top=6)
    used: set[str] = set()
    for k, t in enumerate(themes):
        if t.kind == "topic":
            st, pos, neg = _stance(t, stance, weight)
            t.sentiment = "Neutral" if topics_only else st
            _name_topic(namer, k, t, masked, weight, st if max(pos, neg) >= ONE_SIDED else "Neutral", kws[k],
                        topics_only, every_idea_named, subject)
            if not t.name:
                t.kind = "other"  # nothing it shares is nameable: reviewers see it with the rest
    # One code per topic on a small question: themes named after the same topic merge (forms of a
    # word counted together); and one "Other" code, whatever the themes that ended there.
    merged: dict[tuple, Theme] = {}
    drop: set[int] = set()
    for t in themes:
        # On a large question two clusters named alike are usually two requests about one thing
        # ("Card" lost, "Card" not arrived): they stay apart and their names are told apart below.
        same = t.kind == "topic" and merge_same_topic
        key = ("other",) if t.kind == "other" else (
            ("topic", tuple(sorted(_name_stems(t.topic)))) if same else (t.kind, t.pole, id(t)))
        first = merged.setdefault(key, t)
        if first is not t:
            first.members = sorted(first.members + t.members)
            drop.add(id(t))
    if drop:
        kept_idx = [k for k, t in enumerate(themes) if id(t) not in drop]
        kws = [kws[k] for k in kept_idx]
        themes[:] = [themes[k] for k in kept_idx]
        namer = _namer(themes, masked, before=namer)[0]
    for k, t in enumerate(themes):
        st, pos, neg = _stance(t, stance, weight)
        one_sided = max(pos, neg) >= ONE_SIDED and weight[t.members].sum() >= STANCE_MIN_ANSWERS
        t.sentiment = "Neutral" if topics_only else st
        terms = [x for x, _s, _sh in namer.topic_terms(k)][:6] if t.kind == "topic" else []
        if t.kind == "nothing":
            improve = any(re.search(r"improv|chang|better|fault|complain", docs[j], re.I) for j in t.members)
            t.name = "Nothing to improve" if improve else "Nothing / no comment"
            t.sentiment = "Positive" if improve and not topics_only else "Neutral"
            t.definition = ("Answers saying there is nothing to improve or nothing to add, such as “nothing”, "
                            "“no complaints” or “can't fault it”.")
        elif t.kind == "verdict":
            t.name = {"Positive": "General satisfaction", "Negative": "General dissatisfaction"}.get(
                t.pole, "General comments")
            t.sentiment = "Neutral" if topics_only else t.pole
            t.definition = {
                "Positive": "Overall praise that names no particular topic, such as “great” or “all fine”.",
                "Negative": "Overall dissatisfaction that names no particular topic, such as “terrible”.",
            }.get(t.pole, "Overall comments that name no particular topic.")
        elif t.kind == "other":
            t.name = "Other"
            t.sentiment = "Neutral" if topics_only else st
            t.definition = ("Ideas raised by a single answer, or too varied to share a name; review them and "
                            "promote one to a code of its own when it recurs.")
        else:
            lead = {"Positive": "Praise for", "Negative": "Complaints about",
                    "Mixed": "Praise and complaints about"}.get(t.sentiment, "Mentions of")
            if topics_only or (t.sentiment in ("Positive", "Negative") and not one_sided):
                lead = "Mentions of"
            topic_low = t.topic if t.topic[:2].isupper() else t.topic[:1].lower() + t.topic[1:]
            topic_low = topic_low.replace(" / ", " and ")
            head_stems = _name_stems(t.topic)
            more = [x for x in terms if not ({stem(w) for w in x.split()} & head_stems)][:3]
            if t.plain:
                t.definition = f"Answers that say “{topic_low}”" + (f", with {_quote_list(more)}" if more else "") + "."
            else:
                t.definition = f"{lead} {topic_low}" + (f", such as {_quote_list(more)}" if more else "") + "."
        t.name = _distinct_name(t, kws[k], [masked[j] for j in t.members], namer, used)
        used.add(t.name.casefold())
        t.keywords = list(dict.fromkeys([t.topic.lower()] + list(kws[k]))) if t.topic else list(kws[k])
        t.examples = _examples(t, docs, weight, [t.topic.lower()] + terms if t.topic else terms)
        member_docs = [docs[j] for j in t.members]
        t.confidence = round(name_support(t.topic or t.name, member_docs, weight[t.members]), 3) \
            if t.kind == "topic" else 0.5
