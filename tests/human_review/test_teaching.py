"""The teach order: uncertain, under-taught, typical and varied answers first; reviewed ones never."""

from __future__ import annotations

import numpy as np

from surveycoder_core.engine_api import Assignment, TextCoding
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


def _reference_order(codings, vectors, n, reviewed, examples_per_code) -> list[int]:
    """The teach order by its definition: every answer rescored before each pick."""
    from surveycoder_core.human_review import teaching as t

    done = np.asarray(reviewed, dtype=bool)
    v = t._unit(vectors)
    keys = [t.likeliest_code(c) for c in codings]
    names = sorted({k for k in keys if k is not None} | set(examples_per_code))
    slot = {k: i for i, k in enumerate(names)}
    code_of = np.array([slot[k] if k is not None else -1 for k in keys])
    counts = np.zeros(len(names) + 1)
    for k, c in examples_per_code.items():
        counts[slot[k]] = c
    gain = np.array([t.uncertainty(c) for c in codings])
    ref = v[:: max(1, len(codings) // t.DENSITY_REFERENCE)]
    sims = np.sort(v @ ref.T, axis=1)[:, -min(t.DENSITY_NEIGHBOURS, ref.shape[0]):]
    gain = gain + t.DENSITY * np.clip(sims.mean(axis=1), 0.0, 1.0)
    near = np.clip(v @ v[done].T, 0.0, 1.0).max(axis=1) if done.any() else np.zeros(len(codings))
    chosen, available = [], ~done
    for _ in range(min(n, int(available.sum()))):
        score = gain + t.COVERAGE / (1.0 + counts[code_of]) - t.DIVERSITY * near
        score[~available] = -np.inf
        pick = int(np.argmax(score))
        chosen.append(pick)
        available[pick] = False
        near = np.maximum(near, np.clip(v @ v[pick], 0.0, 1.0))
        counts[code_of[pick]] += 1
    return chosen


def test_the_fast_greedy_picks_exactly_what_rescoring_every_answer_picks() -> None:
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(12, 24))
    labels = rng.integers(0, 12, size=3000)
    vectors = centres[labels] + 0.4 * rng.normal(size=(3000, 24))  # clusters: the diversity term bites
    codings = [_coding(f"c{k % 7}", float(s)) if k % 11 else TextCoding(assignments=[])
               for k, s in zip(labels, rng.uniform(0.2, 0.95, size=3000), strict=True)]
    reviewed = rng.uniform(size=3000) < 0.1
    examples = {"c0": 5, "c3": 1}
    for n in (1, 40, 100, 700):  # 700: more picks than the first slice holds
        assert teach_order(codings, vectors, n, reviewed=list(reviewed), examples_per_code=examples) == \
            _reference_order(codings, vectors, n, reviewed, examples)
