"""Quality harness: score the embedded engine against human-coded datasets (``surveycoder eval DIR``).

A dataset folder holds ``responses.jsonl`` (``{"id", "text", "codes": [{"code", "category",
"sentiment"}]}``) and ``codebook.json`` (``{"categories": [{"name", "codes": [{"name", "definition"}]}]}``).

Modes:
  a  codebook given, no examples: micro/macro F1 of each response's code set vs the human set,
     exact-set match, coverage, sentiment accuracy on correctly assigned codes.
  b  codebook given with k human-coded examples per code (CodeSpec.examples), scored on the rest.
  c  no codebook: NMI / ARI of each response's first generated code vs the human first code.
  split, open, curve: learning and abstention, see :mod:`surveycoder_core.evaluation.learning`.
Every mode also reports precision by confidence level and how many wrong assignments the review
flag catches against the share of responses it flags. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from surveycoder_core.engine_api import CodeSpec, CodingContext
from surveycoder_core.evaluation.scoring import _code_all, _gold, score_codings
from surveycoder_core.text.answer_forms import STANCE_PREFIXES, is_catch_all, is_general_code


def load_dataset(path: Path, limit: int | None = None, seed: int = 0) -> tuple[list[dict], list[CodeSpec]]:
    path = Path(path)
    rows = []
    with open(path / "responses.jsonl", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                r = json.loads(line)
                if r.get("text") and r.get("codes"):
                    rows.append(r)
    if limit is not None and len(rows) > limit:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(rows), size=limit, replace=False))
        rows = [rows[i] for i in keep]
    cb = json.loads((path / "codebook.json").read_text(encoding="utf-8"))
    specs: list[CodeSpec] = []
    for cat in cb.get("categories", []):
        for c in cat.get("codes", []):
            specs.append(
                CodeSpec(key=f"k{len(specs)}", name=c["name"], category=cat.get("name") or "",
                         definition=c.get("definition"))
            )
    return rows, specs


def _pick_examples(rows: list[dict], specs: list[CodeSpec], k: int, seed: int) -> tuple[dict[str, list[int]], set[int]]:
    """k example responses per code name (each response used once), chosen with a seeded RNG."""
    rng = np.random.default_rng(seed + 1000 * k)
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        for nm in sorted(_gold(r)):
            by_code[nm].append(i)
    used: set[int] = set()
    picked: dict[str, list[int]] = {}
    for nm in sorted(by_code):
        ids = [i for i in rng.permutation(by_code[nm]).tolist() if i not in used][:k]
        picked[nm] = ids
        used.update(ids)
    return picked, used


def _run_given(engine, rows, specs, ctx, examples: dict[str, list[int]] | None, used: set[int]) -> dict:
    test_rows = [r for i, r in enumerate(rows) if i not in used]
    texts = [r["text"] for r in test_rows]
    specs2 = []
    for s in specs:
        ex = [rows[i]["text"] for i in (examples or {}).get(s.name, [])]
        specs2.append(CodeSpec(s.key, s.name, s.category, s.definition, s.sentiment, ex))
    key_to_name = {s.key: s.name for s in specs}
    t0 = time.perf_counter()
    coder = engine.prepare(specs2, texts, ctx)
    codings = _code_all(coder, texts)
    res = score_codings(test_rows, codings, key_to_name)
    res["seconds"] = time.perf_counter() - t0
    return res


def _run_generated(engine, rows, ctx) -> dict:
    """Mode c as the product does it: generate, take each theme's central members as its
    examples (pipeline.central_examples), code every response, score its first code."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from surveycoder_core.pipeline.stages import central_examples

    texts = [r["text"] for r in rows]
    t0 = time.perf_counter()
    drafts = engine.generate_codebook(texts, ctx)
    examples = central_examples(engine, texts, drafts) if ctx.coding_type != "entity" else {}
    specs = [CodeSpec(f"g{n}", d.name, d.category, d.definition, d.sentiment, examples.get(n, []))
             for n, d in enumerate(drafts)]
    codings = _code_all(engine.prepare(specs, texts, ctx), texts)
    index = {s.key: n for n, s in enumerate(specs)}
    coded = np.array([index[c.assignments[0].code_key] if c.assignments else -1 for c in codings])
    # Uncoded responses form one group of their own, as a human's "uncodable" pile would.
    coded_labels = np.where(coded >= 0, coded, len(specs))
    cluster = np.full(len(texts), -1)
    for ci, d in enumerate(drafts):
        for i in d.member_indices:
            if cluster[i] == -1:
                cluster[i] = ci
    gold_first = [r["codes"][0]["code"] for r in rows]
    gmap = {g: i for i, g in enumerate(sorted(set(gold_first)))}
    gl = np.array([gmap[g] for g in gold_first])
    quality = codebook_quality(drafts, specs, codings, texts)
    return {
        "n": len(texts),
        "n_codes": quality["codes_kept"],
        "n_generated": len(drafts),
        "n_categories": len({d.category for d in drafts}),
        "human_codes": len(gmap),
        "human_ideas": len({c["code"] for r in rows for c in r["codes"] if c["code"] != "Other"}),
        "nmi": float(normalized_mutual_info_score(gl, coded_labels)),
        "ari": float(adjusted_rand_score(gl, coded_labels)),
        "cluster_nmi": float(normalized_mutual_info_score(gl, cluster)),
        "coverage": float(np.mean(coded >= 0)) if len(coded) else 0.0,
        "example_names": [d.name for d in drafts[:12]],
        "seconds": time.perf_counter() - t0,
        **quality,
    }


def _stance_named(d) -> bool:
    """Does the code's name carry a stance: "Praise for X", "Complaints about X", or adjectives around
    its topic ("Friendly staff"; the generated topic is its first keyword)?"""
    if d.name.startswith(STANCE_PREFIXES):
        return True
    topic = (d.keywords[0] if d.keywords else "").casefold()
    return bool(topic) and d.name.casefold() != topic and not d.name.casefold().startswith(topic + " (")


def codebook_quality(drafts, specs, codings, texts) -> dict[str, Any]:
    """What a researcher reading the generated codebook would check (issue: codebooks a researcher signs
    off): empty codes, name support, stance purity, and the codebook itself, printable.

    * empty: generated codes no coded answer carries (the product removes them after coding:
      ``codebook_checks``); ``codes_kept`` is the codebook the user sees.
    * name support: share of a topical code's answers that contain a content word of its name
      (general codes such as "General satisfaction" and "Other" are left out: their answers name no
      topic by definition).
    * stance purity: share of the answers of a code whose name carries a stance ("Praise for X",
      "Friendly staff") whose assignment carries that stance, pooled; ``stance_renamed`` counts the
      names under STANCE_PURITY that the product's check renames after coding.
    """
    from surveycoder_core.engines.embedded.theme_naming import name_support

    members: dict[str, list[int]] = defaultdict(list)
    sents: dict[str, list[str]] = defaultdict(list)
    for i, c in enumerate(codings):
        for a in c.assignments:
            members[a.code_key].append(i)
            sents[a.code_key].append(a.sentiment)
    kept = [(s, d) for s, d in zip(specs, drafts, strict=False) if members.get(s.key)]
    from surveycoder_core.pipeline.codebook_checks import STANCE_PURITY

    sup_num = sup_den = pur_num = pur_den = 0.0
    stance_codes = impure = 0
    book = []
    for s, d in kept:
        idx = members[s.key]
        if not (is_general_code(d.name) or is_catch_all(d.name)):
            sup_num += name_support(d.name, [texts[i] for i in idx]) * len(idx)
            sup_den += len(idx)
        if d.sentiment in ("Positive", "Negative") and _stance_named(d):
            same = sum(1 for x in sents[s.key] if x == d.sentiment)
            pur_num += same
            pur_den += len(sents[s.key])
            stance_codes += 1
            # The product takes the stance out of such a name after coding (codebook_checks).
            impure += int(same < STANCE_PURITY * len(sents[s.key]))
        book.append({"category": d.category, "name": d.name, "frequency": len(idx), "sentiment": d.sentiment,
                     "definition": d.definition, "examples": list(d.examples[:2])})
    return {
        "codes_kept": len(kept),
        "empty_share": 1.0 - len(kept) / len(drafts) if drafts else 0.0,
        "name_support": sup_num / sup_den if sup_den else None,
        "stance_purity": pur_num / pur_den if pur_den else None,
        "stance_codes": stance_codes,
        "stance_renamed": impure,
        "codebook": book,
    }


def evaluate_dataset(
    path: Path,
    modes: Sequence[str] = ("a", "b", "c"),
    ks: Sequence[int] = (5, 10),
    limit: int | None = None,
    seed: int = 0,
    engine=None,
) -> dict:
    """Score one dataset folder; returns a JSON-able dict (see module docstring for the modes)."""
    if engine is None:
        from surveycoder_core.engines.embedded.engine import EmbeddedEngine

        engine = EmbeddedEngine()
    path = Path(path)
    rows, specs = load_dataset(path, limit=limit, seed=seed)
    ctx = CodingContext(coding_type="qualitative")
    report: dict[str, Any] = {
        "dataset": path.name,
        "n_responses": len(rows),
        "limit": limit,
        "n_codes": len(specs),
        "multi_label_share": float(np.mean([len(_gold(r)) > 1 for r in rows])) if rows else 0.0,
        "modes": {},
    }
    if "a" in modes:
        report["modes"]["a"] = _run_given(engine, rows, specs, ctx, None, set())
    if "b" in modes:
        for k in ks:
            picked, used = _pick_examples(rows, specs, k, seed)
            report["modes"][f"b{k}"] = _run_given(engine, rows, specs, ctx, picked, used)
    if "c" in modes:
        # The question's own wording, when the dataset gives it (codebook.json "question"): the product
        # knows it too, and the words of the question name no topic ("Great course").
        question = json.loads((path / "codebook.json").read_text(encoding="utf-8")).get("question")
        report["modes"]["c"] = _run_generated(engine, rows, CodingContext(coding_type="qualitative",
                                                                          question_text=question))
    from surveycoder_core.evaluation.learning import run_learning_modes  # split / open / curve

    report["modes"].update(run_learning_modes(engine, rows, specs, ctx, modes, seed))
    return report


def _f(x: Any, nd: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def format_report(report: dict, show_codebooks: bool = False) -> str:
    """Plain-text tables for one dataset's report (or a list of reports)."""
    reports = report if isinstance(report, list) else [report]
    lines: list[str] = []
    head = (
        f"{'dataset':34} {'mode':5} {'n':>6} {'microF1':>7} {'macroF1':>7} {'exact':>6} {'jacc':>6} {'cover':>6} "
        f"{'c/resp':>6} {'sentAcc':>7} {'P@high':>12} {'P@med':>12} {'P@low':>12} {'caught':>6} {'flagged':>7}"
        f" {'sec':>5}"
    )
    lines.append(head)
    lines.append("-" * len(head))
    for rep in reports:
        for mode, m in rep["modes"].items():
            if mode not in ("a",) and not mode.startswith("b"):
                continue
            pl = m["precision_by_level"]
            lv = lambda k, pl=pl: f"{_f(pl[k]['precision'], 2)} ({pl[k]['n']})"  # noqa: E731
            lines.append(
                f"{rep['dataset'][:34]:34} {mode:5} {m['n']:>6} {_f(m['micro_f1']):>7} {_f(m['macro_f1']):>7} "
                f"{_f(m['exact']):>6} {_f(m['jaccard']):>6} {_f(m['coverage']):>6} {_f(m['codes_per_response'], 2):>6} "
                f"{_f(m['sentiment_acc']):>7} {lv('high'):>12} {lv('medium'):>12} {lv('low'):>12} "
                f"{_f(m['review']['wrong_caught_share'], 2):>6} {_f(m['review']['flagged_share'], 2):>7}"
                f" {m['seconds']:>5.1f}"
            )
            by_q = m.get("sentiment_by_question") or {}
            if by_q:
                lines.append("    sentiment by question: " + "; ".join(
                    f"{q} {_f(v['accuracy'], 2)} ({v['n']})" for q, v in by_q.items()))
    cs = [(rep["dataset"], rep["modes"]["c"]) for rep in reports if "c" in rep["modes"]]
    if cs:
        lines.append("")
        h2 = (f"{'dataset':34} {'n':>6} {'human':>5} {'codes':>5} {'cats':>4} {'NMI':>6} {'ARI':>6} {'clNMI':>6}"
              f" {'cover':>6} {'empty':>6} {'nameSup':>7} {'stance':>6} {'st/ren':>7} {'sec':>5}")
        lines.append(h2)
        lines.append("-" * len(h2))
        for name, m in cs:
            lines.append(
                f"{name[:34]:34} {m['n']:>6} {m['human_codes']:>5} {m['n_codes']:>5} {m['n_categories']:>4} "
                f"{_f(m['nmi']):>6} {_f(m['ari']):>6} {_f(m.get('cluster_nmi')):>6} {_f(m['coverage']):>6}"
                f" {_f(m.get('empty_share'), 2):>6} {_f(m.get('name_support'), 2):>7}"
                f" {_f(m.get('stance_purity'), 2):>6}"
                f" {m.get('stance_codes', 0):>3}/{m.get('stance_renamed', 0):<3}"
                f" {m['seconds']:>5.1f}"
            )
            if m.get("human_ideas") is not None:
                lines.append(f"    human ideas (codes without Other): {m['human_ideas']}; generated before the"
                             f" empty-code check: {m.get('n_generated')}")
        for name, m in cs:
            if show_codebooks and m.get("codebook"):
                lines.append("")
                lines.append(f"## generated codebook: {name} ({m['n_codes']} codes)")
                for c in sorted(m["codebook"], key=lambda c: (c["category"], -c["frequency"])):
                    lines.append(f"  [{c['category']}] {c['name']} — {c['frequency']} ({c['sentiment']})")
                    lines.append(f"      {c['definition']}")
                    for ex in c["examples"]:
                        lines.append(f"      · {ex[:140]}")
    from surveycoder_core.evaluation.learning import format_learning

    lines += format_learning(reports)
    return "\n".join(lines)
