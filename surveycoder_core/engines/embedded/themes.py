"""Codebook generation for the embedded engine: topic first, the verdict as an attribute.

Steps (deterministic, and independent of the order of the answers: the distinct answers are sorted
before anything is computed, and repeats count as weights):

1. The engine reads the words without markup (``markup.strip_markup``).
2. Each answer's form (``answer_forms``): answers that name no topic are never clustered; they get
   plain codes by what they say: "Nothing to improve" / "Nothing / no comment", "General
   satisfaction", "General dissatisfaction". An answer that names a topic never lands there.
3. Topical answers are clustered on their *topic view* (the answer without verdict words such as
   "great", "terrible", "really"), so praise and complaint about one topic form one theme:
   * up to ``SMALL_MAX`` distinct answers: average-linkage over a blend of embedding and shared-word
     similarity, cut at ``SMALL_SIMILARITY`` — one code per idea. From ``SINGLE_IDEA_MIN_ANSWERS``
     answers on, an idea only one answer raises is coded "Other" (pinned last), the convention of
     survey coding (codes below a minimum frequency are reported as Other), so a reviewer can promote
     it; on fewer answers (the seed's 5-answer example) every idea is a code;
   * larger questions: k-means with k growing with the square root of the number of answers (more
     when the answers fall into clearly separate groups, as help-desk requests do), near-duplicate
     clusters merged, tiny ones folded into their nearest neighbour.
4. Names, definitions and examples (``theme_naming``): the phrase members use; the stance goes into
   the name only when the theme is one-sided.
5. Categories by meaning (``theme_categories``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from surveycoder_core.engine_api import CodingContext, DraftCode, Progress
from surveycoder_core.text.answer_forms import answer_form, subject_words, topic_view
from surveycoder_core.text.markup import strip_markup
from surveycoder_core.text.sentiment import sentiment_labels
from surveycoder_core.text.words import mask_names, proper_nouns

__all__ = ["generate_themes", "target_codes", "distinct_codes", "is_distinct"]

MAX_CODES = 60
MERGE_SIMILARITY = 0.9
# Questions whose answers fall into clearly separate groups (requests to a help desk, product
# intents) support more codes than free-text opinions: there, more codes split real groups instead
# of slicing one diffuse theme. Measured by the cosine silhouette of the first clustering on a
# sample: 0.14-0.17 on Banking77 at 300-10,000 answers, 0.04-0.10 on NHS comments and restaurant
# reviews. Between DISTINCT_SILHOUETTE and DISTINCT_SILHOUETTE_MAX (above it the answers are a few
# phrasings repeated) the question is re-clustered with DISTINCT_FACTOR x sqrt(n) clusters, capped at
# DISTINCT_MAX_CODES, when it has at least DISTINCT_MIN_ANSWERS answers.
DISTINCT_SILHOUETTE = 0.12
DISTINCT_SILHOUETTE_MAX = 0.3
DISTINCT_MIN_ANSWERS = 1000
DISTINCT_FACTOR = 1.6
DISTINCT_MAX_CODES = 100
SILHOUETTE_SAMPLE = 2000
KMEANS_SAMPLE = 4000
SEED = 0

# Small questions: one code per idea. Up to SMALL_MAX distinct topical answers are grouped by
# average linkage; two groups share an idea when their blended similarity reaches SMALL_SIMILARITY.
# The blend is LEXICAL_SHARE of the shared-word cosine (answers that name the same thing: "parking",
# "car park") and the rest of the embedding cosine of the topic views (synonyms: "queue", "tills").
SMALL_MAX = 200
# Measured on the hand-coded surveys in benchmarks/surveys (NMI with the hand coding, mean of 7):
# 0.12 -> 0.751, 0.14 -> 0.75, 0.16 -> 0.743, 0.2 -> 0.725, 0.28 -> 0.61; a cut at a quantile of each
# survey's own similarities did no better (0.68-0.75). Raw cosines of static embeddings are low:
# pairs of answers on one idea average 0.27, pairs on different ideas 0.08.
SMALL_SIMILARITY = 0.14
# An idea only one answer raises is coded "Other" from this many answers on (one answer is then
# under 5 % of the question); below it, as in the seed's 5-answer example, every idea is a code.
SINGLE_IDEA_MIN_ANSWERS = 20
LEXICAL_SHARE = 0.5


def target_codes(n: int) -> int:
    """How many clusters to start from on a larger question: ~40 for 2,000 answers, 60 from ~4,500."""
    f = 0.9 + 0.9 * math.exp(-n / 200.0)
    return int(max(1, min(MAX_CODES, n - 1 if n <= 3 else n, round(math.sqrt(n) * f))))


def distinct_codes(n: int) -> int:
    return int(min(DISTINCT_MAX_CODES, round(math.sqrt(n) * DISTINCT_FACTOR)))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


def _centre(v: np.ndarray) -> np.ndarray:
    return _unit(v - v.mean(axis=0)) if len(v) >= 5 else _unit(v)


def _kmeans(X: np.ndarray, k: int, weights: np.ndarray | None = None) -> np.ndarray:
    """k-means with fixed seeds; on a large question it is fitted on an evenly spread sample of
    KMEANS_SAMPLE answers and the rest are assigned to the nearest centre (the centres of 4,000
    answers are the centres of 10,000 to within k-means' own noise, in well under half the time)."""
    from sklearn.cluster import KMeans

    if k <= 1 or len(X) <= 1:
        return np.zeros(len(X), dtype=int)
    k = min(k, len(X))
    # float64: scikit-learn computes float32 distances through a slow up-casting path.
    X = np.asarray(X, dtype=np.float64)
    km = KMeans(n_clusters=k, n_init=2, random_state=SEED, max_iter=100)
    if len(X) <= KMEANS_SAMPLE:
        return km.fit_predict(X, sample_weight=weights)
    idx = np.random.default_rng(SEED).choice(len(X), size=KMEANS_SAMPLE, replace=False)
    idx.sort()
    km.fit(X[idx], sample_weight=None if weights is None else weights[idx])
    return km.predict(X)


def is_distinct(X: np.ndarray, labels: np.ndarray) -> bool:
    """True when the clustering separates the answers clearly (see DISTINCT_SILHOUETTE)."""
    from sklearn.metrics import silhouette_score

    if len(np.unique(labels)) < 2 or len(X) < 50:
        return False
    rng = np.random.default_rng(SEED)
    idx = rng.choice(len(X), size=min(len(X), SILHOUETTE_SAMPLE), replace=False)
    if len(np.unique(labels[idx])) < 2:
        return False
    silhouette = float(silhouette_score(X[idx], labels[idx], metric="cosine"))
    return DISTINCT_SILHOUETTE <= silhouette < DISTINCT_SILHOUETTE_MAX


def _merge_close(X: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Merge clusters whose centroids are near-duplicates (k-means always returns k clusters)."""
    labels = labels.copy()
    while True:
        ids = np.unique(labels)
        if len(ids) < 2:
            return labels
        C = _unit(np.vstack([X[labels == c].mean(axis=0) for c in ids]))
        S = C @ C.T
        np.fill_diagonal(S, -1.0)
        i, j = np.unravel_index(int(np.argmax(S)), S.shape)
        if S[i, j] < threshold:
            return labels
        a, b = sorted((int(ids[i]), int(ids[j])))
        labels[labels == b] = a


def _lexical_similarity(docs: Sequence[str]) -> np.ndarray:
    """Cosine of IDF-weighted topic-word stems: how much two answers name the same things."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from surveycoder_core.text.answer_forms import topic_words
    from surveycoder_core.text.words import stem

    bags = [" ".join(stem(w) for w in topic_words(d)) for d in docs]
    if not any(bags):
        return np.zeros((len(docs), len(docs)))
    try:
        M = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True).fit_transform(bags)
    except ValueError:
        return np.zeros((len(docs), len(docs)))
    return np.asarray((M @ M.T).todense())


def _small_ideas(E: np.ndarray, docs: Sequence[str]) -> np.ndarray:
    """One group per idea among a few hundred answers (average linkage, cut at SMALL_SIMILARITY);
    ``E``: the answers' topic-view embeddings, unit length."""
    from sklearn.cluster import AgglomerativeClustering

    if len(docs) == 1:
        return np.zeros(1, dtype=int)
    S = (1.0 - LEXICAL_SHARE) * (E @ E.T) + LEXICAL_SHARE * _lexical_similarity(docs)
    D = np.clip(1.0 - S, 0.0, 2.0)
    np.fill_diagonal(D, 0.0)
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                    distance_threshold=1.0 - SMALL_SIMILARITY)
    return model.fit_predict(D)


def _large_themes(X: np.ndarray, weights: np.ndarray, n_answers: int) -> np.ndarray:
    k = target_codes(n_answers)
    labels = _kmeans(X, k, weights)
    if n_answers >= DISTINCT_MIN_ANSWERS and distinct_codes(n_answers) > k and is_distinct(X, labels):
        labels = _kmeans(X, distinct_codes(n_answers), weights)
    labels = _merge_close(X, labels, MERGE_SIMILARITY)
    # Fold tiny clusters (a sliver of the answers) into their nearest neighbour.
    min_size = max(2, int(math.ceil(0.002 * n_answers)))
    sizes = np.bincount(labels, weights=weights)
    big = [c for c in range(len(sizes)) if sizes[c] >= min_size]
    if big and len(big) < int((sizes > 0).sum()):
        cents = _unit(np.vstack([X[labels == c].mean(axis=0) for c in big]))
        for c in range(len(sizes)):
            if 0 < sizes[c] < min_size:
                idx = np.where(labels == c)[0]
                labels[idx] = np.array(big)[np.argmax(X[idx] @ cents.T, axis=1)]
    return labels


def generate_themes(
    engine, texts: list[str], context: CodingContext, progress: Progress | None = None
) -> list[DraftCode]:
    from surveycoder_core.engines.embedded.theme_categories import assign_categories
    from surveycoder_core.engines.embedded.theme_naming import Theme, name_themes

    keep = [i for i, t in enumerate(texts) if t and t.strip()]
    words = [" ".join(strip_markup(texts[i]).split()) for i in keep]
    keep = [i for i, w in zip(keep, words, strict=False) if w]
    words = [w for w in words if w]
    if not keep:
        return []
    topics_only = context.coding_type == "qualitative_topics"
    # Distinct answers in a canonical order: the result cannot depend on the order of the input.
    uniq = sorted(set(words))
    slot = {u: j for j, u in enumerate(uniq)}
    owner = np.array([slot[w] for w in words])
    weight = np.bincount(owner, minlength=len(uniq)).astype(float)
    subject = subject_words(context.question_text)
    forms = [answer_form(u, subject) for u in uniq]
    stance = np.array(["Neutral"] * len(uniq) if topics_only else sentiment_labels(uniq))
    # Codes are named after what is said, not who is named ("Praise for nurses", never "for Linda").
    masked = mask_names(uniq, proper_nouns(uniq))
    topical = np.array([j for j, f in enumerate(forms) if f == "topic"], dtype=int)
    n_topical = int(weight[topical].sum()) if len(topical) else 0
    labels = np.full(len(uniq), -1)
    vectors = np.zeros((len(uniq), 1))
    small = len(topical) <= SMALL_MAX
    if len(topical):
        if small:
            E = _unit(np.asarray(engine.embed([topic_view(masked[j]) for j in topical]), dtype=np.float64))
            groups = _small_ideas(E, [masked[j] for j in topical])
            X = _centre(E)
        else:
            X = _centre(np.asarray(engine.embed([topic_view(uniq[j]) for j in topical])))
            groups = _large_themes(X, weight[topical], n_topical)
        labels[topical] = groups
        vectors = np.zeros((len(uniq), X.shape[1]))
        vectors[topical] = X
    if progress:
        progress(1, 3)

    themes: list[Theme] = []
    other: list[int] = []
    for g in np.unique(labels[topical]) if len(topical) else []:
        members = [int(j) for j in topical[labels[topical] == g]]
        if small and weight[members].sum() < 2 and len(words) >= SINGLE_IDEA_MIN_ANSWERS:
            other.extend(members)  # an idea only one answer raises
            continue
        themes.append(Theme(kind="topic", members=members))
    nothing = [j for j, f in enumerate(forms) if f == "nothing"]
    if nothing:
        themes.append(Theme(kind="nothing", members=nothing))
    verdicts = [j for j, f in enumerate(forms) if f == "verdict"]
    if topics_only and verdicts:
        themes.append(Theme(kind="verdict", members=verdicts, pole="Neutral"))
    elif verdicts:
        negative = [j for j in verdicts if stance[j] == "Negative"]
        positive = [j for j in verdicts if stance[j] != "Negative"]  # "ok", "fine": mild satisfaction
        for pole, members in (("Positive", positive), ("Negative", negative)):
            if members:
                themes.append(Theme(kind="verdict", members=members, pole=pole))
    if other:
        themes.append(Theme(kind="other", members=other))
    if progress:
        progress(2, 3)

    name_themes(themes, uniq, masked, weight, stance, topics_only=topics_only, merge_same_topic=small,
                every_idea_named=len(words) < SINGLE_IDEA_MIN_ANSWERS, subject=subject)
    assign_categories(themes, vectors, weight)
    if progress:
        progress(3, 3)

    members_of: list[list[int]] = [[] for _ in uniq]
    for pos, w in zip(keep, words, strict=False):
        members_of[slot[w]].append(pos)
    drafts = [
        DraftCode(
            name=t.name,
            category=t.category,
            definition=t.definition,
            sentiment=t.sentiment,
            member_indices=sorted(i for j in t.members for i in members_of[j]),
            keywords=list(t.keywords),
            confidence=t.confidence,
            examples=list(t.examples),
        )
        for t in themes
    ]
    # Largest first within the topical codes; the general codes after them and "Other" pinned last.
    rank = {"topic": 0, "verdict": 1, "nothing": 1, "other": 2}
    order = sorted(range(len(drafts)), key=lambda i: (rank[themes[i].kind], -len(drafts[i].member_indices), i))
    return [drafts[i] for i in order]
