"""Scoring a coder's output against human codes: set F1, exact match, coverage, sentiment accuracy,
precision by confidence level and what the review flag catches. Shared by every harness mode."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

from surveycoder_core.engine_api import TextCoding
from surveycoder_core.engines.flags import flag_for_review

BATCH = 100  # the pipeline codes in checkpointed batches of 100; do the same


def _gold(row: dict) -> set[str]:
    return {c["code"] for c in row["codes"]}


def _gold_sent(row: dict) -> dict[str, str | None]:
    return {c["code"]: c.get("sentiment") for c in row["codes"]}


def _code_all(coder, texts: list[str]) -> list[TextCoding]:
    out: list[TextCoding] = []
    for s in range(0, len(texts), BATCH):
        out.extend(coder.code(texts[s : s + BATCH]))
    return out


def score_codings(rows: list[dict], codings: list[TextCoding], key_to_name: dict[str, str]) -> dict[str, Any]:
    tp = n_pred = n_gold = exact = covered = 0
    jaccard = 0.0
    per_code: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    sent_ok = sent_n = 0
    # Sentiment per source question (``meta.question``): one question's coders may have used the
    # labels differently (NHS Trust B left "criticality" at 0, i.e. Neutral, on glowing praise).
    sent_by_q: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_level: dict[str, list[int]] = {lvl: [0, 0] for lvl in ("high", "medium", "low")}
    wrong = wrong_caught = flagged = 0
    reasons: Counter[str] = Counter()
    for row, coding in zip(rows, codings, strict=False):
        gold = _gold(row)
        gsent = _gold_sent(row)
        pred_names: list[str] = []
        for a in coding.assignments:
            nm = key_to_name[a.code_key]
            if nm not in pred_names:
                pred_names.append(nm)
        pred = set(pred_names)
        needs, reason, _ = flag_for_review(coding)
        flagged += int(needs)
        if reason:
            reasons[reason] += 1
        covered += int(bool(pred))
        exact += int(pred == gold)
        jaccard += len(pred & gold) / len(pred | gold) if (pred | gold) else 1.0
        tp += len(pred & gold)
        n_pred += len(pred)
        n_gold += len(gold)
        for nm in pred | gold:
            per_code[nm][0] += int(nm in pred and nm in gold)
            per_code[nm][1] += int(nm in pred and nm not in gold)
            per_code[nm][2] += int(nm in gold and nm not in pred)
        seen: set[str] = set()
        for a in coding.assignments:
            nm = key_to_name[a.code_key]
            if nm in seen:
                continue
            seen.add(nm)
            ok = nm in gold
            by_level[a.confidence][0] += int(ok)
            by_level[a.confidence][1] += 1
            if not ok:
                wrong += 1
                wrong_caught += int(needs)
            elif gsent.get(nm) is not None:
                sent_n += 1
                sent_ok += int(a.sentiment == gsent[nm])
                q = (row.get("meta") or {}).get("question")
                if q:
                    sent_by_q[str(q)][0] += int(a.sentiment == gsent[nm])
                    sent_by_q[str(q)][1] += 1
    n = len(rows)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f1s = []
    for t, fp, fn in per_code.values():
        f1s.append(2 * t / (2 * t + fp + fn) if (2 * t + fp + fn) else 0.0)
    return {
        "n": n,
        "micro_p": p,
        "micro_r": r,
        "micro_f1": 2 * p * r / (p + r) if p + r else 0.0,
        "macro_f1": float(np.mean(f1s)) if f1s else 0.0,
        "exact": exact / n if n else 0.0,
        "jaccard": jaccard / n if n else 0.0,
        "coverage": covered / n if n else 0.0,
        "codes_per_response": n_pred / n if n else 0.0,
        "sentiment_acc": sent_ok / sent_n if sent_n else None,
        "sentiment_n": sent_n,
        "sentiment_by_question": {
            q: {"accuracy": v[0] / v[1], "n": v[1]} for q, v in sorted(sent_by_q.items()) if len(sent_by_q) > 1
        },
        "precision_by_level": {
            lvl: {"precision": (v[0] / v[1] if v[1] else None), "n": v[1]} for lvl, v in by_level.items()
        },
        "review": {
            "flagged_share": flagged / n if n else 0.0,
            "wrong_assignments": wrong,
            "wrong_caught_share": wrong_caught / wrong if wrong else None,
            "reasons": dict(reasons.most_common()),
        },
    }
