"""The embedded engine: offline coding with static sentence embeddings, TF-IDF and a lexicon.

How it codes (``prepare`` builds the "coding manual" once, ``code`` applies it batch by batch):

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
* One-vs-rest coding: a code is given when its calibrated probability (its own sigmoid, fitted on the
  question) reaches 0.5; a clause of a long answer counts for the answer (less POOL_MARGIN); an answer
  no code reaches 0.5 on gets its likeliest code only if that reaches FIT_FLOOR, else no code at all
  (``no_code_fit``: it fits no code of the codebook and may need a new one).
* Zero-shot and softmax coding: the whole text gives the main code, a clause whose best code is
  different and clearly supported adds a further code (multi-label), as does a runner-up code that
  keeps SECOND_MIN_PROB of the probability. ``score`` is a logistic map of the evidence fitted once on
  the benchmark sets pooled (``calibration.CALIBRATION``), so "high" means the same everywhere.
* Each code's sentiment is read from the clause that carries it (VADER + a sentiment model learnt
  from the question itself).
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

import math
import re
import threading
from collections.abc import Sequence

import numpy as np

from ..answer_forms import answer_form, is_general_code, subject_words
from ..clauses import split_clauses
from ..embedder import Embedder
from ..review import review_priority
from ..sentiment import QuestionSentiment, code_sentiment, text_sentiment
from ..textfeatures import clean_code_name, content_stems
from .base import (
    Assignment,
    CodeSpec,
    CodingContext,
    DraftCode,
    EmbeddingCache,
    Progress,
    TextCoding,
    confidence_label,
)
from .calibration import CALIBRATION, pooled_score
from .code_prototypes import GENERAL_GAP, represent_codes
from .embedded_learner import (
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

__all__ = ["CALIBRATION", "GENERAL_GAP", "EmbeddedCoder", "EmbeddedEngine"]

# ---- tuning constants (measured on the benchmark sets, kept identical for every dataset) ----
ZS_TEMPERATURE = 0.06  # softmax temperature over zero-shot scores
ZS_PRIOR_DAMP = 0.7  # zero-shot: damped EM re-estimation of the code prior over the question (0 = off)
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
EXTRA_MIN_PROB = 0.3  # a clause's own code must reach this to be added as a further code
EXTRA_MIN_WORDS = 3
EXTRA_MIN_SCORE = 0.25  # ... and (zero-shot) its calibrated score this
# A runner-up code of the whole answer that keeps this much probability is added as well (never a
# catch-all as the runner-up). Measured, micro-F1 at 3,000-answer samples, modes a / b5 / b10, it
# helped or tied on every set: SemEval14 a 0.539 -> 0.556, SemEval16 sentences a 0.329 -> 0.336,
# Banking77 a 0.514 -> 0.519, NHS a 0.283 -> 0.286; 0.2 cost Banking77 b10 0.007, 0.35 gained less,
# also adding it when the runner-up holds 70-85 % of the best's probability gained nothing.
SECOND_MIN_PROB: float | None = 0.3
N_CANDIDATES = 4
# Review: the least certain share of a question's answers is flagged (review.py), ranked by each
# answer's weakest calibrated score less a penalty per extra code (review.review_priority). A relative cut keeps the review queue a workable minority on
# every question (an absolute cut flagged 45-63 % where the coder is weak); the weakest score
# ranked wrong assignments best on every benchmark set (AUC 0.67-0.81; margin, #codes and opposite
# sentiments did worse). The cut is the REVIEW_SHARE quantile over a sample coded at prepare time.
REVIEW_SHARE = 0.25
REVIEW_SAMPLE = 800


# One-vs-rest (many examples): an answer whose likeliest code stays under 0.5 still gets it from this
# probability on; below it no code fits. A clause's decision counts for its whole answer less
# POOL_MARGIN (a long answer's aside is weaker evidence than a short answer about one thing).
FIT_FLOOR = 0.2
# A learner replaces the (example-sharpened) code prototypes only from this many examples per code on
# average: with one or two, the names carry more. Measured (mode curve, Banking77, 50 random reviews
# for 77 codes): 0.350 with the softmax learner, 0.561 with prototypes (zero-shot 0.519).
SUPERVISED_MIN_MEAN = 3
POOL_MARGIN = 0.25


_WORDISH = re.compile(r"[^\W\d_]{2,}")


def _opt_float(x) -> float | None:
    return None if x is None else float(x)


def _softmax(x: np.ndarray, t: float) -> np.ndarray:
    z = (x - x.max(axis=1, keepdims=True)) / t
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _unit(m: np.ndarray) -> np.ndarray:
    return unit_rows(m)


class EmbeddedCoder:
    """The coding manual for one question: built by ``EmbeddedEngine.prepare``, applied by ``code``.

    ``regime`` says how it learnt: "zero_shot", "prototype" (examples for few codes), "softmax" (few
    examples per code) or "ovr" (one-vs-rest, many examples).
    """

    def __init__(
        self,
        engine: EmbeddedEngine,
        codebook: Sequence[CodeSpec],
        texts: Sequence[str],
        context: CodingContext,
        progress: Progress | None = None,
    ) -> None:
        self.engine = engine
        self.codes = list(codebook)
        self.context = context
        self.keys = [c.key for c in self.codes]
        n_codes = len(self.codes)
        self.regime = "zero_shot"
        self.floor = ZS_MIN_SIM
        self.raw_med, self.raw_sd = 0.0, 1.0
        self.record: list | None = None  # evaluation hook: collects calibration features
        self.n_examples = sum(len(c.examples) for c in self.codes) / max(1, len(self.codes))
        self.sentiment_model: QuestionSentiment | None = None
        self.review_cut: float | None = None  # weakest-score cut for the review flag (review.py)
        # Agreement with people expected on the answers not yet coded by a human, cross-validated on
        # the human-coded ones (supervised regimes): what the Review page shows after a recode.
        self.estimated_agreement: float | None = None
        self.features: TextFeatures | None = None
        self.learner: OneVsRestLearner | SoftmaxLearner | None = None
        if not self.codes:
            return
        corpus = [t for t in dict.fromkeys(t for t in texts if t and t.strip())]
        examples = [(i, e) for i, c in enumerate(self.codes) for e in c.examples if e and e.strip()]
        emb_corpus = engine.embed(corpus) if corpus else np.zeros((0, 1), dtype=np.float32)
        ex_emb = engine.embed([e for _, e in examples]) if examples else None
        # Mean-centring: static word-average vectors share a large common direction that makes
        # every cosine high; removing the question's mean vector spreads them out.
        if len(corpus) >= 20:
            self.mu = emb_corpus.mean(axis=0)
        elif ex_emb is not None and len(ex_emb) >= 5:
            self.mu = ex_emb.mean(axis=0)
        else:
            self.mu = None
        self.rep = represent_codes(self.codes, lambda t: self._centre(engine.embed(t)))
        self.catchall = self.rep.catchall

        # Codebooks shaped like the generated ones (with "General satisfaction"-style codes for answers
        # that name no topic) keep topic and verdict apart when coding; other codebooks are left as given.
        self.general = np.array([is_general_code(c.name) for c in self.codes], dtype=bool)
        self.subject = subject_words(context.question_text)
        if not any(clean_code_name(c.name).startswith("general ") for c, g in zip(self.codes, self.general) if g):
            self.general[:] = False
        with_ex = {i for i, _ in examples}
        enough = len(examples) >= SUPERVISED_MIN_MEAN * n_codes
        if n_codes >= 2 and len(with_ex) >= max(2, 0.5 * n_codes) and enough:
            self.regime = "ovr" if len(examples) / len(with_ex) >= OVR_MIN_EXAMPLES else "softmax"
        if self.regime == "ovr":
            self._fit_ovr(corpus, emb_corpus)
        elif self.regime == "softmax":
            self._fit_softmax(corpus, emb_corpus, examples)
        elif examples:
            # Few codes with examples: fold them into the code prototypes (name vector + example centroid).
            self.regime = "prototype"
            for i in with_ex:
                rows = [j for j, (ci, _) in enumerate(examples) if ci == i]
                proto = self._centre(ex_emb[rows]).mean(axis=0, keepdims=True)
                self.rep.vecs[i] = _unit(self.rep.vecs[i : i + 1] + _unit(proto))[0]
        if context.coding_type != "qualitative_topics" and len(corpus) >= 50:
            # Learn from clauses: the model reads clauses at coding time, and a long answer with
            # praise and complaint would teach it nothing as one unit.
            units = list(dict.fromkeys(c for t in corpus[:5000] for c in split_clauses(t)))[:8000]
            self.sentiment_model = QuestionSentiment().fit(units, self._centre(engine.embed(units)))
        zero_shot = self.regime in ("zero_shot", "prototype")
        self.zs_log_prior = np.zeros(n_codes)
        if zero_shot and self.catchall.any() and not self.catchall.all() and len(corpus) >= 20:
            sample = corpus[:3000]
            S0 = self._zs_scores(sample, emb_corpus[: len(sample)])
            # Its expected share shrinks with the number of codes (a fair share, 1.75 / #codes).
            q = min(CATCHALL_QUANTILE, 1.75 / n_codes)
            self.rep.catchall_level = float(np.quantile(S0[:, ~self.catchall].max(axis=1), q))
        if zero_shot and ZS_PRIOR_DAMP > 0 and len(corpus) >= 50:
            sample = corpus[:3000]
            P = _softmax(self._zs_scores(sample, emb_corpus[: len(sample)]), ZS_TEMPERATURE) + 1e-6
            pi, _ = reestimate_prior(P, ZS_PRIOR_DAMP)
            self.zs_log_prior = ZS_PRIOR_DAMP * np.log(pi / (1.0 / n_codes))
        self.floor = SUP_MIN_PROB if self.regime == "softmax" else ZS_MIN_SIM if len(corpus) >= 20 else SMALL_ZS_MIN_SIM
        if len(corpus) >= 20 and self.regime != "ovr":
            sample = corpus[:3000]
            _, best = self._proba(sample, emb_corpus[: len(sample)])
            self.floor = min(self.floor, float(np.quantile(best, NO_FIT_QUANTILE)))
            self.raw_med = float(np.median(best))
            self.raw_sd = float(np.std(best)) or 1.0
        if len(corpus) >= 50:
            # Evenly spaced sample (answers often arrive sorted by something).
            step = max(1, len(corpus) // REVIEW_SAMPLE)
            prio = [review_priority(tc) for tc in self.code(corpus[::step][:REVIEW_SAMPLE]) if tc.assignments]
            if prio:
                self.review_cut = float(np.quantile(prio, REVIEW_SHARE))
        if progress:
            progress(1, 1)

    @property
    def supervised(self) -> bool:
        return self.regime in ("softmax", "ovr")

    def _centre(self, m: np.ndarray) -> np.ndarray:
        if self.mu is None or m.shape[0] == 0:
            return _unit(m)
        return _unit(m - self.mu)

    def _matrix(self, texts: list[str], emb: np.ndarray | None = None):
        assert self.features is not None
        return self.features.transform(texts, self.engine.embed(texts) if emb is None else emb)

    # ------------------------------------------------------------------ learning

    def _fit_features(self, texts: list[str], corpus: list[str], emb_corpus: np.ndarray, weight: float) -> None:
        fit_texts = corpus + texts
        vectors = np.vstack([emb_corpus, self.engine.embed(texts)]) if corpus else self.engine.embed(texts)
        centre = self.mu if self.mu is not None else vectors.mean(axis=0)
        self.features = TextFeatures(embedding_weight=weight).fit(fit_texts, vectors, centre=centre)

    def _fit_ovr(self, corpus: list[str], emb_corpus: np.ndarray) -> None:
        texts, Y = training_rows(self.codes, self.context.no_code_examples)
        self._fit_features(texts + self.rep.texts, corpus, emb_corpus, EMBEDDING_WEIGHT)
        # Every code's own name is one more positive (trained on, never scored).
        learner = OneVsRestLearner().fit(self._matrix(texts), Y, self._matrix(self.rep.texts),
                                         np.eye(len(self.codes), dtype=np.int8))
        self.learner = learner
        predicted = _choose(learner.calibrate(learner.out_of_fold_))
        tp = int((predicted & (Y == 1)).sum())
        wrong = int((predicted & (Y == 0)).sum()) + int((~predicted & (Y == 1)).sum())
        self.estimated_agreement = 2 * tp / (2 * tp + wrong) if tp + wrong else None

    def _fit_softmax(self, corpus: list[str], emb_corpus: np.ndarray, examples: list[tuple[int, str]]) -> None:
        # Every code's own name is one more example (the only one for codes without examples).
        n_codes = len(self.codes)
        ex_texts = [e for _, e in examples] + self.rep.texts
        ex_y = np.array([i for i, _ in examples] + list(range(n_codes)))
        self._fit_features(ex_texts, corpus, emb_corpus, SOFTMAX_EMBEDDING_WEIGHT)
        # The answers' matrix is handed over, not kept: the learner frees it before its largest fit.
        self.learner = SoftmaxLearner().fit(self._matrix(ex_texts), ex_y, n_codes,
                                            self._matrix(corpus, emb_corpus) if len(corpus) >= 30 else None)
        texts, Y = training_rows(self.codes, ())
        self.estimated_agreement = softmax_agreement(self._matrix(texts), Y, self._matrix(self.rep.texts),
                                                     SECOND_MIN_PROB)

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
        flat: list[str] = []
        owner: list[int] = []
        for i, cl in enumerate(clauses):
            if len(cl) > 1:
                flat.extend(cl)
                owner.extend([i] * len(cl))
        all_texts = [t if t.strip() else " " for t in texts] + flat
        emb = self.engine.embed(all_texts)
        ovr = isinstance(self.learner, OneVsRestLearner)
        if ovr:
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

    def _assignment(self, k: int, clauses: list[str], text: str, cp: np.ndarray, cpos, tpos, score: float) -> Assignment:
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
        """One-vs-rest: every code whose calibrated probability reaches 0.5 (see _choose)."""
        pooled = d if len(clauses) == 1 else np.maximum(d, cd.max(axis=0) - POOL_MARGIN)
        P_all = self.learner.calibrate(pooled[None, :])
        P = P_all[0]
        order = np.argsort(-P, kind="stable")
        candidates = [(self.keys[k], round(float(P[k]), 4)) for k in order[:N_CANDIDATES]]
        _, mixed = text_sentiment(clauses)
        chosen = [int(k) for k in np.where(_choose(P_all)[0])[0]]
        # Mention order: the clause each code is read from, then the stronger code first.
        first = {k: (int(np.argmax(cd[:, k])) if len(clauses) > 1 else 0) for k in chosen}
        chosen.sort(key=lambda k: (first[k], -P[k]))
        assignments = [self._assignment(k, clauses, text, cd, cpos, tpos, float(P[k])) for k in chosen]
        return TextCoding(assignments=assignments, candidates=candidates, sentiment_mixed=mixed)

    def _decide(self, text, clauses, p, raw, cp, craw, cpos=None, tpos=None) -> TextCoding:
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
        if SECOND_MIN_PROB is not None and len(chosen) == 1 and len(p) > 2:
            k2 = int(np.argsort(-p, kind="stable")[1])
            if p[k2] >= SECOND_MIN_PROB and not self.catchall[k2]:
                chosen[k2] = (0, self._calib_features(p, k2, raw, ts, extra=True))
        assignments = []
        for k, (ci, feats) in sorted(chosen.items(), key=lambda kv: kv[1][0]):
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


def _choose(P: np.ndarray) -> np.ndarray:
    """The one-vs-rest decision on calibrated probabilities (answers x codes): every code that reaches
    0.5; an answer with none gets its likeliest code from FIT_FLOOR on, else no code (no_code_fit)."""
    chosen = P >= 0.5
    if P.shape[1]:
        top = P.argmax(axis=1)
        rows = np.where(~chosen.any(axis=1) & (P[np.arange(len(P)), top] >= FIT_FLOOR))[0]
        chosen[rows, top[rows]] = True
    return chosen


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
            from ..entities import entity_codebook

            return entity_codebook(texts)
        from ..themes import generate_themes

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
            from ..entities import EntityCoder

            return EntityCoder(codebook, context)
        with one_blas_thread():
            return EmbeddedCoder(self, codebook, texts, context, progress)
