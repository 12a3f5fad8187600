"""Quality harness for learning and abstention: modes ``split``, ``open`` and ``curve``.

Registered in :func:`evaluation.evaluate_dataset` (and ``benchmarks/eval_quality.py --modes``):

split  half the answers are a coded earlier wave (each answer an example of every code a human gave
       it: multi-label training through ``CodeSpec.examples``), the other half is coded and scored.
       The plain baseline is trained on the same half in the same run: ``TfidfVectorizer()`` +
       ``OneVsRestClassifier(LinearSVC(class_weight="balanced"))``, a code when its decision > 0.
open   the codebook lacks every other code (the 2nd, 4th, ... of the dataset's codebook); the test
       half is coded zero-shot (names and definitions only) and with examples (the training half as
       a wave coded with that codebook: answers with a kept code are examples of their kept codes,
       the rest were left uncoded, ``CodingContext.no_code_examples``). Reported: the share of the
       out-of-codebook answers (no human code in the codebook) left uncoded / ``no_code_fit``;
       micro-F1 and precision on the in-codebook answers against their kept codes; new-code
       suggestions made from the unfitted answers as refinement makes them, and how many match a
       missing human code (the majority of the suggestion's members carry that code).
curve  simulated review: the codebook (no examples) codes every answer; a reviewer (the human codes)
       then reviews 50, 100, 200, 500 answers, each batch chosen in the engine's teach order
       (:func:`teaching.teach_order`) or in random order; after each batch the reviewed answers
       become examples and the rest is recoded. Micro-F1 on the unreviewed answers.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from surveycoder_core.engine_api import CodeSpec, CodingContext, TextCoding
from surveycoder_core.engines.flags import flag_for_review
from surveycoder_core.evaluation.scoring import score_codings
from surveycoder_core.human_review.teaching import teach_order

CURVE_STEPS = (50, 100, 200, 500)


# ---------------------------------------------------------------- scoring helpers


def set_scores(gold: Sequence[set[str]], pred: Sequence[set[str]]) -> dict[str, float]:
    """Micro P/R/F1 and macro-F1 of predicted code sets against human sets."""
    tp = sum(len(g & p) for g, p in zip(gold, pred, strict=False))
    n_pred = sum(len(p) for p in pred)
    n_gold = sum(len(g) for g in gold)
    per: dict[str, list[int]] = {}
    for g, p in zip(gold, pred, strict=False):
        for c in g | p:
            row = per.setdefault(c, [0, 0, 0])
            row[0] += int(c in g and c in p)
            row[1] += int(c in p and c not in g)
            row[2] += int(c in g and c not in p)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1s = [2 * t / (2 * t + fp + fn) for t, fp, fn in per.values() if 2 * t + fp + fn]
    return {"micro_p": precision, "micro_r": recall,
            "micro_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            "macro_f1": float(np.mean(f1s)) if f1s else 0.0}


def _gold(row: dict) -> set[str]:
    return {c["code"] for c in row["codes"]}


def _names(coding: TextCoding, key_to_name: dict[str, str]) -> set[str]:
    return {key_to_name[a.code_key] for a in coding.assignments}


def _code_all(coder: Any, texts: list[str], batch: int = 100) -> list[TextCoding]:
    out: list[TextCoding] = []
    for s in range(0, len(texts), batch):
        out.extend(coder.code(texts[s : s + batch]))
    return out


def _halves(n: int, seed: int) -> tuple[list[int], list[int]]:
    perm = np.random.default_rng(seed + 7).permutation(n)
    half = n // 2
    return sorted(perm[:half].tolist()), sorted(perm[half:].tolist())


def _with_examples(specs: Sequence[CodeSpec], rows: Sequence[dict], idx: Sequence[int],
                   keep: set[str] | None = None) -> list[CodeSpec]:
    """The codebook with every answer in ``idx`` as an example of each of its (kept) human codes."""
    by_code: dict[str, list[str]] = {}
    for i in idx:
        for code in sorted(_gold(rows[i])):
            if keep is None or code in keep:
                by_code.setdefault(code, []).append(rows[i]["text"])
    return [CodeSpec(s.key, s.name, s.category, s.definition, s.sentiment, by_code.get(s.name, []))
            for s in specs]


def plain_baseline(train_texts: list[str], train_sets: list[set[str]], test_texts: list[str]) -> list[set[str]]:
    """The issue's plain baseline, exactly: TF-IDF + one-vs-rest LinearSVC (balanced), decision > 0."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.svm import LinearSVC

    binarizer = MultiLabelBinarizer()
    Y = binarizer.fit_transform(train_sets)
    vectorizer = TfidfVectorizer().fit(train_texts)
    clf = OneVsRestClassifier(LinearSVC(class_weight="balanced")).fit(vectorizer.transform(train_texts), Y)
    decision = np.atleast_2d(clf.decision_function(vectorizer.transform(test_texts)))
    if decision.shape[0] != len(test_texts):  # a single code comes back as one column
        decision = decision.T
    return [{binarizer.classes_[k] for k in np.where(d > 0)[0]} for d in decision]


# ---------------------------------------------------------------- modes


def run_split(engine: Any, rows: list[dict], specs: list[CodeSpec], ctx: CodingContext, seed: int) -> dict:

    train, test = _halves(len(rows), seed)
    test_rows = [rows[i] for i in test]
    texts = [r["text"] for r in test_rows]
    key_to_name = {s.key: s.name for s in specs}
    t0 = time.perf_counter()
    coder = engine.prepare(_with_examples(specs, rows, train), texts, ctx)
    fit_s = time.perf_counter() - t0
    codings = _code_all(coder, texts)
    out = score_codings(test_rows, codings, key_to_name)
    out["seconds"] = time.perf_counter() - t0
    out["fit_seconds"] = fit_s
    out["n_train"] = len(train)
    t1 = time.perf_counter()
    base = plain_baseline([rows[i]["text"] for i in train], [_gold(rows[i]) for i in train], texts)
    out["plain"] = set_scores([_gold(r) for r in test_rows], base)
    out["plain"]["seconds"] = time.perf_counter() - t1
    return out


def _suggestion_matches(engine: Any, ctx: CodingContext, rows: list[dict], unfitted: list[int],
                        kept: set[str]) -> dict[str, Any]:
    """New-code proposals from the unfitted answers, made as refine_rules.new_code_rules makes them."""
    from surveycoder_core.refinement.rules import new_code_min_size

    if len(unfitted) < 2:
        return {"suggestions": 0, "matching": 0, "missing_codes_found": 0}
    drafts = engine.generate_codebook([rows[i]["text"] for i in unfitted], ctx)
    min_size = new_code_min_size(len(unfitted))
    taken: set[int] = set()
    made = matching = 0
    found: set[str] = set()
    for d in drafts:
        members = [unfitted[j] for j in sorted(set(d.member_indices)) if 0 <= j < len(unfitted) and j not in taken]
        if len(members) < min_size:
            continue
        taken.update(d.member_indices)
        made += 1
        counts = Counter(c for i in members for c in _gold(rows[i]))
        code, n = counts.most_common(1)[0]
        if code not in kept and n / len(members) > 0.5:
            matching += 1
            found.add(code)
    return {"suggestions": made, "matching": matching, "missing_codes_found": len(found)}


def run_open(engine: Any, rows: list[dict], specs: list[CodeSpec], ctx: CodingContext, seed: int,
             with_examples: bool) -> dict:
    train, test = _halves(len(rows), seed)
    kept_specs = specs[::2]
    kept = {s.name for s in kept_specs}
    if with_examples:
        # The training half as a wave coded with this codebook: answers with a kept code are its
        # examples, the others were left uncoded (an imported wave's blank code cells).
        idx = [i for i in train if _gold(rows[i]) & kept]
        book = _with_examples(kept_specs, rows, idx, keep=kept)
        ctx = replace(ctx, no_code_examples=tuple(rows[i]["text"] for i in train if not _gold(rows[i]) & kept))
    else:
        book = [CodeSpec(s.key, s.name, s.category, s.definition, s.sentiment, []) for s in kept_specs]
    texts = [rows[i]["text"] for i in test]
    key_to_name = {s.key: s.name for s in book}
    t0 = time.perf_counter()
    codings = _code_all(engine.prepare(book, texts, ctx), texts)
    seconds = time.perf_counter() - t0
    left_flags = [not c.assignments or flag_for_review(c)[1] == "no_code_fit" for c in codings]
    outside = [j for j, i in enumerate(test) if not (_gold(rows[i]) & kept)]
    inside = [j for j, i in enumerate(test) if _gold(rows[i]) & kept]
    scores = set_scores([_gold(rows[test[j]]) & kept for j in inside],
                        [_names(codings[j], key_to_name) for j in inside])
    unfitted = [test[j] for j, c in enumerate(codings) if not c.assignments]
    return {
        "n": len(test), "kept_codes": len(kept), "missing_codes": len(specs) - len(kept),
        "out_of_codebook": len(outside),
        "left_share": float(np.mean([left_flags[j] for j in outside])) if outside else None,
        "in_codebook_uncoded": float(np.mean([not codings[j].assignments for j in inside])) if inside else None,
        "in_f1": scores["micro_f1"], "in_precision": scores["micro_p"], "in_recall": scores["micro_r"],
        **_suggestion_matches(engine, ctx, rows, unfitted, kept),
        "seconds": seconds,
    }


def run_curve(engine: Any, rows: list[dict], specs: list[CodeSpec], ctx: CodingContext, seed: int,
              steps: Sequence[int] = CURVE_STEPS) -> dict:
    texts = [r["text"] for r in rows]
    gold = [_gold(r) for r in rows]
    key_to_name = {s.key: s.name for s in specs}
    name_to_key = {s.name: s.key for s in specs}
    steps = [s for s in steps if s < len(rows)]
    vectors = np.asarray(engine.embed(texts))
    start = _code_all(engine.prepare(specs, texts, ctx), texts)
    out: dict[str, Any] = {"n": len(rows), "steps": steps, "zero_shot": _curve_f1(gold, start, key_to_name, set())}
    for order in ("teach", "random"):
        rng = np.random.default_rng(seed + 11)
        permutation = rng.permutation(len(rows)).tolist()
        reviewed: list[int] = []
        codings = start
        f1s = []
        for step in steps:
            need = step - len(reviewed)
            if order == "random":
                done = set(reviewed)
                batch = [i for i in permutation if i not in done][:need]
            else:
                mask = np.zeros(len(rows), dtype=bool)
                mask[reviewed] = True
                counts = Counter(name_to_key[c] for i in reviewed for c in gold[i] if c in name_to_key)
                batch = teach_order(codings, vectors, need, reviewed=mask, examples_per_code=counts)
            reviewed += batch
            book = _with_examples(specs, rows, reviewed)
            coder = engine.prepare(book, texts, ctx)
            codings = _code_all(coder, texts)
            f1s.append(_curve_f1(gold, codings, key_to_name, set(reviewed)))
        out[order] = f1s
    return out


def _curve_f1(gold: list[set[str]], codings: list[TextCoding], key_to_name: dict[str, str],
              reviewed: set[int]) -> float:
    keep = [i for i in range(len(gold)) if i not in reviewed]
    return set_scores([gold[i] for i in keep], [_names(codings[i], key_to_name) for i in keep])["micro_f1"]


def run_learning_modes(engine: Any, rows: list[dict], specs: list[CodeSpec], ctx: CodingContext,
                       modes: Sequence[str], seed: int) -> dict[str, Any]:
    """The modes of this module that ``modes`` names, by mode name."""
    out: dict[str, Any] = {}
    if "split" in modes:
        out["split"] = run_split(engine, rows, specs, ctx, seed)
    if "open" in modes:
        out["open_zs"] = run_open(engine, rows, specs, ctx, seed, with_examples=False)
        out["open_ex"] = run_open(engine, rows, specs, ctx, seed, with_examples=True)
    if "curve" in modes:
        out["curve"] = run_curve(engine, rows, specs, ctx, seed)
    return out


# ---------------------------------------------------------------- tables


def _f(x: Any, nd: int = 3) -> str:
    return "–" if x is None else f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def format_learning(reports: list[dict]) -> list[str]:
    lines: list[str] = []
    splits = [(r["dataset"], r["modes"]["split"]) for r in reports if "split" in r["modes"]]
    if splits:
        head = (f"{'split: half coded, half scored':34} {'train':>5} {'test':>5} {'engine':>7} {'plain':>7} "
                f"{'gain':>6} {'eng P':>6} {'eng R':>6} {'macro':>6} {'plainM':>6} {'fit s':>6} {'sec':>5}")
        lines += ["", head, "-" * len(head)]
        for name, m in splits:
            lines.append(
                f"{name[:34]:34} {m['n_train']:>5} {m['n']:>5} {_f(m['micro_f1']):>7} {_f(m['plain']['micro_f1']):>7} "
                f"{m['micro_f1'] - m['plain']['micro_f1']:>+6.3f} {_f(m['micro_p']):>6} {_f(m['micro_r']):>6} "
                f"{_f(m['macro_f1']):>6} {_f(m['plain']['macro_f1']):>6} {m['fit_seconds']:>6.1f} {m['seconds']:>5.1f}")
    opens = [(r["dataset"], k, r["modes"][k]) for r in reports for k in ("open_zs", "open_ex") if k in r["modes"]]
    if opens:
        head = (f"{'open: codebook lacks every other code':34} {'mode':8} {'out':>5} {'left':>6} {'inF1':>6} "
                f"{'inP':>6} {'inR':>6} {'in-unc':>6} {'sugg':>5} {'match':>5} {'found':>5} {'sec':>5}")
        lines += ["", head, "-" * len(head)]
        for name, kind, m in opens:
            lines.append(
                f"{name[:34]:34} {'zero-sh' if kind == 'open_zs' else 'examples':8} {m['out_of_codebook']:>5} "
                f"{_f(m['left_share'], 2):>6} {_f(m['in_f1']):>6} {_f(m['in_precision']):>6} {_f(m['in_recall']):>6} "
                f"{_f(m['in_codebook_uncoded'], 2):>6} {m['suggestions']:>5} {m['matching']:>5} "
                f"{m['missing_codes_found']:>3}/{m['missing_codes']:<1} {m['seconds']:>5.1f}")
    curves = [(r["dataset"], r["modes"]["curve"]) for r in reports if "curve" in r["modes"]]
    if curves:
        steps = curves[0][1]["steps"]
        head = f"{'curve: micro-F1 on unreviewed':34} {'order':7} {'0':>6} " + " ".join(f"{s:>6}" for s in steps)
        lines += ["", head, "-" * len(head)]
        for name, m in curves:
            for order in ("teach", "random"):
                vals = " ".join(f"{v:>6.3f}" for v in m[order])
                lines.append(f"{name[:34]:34} {order:7} {m['zero_shot']:>6.3f} {vals}")
    return lines
