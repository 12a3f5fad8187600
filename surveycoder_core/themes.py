"""Codebook generation for the embedded engine: cluster the answers, split one-sided stances, name.

Steps (all deterministic, fixed seeds):
1. Embed each answer (mean-centred unit vectors) and cluster with k-means; k grows with the square
   root of the number of answers (about 27 for 2,000 answers, capped at 60). When that first
   clustering shows clearly separate groups (cosine silhouette 0.12-0.3, as with help-desk requests;
   opinion answers sit at 0.04-0.10, repeated phrasings above 0.3) and there are 1,000 answers or
   more, the answers are re-clustered with about 1.6 x sqrt(n) clusters, up to 100.
2. A cluster whose members are clearly split between praise and complaint becomes two codes,
   because grouping agree and disagree into one theme is what users reject.
3. Tiny clusters are folded into their nearest neighbour (no "outlier" bin: every answer is a member).
4. Codes get human names from their c-TF-IDF terms (naming.ThemeNamer: head topic phrase, stance
   only when one-sided, no people's names), a one-sentence definition and an expected sentiment;
   they are grouped into 2–8 categories by clustering the code centroids, each named after the
   topic its codes share.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .engines.base import CodingContext, DraftCode, Progress
from .naming import ThemeNamer, ctfidf_keywords
from .sentiment import sentiment_label
from .textfeatures import mask_names, proper_nouns

MAX_CODES = 60
MERGE_SIMILARITY = 0.9
# Questions whose answers fall into clearly separate groups (requests to a help desk, product
# intents) support more codes than free-text opinions: there, more codes split real groups instead
# of slicing one diffuse theme. Measured by the cosine silhouette of the first clustering on a
# sample: 0.14-0.17 on Banking77 at 300-10,000 answers, 0.04-0.10 on NHS comments and restaurant
# reviews. Above DISTINCT_SILHOUETTE the question is re-clustered with DISTINCT_FACTOR x sqrt(n)
# clusters, capped at DISTINCT_MAX_CODES (Banking77, 3,000 answers: NMI 0.672 with 35 clusters,
# 0.740 with 88; coded first code 0.659 -> 0.713 with 80 codes). Opinion questions keep MAX_CODES,
# which is what a reader can take in.
DISTINCT_SILHOUETTE = 0.12
# Above this, the answers are a few phrasings repeated (templated or one-word answers: 0.49 on the
# tests' synthetic survey): the first clustering already separates them, more would split a
# phrasing from its paraphrase.
DISTINCT_SILHOUETTE_MAX = 0.3
# ... and only with this many different answers: a few hundred answers written from a few dozen
# phrasings also look separate, and got one code per phrasing (45 codes for the tests' synthetic
# survey of 5 themes x 2 stances).
DISTINCT_MIN_ANSWERS = 1000
DISTINCT_FACTOR = 1.6
DISTINCT_MAX_CODES = 100
SILHOUETTE_SAMPLE = 2000
SEED = 0


SMALL_QUESTION = 12
SMALL_SIMILARITY = 0.35  # raw cosine: distinct reasons sit near 0.15, answers on one topic near 0.45


def target_codes(n: int) -> int:
    """How many clusters to start from: one per answer up to 12 answers (a handful of answers is
    a handful of ideas; only near-duplicates merge), ~13 for 100, ~34 for 2,000, 60 from ~6,400."""
    if n <= SMALL_QUESTION:
        return n
    f = 0.75 + 0.9 * math.exp(-n / 200.0)
    return int(max(1, min(MAX_CODES, n - 1 if n <= 3 else n, round(math.sqrt(n) * f))))


def _centre(v: np.ndarray) -> np.ndarray:
    if len(v) >= 5:
        v = v - v.mean(axis=0)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


def _kmeans(X: np.ndarray, k: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    if k <= 1:
        return np.zeros(len(X), dtype=int)
    km = KMeans(n_clusters=k, n_init=2, random_state=SEED, max_iter=100)
    return km.fit_predict(X)


def is_distinct(X: np.ndarray, labels: np.ndarray) -> bool:
    """True when the clustering separates the answers clearly (see DISTINCT_SILHOUETTE)."""
    from sklearn.metrics import silhouette_score

    if len(np.unique(labels)) < 2 or len(X) < 50:
        return False
    rng = np.random.default_rng(SEED)
    idx = rng.choice(len(X), size=min(len(X), SILHOUETTE_SAMPLE), replace=False)
    if len(np.unique(labels[idx])) < 2:
        return False
    return DISTINCT_SILHOUETTE <= float(silhouette_score(X[idx], labels[idx], metric="cosine")) < DISTINCT_SILHOUETTE_MAX


def distinct_codes(n: int) -> int:
    return int(min(DISTINCT_MAX_CODES, round(math.sqrt(n) * DISTINCT_FACTOR)))


def _small_groups(vectors: np.ndarray, similar: float = SMALL_SIMILARITY) -> np.ndarray:
    """A handful of answers: one group per idea. Average-linkage on raw cosine, so answers about
    one thing ("no parking spaces", "the car park was full") group while distinct reasons stay apart."""
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=1.0 - similar)
    return model.fit_predict(np.asarray(vectors, dtype=np.float64))


def _merge_close(X: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    labels = labels.copy()
    while True:
        ids = np.unique(labels)
        if len(ids) < 2:
            return labels
        C = np.vstack([X[labels == c].mean(axis=0) for c in ids])
        C /= np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-9)
        S = C @ C.T
        np.fill_diagonal(S, -1.0)
        i, j = np.unravel_index(int(np.argmax(S)), S.shape)
        if S[i, j] < threshold:
            return labels
        a, b = sorted((int(ids[i]), int(ids[j])))
        labels[labels == b] = a


def _short_example(texts: Sequence[str], idx: np.ndarray, X: np.ndarray) -> str:
    """The most central answer of a cluster among the reasonably short ones."""
    c = X[idx].mean(axis=0)
    sims = X[idx] @ c
    order = idx[np.argsort(-sims, kind="stable")]
    for i in order[:20]:
        t = " ".join(texts[i].split())
        if 3 <= len(t.split()) <= 20:
            return t
    t = " ".join(texts[order[0]].split())
    return t if len(t) <= 120 else t[:117] + "…"


def generate_themes(
    engine, texts: list[str], context: CodingContext, progress: Progress | None = None
) -> list[DraftCode]:
    keep = [i for i, t in enumerate(texts) if t and t.strip()]
    if not keep:
        return []
    topics_only = context.coding_type == "qualitative_topics"
    # Codes are named after what is said, not who or which brand is named ("Praise for innovation",
    # not "Praise for Nike"; no people's names). Clustering reads the answers as written: masking
    # names there lowered NMI on 4 of 5 benchmark sets.
    said = [texts[i] for i in keep]  # as written: embedded, and quoted in definitions
    sub = mask_names(said, proper_nouns(said))
    n = len(sub)
    X = _centre(engine.embed(said))
    lab = np.array([sentiment_label(t) for t in said])  # includes "suggestions are criticism"
    # Leave room for the stance splits below so the final count stays near the target.
    k = max(1, int(round(target_codes(n) * (1.0 if topics_only or n <= SMALL_QUESTION else 0.85))))
    if 1 < n <= SMALL_QUESTION:
        labels = _small_groups(engine.embed(sub))  # names masked: a shared brand is not a shared idea
    else:
        labels = _kmeans(X, k) if n > 1 else np.zeros(n, dtype=int)
        if n >= DISTINCT_MIN_ANSWERS and distinct_codes(n) > k and is_distinct(X, labels):
            # Room for the stance splits below, as above, within DISTINCT_MAX_CODES in all.
            labels = _kmeans(X, int(round(distinct_codes(n) * (1.0 if topics_only else 0.85))))
    # k-means always returns k clusters; on homogeneous answers several are the same theme.
    # Merge clusters whose centroids are near-duplicates (the themefinder gate: < 0.9 similar),
    # so the number of codes follows the diversity of the answers, not only their count.
    labels = _merge_close(X, labels, MERGE_SIMILARITY)
    if progress:
        progress(1, 3)

    # ---- stance split: praise and complaint about the same topic are different codes
    next_label = int(labels.max()) + 1
    if not topics_only:
        for c in range(int(labels.max()) + 1):
            idx = np.where(labels == c)[0]
            if len(idx) < 4:
                continue
            pos, neg = lab[idx] == "Positive", lab[idx] == "Negative"
            if pos.mean() >= 0.25 and neg.mean() >= 0.25:
                labels[idx[neg]] = next_label  # the complaints move out; praise and neutral stay
                next_label += 1

    # ---- fold tiny clusters into the nearest big one
    min_size = max(2, int(math.ceil(0.002 * n))) if n >= 50 else 1
    sizes = np.bincount(labels, minlength=next_label)
    big = [c for c in range(next_label) if sizes[c] >= min_size]
    if big and len(big) < next_label:
        cents = np.vstack([X[labels == c].mean(axis=0) for c in big])
        for c in range(next_label):
            if 0 < sizes[c] < min_size:
                idx = np.where(labels == c)[0]
                labels[idx] = np.array(big)[np.argmax(X[idx] @ cents.T, axis=1)]
    # relabel 0..m-1 by size (largest first), ties by first member: deterministic order
    uniq = [c for c in range(next_label) if (labels == c).any()]
    uniq.sort(key=lambda c: (-(labels == c).sum(), int(np.argmax(labels == c))))
    remap = {c: i for i, c in enumerate(uniq)}
    labels = np.array([remap[c] for c in labels])
    m = len(uniq)
    if progress:
        progress(2, 3)

    kws = ctfidf_keywords(sub, labels, m, top=6)
    namer = ThemeNamer(sub, labels, m)
    used: set[str] = set()
    drafts: list[DraftCode | None] = []
    other_by_stance: dict[str, int] = {}
    same_name: dict[tuple, int] = {}
    cents = np.vstack([X[labels == c].mean(axis=0) for c in range(m)])
    for c in range(m):
        idx = np.where(labels == c)[0]
        pos_share = float((lab[idx] == "Positive").mean())
        neg_share = float((lab[idx] == "Negative").mean())
        if topics_only:
            stance = "Neutral"
        elif pos_share >= 0.6:
            stance = "Positive"
        elif neg_share >= 0.6:
            stance = "Negative"
        elif pos_share >= 0.25 and neg_share >= 0.25:
            stance = "Mixed"
        else:
            stance = "Neutral"
        short = Counter(
            " ".join(sub[i].lower().strip(" .!?,;:-").split()) for i in idx.tolist() if len(sub[i].split()) <= 4
        )
        common = next((t for t, _ in short.most_common(3) if any(ch.isalpha() for ch in t)), None)
        fallback = common[:1].upper() + common[1:] if common else None
        words = kws[c]
        if words:
            # A keyword used by only a sliver of the cluster does not name it ("Team" for a cluster
            # of "Nothing" / "No, not really" answers): fall back to the commonest short answer.
            low = [sub[i].lower() for i in idx.tolist()]
            used_by = float(np.mean([any(all(w in t for w in kw.split()) for kw in words[:2]) for t in low]))
            if used_by < 0.1:
                words = []
                if not (fallback and short[common] >= min(max(2, 0.05 * len(idx)), len(idx))):
                    fallback = None  # an incoherent cluster: call it what it is, "Other comments"
        key = (tuple(sorted(words[:2])), stance) if words else None
        if key is not None and key in same_name:
            # Same two keywords and stance as an earlier cluster: the same theme, one code.
            target = drafts[same_name[key]]
            target.member_indices = sorted(target.member_indices + [keep[i] for i in idx.tolist()])
            drafts.append(None)
            continue
        if key is not None:
            same_name[key] = c
        if not words and not fallback and stance in other_by_stance:
            # A second incoherent cluster of the same stance joins the first: one "Other comments".
            target = drafts[other_by_stance[stance]]
            target.member_indices = sorted(target.member_indices + [keep[i] for i in idx.tolist()])
            drafts.append(None)
            continue
        if not words and not fallback:
            other_by_stance[stance] = c
        example = _short_example(said, idx, X)
        # The commonest short answer names a cluster only when it is common ("Nothing", "No comment").
        if fallback and short[common] < min(max(2, 0.05 * len(idx)), len(idx)):
            fallback = None
        k_name = c if words else -1
        name = namer.code_name(k_name, stance, used, with_stance=not topics_only, fallback=fallback, keywords=kws[c])
        definition = namer.definition(k_name, stance, example, fallback=fallback, with_stance=not topics_only)
        cohesion = float(np.mean(X[idx] @ (cents[c] / max(np.linalg.norm(cents[c]), 1e-9))))
        drafts.append(
            DraftCode(
                name=name,
                category="",
                definition=definition,
                sentiment=stance,
                member_indices=[keep[i] for i in idx.tolist()],
                keywords=list(kws[c]),
                confidence=round(float(min(1.0, max(0.0, cohesion))), 3),
            )
        )

    # ---- categories: group code centroids (2–8 groups), name by the group's top keyword
    n_cat = 1 if m <= 2 else int(min(8, max(2, round(math.sqrt(m)))))
    if n_cat > 1:
        from sklearn.cluster import AgglomerativeClustering

        cat_labels = AgglomerativeClustering(n_clusters=n_cat, linkage="ward").fit_predict(_centre(cents) if m >= 5 else cents)
    else:
        cat_labels = np.zeros(m, dtype=int)
    cat_names = namer.category_names(cat_labels, n_cat)
    for c, d in enumerate(drafts):
        if d is not None:
            d.category = cat_names[int(cat_labels[c])]
            d.name = namer.specific_name(c, d.name, d.category, used, kws[c])
    if progress:
        progress(3, 3)
    out = [d for d in drafts if d is not None]
    # Largest first; the "Other ..." catch-alls are pinned last, as reviewers expect.
    out.sort(key=lambda d: (d.name.startswith("Other ") and d.name.endswith("comments"), -len(d.member_indices)))
    return out
