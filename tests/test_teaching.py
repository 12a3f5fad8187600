"""The teach order: uncertain, under-taught, typical and varied answers first; reviewed ones never."""

from __future__ import annotations

import numpy as np

from surveycoder_core.engines.base import Assignment, TextCoding
from surveycoder_core.human_review.teaching import teach_order, uncertainty


def _coding(code: str, score: float) -> TextCoding:
    return TextCoding(assignments=[Assignment(code, "Neutral", score, "low")], candidates=[(code, score)])


def test_uncertainty_reads_the_calibrated_score() -> None:
    assert uncertainty(TextCoding(assignments=[])) == 1.0
    assert uncertainty(_coding("a", 0.9)) < uncertainty(_coding("a", 0.3))


def test_uncertain_first_reviewed_never_and_near_duplicates_apart() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(3, 16))
    # Answers 0-2: three near-copies, all uncertain; 3: a different uncertain answer; 4: a sure one.
    vectors = np.vstack([base[0], base[0] + 0.01, base[0] + 0.02, base[1], base[2]])
    codings = [_coding("a", 0.2), _coding("a", 0.21), _coding("a", 0.22), _coding("b", 0.25), _coding("c", 0.95)]
    order = teach_order(codings, vectors, 3)
    assert order[0] in (0, 1, 2) and order[1] == 3  # the second pick is not a copy of the first
    assert 4 not in order[:2]
    assert 0 not in teach_order(codings, vectors, 5, reviewed=[True, False, False, False, False])


def test_codes_without_examples_are_taught_first() -> None:
    vectors = np.eye(4)
    codings = [_coding("a", 0.5), _coding("b", 0.5), _coding("a", 0.5), _coding("b", 0.5)]
    order = teach_order(codings, vectors, 2, examples_per_code={"a": 10, "b": 0})
    assert order[0] in (1, 3)
