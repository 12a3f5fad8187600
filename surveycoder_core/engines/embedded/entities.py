"""Entity coding ("which brands come to mind?"): find the names mentioned and fold their variants.

Survey answers spell names every way: "addidas", "Adidas Originals", "ADIDAS", "nike air max".
Mentions are gathered from (a) capitalised word runs and (b) the items of list-style answers
("nike, adidas and puma"); variants are folded together when they are near-identical spellings
or when a longer mention starts with a known shorter entity (a product line: "Adidas Originals").
A multi-word name whose first word is not an entity on its own ("New Balance") stays one entity.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from difflib import SequenceMatcher

from surveycoder_core.engine_api import (
    Assignment,
    CodeSpec,
    CodingContext,
    DraftCode,
    TextCoding,
    confidence_label,
)
from surveycoder_core.text.clauses import split_clauses
from surveycoder_core.text.sentiment import code_sentiment
from surveycoder_core.text.words import STOP, SURVEY_STOP

_CAP_RUN = re.compile(r"\b([A-Z][\w&'\-]*(?:\s+(?:&\s+)?[A-Z][\w&'\-]*){0,2})")
_LIST_SPLIT = re.compile(r"\s*(?:,|;|/|\n|\band\b|\bor\b|&|\+|\|)\s*", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9][a-z0-9&'\-]*")
# Capitalised words that are not names (sentence starts, pronouns, fillers).
_NOT_NAMES = frozenset(
    {"i", "i'm", "i've", "the", "a", "an", "my", "we", "they", "it", "its", "this", "that", "these", "those",
     "their", "our", "you", "your", "he", "she", "not", "no", "yes", "none", "nothing", "don't", "maybe",
     "probably", "definitely", "also", "and", "but", "or", "so", "because", "mostly", "mainly", "usually",
     "sometimes", "love", "like", "prefer", "buy", "wear", "good", "great", "best", "nice", "cheap", "expensive",
     "brand", "brands", "shoes", "clothes", "quality", "price", "n/a", "na", "dunno", "idk"}
)


def _norm(s: str) -> str:
    return " ".join(_TOKEN.findall(s.lower()))


def _is_name_like(tokens: list[str]) -> bool:
    if not tokens or len(tokens) > 3:
        return False
    if all(t in STOP or t in _NOT_NAMES for t in tokens):
        return False
    return tokens[0] not in _NOT_NAMES


def _mentions(text: str, weak: set[str] | None = None) -> list[tuple[str, str]]:
    """(normalised form, surface form) of the candidate names in one answer.

    A capitalised run at the start of a sentence may just be a capitalised word ("Comfortable
    shoes"); its form is added to ``weak`` so the caller can require more evidence for it.
    """
    out: list[tuple[str, str]] = []
    strong: set[str] = set()
    for m in _CAP_RUN.finditer(text):
        surface = m.group(1)
        toks = _norm(surface).split()
        stripped = False
        while toks and toks[0] in _NOT_NAMES:
            toks = toks[1:]
            surface = " ".join(surface.split()[1:])
            stripped = True
        if _is_name_like(toks):
            form = " ".join(toks)
            before = text[: m.start()].rstrip()
            # Two capitalised words in a row ("New Balance") are a name even at a sentence start.
            if not stripped and len(toks) == 1 and (not before or before[-1] in ".!?\n"):
                if weak is not None:
                    weak.add(form)
            else:
                strong.add(form)
            out.append((form, surface))
    # List-style answers: short items separated by commas / "and" are names even in lower case.
    items = [i for i in _LIST_SPLIT.split(text) if i and i.strip()]
    short = [i for i in items if len(_norm(i).split()) <= 3]
    list_style = bool(items and len(short) == len(items))
    if list_style:
        for it in short:
            toks = _norm(it).split()
            while toks and toks[0] in _NOT_NAMES:
                toks = toks[1:]
            # An item with a filler word in it ("look great") is a phrase, not a name.
            if any(t in _NOT_NAMES or t in SURVEY_STOP for t in toks):
                continue
            if _is_name_like(toks):
                strong.add(" ".join(toks))
                out.append((" ".join(toks), it.strip()))
    if weak is not None:
        weak -= strong
    seen: set[str] = set()
    uniq = []
    for n, s in out:
        if n not in seen:
            seen.add(n)
            uniq.append((n, s))
    return uniq


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 4:
        return False
    return SequenceMatcher(None, a, b).ratio() >= 0.85


def fold_entities(texts: Sequence[str]) -> tuple[list[str], dict[str, str], list[list[str]]]:
    """(canonical names by frequency, variant -> canonical, canonical names mentioned per text)."""
    weak_by_text: list[set[str]] = []
    per_text = []
    for t in texts:
        w: set[str] = set()
        per_text.append(_mentions(t or "", w))
        weak_by_text.append(w)
    strong_forms = {n for ms, w in zip(per_text, weak_by_text, strict=False) for n, _ in ms if n not in w}
    counts: Counter[str] = Counter()
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for ms in per_text:
        for n, s in ms:
            counts[n] += 1
            surfaces[n][s] += 1
    # A form's support counts its product lines too ("adidas" gains "adidas originals"), so the
    # common spelling wins over a typo with the same raw count.
    support = {f: c + sum(counts[g] for g in counts if g.startswith(f + " ")) for f, c in counts.items()}
    cap_count = {f: sum(c for s, c in surfaces[f].items() if s[:1].isupper()) for f in counts}
    # 1. Near-identical spellings fold into the best-supported form (addidas -> adidas).
    forms = sorted(counts, key=lambda f: (-support[f], -cap_count[f], len(f.split()), f))
    parent: dict[str, str] = {}
    heads: list[str] = []
    for f in forms:
        for h in heads:
            if _similar(f, h):
                parent[f] = h
                break
        else:
            heads.append(f)
            parent[f] = f
    # 2. Product lines: "adidas originals" -> "adidas" when the first word is an entity itself.
    head_set = set(heads)
    for h in list(heads):
        toks = h.split()
        if len(toks) > 1:
            for j in range(len(toks) - 1, 0, -1):
                prefix = " ".join(toks[:j])
                target = parent.get(prefix) if prefix in parent else None
                if target is None:
                    target = next((x for x in head_set if x != h and _similar(prefix, x)), None)
                if target is not None and target != h:
                    for f, p in parent.items():
                        if p == h:
                            parent[f] = target
                    head_set.discard(h)
                    break
    canon_counts: Counter[str] = Counter()
    for f, c in counts.items():
        canon_counts[parent[f]] += c
    # A name only ever seen once, capitalised at a sentence start, is likely an ordinary word.
    strong_heads = {parent[f] for f in strong_forms}
    for h in list(canon_counts):
        if h not in strong_heads and canon_counts[h] < 2:
            del canon_counts[h]
    display: dict[str, str] = {}
    for h in canon_counts:
        # Display: the most frequent capitalised surface of the head form, else Title Case.
        caps = [(c, s) for s, c in surfaces[h].items() if s[:1].isupper() and _norm(s) == h]
        if caps:
            display[h] = sorted(caps, key=lambda x: (-x[0], x[1].isupper(), x[1]))[0][1]
        else:
            display[h] = " ".join(w[:1].upper() + w[1:] for w in h.split())
        if display[h].isupper() and len(display[h]) > 4:
            display[h] = display[h].title()
    names = [display[h] for h in sorted(canon_counts, key=lambda h: (-canon_counts[h], h))]
    variant_map = {f: display[parent[f]] for f in parent if parent[f] in display}
    mentioned = []
    for ms in per_text:
        seen: list[str] = []
        for n, _ in ms:
            if parent[n] not in canon_counts:
                continue
            d = variant_map[n]
            if d not in seen:
                seen.append(d)
        mentioned.append(seen)
    return names, variant_map, mentioned


def entity_codebook(texts: Sequence[str], category: str = "Brands") -> list[DraftCode]:
    names, _, mentioned = fold_entities(texts)
    members: dict[str, list[int]] = defaultdict(list)
    for i, ms in enumerate(mentioned):
        for d in ms:
            members[d].append(i)
    n = len(texts)
    min_count = 1 if n < 200 else 2  # one-off mentions in a big survey are mostly noise
    drafts = []
    for d in names:
        if len(members[d]) < min_count:
            continue
        drafts.append(
            DraftCode(
                name=d,
                category=category,
                definition=f"Mentions of {d} (any spelling or product line).",
                sentiment="Neutral",
                member_indices=members[d],
                keywords=[d.lower()],
                confidence=round(min(1.0, 0.5 + 0.1 * len(members[d])), 3),
            )
        )
    return drafts


class EntityCoder:
    """Codes each text with the entities of the codebook it mentions (any spelling)."""

    def __init__(self, codebook: Sequence[CodeSpec], context: CodingContext) -> None:
        self.codes = list(codebook)
        self.context = context
        self.forms = [_norm(c.name) for c in self.codes]

    def _match(self, mention: str) -> int | None:
        best, best_r = None, 0.0
        for k, f in enumerate(self.forms):
            if not f:
                continue
            if mention == f or mention.startswith(f + " "):
                return k
            r = SequenceMatcher(None, mention, f).ratio() if min(len(mention), len(f)) >= 4 else 0.0
            if r > best_r:
                best, best_r = k, r
        return best if best_r >= 0.85 else None

    def code(self, texts: Sequence[str]) -> list[TextCoding]:
        out = []
        for t in texts:
            t = t or ""
            low = _norm(t)
            found: list[tuple[int, float]] = []
            for n, _ in _mentions(t):
                k = self._match(n)
                if k is not None and k not in [x for x, _ in found]:
                    found.append((k, 0.95 if n == self.forms[k] or n.startswith(self.forms[k] + " ") else 0.7))
            # Names written inside a sentence in lower case: look for the code's words directly.
            for k, f in enumerate(self.forms):
                if f and k not in [x for x, _ in found] and re.search(rf"(?<![a-z0-9]){re.escape(f)}(?![a-z0-9])", low):
                    found.append((k, 0.9))
            clauses = split_clauses(t) or [t]
            assignments = []
            for k, score in sorted(found, key=lambda x: low.find(self.forms[x[0]].split()[0]) % 10**6):
                carrier = next((c for c in clauses if self.forms[k].split()[0][:4] in _norm(c)), t)
                sent = code_sentiment(carrier, t, "Neutral", "entity")
                assignments.append(Assignment(self.codes[k].key, sent, score, confidence_label(score)))
            out.append(
                TextCoding(assignments=assignments, candidates=[(a.code_key, a.score) for a in assignments])
            )
        return out


__all__ = ["entity_codebook", "fold_entities", "EntityCoder"]
