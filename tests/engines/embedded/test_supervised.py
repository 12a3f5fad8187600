"""The one-vs-rest learner: multi-label training, calibrated abstention, no cap on examples.

Codes are named "Code A", "Code B"…: their names say nothing, so whatever the coder gets right it
learnt from the examples (a coder that learnt nothing scores near zero on these tests).
"""

from __future__ import annotations

import numpy as np

from surveycoder_core.engine_api import CodeSpec, CodingContext
from surveycoder_core.engines.embedded.calibration import PlattPerCode
from surveycoder_core.engines.embedded.learner import OVR_MIN_EXAMPLES, OneVsRestLearner
from tests.synthetic import make_texts

THEMES = ["price", "staff", "waiting", "cleanliness", "app"]
OPAQUE = {t: f"Code {chr(65 + i)}" for i, t in enumerate(THEMES)}


def _data(n: int, seed: int) -> list[tuple[str, set[str]]]:
    return [(text, {theme for theme, _ in truth}) for text, truth in make_texts(n, seed)]


def _book(train: list[tuple[str, set[str]]], themes: list[str]) -> list[CodeSpec]:
    return [CodeSpec(key=t, name=OPAQUE[t], category="Topics",
                     examples=[text for text, gold in train if t in gold]) for t in themes]


def _f1(gold: list[set[str]], pred: list[set[str]]) -> float:
    tp = sum(len(g & p) for g, p in zip(gold, pred, strict=False))
    return 2 * tp / (sum(map(len, gold)) + sum(map(len, pred)))


def test_examples_teach_codes_whose_names_say_nothing(engine) -> None:
    train, test = _data(300, seed=1), _data(200, seed=2)
    book = _book(train, THEMES)
    assert min(len(c.examples) for c in book) >= OVR_MIN_EXAMPLES
    coder = engine.prepare(book, [t for t, _ in test], CodingContext())
    assert coder.regime == "ovr"
    pred = [{a.code_key for a in c.assignments} for c in coder.code([t for t, _ in test])]
    assert _f1([g for _, g in test], pred) >= 0.85
    unschooled = engine.prepare([CodeSpec(c.key, c.name, c.category) for c in book], [t for t, _ in test],
                                CodingContext())
    guessed = [{a.code_key for a in c.assignments} for c in unschooled.code([t for t, _ in test])]
    assert _f1([g for _, g in test], guessed) < 0.5  # the names alone cannot do it
    assert coder.estimated_agreement is not None and coder.estimated_agreement >= 0.8


def test_an_answer_with_two_codes_teaches_both(engine) -> None:
    train, test = _data(300, seed=3), _data(300, seed=4)
    assert sum(len(g) == 2 for _, g in train) >= 50
    book = _book(train, THEMES)
    two = [text for text, gold in train if len(gold) == 2][0]
    assert sum(two in c.examples for c in book) == 2  # one answer, a positive for each of its codes
    coder = engine.prepare(book, [t for t, _ in test], CodingContext())
    double = [(t, g) for t, g in test if len(g) == 2]
    pred = [{a.code_key for a in c.assignments} for c in coder.code([t for t, _ in double])]
    both = sum(p == g for p, g in zip(pred, [g for _, g in double], strict=False))
    assert both >= 0.6 * len(double), (both, len(double))


def test_answers_of_a_theme_outside_the_codebook_get_no_code(engine) -> None:
    train, test = _data(400, seed=5), _data(300, seed=6)
    kept = ["price", "staff", "waiting", "cleanliness"]
    inside = [(t, g) for t, g in train if g <= set(kept)]
    outside_train = [t for t, g in train if g == {"app"}]  # a wave coded with this codebook: left uncoded
    book = _book(inside, kept)
    ctx = CodingContext(no_code_examples=tuple(outside_train))
    coder = engine.prepare(book, [t for t, _ in test], ctx)
    app_only = [t for t, g in test if g == {"app"}]
    fitting = [(t, g) for t, g in test if g <= set(kept)]
    left = [not c.assignments for c in coder.code(app_only)]
    assert sum(left) >= 0.8 * len(app_only), (sum(left), len(app_only))
    pred = [{a.code_key for a in c.assignments} for c in coder.code([t for t, _ in fitting])]
    assert _f1([g for _, g in fitting], pred) >= 0.85
    # Confidence follows the calibrated score: "high" assignments are right.
    high = [(a.code_key in g) for c, (_, g) in zip(coder.code([t for t, _ in fitting]), fitting, strict=False)
            for a in c.assignments if a.confidence == "high"]
    assert high and sum(high) / len(high) >= 0.9


def test_every_example_counts_there_is_no_cap(engine) -> None:
    train = _data(600, seed=8)
    book = _book(train, THEMES)
    assert max(len(c.examples) for c in book) > 100
    coder = engine.prepare(book, [t for t, _ in train[:50]], CodingContext())
    rows = coder.learner.out_of_fold_.shape[0]
    assert rows == len({t for c in book for t in c.examples})


def test_platt_per_code_gives_each_code_its_own_threshold() -> None:
    rng = np.random.default_rng(0)
    d = rng.normal(size=(400, 2))
    Y = np.stack([(d[:, 0] > 0.5), (d[:, 1] > -0.5)], axis=1).astype(int)
    cal = PlattPerCode(shrink=0.0).fit(d, Y)
    t = cal.thresholds()
    assert abs(t[0] - 0.5) < 0.2 and abs(t[1] + 0.5) < 0.2
    P = cal.transform(np.array([[0.5, -0.5]]))
    assert np.allclose(P, 0.5, atol=0.1)


def test_learner_is_an_estimator_that_stores_its_parameters() -> None:
    learner = OneVsRestLearner(C=0.1, folds=2)
    assert (learner.C, learner.folds) == (0.1, 2) and not hasattr(learner, "coef_")
