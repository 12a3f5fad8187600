"""How the embedded coder turns its scores for one answer into assignments (the decision rules).

* One-vs-rest (many examples): every code whose calibrated probability (its own sigmoid, fitted on the
  question) reaches 0.5; a clause of a long answer counts for the answer (less POOL_MARGIN); an answer
  no code reaches 0.5 on gets its likeliest code only if that reaches FIT_FLOOR, else no code at all
  (``no_code_fit``: it fits no code of the codebook and may need a new one).
* Zero-shot and softmax: the whole text gives the main code, a clause whose best code is different and
  clearly supported adds a further code (multi-label), as does a runner-up code that keeps
  SECOND_MIN_PROB of the probability. ``score`` is a logistic map of the evidence fitted once on the
  benchmark sets pooled (``calibration.CALIBRATION``), so "high" means the same everywhere.
* Each code's sentiment is read from the clause that carries it (VADER + a sentiment model learnt from
  the question itself).

:class:`DecisionRules` is a mixin of :class:`~.embedded.EmbeddedCoder`: it reads the coder's fitted
state (``codes``, ``keys``, ``learner``, ``floor``, ``rep``, ``catchall``, ``record``...).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from surveycoder_core.engine_api import Assignment, CodeSpec, CodingContext, TextCoding, confidence_label
from surveycoder_core.engines.embedded.calibration import pooled_score
from surveycoder_core.text.sentiment import code_sentiment, text_sentiment
from surveycoder_core.text.words import content_stems

EXTRA_MIN_PROB = 0.3  # a clause's own code must reach this to be added as a further code
EXTRA_MIN_WORDS = 3
EXTRA_MIN_SCORE = 0.25  # ... and (zero-shot) its calibrated score this
# A runner-up code of the whole answer that keeps this much probability is added as well (never a
# catch-all as the runner-up). Measured, micro-F1 at 3,000-answer samples, modes a / b5 / b10, it
# helped or tied on every set: SemEval14 a 0.539 -> 0.556, SemEval16 sentences a 0.329 -> 0.336,
# Banking77 a 0.514 -> 0.519, NHS a 0.283 -> 0.286; 0.2 cost Banking77 b10 0.007, 0.35 gained less,
# also adding it when the runner-up holds 70-85 % of the best's probability gained nothing.
SECOND_MIN_PROB = 0.3
N_CANDIDATES = 4
# One-vs-rest (many examples): an answer whose likeliest code stays under 0.5 still gets it from this
# probability on; below it no code fits. A clause's decision counts for its whole answer less
# POOL_MARGIN (a long answer's aside is weaker evidence than a short answer about one thing).
FIT_FLOOR = 0.2
POOL_MARGIN = 0.25


def _opt_float(x) -> float | None:
    return None if x is None else float(x)


def choose(P: np.ndarray) -> np.ndarray:
    """The one-vs-rest decision on calibrated probabilities (answers x codes): every code that reaches
    0.5; an answer with none gets its likeliest code from FIT_FLOOR on, else no code (no_code_fit)."""
    chosen = P >= 0.5
    if P.shape[1]:
        top = P.argmax(axis=1)
        rows = np.where(~chosen.any(axis=1) & (P[np.arange(len(P)), top] >= FIT_FLOOR))[0]
        chosen[rows, top[rows]] = True
    return chosen


class DecisionRules:
    """The decision rules of the embedded coder (a mixin: see the module docstring)."""

    # What the rules read, learnt by EmbeddedCoder.fit (declared here for readers and the type checker).
    codes: list[CodeSpec]
    keys: list[str]
    context: CodingContext
    learner: Any
    rep: Any
    catchall: Any
    floor: float
    raw_med: float
    raw_sd: float
    n_examples: float
    record: list | None

    @property
    def supervised(self) -> bool:
        raise NotImplementedError

    def _assignment(self, k: int, clauses: list[str], text: str, cp: np.ndarray, cpos, tpos,
                    score: float) -> Assignment:
        # The clause that carries the code gives its sentiment.
        ci_best = int(np.argmax(cp[:, k])) if len(clauses) > 1 else 0
        carrier = clauses[ci_best] if len(clauses) > 1 else text
        sent = code_sentiment(
            carrier,
            text,
            self.codes[k].sentiment,
            self.context.coding_type,
            p_clause=None if cpos is None else _opt_float(cpos[ci_best]),
            p_text=_opt_float(tpos),
            question=self.context.question_text,
            code_name=self.codes[k].name,
        )
        return Assignment(self.keys[k], sent, round(score, 4), confidence_label(score))

    def _decide_ovr(self, text, clauses, d, cd, cpos=None, tpos=None) -> TextCoding:
        """One-vs-rest: every code whose calibrated probability reaches 0.5 (see choose)."""
        pooled = d if len(clauses) == 1 else np.maximum(d, cd.max(axis=0) - POOL_MARGIN)
        P_all = self.learner.calibrate(pooled[None, :])
        P = P_all[0]
        order = np.argsort(-P, kind="stable")
        candidates = [(self.keys[k], round(float(P[k]), 4)) for k in order[:N_CANDIDATES]]
        _, mixed = text_sentiment(clauses)
        chosen = [int(k) for k in np.where(choose(P_all)[0])[0]]
        # Mention order: the clause each code is read from, then the stronger code first.
        first = {k: (int(np.argmax(cd[:, k])) if len(clauses) > 1 else 0) for k in chosen}
        chosen.sort(key=lambda k: (first[k], -P[k]))
        assignments = [self._assignment(k, clauses, text, cd, cpos, tpos, float(P[k])) for k in chosen]
        return TextCoding(assignments=assignments, candidates=candidates, sentiment_mixed=mixed)

    def _decide(self, text, clauses, p, raw, cp, craw, cpos=None, tpos=None) -> TextCoding:
        """Zero-shot and softmax: the main code, a clause's own code, a strong runner-up."""
        best = int(np.argmax(p))
        fits = raw >= self.floor
        support = np.maximum(p, cp.max(axis=0))
        order = np.argsort(-support, kind="stable")
        candidates = [(self.keys[k], round(float(support[k]), 4)) for k in order[:N_CANDIDATES]]
        _, mixed = text_sentiment(clauses)
        if not fits:
            return TextCoding(assignments=[], candidates=candidates, sentiment_mixed=mixed)
        chosen: dict[int, tuple[int, list[float]]] = {}  # code -> (first clause index, features)
        ts = content_stems(text)
        chosen[best] = (
            int(np.argmax(cp[:, best])) if len(clauses) > 1 else 0,
            self._calib_features(p, best, raw, ts, extra=False),
        )
        if len(clauses) > 1:
            for ci, clause in enumerate(clauses):
                k = int(np.argmax(cp[ci]))
                if k in chosen or len(clause.split()) < EXTRA_MIN_WORDS:
                    continue
                ok = craw[ci] >= self.floor and cp[ci, k] >= EXTRA_MIN_PROB
                if ok:
                    feats = self._calib_features(cp[ci], k, craw[ci], content_stems(clause), extra=True)
                    # Zero-shot clause evidence is noisier: also require a calibrated score.
                    if self.supervised or self._calibrate(feats) >= EXTRA_MIN_SCORE:
                        chosen[k] = (ci, feats)
        if len(chosen) == 1 and len(p) > 2:
            k2 = int(np.argsort(-p, kind="stable")[1])
            if p[k2] >= SECOND_MIN_PROB and not self.catchall[k2]:
                chosen[k2] = (0, self._calib_features(p, k2, raw, ts, extra=True))
        assignments = []
        for k, (_clause, feats) in sorted(chosen.items(), key=lambda kv: kv[1][0]):
            score = self._calibrate(feats)
            if self.record is not None:
                self.record.append((self.keys[k], feats))
            assignments.append(self._assignment(k, clauses, text, cp, cpos, tpos, score))
        return TextCoding(assignments=assignments, candidates=candidates, sentiment_mixed=mixed)

    # ------------------------------------------------------------------ calibration (zero-shot, softmax)

    def _calib_features(self, probs: np.ndarray, k: int, raw: float, stems: set[str], extra: bool) -> list[float]:
        pk = float(probs[k])
        others = np.delete(probs, k)
        margin = pk - float(others.max()) if len(others) else pk
        lex = 1.0 if (self.rep.stems[k] and stems & self.rep.stems[k]) else 0.0
        rawz = (float(raw) - self.raw_med) / self.raw_sd
        return [pk, margin, rawz, lex, 1.0 if extra else 0.0, math.log(len(self.codes)), math.log1p(self.n_examples)]

    def _calibrate(self, feats: list[float]) -> float:
        """Probability that the assignment is right: the pooled map fitted on the benchmark sets."""
        return pooled_score("sup" if self.supervised else "zs", feats)
