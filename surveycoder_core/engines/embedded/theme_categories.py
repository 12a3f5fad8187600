"""Categories for a generated codebook: codes that share a topic, named after that topic.

The rule: a codebook of at most ``FLAT_MAX`` codes gets one category ("Themes"), as the seed's own
example does. A larger one groups its topical codes by the meaning of their answers (average linkage
over each code's mean topic vector, cut at ``CATEGORY_SIMILARITY``): a group of
two or more codes is a category named after the word its codes share ("Staff") or, failing that, its
largest code's topic; codes that share a topic with no other code are filed under "Other topics"
(or "Themes" when no two codes share one).
The general codes (satisfaction, nothing to improve, Other) form "General", listed last. At most
``MAX_CATEGORIES`` categories in all: beyond that the smallest groups join "Other topics".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from surveycoder_core.engines.embedded.theme_naming import Theme
from surveycoder_core.text.answer_forms import topic_words
from surveycoder_core.text.words import stem

__all__ = ["assign_categories", "FLAT_MAX", "MAX_CATEGORIES"]

FLAT_MAX = 8
MAX_CATEGORIES = 8
# Codes whose topics are closer than the average pair of codes (centred cosine above 0) share a
# category: on the hand-coded surveys this groups roads with potholes and street lights, buses with
# traffic and cycling; a higher cut (0.1-0.3) left most codes under "Other topics".
CATEGORY_SIMILARITY = 0.0
GENERAL = "General"
OTHER_TOPICS = "Other topics"


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


def _shared_word(names: Sequence[str]) -> str | None:
    """The topic word most of the codes' topics share ("staff" in "Friendly staff", "Staff numbers")."""
    counts: Counter = Counter()
    surface: dict[str, Counter] = {}
    for name in names:
        seen = set()
        for w in topic_words(name.replace("/", " ")):
            s = stem(w)
            if s not in seen:
                counts[s] += 1
                surface.setdefault(s, Counter())[w] += 1
                seen.add(s)
    if not counts:
        return None
    top, n = max(counts.items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))
    if n < max(2, 0.5 * len(names)):
        return None
    return surface[top].most_common(1)[0][0]


def assign_categories(themes: list[Theme], vectors: np.ndarray, weight: np.ndarray) -> None:
    """Set ``category`` on every theme (see the module docstring for the rule); ``vectors``: the
    centred topic vectors of the distinct answers (rows of topical answers), ``weight``: repeats."""
    from sklearn.cluster import AgglomerativeClustering

    topical = [t for t in themes if t.kind == "topic"]
    general = [t for t in themes if t.kind != "topic"]
    if len(themes) <= FLAT_MAX or len(topical) < 2:
        for t in themes:
            t.category = "Themes"
        return
    # A code's meaning: the weighted mean topic vector of its answers.
    V = _unit(np.vstack([(vectors[t.members] * weight[t.members, None]).sum(axis=0) for t in topical]))
    if len(V) >= 5:
        V = _unit(V - V.mean(axis=0))
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=1.0 - CATEGORY_SIMILARITY)
    groups = model.fit_predict(V)
    size = {g: sum(weight[t.members].sum() for t, gg in zip(topical, groups, strict=True) if gg == g)
            for g in set(groups)}
    multi = [g for g in size if (groups == g).sum() >= 2]
    room = MAX_CATEGORIES - (1 if general else 0) - (1 if len(multi) < len(size) else 0)
    multi = sorted(multi, key=lambda g: (-size[g], g))
    kept = set(multi[: max(1, room)]) if multi else set()
    used: set[str] = {GENERAL.casefold(), OTHER_TOPICS.casefold()}
    names: dict[int, str] = {}
    for g in sorted(kept, key=lambda g: (-size[g], g)):
        members = [t for t, gg in zip(topical, groups, strict=False) if gg == g]
        word = _shared_word([t.topic for t in members])
        by_size = sorted(members, key=lambda t: (-weight[t.members].sum(), t.topic))
        topics = [t.topic[:1].upper() + t.topic[1:] for t in by_size]
        for cand in ([word.capitalize()] if word else []) + topics:
            if cand and cand.casefold() not in used:
                names[g] = cand
                break
        else:
            names[g] = f"{topics[0]} (more)"
        used.add(names[g].casefold())
    lone = OTHER_TOPICS if names else "Themes"  # no two codes share a topic: one topical category
    for t, g in zip(topical, groups, strict=False):
        t.category = names.get(int(g), lone)
    for t in general:
        t.category = GENERAL
