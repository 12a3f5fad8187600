"""How words are written in a question's answers: acronyms (GP, NHS), proper adjectives (Thai), people."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from surveycoder_core.engines.embedded.name_words import _SPELL, _TITLES, FIRST_NAMES, GENERIC
from surveycoder_core.text.words import CASED_WORD_RE

_CAP_RE = re.compile(r"(?<![A-Za-z'])[A-Z][A-Za-z']*[A-Za-z](?:-[A-Za-z]+)*|(?<![A-Za-z'])[A-Z](?![A-Za-z])")
# The word before a capitalised word, and what separates them (a full stop etc. = new sentence).
_PREV_RE = re.compile(r"([A-Za-z][A-Za-z']*)([^A-Za-z']*)$")


class _Surface:
    """How words are written in the answers: acronyms (GP, NHS), proper adjectives (Thai), people."""

    def __init__(self, docs: Sequence[str]):
        from collections import Counter, defaultdict

        self.forms: dict[str, Counter] = defaultdict(Counter)
        mid_cap: Counter = Counter()
        mid_all: Counter = Counter()
        after_title: Counter = Counter()
        after_first: Counter = Counter()
        self.doc_caps: list[frozenset[str]] = []
        lower: Counter = Counter()
        for doc in docs:
            d = doc.replace("’", "'")
            toks = CASED_WORD_RE.findall(d)
            # Lower-case words are written mid-sentence; only capitalised ones need a closer look.
            lower.update(t[:-2] if t.endswith("'s") else t for t in toks if t.islower())
            caps = set()
            for m in _CAP_RE.finditer(d):
                w = m.group(0)
                if w.endswith(("'s", "'S")):
                    w = w[:-2]
                lw = w.lower()
                caps.add(lw)
                self.forms[lw][w] += 1
                before = d[max(0, m.start() - 24) : m.start()]
                pm = _PREV_RE.search(before)
                if not pm or pm.group(2).strip(" ,-") or lw == "i":
                    continue  # sentence start ("Staff were ...") says nothing about the word
                prev = pm.group(1).lower()
                mid_all[lw] += 1
                mid_cap[lw] += 1
                if prev in _TITLES:
                    after_title[lw] += 1
                if prev in FIRST_NAMES:
                    after_first[lw] += 1
            self.doc_caps.append(frozenset(caps))
        for lw, n in lower.items():
            self.forms[lw][lw] += n
            mid_all[lw] += n
        self.proper = {w for w, n in mid_all.items() if n >= 2 and mid_cap[w] >= 0.7 * n}
        self.proper_loose = {w for w, n in mid_all.items() if n >= 2 and mid_cap[w] >= 0.5 * n}
        people = set(FIRST_NAMES)
        for w in self.proper:
            cap = mid_cap[w]
            if cap and (after_title[w] >= 0.3 * cap or after_first[w] >= 0.3 * cap):
                people.add(w)
        self.people = frozenset(people - _SPELL.keys() - _TITLES - GENERIC)
        # Answers that name a person (written with a capital): "Darren was brilliant".
        self.names_person = np.array([bool(c & self.people) for c in self.doc_caps], dtype=bool)

    def word(self, w: str) -> str:
        w = _SPELL.get(w, w)
        forms = self.forms.get(w)
        if forms:
            top, n = max(forms.items(), key=lambda kv: (kv[1], kv[0]))
            acronym = top.isupper() or (top.endswith("s") and top[:-1].isupper() and len(top) > 2)
            if acronym and 2 <= len(top) <= 7 and n >= 0.5 * sum(forms.values()):
                return top  # GP, NHS, SEPA, CPNs
            if w in self.proper_loose and top[:1].isupper():
                return top[:1].upper() + top[1:].lower()  # Thai, Indian
        return w

    def phrase(self, term: str) -> str:
        return " ".join(self.word(w) for w in term.split())

    def is_person(self, w: str) -> bool:
        return w in self.people
