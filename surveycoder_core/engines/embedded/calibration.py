"""Turning the embedded engine's evidence into probabilities that mean the same on every question.

Two maps:

* :class:`PlattPerCode` (supervised, one-vs-rest): fitted on the question itself from out-of-fold
  decision values of the human-coded answers. Each code gets its own sigmoid; a code with few examples
  borrows from the question's pooled sigmoid (weight ``n / (n + SHRINK)`` on its own fit), since a
  sigmoid fitted on five positives is noise. Where a code's sigmoid crosses 0.5 is its acceptance
  threshold.
* :data:`CALIBRATION` (zero-shot and few-shot softmax paths, which have no held-out human codes on
  the question): a logistic map of the coder's evidence fitted once on the benchmark sets pooled
  (``benchmarks/fit_calibration.py``), so "high" means the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

SHRINK = 20.0  # examples at which a code's own sigmoid and the pooled one weigh the same
MIN_SLOPE = 0.1  # a sigmoid must rise with the evidence (a flat or falling fit is noise)


def _platt(decision: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0).fit(decision.reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


class PlattPerCode:
    """P(code k applies | decision d) = sigmoid(a_k d + b_k), shrunk towards the pooled (a, b)."""

    def __init__(self, shrink: float = SHRINK, min_slope: float = MIN_SLOPE) -> None:
        self.shrink = shrink
        self.min_slope = min_slope

    def fit(self, decision: np.ndarray, Y: np.ndarray) -> PlattPerCode:
        Y = np.asarray(Y)
        n, n_codes = Y.shape
        flat_y = Y.ravel()
        if 0 < flat_y.sum() < len(flat_y):
            a0, b0 = _platt(decision.ravel(), flat_y)
        else:
            a0, b0 = 1.0, 0.0
        self.slope_ = np.full(n_codes, a0)
        self.offset_ = np.full(n_codes, b0)
        for k in range(n_codes):
            positives = int(Y[:, k].sum())
            if 3 <= positives < n:
                a, b = _platt(decision[:, k], Y[:, k])
                w = positives / (positives + self.shrink)
                self.slope_[k] = w * a + (1 - w) * a0
                self.offset_[k] = w * b + (1 - w) * b0
        self.slope_ = np.maximum(self.slope_, self.min_slope)
        return self

    def transform(self, decision: np.ndarray) -> np.ndarray:
        z = np.clip(decision * self.slope_ + self.offset_, -30.0, 30.0)
        return 1.0 / (1.0 + np.exp(-z))

    def thresholds(self) -> np.ndarray:
        """Each code's acceptance threshold on the decision value (probability 0.5)."""
        return -self.offset_ / self.slope_


# Features: [prob, margin over runner-up, best score z-scored within the question, code word in text,
# added from a clause, log #codes, log(1 + examples per code)]. Fitted by benchmarks/fit_calibration.py
# on the five benchmark sets pooled (2,000-answer samples, each set weighted equally).
CALIBRATION: dict[str, tuple[list[float], float]] = {
    "zs": ([3.4084, -0.2412, -0.0754, 0.6377, -0.3005, -0.6778, 0.0], -0.6068),
    "sup": ([1.1761, 1.4535, -0.3822, 1.1969, -0.3261, -0.1001, 0.5256], -2.876),
}


def pooled_score(kind: str, feats: Sequence[float]) -> float:
    """Probability that an assignment is right from the pooled map ``CALIBRATION[kind]``."""
    coef = CALIBRATION.get(kind)
    if coef is None:  # benchmarks/fit_calibration.py clears the map to collect raw features
        return float(min(max(feats[0], 0.0), 1.0))
    w, b = coef
    z = b + sum(wi * fi for wi, fi in zip(w, feats, strict=False))
    return float(1.0 / (1.0 + math.exp(-z)))
