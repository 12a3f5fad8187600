"""The embedded engine: offline coding with static sentence embeddings, TF-IDF and a lexicon.

How it codes (``prepare`` builds the "coding manual" once, ``code`` applies it batch by batch):

* Every code is represented by the embedding of its cleaned name (with its category) and definition,
  plus the content words of its name (a code's own words appearing in a text is strong evidence).
* Without human examples, a text's score for a code is the cosine between mean-centred vectors
  plus a lexical bonus, turned into probabilities with a softmax; the code prior is re-estimated
  over the question's answers (damped EM: human codes are far from balanced). Catch-all codes
  ("Other", "Anecdotes/miscellaneous") take the answers whose best real code is weak; a category's
  broad code ("Staff: General") competes for what its specific siblings match (GENERAL_GAP).
* With examples (``CodeSpec.examples``), a logistic regression on [embedding, TF-IDF] learns the
  codes (each code's name counts as one more example); its prior is re-estimated on the question
  (damped EM) and it is retrained once on the confidently coded answers (self-training).
* Texts are split into clauses: the whole text gives the main code, a clause whose best code is
  different and clearly supported adds a further code (multi-label), as does a runner-up code of
  the whole text that keeps SECOND_MIN_PROB of the probability; and each code's sentiment is
  read from the clause that carries it (VADER + a sentiment model learnt from the question itself).
* ``score`` is a calibrated probability: a logistic map of the evidence fitted once on the
  benchmark sets pooled (``benchmarks/fit_calibration.py``), so "high" means the same everywhere.
* Review ranking: ``prepare`` codes a sample of the question and keeps the REVIEW_SHARE quantile of
  each answer's review priority (weakest calibrated score, less a penalty per extra code) as
  ``TextCoding.review_cut``; review.py flags the answers
  below it (the least certain quarter of the question), so the review queue stays a minority.
* A text with no letters, or whose best support is among the weakest 3 % of the question, gets no
  code (review flags it ``no_code_fit``).

Every constant below was measured with ``benchmarks/eval_quality.py`` on all benchmark sets and
kept only if it helped across them (see the comments on each).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

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

# ---- tuning constants (measured on the benchmark sets, kept identical for every dataset) ----
LEX_WEIGHT = 0.3  # bonus per matched code word (scaled by 1/sqrt(#code words))
ZS_TEMPERATURE = 0.06  # softmax temperature over zero-shot scores
ZS_REFINE = 0.0  # zero-shot prototype refinement from confident answers (measured: mixed, off)
ZS_REFINE_SHARE = 0.3
ZS_PRIOR_DAMP = 0.7  # zero-shot: damped EM re-estimation of the code prior over the question (0 = off)
ZS_MIN_SIM = 0.05  # small questions: below this best zero-shot score nothing fits
SUP_MIN_PROB = 0.12  # small questions with examples: below this nothing fits
# On a real question the fit floor is relative: answers whose best support is in the weakest
# NO_FIT_QUANTILE of the question's answers (and below the absolute floor) get no code. Raw cosine
# scales differ too much between questions for one absolute cut to work.
NO_FIT_QUANTILE = 0.03
# Catch-all codes ("Other", "Miscellaneous", "Anecdotes/miscellaneous") have no meaning to match;
# zero-shot, they take the answers whose best real code is weak: their score is this quantile of
# the question's best real-code scores.
CATCHALL_QUANTILE = 0.35
_CATCHALL_WORDS = frozenset(
    {"other", "others", "misc", "miscellaneous", "general", "anecdotes", "anecdote", "anything", "else",
     "none", "na", "n", "a", "uncategorised", "uncategorized", "unclassified", "various", "comments"}
)
# Zero-shot, a category's broad code ("Staff: General", "AMBIENCE#GENERAL", a code named like its
# category) scores at least its best sibling's score minus this gap (None = off). Measured, micro-F1
# mode a (2,000-answer samples): NHS 0.244 -> 0.262, SemEval16 sentences 0.326 -> 0.329, reviews
# 0.477 -> 0.479, others unchanged (no broad codes); gap 0.02 hurt NHS, 0.1 gained less.
GENERAL_GAP: float | None = 0.05
_GENERAL_WORDS = frozenset({"general", "overall"})
EXTRA_MIN_PROB = 0.3  # a clause's own code must reach this to be added as a further code
EXTRA_MIN_WORDS = 3
EXTRA_MIN_SCORE = 0.25  # ... and (zero-shot) its calibrated score this
# A runner-up code of the whole answer that keeps this much probability is added as well (never a
# catch-all as the runner-up). Measured, micro-F1 at 3,000-answer samples, modes a / b5 / b10, it
# helped or tied on every set: SemEval14 a 0.539 -> 0.556, SemEval16 sentences a 0.329 -> 0.336,
# Banking77 a 0.514 -> 0.519, NHS a 0.283 -> 0.286; 0.2 cost Banking77 b10 0.007, 0.35 gained less,
# also adding it when the runner-up holds 70-85 % of the best's probability gained nothing.
SECOND_MIN_PROB: float | None = 0.3
NAME_AS_EXAMPLE = True  # with examples: also use each code's name as an example (measured: helps on all sets)
NAME_REPEAT = 1  # ... counted this many times
ZS_BLEND = 0.0  # with examples: zero-shot evidence in a product of experts (measured: hurt Banking77, off)
PRIOR_DAMP = 0.5
SELF_TRAIN_FRAC = 0.5
SELF_TRAIN_MAX = 3000  # cap on self-training rows (speed on 10k-answer questions)
LR_C = 10.0
LR_MAX_ITER = 150
TFIDF_MAX_FEATURES = 20000
N_CANDIDATES = 4
# Review: the least certain share of a question's answers is flagged (review.py), ranked by each
# answer's weakest calibrated score less a penalty per extra code (review.review_priority). A relative cut keeps the review queue a workable minority on
# every question (an absolute cut flagged 45-63 % where the coder is weak); the weakest score
# ranked wrong assignments best on every benchmark set (AUC 0.67-0.81; margin, #codes and opposite
# sentiments did worse). The cut is the REVIEW_SHARE quantile over a sample coded at prepare time.
REVIEW_SHARE = 0.25
REVIEW_SAMPLE = 800


_WORDISH = re.compile(r"[^\W\d_]{2,}")


def _opt_float(x) -> float | None:
    return None if x is None else float(x)


def _softmax(x: np.ndarray, t: float) -> np.ndarray:
    z = (x - x.max(axis=1, keepdims=True)) / t
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _reestimate_prior(P: np.ndarray, damp: float, rounds: int = 20) -> tuple[np.ndarray, np.ndarray]:
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


def _unit(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)


@dataclass
class _Features:
    emb: np.ndarray  # centred unit vectors
    tfidf: sparse.csr_matrix | None


class EmbeddedCoder:
    """The coding manual for one question: built by ``EmbeddedEngine.prepare``, applied by ``code``."""

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
        self.supervised = False
        self.floor = ZS_MIN_SIM
        self.raw_med, self.raw_sd = 0.0, 1.0
        self.record: list | None = None  # evaluation hook: collects calibration features
        self.n_examples = sum(len(c.examples) for c in self.codes) / max(1, len(self.codes))
        self.sentiment_model: QuestionSentiment | None = None
        self.review_cut: float | None = None  # weakest-score cut for the review flag (review.py)
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

        code_texts = []
        for c in self.codes:
            name = clean_code_name(c.name)
            cat = clean_code_name(c.category or "")
            code_texts.append(f"{cat} {name}".strip() if cat and cat not in name else name)
        defs = [c.definition or "" for c in self.codes]
        cv = self._centre(engine.embed(code_texts))
        if any(defs):
            dv = self._centre(engine.embed([d or t for d, t in zip(defs, code_texts)]))
            has_def = np.array([1.0 if d else 0.0 for d in defs], dtype=np.float32)[:, None]
            cv = _unit(cv + 0.5 * has_def * dv)
        self.code_vecs = cv
        self.code_stems = [content_stems(clean_code_name(c.name)) for c in self.codes]
        # "General" under a topic category ("Access") means "Access: general", not a catch-all; a
        # category shared by every code ("restaurant aspect") says nothing about the topic.
        topical = len({c.category for c in self.codes}) > 1
        self.catchall = np.array(
            [
                bool(set(clean_code_name(c.name).split()) <= _CATCHALL_WORDS)
                and not (topical and not set(clean_code_name(c.category or "").split()) <= _CATCHALL_WORDS)
                for c in self.codes
            ],
            dtype=bool,
        )
        self.catchall_level: float | None = None
        # Codebooks shaped like the generated ones (with "General satisfaction"-style codes for answers
        # that name no topic) keep topic and verdict apart when coding; other codebooks are left as given.
        self.general = np.array([is_general_code(c.name) for c in self.codes], dtype=bool)
        self.subject = subject_words(context.question_text)
        if not any(clean_code_name(c.name).startswith("general ") for c, g in zip(self.codes, self.general) if g):
            self.general[:] = False
        # A category's broad code ("Staff: General", "AMBIENCE#GENERAL", "Care received" under "Care
        # received") covers what its specific siblings cover: zero-shot, it competes for an answer at
        # GENERAL_GAP below the best sibling (humans use broad codes far more than name matching does).
        self.general_groups: list[tuple[int, np.ndarray]] = []
        if GENERAL_GAP is not None:
            by_cat: dict[str, list[int]] = {}
            for i, c in enumerate(self.codes):
                by_cat.setdefault(clean_code_name(c.category or ""), []).append(i)
            for cat, members in by_cat.items():
                if not cat or len(members) < 2:
                    continue
                cat_words = set(cat.split())
                for i in members:
                    nm = clean_code_name(self.codes[i].name)
                    rest = set(nm.split()) - cat_words
                    if (nm == cat or rest <= _GENERAL_WORDS) and not self.catchall[i]:
                        sib = np.array([j for j in members if j != i and not self.catchall[j]])
                        if len(sib):
                            self.general_groups.append((i, sib))

        # Supervised path when most codes have examples; codes without get their own name as one.
        with_ex = {i for i, _ in examples}
        self.supervised = n_codes >= 2 and len(with_ex) >= max(2, 0.5 * n_codes)
        self.model = None
        self.log_prior_shift = np.zeros(n_codes)
        self.tfidf = None
        if self.supervised:
            self._fit_supervised(corpus, emb_corpus, examples, ex_emb, code_texts)
        elif examples:
            # Few examples: fold them into the code prototypes (name vector + example centroid).
            for i in with_ex:
                rows = [j for j, (ci, _) in enumerate(examples) if ci == i]
                proto = self._centre(ex_emb[rows]).mean(axis=0, keepdims=True)
                self.code_vecs[i] = _unit(self.code_vecs[i : i + 1] + _unit(proto))[0]
        if not self.supervised and ZS_REFINE > 0 and len(corpus) >= 50:
            # Transductive refinement: pull each code vector towards the answers it claims most
            # confidently (the top share by margin), so the code speaks the question's language.
            sample = corpus[:3000]
            Xs = self._centre(emb_corpus[: len(sample)])
            S0 = self._zs_scores(sample, emb_corpus[: len(sample)])
            top2 = np.sort(S0, axis=1)[:, -2:] if n_codes > 1 else np.hstack([S0, S0])
            margin = top2[:, 1] - top2[:, 0]
            pred = S0.argmax(axis=1)
            for k in range(n_codes):
                idx = np.where(pred == k)[0]
                if len(idx) < 3:
                    continue
                take = idx[np.argsort(-margin[idx], kind="stable")][: max(3, int(len(idx) * ZS_REFINE_SHARE))]
                proto = _unit(Xs[take].mean(axis=0, keepdims=True))
                self.code_vecs[k] = _unit(self.code_vecs[k : k + 1] + ZS_REFINE * proto)[0]
        self.sentiment_model = None
        if context.coding_type != "qualitative_topics" and len(corpus) >= 50:
            # Learn from clauses: the model reads clauses at coding time, and a long answer with
            # praise and complaint would teach it nothing as one unit.
            units = list(dict.fromkeys(c for t in corpus[:5000] for c in split_clauses(t)))[:8000]
            self.sentiment_model = QuestionSentiment().fit(units, self._centre(engine.embed(units)))
        self.zs_log_prior = np.zeros(n_codes)
        if not self.supervised and self.catchall.any() and not self.catchall.all() and len(corpus) >= 20:
            sample = corpus[:3000]
            S0 = self._zs_scores(sample, emb_corpus[: len(sample)])
            # Its expected share shrinks with the number of codes (a fair share, 1.75 / #codes).
            q = min(CATCHALL_QUANTILE, 1.75 / n_codes)
            self.catchall_level = float(np.quantile(S0[:, ~self.catchall].max(axis=1), q))
        if not self.supervised and ZS_PRIOR_DAMP > 0 and len(corpus) >= 50:
            sample = corpus[:3000]
            P = _softmax(self._zs_scores(sample, emb_corpus[: len(sample)]), ZS_TEMPERATURE) + 1e-6
            pi, _ = _reestimate_prior(P, ZS_PRIOR_DAMP)
            self.zs_log_prior = ZS_PRIOR_DAMP * np.log(pi / (1.0 / n_codes))
        self.floor = SUP_MIN_PROB if self.supervised else ZS_MIN_SIM
        if len(corpus) >= 20:
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

    # ------------------------------------------------------------------ features

    def _centre(self, m: np.ndarray) -> np.ndarray:
        if self.mu is None or m.shape[0] == 0:
            return _unit(m)
        return _unit(m - self.mu)

    def _features(self, texts: list[str], emb: np.ndarray | None = None) -> _Features:
        e = self._centre(self.engine.embed(texts) if emb is None else emb)
        tf = self.tfidf.transform(texts) if self.tfidf is not None else None
        return _Features(e, tf)

    def _stack(self, f: _Features) -> sparse.csr_matrix:
        return sparse.hstack([sparse.csr_matrix(f.emb), f.tfidf]).tocsr()

    # ------------------------------------------------------------------ supervised

    def _fit_supervised(self, corpus, emb_corpus, examples, ex_emb, code_texts) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        n_codes = len(self.codes)
        with_ex = {i for i, _ in examples}
        # Every code's own name is one more example (the only one for codes without examples).
        name_rows = [i for i in range(n_codes) if NAME_AS_EXAMPLE or i not in with_ex] * NAME_REPEAT
        ex_texts = [e for _, e in examples] + [code_texts[i] for i in name_rows]
        ex_y = np.array([i for i, _ in examples] + name_rows)
        fit_texts = corpus + ex_texts
        self.tfidf = TfidfVectorizer(
            sublinear_tf=True, min_df=2 if len(fit_texts) >= 200 else 1, ngram_range=(1, 2), max_features=TFIDF_MAX_FEATURES
        ).fit(fit_texts)
        X_ex = self._stack(self._features(ex_texts))
        lr = LogisticRegression(C=LR_C, max_iter=LR_MAX_ITER).fit(X_ex, ex_y)
        self.model = lr
        if len(corpus) < 30:
            return
        # Transductive refinement over the question's answers: re-estimate the class prior
        # (humans' codes are far from balanced, the examples are), then self-train once.
        X_c = self._stack(self._features(corpus, emb_corpus))
        P = self._lr_proba(X_c, shift=False) + 1e-6
        _, Q = _reestimate_prior(P, PRIOR_DAMP)
        pred, conf = Q.argmax(axis=1), Q.max(axis=1)
        sel: list[int] = []
        budget = max(1, int(SELF_TRAIN_MAX / max(1, n_codes)))
        for c in range(n_codes):
            idx = np.where(pred == c)[0]
            if len(idx) == 0:
                continue
            order = idx[np.argsort(-conf[idx], kind="stable")]
            sel.extend(order[: min(budget, int(len(order) * SELF_TRAIN_FRAC))].tolist())
        if len(sel) >= n_codes:
            sel_arr = np.array(sorted(sel))
            X = sparse.vstack([X_ex, X_c[sel_arr]]).tocsr()
            y = np.concatenate([ex_y, pred[sel_arr]])
            w = np.concatenate([np.full(len(ex_y), 3.0), np.ones(len(sel_arr))])
            # Warm start from the examples-only model: same classes (every code has its name as
            # an example), far fewer iterations to converge.
            same_classes = set(np.unique(y)) == set(lr.classes_)
            model = lr if same_classes else LogisticRegression(C=LR_C, max_iter=LR_MAX_ITER)
            if same_classes:
                model.set_params(warm_start=True)
            self.model = model.fit(X, y, sample_weight=w)
        # Self-training already carries the question's prior; keep a mild shift only.
        self.log_prior_shift = np.zeros(n_codes)

    def _lr_proba(self, X: sparse.csr_matrix, shift: bool = True) -> np.ndarray:
        P = np.zeros((X.shape[0], len(self.codes)))
        P[:, self.model.classes_] = self.model.predict_proba(X)
        if shift and np.any(self.log_prior_shift):
            P = P * np.exp(self.log_prior_shift)
            P /= P.sum(axis=1, keepdims=True)
        return P

    # ------------------------------------------------------------------ scoring

    def _zs_scores(self, texts: list[str], emb: np.ndarray) -> np.ndarray:
        S = self._centre(emb) @ self.code_vecs.T
        for i, t in enumerate(texts):
            ts = content_stems(t)
            if not ts:
                continue
            for k, cs in enumerate(self.code_stems):
                if cs:
                    hit = len(ts & cs)
                    if hit:
                        S[i, k] += LEX_WEIGHT * hit / len(cs) ** 0.5
        for g, sib in self.general_groups:
            S[:, g] = np.maximum(S[:, g], S[:, sib].max(axis=1) - GENERAL_GAP)
        if self.catchall_level is not None:
            S[:, self.catchall] = self.catchall_level
        return S

    def _proba(self, texts: list[str], emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, raw best score) for each text."""
        if self.supervised:
            P = self._lr_proba(self._stack(self._features(texts, emb)))
            if ZS_BLEND > 0:
                # Product of experts: the code names still carry meaning when examples are few.
                P = P * _softmax(self._zs_scores(texts, emb), ZS_TEMPERATURE) ** ZS_BLEND
                P /= P.sum(axis=1, keepdims=True)
            return P, P.max(axis=1)
        S = self._zs_scores(texts, emb)
        P = _softmax(S, ZS_TEMPERATURE)
        if np.any(self.zs_log_prior):
            P = P * np.exp(self.zs_log_prior)
            P /= P.sum(axis=1, keepdims=True)
        return P, S.max(axis=1)

    # ------------------------------------------------------------------ coding

    def code(self, texts: Sequence[str]) -> list[TextCoding]:
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
        P_all, raw_all = self._proba(all_texts, emb)
        if self.general.any() and not self.general.all():
            # Topic first: an answer that names a topic never takes a general code ("General
            # satisfaction", "Nothing to improve"), and an answer that names none takes only those.
            forms = [answer_form(t, self.subject) == "topic" for t in texts]
            topical = np.array(forms + [forms[i] for i in owner], dtype=bool)
            keep = np.where(topical[:, None], ~self.general[None, :], self.general[None, :])
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
            out.append(self._decide(t, cl, p, raw_all[i], cp, craw, cpos, tpos))
        if self.review_cut is not None:
            for tc in out:
                # The question-level bar review.flag_for_review compares each answer with.
                tc.review_cut = self.review_cut
        return out

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
            score = self._calibrate(feats)
            if self.record is not None:
                self.record.append((self.keys[k], feats))
            assignments.append(Assignment(self.keys[k], sent, round(score, 4), confidence_label(score)))
        return TextCoding(assignments=assignments, candidates=candidates, sentiment_mixed=mixed)


    # ------------------------------------------------------------------ calibration

    def _calib_features(self, probs: np.ndarray, k: int, raw: float, stems: set[str], extra: bool) -> list[float]:
        pk = float(probs[k])
        others = np.delete(probs, k)
        margin = pk - float(others.max()) if len(others) else pk
        lex = 1.0 if (self.code_stems[k] and stems & self.code_stems[k]) else 0.0
        rawz = (float(raw) - self.raw_med) / self.raw_sd
        return [pk, margin, rawz, lex, 1.0 if extra else 0.0, math.log(len(self.codes)), math.log1p(self.n_examples)]

    def _calibrate(self, feats: list[float]) -> float:
        """Probability that the assignment is right: a logistic map of the coder's evidence.

        The coefficients were fitted once on the benchmark sets pooled (each set weighted equally,
        see ``benchmarks/fit_calibration.py``), so "high" means the same on every question.
        """
        coef = CALIBRATION.get("sup" if self.supervised else "zs")
        if coef is None:
            return float(min(max(feats[0], 0.0), 1.0))
        w, b = coef
        z = b + sum(wi * fi for wi, fi in zip(w, feats))
        return float(1.0 / (1.0 + math.exp(-z)))


# Features: [prob, margin over runner-up, best score z-scored within the question, code word in text,
# added from a clause, log #codes, log(1 + examples per code)]. Fitted by benchmarks/fit_calibration.py
# on the five benchmark sets pooled (2,000-answer samples, each set weighted equally).
CALIBRATION: dict[str, tuple[list[float], float]] = {
    "zs": ([3.4084, -0.2412, -0.0754, 0.6377, -0.3005, -0.6778, 0.0], -0.6068),
    "sup": ([1.1761, 1.4535, -0.3822, 1.1969, -0.3261, -0.1001, 0.5256], -2.876),
}


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
        return EmbeddedCoder(self, codebook, texts, context, progress)
