"""The embedded engine's supervised learners, scikit-learn style (``__init__`` stores, ``fit`` learns).

* :class:`TextFeatures`: one sparse row per text: word TF-IDF (1-2 grams, sublinear) beside the
  question-centred sentence vector. TF-IDF carries the question's own words, the vector carries
  meaning across wordings; each alone lost to both together on every benchmark set.
* :class:`OneVsRestLearner`: one linear SVM per code (class-balanced), trained on every human-coded
  answer (an answer with three codes is a positive for each of them; an answer a human coded with no
  code is a negative for all). Its decision values are calibrated on the question itself: K-fold
  out-of-fold decisions, a Platt sigmoid per code shrunk towards the question's pooled sigmoid when a
  code has few examples (:mod:`.calibration`). So each code has its own acceptance threshold (where
  its sigmoid crosses 0.5) and the probability is honest on this question.
* :class:`SoftmaxLearner`: with only a few examples per code, a multinomial logistic regression
  whose class prior is re-estimated on the question's answers (damped EM) and which is retrained once
  on its most confident answers (self-training). Below :data:`OVR_MIN_EXAMPLES` examples per code it
  beat the one-vs-rest learner on the benchmark sets (the names and the answers' own distribution
  matter more than the handful of examples there).

Measured with ``benchmarks/eval_quality.py --modes split,b`` (see the module constants).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from scipy import sparse

from surveycoder_core.engine_api import CodeSpec
from surveycoder_core.engines.embedded.calibration import PlattPerCode

TFIDF_MAX_FEATURES = 20000
# Weight of the sentence-vector block against the (unit-length) TF-IDF block, and the SVMs' C. Measured
# (mode split, 3,000-answer samples; gain over the plain baseline on Banking77 / NHS / SemEval14 /
# SemEval16 reviews / sentences): C 0.5, weight 1.0: +0.108 / +0.034 / +0.029 / +0.032 / +0.049;
# C 0.3: +0.105 / +0.043 / +0.031 / +0.031 / +0.049; C 0.3, weight 0.85: +0.094 / +0.047 / +0.038 /
# +0.033 / +0.051 (the best smallest gain); weight 0.7 cost reviews, 1.4 cost SemEval14 and NHS.
EMBEDDING_WEIGHT = 0.85
SOFTMAX_EMBEDDING_WEIGHT = 1.0  # the softmax learner's own measured setting (modes b5, b10, c)
SVM_C = 0.3
SVM_TOL = 1e-2  # a looser stopping rule than liblinear's 1e-4: same micro-F1 (±0.001), fits 1.5-2x faster
CV_FOLDS = 3
FIT_THREADS = 4  # at most this many codes fitted at once
# The one-vs-rest learner takes over from the softmax learner at this many human-coded examples per
# code (median over the codes that have any).
OVR_MIN_EXAMPLES = 15
# Softmax learner (few examples): measured constants carried over from the earlier engine.
LR_C = 10.0
LR_MAX_ITER = 150
PRIOR_DAMP = 0.5
SELF_TRAIN_FRAC = 0.5
SELF_TRAIN_MAX = 3000  # cap on self-training rows (speed on 10k-answer questions)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with single-threaded BLAS. The engine's matrices are mid-sized (L-BFGS steps over
    a few hundred thousand weights, 10,000 x 256 products), where BLAS threads cost more in hand-offs
    than they gain, and on a shared 2-core machine they fight every other process: the mixed 10k
    workload's coding stage took 7.9 s wall / 11.9 s CPU with two threads, 6.6 s / 6.0 s with one."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def unit_rows(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)


def reestimate_prior(P: np.ndarray, damp: float, rounds: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Damped EM for how common each code is among the answers (codes are far from balanced,
    a uniform start is not): returns (class shares, re-weighted probabilities)."""
    n_codes = P.shape[1]
    pi0 = np.full(n_codes, 1.0 / n_codes)
    pi, Q = pi0.copy(), P
    for _ in range(rounds):
        Q = P * (pi / pi0) ** damp
        Q /= Q.sum(axis=1, keepdims=True)
        pi = Q.mean(axis=0)
    return pi, Q


def training_rows(codes: Sequence[CodeSpec], no_code: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct human-coded texts and their 0/1 code sets (a text listed under three codes has three)."""
    index: dict[str, int] = {}
    labels: list[set[int]] = []
    for k, c in enumerate(codes):
        for text in c.examples:
            if text and text.strip():
                row = index.setdefault(text, len(index))
                if row == len(labels):
                    labels.append(set())
                labels[row].add(k)
    for text in no_code:
        if text and text.strip() and text not in index:
            index[text] = len(index)
            labels.append(set())
    Y = np.zeros((len(index), len(codes)), dtype=np.int8)
    for row, ks in enumerate(labels):
        Y[row, list(ks)] = 1
    return list(index), Y


class TextFeatures:
    """[word TF-IDF | centred unit sentence vector x ``embedding_weight``] as one CSR matrix."""

    def __init__(self, embedding_weight: float = EMBEDDING_WEIGHT, max_features: int = TFIDF_MAX_FEATURES) -> None:
        self.embedding_weight = embedding_weight
        self.max_features = max_features

    def fit(self, texts: list[str], vectors: np.ndarray, centre: np.ndarray | None = None) -> TextFeatures:
        """Learn the vocabulary from ``texts`` (the question's answers and the examples)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.tfidf_ = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), max_features=self.max_features,
                                      min_df=2 if len(texts) >= 200 else 1).fit(texts)
        self.centre_ = vectors.mean(axis=0) if centre is None else centre
        return self

    def fit_transform(self, texts: list[str], vectors: np.ndarray,
                      centre: np.ndarray | None = None) -> sparse.csr_matrix:
        """fit, then the rows of ``texts`` themselves, reading each text once."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.tfidf_ = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), max_features=self.max_features,
                                      min_df=2 if len(texts) >= 200 else 1)
        words = self.tfidf_.fit_transform(texts)
        words.sort_indices()  # as transform() gives them
        self.centre_ = vectors.mean(axis=0) if centre is None else centre
        return self._stack(words, vectors)

    def transform(self, texts: list[str], vectors: np.ndarray) -> sparse.csr_matrix:
        return self._stack(self.tfidf_.transform(texts), vectors)

    def _stack(self, words: sparse.csr_matrix, vectors: np.ndarray) -> sparse.csr_matrix:
        dense = self.embedding_weight * unit_rows(np.asarray(vectors, dtype=np.float64) - self.centre_)
        return sparse.hstack([words, sparse.csr_matrix(dense)]).tocsr()


def _fit_svms(X: sparse.csr_matrix, Y: np.ndarray, C: float, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Weights (features x codes) and intercepts of one balanced linear SVM per code.

    The codes are fitted on a few threads: liblinear releases the GIL, so 2 cores halve the time."""
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.svm import LinearSVC

    n_codes = Y.shape[1]
    W = np.zeros((X.shape[1], n_codes))
    b = np.full(n_codes, -1.0)  # a code nobody (or everybody) has: never its own evidence
    todo = [k for k in range(n_codes) if 0 < int(Y[:, k].sum()) < len(Y)]

    def fit(k: int) -> tuple[int, LinearSVC]:
        return k, LinearSVC(C=C, class_weight="balanced", tol=tol).fit(X, Y[:, k])

    with ThreadPoolExecutor(max_workers=max(1, min(FIT_THREADS, os.cpu_count() or 1))) as pool:
        for k, svm in pool.map(fit, todo):
            W[:, k] = svm.coef_[0]
            b[k] = svm.intercept_[0]
    return W, b


class OneVsRestLearner:
    """One balanced linear SVM per code with per-code Platt calibration from out-of-fold decisions."""

    def __init__(self, C: float = SVM_C, folds: int = CV_FOLDS, tol: float = SVM_TOL, seed: int = 0) -> None:
        self.C = C
        self.folds = folds
        self.tol = tol
        self.seed = seed

    def fit(self, X: sparse.csr_matrix, Y: np.ndarray, X_prior: sparse.csr_matrix | None = None,
            Y_prior: np.ndarray | None = None) -> OneVsRestLearner:
        """``X, Y``: human-coded answers (Y is 0/1, answers x codes). ``X_prior, Y_prior``: rows always
        trained on but never scored (each code's own name), so every code has a positive."""
        from sklearn.model_selection import KFold

        Y = np.asarray(Y, dtype=np.int8)
        extra_X = [X_prior] if X_prior is not None else []
        extra_Y = [np.asarray(Y_prior, dtype=np.int8)] if Y_prior is not None else []

        def train(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            Xs = sparse.vstack([X[rows], *extra_X]).tocsr()
            return _fit_svms(Xs, np.vstack([Y[rows], *extra_Y]), self.C, self.tol)

        n = X.shape[0]
        self.coef_, self.intercept_ = train(np.arange(n))
        out_of_fold = self.decision_function(X)
        folds = min(self.folds, n)
        if folds >= 2:
            for fit_rows, held in KFold(folds, shuffle=True, random_state=self.seed).split(np.arange(n)):
                W, b = train(fit_rows)
                out_of_fold[held] = X[held] @ W + b
        self.calibration_ = PlattPerCode().fit(out_of_fold, Y)
        self.out_of_fold_ = out_of_fold
        return self

    def decision_function(self, X: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef_) + self.intercept_

    def calibrate(self, decision: np.ndarray) -> np.ndarray:
        """Decision values -> calibrated probability that each code applies."""
        return self.calibration_.transform(decision)

    def predict_proba(self, X: sparse.csr_matrix) -> np.ndarray:
        return self.calibrate(self.decision_function(X))


class SoftmaxLearner:
    """Multinomial logistic regression for few examples, adapted to the question (prior EM, self-training)."""

    def __init__(self, C: float = LR_C, max_iter: int = LR_MAX_ITER, prior_damp: float = PRIOR_DAMP,
                 self_train_frac: float = SELF_TRAIN_FRAC, self_train_max: int = SELF_TRAIN_MAX) -> None:
        self.C = C
        self.max_iter = max_iter
        self.prior_damp = prior_damp
        self.self_train_frac = self_train_frac
        self.self_train_max = self_train_max

    def fit(self, X: sparse.csr_matrix, y: np.ndarray, n_codes: int,
            X_corpus: sparse.csr_matrix | None = None,
            start: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> SoftmaxLearner:
        """``y``: the code index of each example row (a text with two codes is two rows). ``start``: a
        model of similar rows to start L-BFGS from (``examples_model_`` of another fit)."""
        from sklearn.linear_model import LogisticRegression

        self.n_codes_ = n_codes
        # Trained on the columns its rows use: under the L2 penalty the weight of a column that is zero
        # in every training row stays exactly 0, so leaving it out gives the same model, and L-BFGS
        # (whose cost grows with the weights: 54 codes x 18,000 columns) runs 3-5x faster.
        self.columns_ = _used_columns(X)
        model = LogisticRegression(C=self.C, max_iter=self.max_iter)
        if start is not None and _warm_start(model, start, self.columns_, y):
            model.set_params(warm_start=True)
        model.fit(X[:, self.columns_], y)
        self.model_ = model
        # The examples-only model (before self-training), a starting point for fits on similar rows.
        self.examples_model_ = (self.columns_, model.coef_.copy(), model.intercept_.copy())
        if X_corpus is None or X_corpus.shape[0] < 30:
            return self
        # Transductive refinement over the question's answers: re-estimate the class prior (humans'
        # codes are far from balanced, the examples are), then self-train once on the confident ones.
        P = self.predict_proba(X_corpus) + 1e-6
        _, Q = reestimate_prior(P, self.prior_damp)
        pred, conf = Q.argmax(axis=1), Q.max(axis=1)
        chosen: list[int] = []
        budget = max(1, int(self.self_train_max / max(1, n_codes)))
        for c in range(n_codes):
            idx = np.where(pred == c)[0]
            if len(idx):
                order = idx[np.argsort(-conf[idx], kind="stable")]
                chosen.extend(order[: min(budget, int(len(order) * self.self_train_frac))].tolist())
        if len(chosen) < n_codes:
            return self
        rows = np.array(sorted(chosen))
        X2 = sparse.vstack([X, X_corpus[rows]]).tocsr()
        del X_corpus  # the caller passes it without keeping it: the next fit is the engine's memory peak
        y2 = np.concatenate([y, pred[rows]])
        weights = np.concatenate([np.full(len(y), 3.0), np.ones(len(rows))])
        columns = _used_columns(X2)  # a superset of the examples' columns
        X2 = X2[:, columns]
        # Warm start from the examples-only model when the classes are the same: far fewer iterations.
        if set(np.unique(y2)) == set(model.classes_):
            coef = np.zeros((model.coef_.shape[0], len(columns)))
            coef[:, np.searchsorted(columns, self.columns_)] = model.coef_
            model.coef_ = coef
            model.set_params(warm_start=True)
        else:
            model = LogisticRegression(C=self.C, max_iter=self.max_iter)
        self.columns_ = columns
        self.model_ = model.fit(X2, y2, sample_weight=weights)
        return self

    def predict_proba(self, X: sparse.csr_matrix) -> np.ndarray:
        P = np.zeros((X.shape[0], self.n_codes_))
        P[:, self.model_.classes_] = self.model_.predict_proba(X[:, self.columns_])
        return P


def _warm_start(model, start: tuple[np.ndarray, np.ndarray, np.ndarray], columns: np.ndarray,
                y: np.ndarray) -> bool:
    """Give ``model`` the weights of ``start`` on ``columns`` (0 where it had none); False when the
    classes differ. The penalised loss is strictly convex, so the start changes only how fast L-BFGS
    gets to the same optimum (to its tolerance)."""
    cols0, coef0, intercept0 = start
    if coef0.shape[0] != (1 if len(np.unique(y)) == 2 else len(np.unique(y))):
        return False
    idx = np.minimum(np.searchsorted(cols0, columns), len(cols0) - 1)
    found = cols0[idx] == columns
    coef = np.zeros((coef0.shape[0], len(columns)))
    coef[:, found] = coef0[:, idx[found]]
    model.coef_, model.intercept_ = coef, intercept0.copy()
    return True


def _used_columns(X: sparse.csr_matrix) -> np.ndarray:
    """The sorted indices of the columns with a nonzero entry in some row."""
    return np.flatnonzero(np.bincount(X.indices[X.data != 0], minlength=X.shape[1]))


def softmax_agreement(X: sparse.csr_matrix, Y: np.ndarray, X_names: sparse.csr_matrix, second_min: float,
                      folds: int = CV_FOLDS, seed: int = 0,
                      start: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> float | None:
    """Cross-validated micro-F1 of the softmax learner on the human-coded answers (``Y``: answers x codes):
    trained on the other folds (without self-training), it gives each held-out answer its top code and
    the runner-up that keeps ``second_min`` of the probability, as the coder does. ``start``: the model
    of all the examples (``SoftmaxLearner.examples_model_``): each fold's fit starts from it."""
    from sklearn.model_selection import KFold

    n, n_codes = Y.shape
    if n < max(2 * folds, 2 * n_codes) or n_codes < 2:
        return None  # too few answers to hold some out and still learn every code
    tp = wrong = 0
    for fit_rows, held in KFold(folds, shuffle=True, random_state=seed).split(np.arange(n)):
        r, c = np.nonzero(Y[fit_rows])
        X_fit = sparse.vstack([X[fit_rows][r], X_names]).tocsr()
        P = SoftmaxLearner().fit(X_fit, np.concatenate([c, np.arange(n_codes)]), n_codes,
                                 start=start).predict_proba(X[held])
        ranked = np.argsort(-P, axis=1, kind="stable")
        chosen = np.zeros(P.shape, dtype=bool)
        chosen[np.arange(len(P)), ranked[:, 0]] = True
        runner = ranked[:, 1]
        keep = P[np.arange(len(P)), runner] >= second_min
        chosen[np.where(keep)[0], runner[keep]] = True
        truth = Y[held] == 1
        tp += int((chosen & truth).sum())
        wrong += int((chosen & ~truth).sum() + (~chosen & truth).sum())
    return 2 * tp / (2 * tp + wrong) if tp + wrong else None
