"""How many codes a generated codebook gets: opinion questions stay readable, clearly separate
groups of answers (help-desk requests, product intents) get a code each."""

from __future__ import annotations

import numpy as np

from surveycoder_core.engine_api import CodingContext
from surveycoder_core.engines.embedded import themes

WORDS = ["card", "refund", "pin", "transfer", "fee", "cash", "balance", "top", "exchange", "limit",
         "account", "address", "phone", "statement", "payment", "charge", "wallet", "rate", "pending",
         "blocked", "verify", "identity", "salary", "cheque", "loan", "savings", "interest", "atm",
         "contactless", "virtual", "disposable", "beneficiary", "declined", "reverted", "overdraft",
         "currency", "merchant", "receipt", "withdrawal", "deposit"]


class VectorEngine:
    """Embeds each text as a fixed vector: lets a test choose how separable the answers are."""

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def embed(self, texts):
        return np.stack([self.vectors[t] for t in texts])


def _blobs(n_groups: int, per_group: int, spread: float, dim: int = 64, seed: int = 3):
    """``n_groups`` groups of answers around random centres; small spread = clearly separate."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_groups, dim))
    texts, vectors, groups = [], {}, []
    for g in range(n_groups):
        for j in range(per_group):
            # Texts differ so that none is deduplicated; the words only feed the names.
            first, second = WORDS[g % len(WORDS)], WORDS[(g // len(WORDS) * 13 + 5) % len(WORDS)]
            text = f"question about {first} {second} number {g}-{j}"
            texts.append(text)
            vectors[text] = centres[g] + spread * rng.normal(size=dim) * np.sqrt(1.0 / dim) * 8
            groups.append(g)
    return texts, vectors, np.array(groups)


def _silhouette_case(spread: float) -> bool:
    texts, vectors, _ = _blobs(80, 25, spread=spread)
    X = themes._centre(np.stack([vectors[t] for t in texts]))
    return themes.is_distinct(X, themes._kmeans(X, 40))


def test_separate_groups_are_recognised_but_not_diffuse_or_repeated_answers():
    assert _silhouette_case(0.8)  # separate groups, each written many ways (silhouette ~0.24)
    assert not _silhouette_case(3.0)  # diffuse opinions (~0.03)
    assert not _silhouette_case(0.15)  # a few phrasings repeated (~0.49): more codes would split paraphrases


def test_clearly_separate_groups_get_more_codes_than_an_opinion_question():
    n_groups, per_group = 80, 25  # 2,000 answers
    base = themes.target_codes(n_groups * per_group)
    context = CodingContext(coding_type="qualitative_topics")
    texts, vectors, _ = _blobs(n_groups, per_group, spread=0.8)
    distinct = themes.generate_themes(VectorEngine(vectors), texts, context)
    assert base < len(distinct) <= themes.DISTINCT_MAX_CODES
    assert len(distinct) >= 0.8 * themes.distinct_codes(len(texts))
    for spread in (3.0, 0.15):
        texts, vectors, _ = _blobs(n_groups, per_group, spread=spread)
        assert len(themes.generate_themes(VectorEngine(vectors), texts, context)) <= base <= themes.MAX_CODES


def test_code_budget_grows_with_the_question_and_is_capped():
    assert themes.target_codes(2000) < themes.distinct_codes(2000)
    assert themes.target_codes(100_000) == themes.MAX_CODES
    assert themes.distinct_codes(100_000) == themes.DISTINCT_MAX_CODES
