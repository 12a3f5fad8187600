"""The embedded engine: offline coding with static sentence embeddings, TF-IDF and a lexicon.

How it codes (``prepare`` fits the "coding manual" once, ``EmbeddedCoder.code`` applies it batch by
batch; scikit-learn style, ``EmbeddedCoder(...)`` stores its parameters and ``fit`` learns):

* Every code is represented by the embedding of its cleaned name (with its category) and definition,
  plus the content words of its name (a code's own words appearing in a text is strong evidence).
* Without human examples (zero-shot), a text's score for a code is the cosine between mean-centred
  vectors plus a lexical bonus, turned into probabilities with a softmax; the code prior is
  re-estimated over the question's answers (damped EM: human codes are far from balanced). Catch-all
  codes ("Other", "Anecdotes/miscellaneous") take the answers whose best real code is weak; a
  category's broad code ("Staff: General") competes for what its specific siblings match (GENERAL_GAP).
* Every human-coded answer teaches (``CodeSpec.examples``: codebook examples, reviews, an imported
  coded wave; an answer listed under several codes is a positive for each; answers a human coded with
  no code, ``CodingContext.no_code_examples``, are negatives for all). How it learns depends on how
  many there are (``embedded_learner``): from OVR_MIN_EXAMPLES examples per code, one calibrated
  linear SVM per code (one-vs-rest); below, a softmax model adapted to the question (prior EM,
  self-training); when fewer than half the codes have examples, the examples sharpen the zero-shot
  code vectors.
* How scores become codes, with a sentiment each, is ``embedded_decisions``: one-vs-rest takes every
  code whose calibrated probability reaches 0.5; zero-shot and softmax take the main code, a clause's
  own code and a strong runner-up.
* Review ranking: ``prepare`` codes a sample of the question and keeps the REVIEW_SHARE quantile of
  each answer's review priority (weakest calibrated score, less a penalty per extra code) as
  ``TextCoding.review_cut``; review.py flags the answers below it (the least certain quarter of the
  question), so the review queue stays a minority.
* A text with no letters, or (zero-shot, softmax) whose best support is among the weakest 3 % of the
  question, gets no code (review flags it ``no_code_fit``).

Every constant below was measured with ``benchmarks/eval_quality.py`` on all benchmark sets and
kept only if it helped across them (see the comments on each).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import numpy as np

from surveycoder_core.engine_api import CodeSpec, CodingContext, DraftCode, EmbeddingCache, Progress, TextCoding
from surveycoder_core.engines.embedded.calibration import CALIBRATION
from surveycoder_core.engines.embedded.decisions import SECOND_MIN_PROB, DecisionRules, choose
from surveycoder_core.engines.embedded.embedder import Embedder
from surveycoder_core.engines.embedded.learner import (
    EMBEDDING_WEIGHT,
    OVR_MIN_EXAMPLES,
    SOFTMAX_EMBEDDING_WEIGHT,
    OneVsRestLearner,
    SoftmaxLearner,
    TextFeatures,
    one_blas_thread,
    reestimate_prior,
    softmax_agreement,
    training_rows,
    unit_rows,
)
from surveycoder_core.engines.embedded.prototypes import GENERAL_GAP, represent_codes
from surveycoder_core.engines.flags import review_priority
from surveycoder_core.text.answer_forms import answer_form, is_general_code, subject_words
from surveycoder_core.text.clauses import split_clauses
from surveycoder_core.text.sentiment import QuestionSentiment, prime_for_coding
from surveycoder_core.text.words import clean_code_name

__all__ = ["CALIBRATION", "GENERAL_GAP", "EmbeddedCoder", "EmbeddedEngine"]

# ---- tuning constants (measured on the benchmark sets, kept identical for every dataset) ----
ZS_TEMPERATURE = 0.06  # softmax temperature over zero-shot scores
ZS_PRIOR_DAMP = 0.7  # zero-shot: damped EM re-estimation of the code prior over the question
ZS_MIN_SIM = 0.05  # the relative fit floor (below) never exceeds this best zero-shot score
# Small questions (under 20 answers: no question statistics to lean on): below this best zero-shot
# score (uncentred cosine + code-word bonus) nothing fits. Measured on 150 random 2-code codebooks per
# benchmark set, 10 answers each, half of them about other codes: micro-F1 0.534 at 0.05, 0.557 at
# 0.15 (0.554 at 0.12, 0.555 at 0.2), out-of-codebook answers left uncoded 22 % -> 58 %.
SMALL_ZS_MIN_SIM = 0.15
SUP_MIN_PROB = 0.12  # small questions with examples: below this nothing fits
# On a real question the fit floor is relative: answers whose best support is in the weakest
# NO_FIT_QUANTILE of the question's answers (and below the absolute floor) get no code. Raw cosine
# scales differ too much between questions for one absolute cut to work.
NO_FIT_QUANTILE = 0.03
# Catch-all codes ("Other", "Miscellaneous", "Anecdotes/miscellaneous") have no meaning to match;
# zero-shot, they take the answers whose best real code is weak: their score is this quantile of
# the question's best real-code scores.
CATCHALL_QUANTILE = 0.35
# Review: the least certain share of a question's answers is flagged (review.py), ranked by each
# answer's weakest calibrated score less a penalty per extra code (review.review_priority). A
# relative cut keeps the review queue a workable minority on every question (an absolute cut
# flagged 45-63 % where the coder is weak); the weakest score
# ranked wrong assignments best on every benchmark set (AUC 0.67-0.81; margin, #codes and opposite
# sentiments did worse). The cut is the REVIEW_SHARE quantile over a sample coded at prepare time.
REVIEW_SHARE = 0.25
REVIEW_SAMPLE = 800


# A learner replaces the (example-sharpened) code prototypes only from this many examples per code on
# average: with one or two, the names carry more. Measured (mode curve, Banking77, 50 random reviews
# for 77 codes): 0.350 with the softmax learner, 0.561 with prototypes (zero-shot 0.519).
SUPERVISED_MIN_MEAN = 3



# The question statistics (catch-all level, code prior, fit floor) are read on its first
# answers; the review cut on an evenly spaced sample (answers often arrive sorted by something).
STATS_SAMPLE = 3000

_WORDISH = re.compile(r"[^\W\d_]{2,}")


def _softmax(x: np.ndarray, t: float) -> np.ndarray:
    z = (x - x.max(axis=1, keepdims=True)) / t
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class EmbeddedCoder(DecisionRules):
    """The coding manual for one question, scikit-learn style: ``EmbeddedCoder(engine, codebook,
    context)`` stores its parameters, ``fit(texts)`` learns from the question's answers and the
    codes' examples, ``code(texts)`` applies it (``EmbeddedEngine.prepare`` does the first two).

    ``regime`` says how it learnt: "zero_shot", "prototype" (examples for few codes), "softmax" (few
    examples per code) or "ovr" (one-vs-rest, many examples).
    """

    def __init__(self, engine: EmbeddedEngine, codebook: Sequence[CodeSpec], context: CodingContext) -> None:
        self.engine = engine
        self.codebook = codebook
        self.context = context
        self.record: list | None = None  # evaluation hook: collects calibration features while coding

    # ------------------------------------------------------------------ learning

    def fit(self, texts: Sequence[str], progress: Progress | None = None) -> EmbeddedCoder:
        """Learn the coding manual from the question's answers (``texts``) and the codes' examples."""
        self.codes = list(self.codebook)
        self.keys = [c.key for c in self.codes]
        self.regime = "zero_shot"
        self.floor = ZS_MIN_SIM
        self.raw_med, self.raw_sd = 0.0, 1.0
        self.n_examples = sum(len(c.examples) for c in self.codes) / max(1, len(self.codes))
        self.sentiment_model: QuestionSentiment | None = None
        self.review_cut: float | None = None  # weakest-score cut for the review flag (review.py)
        # Agreement with people expected on the answers not yet coded by a human, cross-validated on
        # the human-coded ones (supervised regimes): what the Review page shows after a recode.
        self.estimated_agreement: float | None = None
        self.features: TextFeatures | None = None
        self.learner: OneVsRestLearner | SoftmaxLearner | None = None
        if not self.codes:
            return self
        corpus = [t for t in dict.fromkeys(t for t in texts if t and t.strip())]
        examples = [(i, e) for i, c in enumerate(self.codes) for e in c.examples if e and e.strip()]
        emb_corpus = self.engine.embed(corpus) if corpus else np.zeros((0, 1), dtype=np.float32)
        ex_emb = self.engine.embed([e for _, e in examples]) if examples else None
        self._fit_codes(corpus, emb_corpus, ex_emb)
        self._fit_learner(corpus, emb_corpus, examples, ex_emb)
        if self.context.coding_type != "qualitative_topics" and len(corpus) >= 50:
            # Learn from clauses: the model reads clauses at coding time, and a long answer with
            # praise and complaint would teach it nothing as one unit.
            units = list(dict.fromkeys(c for t in corpus[:5000] for c in split_clauses(t)))[:8000]
            self.sentiment_model = QuestionSentiment().fit(units, self._centre(self.engine.embed(units)))
        self._fit_question_levels(corpus, emb_corpus)
        if len(corpus) >= 50:
            step = max(1, len(corpus) // REVIEW_SAMPLE)
            prio = [review_priority(tc) for tc in self.code(corpus[::step][:REVIEW_SAMPLE]) if tc.assignments]
            if prio:
                self.review_cut = float(np.quantile(prio, REVIEW_SHARE))
        if progress:
            progress(1, 1)
        return self

    def _fit_codes(self, corpus: list[str], emb_corpus: np.ndarray, ex_emb: np.ndarray | None) -> None:
        """The question's centre, the codes' prototypes, and which codes are general ones."""
        # Mean-centring: static word-average vectors share a large common direction that makes
        # every cosine high; removing the question's mean vector spreads them out.
        if len(corpus) >= 20:
            self.mu = emb_corpus.mean(axis=0)
        elif ex_emb is not None and len(ex_emb) >= 5:
            self.mu = ex_emb.mean(axis=0)
        else:
            self.mu = None
        self.rep = represent_codes(self.codes, lambda t: self._centre(self.engine.embed(t)))
        self.catchall = self.rep.catchall
        # Codebooks shaped like the generated ones (with "General satisfaction"-style codes for answers
        # that name no topic) keep topic and verdict apart when coding; other codebooks are left as given.
        self.general = np.array([is_general_code(c.name) for c in self.codes], dtype=bool)
        self.subject = subject_words(self.context.question_text)
        pairs = zip(self.codes, self.general, strict=True)
        if not any(clean_code_name(c.name).startswith("general ") for c, g in pairs if g):
            self.general[:] = False

    def _fit_learner(self, corpus: list[str], emb_corpus: np.ndarray, examples: list[tuple[int, str]],
                     ex_emb: np.ndarray | None) -> None:
        """Pick the regime from the examples there are, and learn from them."""
        n_codes = len(self.codes)
        with_ex = {i for i, _ in examples}
        enough = len(examples) >= SUPERVISED_MIN_MEAN * n_codes
        if n_codes >= 2 and len(with_ex) >= max(2, 0.5 * n_codes) and enough:
            self.regime = "ovr" if len(examples) / len(with_ex) >= OVR_MIN_EXAMPLES else "softmax"
        if self.regime == "ovr":
            self._fit_ovr(corpus, emb_corpus)
        elif self.regime == "softmax":
            self._fit_softmax(corpus, emb_corpus, examples)
        elif examples and ex_emb is not None:
            # Few codes with examples: fold them into the code prototypes (name vector + example centroid).
            self.regime = "prototype"
            for i in with_ex:
                rows = [j for j, (ci, _) in enumerate(examples) if ci == i]
                proto = self._centre(ex_emb[rows]).mean(axis=0, keepdims=True)
                self.rep.vecs[i] = unit_rows(self.rep.vecs[i : i + 1] + unit_rows(proto))[0]

    def _fit_question_levels(self, corpus: list[str], emb_corpus: np.ndarray) -> None:
        """Zero-shot: the catch-all codes' level and the code prior; then the fit floor (no code below)."""
        n_codes = len(self.codes)
        zero_shot = self.regime in ("zero_shot", "prototype")
        self.zs_log_prior = np.zeros(n_codes)
        sample = corpus[:STATS_SAMPLE]
        emb_sample = emb_corpus[: len(sample)]
        if zero_shot and self.catchall.any() and not self.catchall.all() and len(corpus) >= 20:
            S0 = self._zs_scores(sample, emb_sample)
            # Its expected share shrinks with the number of codes (a fair share, 1.75 / #codes).
            q = min(CATCHALL_QUANTILE, 1.75 / n_codes)
            self.rep.catchall_level = float(np.quantile(S0[:, ~self.catchall].max(axis=1), q))
        if zero_shot and len(corpus) >= 50:
            P = _softmax(self._zs_scores(sample, emb_sample), ZS_TEMPERATURE) + 1e-6
            pi, _ = reestimate_prior(P, ZS_PRIOR_DAMP)
            self.zs_log_prior = ZS_PRIOR_DAMP * np.log(pi / (1.0 / n_codes))
        self.floor = SUP_MIN_PROB if self.regime == "softmax" else ZS_MIN_SIM if len(corpus) >= 20 else SMALL_ZS_MIN_SIM
        if len(corpus) >= 20 and self.regime != "ovr":
            _, best = self._proba(sample, emb_sample)
            self.floor = min(self.floor, float(np.quantile(best, NO_FIT_QUANTILE)))
            self.raw_med = float(np.median(best))
            self.raw_sd = float(np.std(best)) or 1.0

    @property
    def supervised(self) -> bool:
        return self.regime in ("softmax", "ovr")

    def _centre(self, m: np.ndarray) -> np.ndarray:
        if self.mu is None or m.shape[0] == 0:
            return unit_rows(m)
        return unit_rows(m - self.mu)

    def _matrix(self, texts: list[str], emb: np.ndarray | None = None):
        assert self.features is not None
        return self.features.transform(texts, self.engine.embed(texts) if emb is None else emb)

    def _fit_features(self, texts: list[str], corpus: list[str], emb_corpus: np.ndarray, weight: float,
                      rows: bool = False):
        """Learn the features from the answers and ``texts``; with ``rows``, also return their rows
        (the answers' first, then ``texts``'), read in the same pass."""
        fit_texts = corpus + texts
        vectors = np.vstack([emb_corpus, self.engine.embed(texts)]) if corpus else self.engine.embed(texts)
        centre = self.mu if self.mu is not None else vectors.mean(axis=0)
        self.features = TextFeatures(embedding_weight=weight)
        if rows:
            return self.features.fit_transform(fit_texts, vectors, centre=centre)
        self.features.fit(fit_texts, vectors, centre=centre)
        return None

    def _fit_ovr(self, corpus: list[str], emb_corpus: np.ndarray) -> None:
        texts, Y = training_rows(self.codes, self.context.no_code_examples)
        self._fit_features(texts + self.rep.texts, corpus, emb_corpus, EMBEDDING_WEIGHT)
        # Every code's own name is one more positive (trained on, never scored).
        learner = OneVsRestLearner().fit(self._matrix(texts), Y, self._matrix(self.rep.texts),
                                         np.eye(len(self.codes), dtype=np.int8))
        self.learner = learner
        predicted = choose(learner.calibrate(learner.out_of_fold_))
        tp = int((predicted & (Y == 1)).sum())
        wrong = int((predicted & (Y == 0)).sum()) + int((~predicted & (Y == 1)).sum())
        self.estimated_agreement = 2 * tp / (2 * tp + wrong) if tp + wrong else None

    def _fit_softmax(self, corpus: list[str], emb_corpus: np.ndarray, examples: list[tuple[int, str]]) -> None:
        # Every code's own name is one more example (the only one for codes without examples).
        n_codes = len(self.codes)
        ex_texts = [e for _, e in examples] + self.rep.texts
        ex_y = np.array([i for i, _ in examples] + list(range(n_codes)))
        both = [self._fit_features(ex_texts, corpus, emb_corpus, SOFTMAX_EMBEDDING_WEIGHT, rows=True)]
        X_ex = both[0][len(corpus):]
        # The answers' rows are handed over, not kept: the learner frees them before its largest fit.
        both[0] = both[0][: len(corpus)] if len(corpus) >= 30 else None
        self.learner = SoftmaxLearner().fit(X_ex, ex_y, n_codes, both.pop())
        texts, Y = training_rows(self.codes, ())
        self.estimated_agreement = softmax_agreement(self._matrix(texts), Y, self._matrix(self.rep.texts),
                                                     SECOND_MIN_PROB, start=self.learner.examples_model_)

    # ------------------------------------------------------------------ scoring

    def _zs_scores(self, texts: list[str], emb: np.ndarray) -> np.ndarray:
        return self.rep.scores(texts, self._centre(emb))

    def _proba(self, texts: list[str], emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, raw best score) for each text (zero-shot and softmax regimes)."""
        if isinstance(self.learner, SoftmaxLearner):
            P = self.learner.predict_proba(self._matrix(texts, emb))
            return P, P.max(axis=1)
        S = self._zs_scores(texts, emb)
        P = _softmax(S, ZS_TEMPERATURE)
        if np.any(self.zs_log_prior):
            P = P * np.exp(self.zs_log_prior)
            P /= P.sum(axis=1, keepdims=True)
        return P, S.max(axis=1)

    # ------------------------------------------------------------------ coding

    def code(self, texts: Sequence[str]) -> list[TextCoding]:
        with one_blas_thread():
            return self._code(texts)

    def _code(self, texts: Sequence[str]) -> list[TextCoding]:
        texts = [t if isinstance(t, str) else "" for t in texts]
        if not self.codes:
            return [TextCoding(assignments=[]) for _ in texts]
        clauses = [split_clauses(t) for t in texts]
        # Every lexicon score the decisions read (each text, clause, clauses joined) in one vectorised
        # pass: the reads one at a time then become lookups.
        prime_for_coding(texts, clauses)
        flat: list[str] = []
        owner: list[int] = []
        for i, cl in enumerate(clauses):
            if len(cl) > 1:
                flat.extend(cl)
                owner.extend([i] * len(cl))
        all_texts = [t if t.strip() else " " for t in texts] + flat
        emb = self.engine.embed(all_texts)
        ovr = isinstance(self.learner, OneVsRestLearner)
        if isinstance(self.learner, OneVsRestLearner):
            P_all = self.learner.decision_function(self._matrix(all_texts, emb))  # decision values
            raw_all = P_all.max(axis=1)
        else:
            P_all, raw_all = self._proba(all_texts, emb)
        if self.general.any() and not self.general.all():
            # Topic first: an answer that names a topic never takes a general code ("General
            # satisfaction", "Nothing to improve"), and an answer that names none takes only those.
            forms = [answer_form(t, self.subject) == "topic" for t in texts]
            topical = np.array(forms + [forms[i] for i in owner], dtype=bool)
            keep = np.where(topical[:, None], ~self.general[None, :], self.general[None, :])
            if ovr:
                P_all = np.where(keep, P_all, -1e9)
            else:
                P_all = np.where(keep, P_all, 0.0)
                P_all = P_all / np.maximum(P_all.sum(axis=1, keepdims=True), 1e-12)
        p_pos = self.sentiment_model.predict(all_texts, self._centre(emb)) if self.sentiment_model else None
        n = len(texts)
        out: list[TextCoding] = []
        starts: dict[int, int] = {}
        for j, i in enumerate(owner):
            starts.setdefault(i, n + j)
        for i, t in enumerate(texts):
            cl = clauses[i]
            if not _WORDISH.search(t):  # empty or punctuation-only: nothing to code
                out.append(TextCoding(assignments=[]))
                continue
            p = P_all[i]
            if len(cl) > 1:
                s = starts[i]
                cp = P_all[s : s + len(cl)]
                craw = raw_all[s : s + len(cl)]
                cpos = list(p_pos[s : s + len(cl)]) if p_pos is not None else [None] * len(cl)
            else:
                cp = p[None, :]
                craw = raw_all[i : i + 1]
                cpos = [p_pos[i] if p_pos is not None else None]
            tpos = p_pos[i] if p_pos is not None else None
            if isinstance(self.learner, OneVsRestLearner):
                out.append(self._decide_ovr(t, cl, p, cp, cpos, tpos))
            else:
                out.append(self._decide(t, cl, p, raw_all[i], cp, craw, cpos, tpos))
        if self.review_cut is not None:
            for tc in out:
                # The question-level bar review.flag_for_review compares each answer with.
                tc.review_cut = self.review_cut
        return out


class EmbeddedEngine:
    """Offline engine: wordllama embeddings + scikit-learn + VADER. See the module docstring."""

    name = "engine:embedded"

    def __init__(self, cache: EmbeddingCache | None = None, embedder: str | None = None) -> None:
        self._embedder = Embedder(embedder, cache)
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self._embedder.model_name

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._embedder.embed(texts)

    def generate_codebook(
        self, texts: Sequence[str], context: CodingContext, progress: Progress | None = None
    ) -> list[DraftCode]:
        if context.coding_type == "entity":
            from surveycoder_core.engines.embedded.entities import entity_codebook

            return entity_codebook(texts)
        from surveycoder_core.engines.embedded.themes import generate_themes

        with one_blas_thread():
            return generate_themes(self, list(texts), context, progress)

    def prepare(
        self,
        codebook: Sequence[CodeSpec],
        texts: Sequence[str],
        context: CodingContext,
        progress: Progress | None = None,
    ):
        if context.coding_type == "entity":
            from surveycoder_core.engines.embedded.entities import EntityCoder

            return EntityCoder(codebook, context)
        with one_blas_thread():
            return EmbeddedCoder(self, codebook, context).fit(texts, progress)
