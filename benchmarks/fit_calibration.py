"""Fit the embedded engine's confidence calibration (engines/embedded.py: CALIBRATION).

For each dataset folder, code it with the codebook given (no examples, and 5 / 10 examples per code),
record each assignment's evidence features and whether a human agreed, then fit one logistic
regression per path (zero-shot, supervised) with every dataset weighted equally, so that no single
dataset decides what "high confidence" means. Prints the coefficients to paste into CALIBRATION.

    python benchmarks/fit_calibration.py [DIR ...] --limit 2000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from surveycoder_core.engine_api import CodeSpec, CodingContext  # noqa: E402
from surveycoder_core.engines.embedded import engine as emb  # noqa: E402
from surveycoder_core.evaluation.harness import _pick_examples, load_dataset  # noqa: E402


def collect(path: Path, limit: int, engine) -> dict[str, list[tuple[list[float], int]]]:
    rows, specs = load_dataset(path, limit=limit, seed=1)  # seed 1: not the evaluation sample
    name = {s.key: s.name for s in specs}
    out: dict[str, list] = {"zs": [], "sup": []}
    for k in (0, 5, 10):
        picked, used = _pick_examples(rows, specs, k, seed=1) if k else ({}, set())
        test = [r for i, r in enumerate(rows) if i not in used]
        specs2 = [
            CodeSpec(s.key, s.name, s.category, s.definition, s.sentiment,
                     [rows[i]["text"] for i in picked.get(s.name, [])])
            for s in specs
        ]
        texts = [r["text"] for r in test]
        coder = engine.prepare(specs2, texts, CodingContext())
        kind = "sup" if coder.supervised else "zs"
        for r in test:
            coder.record = []
            coder.code([r["text"]])
            gold = {c["code"] for c in r["codes"]}
            for key, feats in coder.record:
                out[kind].append((feats, int(name[key] in gold)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("datasets", nargs="*", type=Path)
    ap.add_argument("--limit", type=int, default=2000)
    args = ap.parse_args()
    data = ROOT.parent / "shared" / "data"
    dirs = args.datasets or sorted(p for p in data.iterdir() if (p / "responses.jsonl").exists())
    emb.CALIBRATION.clear()
    engine = emb.EmbeddedEngine()
    pooled: dict[str, list] = {"zs": [], "sup": []}
    for d in dirs:
        got = collect(d, args.limit, engine)
        for kind, rows in got.items():
            if rows:
                w = 1.0 / len(rows)
                pooled[kind].extend((f, y, w) for f, y in rows)
        print(d.name, {k: len(v) for k, v in got.items()}, file=sys.stderr)
    from sklearn.linear_model import LogisticRegression

    for kind, rows in pooled.items():
        X = np.array([r[0] for r in rows])
        y = np.array([r[1] for r in rows])
        w = np.array([r[2] for r in rows])
        w = w / w.mean()
        lr = LogisticRegression(C=1.0, max_iter=1000).fit(X, y, sample_weight=w)
        p = lr.predict_proba(X)[:, 1]
        for lo, hi, lab in ((0.75, 1.01, "high"), (0.5, 0.75, "medium"), (0.0, 0.5, "low")):
            m = (p >= lo) & (p < hi)
            if m.any():
                precision = np.average(y[m], weights=w[m])
                print(f"{kind} {lab}: n={m.sum()} weighted precision={precision:.3f}", file=sys.stderr)
        print(f'    "{kind}": ({[round(float(c), 4) for c in lr.coef_[0]]}, {round(float(lr.intercept_[0]), 4)}),')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
