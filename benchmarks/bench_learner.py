"""Fit and coding speed of the embedded engine's one-vs-rest learner on real human-coded answers.

    python benchmarks/bench_learner.py [DATASET_DIR] [--codes 50] [--n 10000]

Takes the dataset's ``--codes`` most frequent codes; every answer (up to ``--n``) is a training
answer (answers with none of those codes are no-code examples), and the same answers are then coded.
Prints: learner fit seconds (features, SVMs, out-of-fold calibration), the whole ``prepare`` and the
coding rate after it (embeddings cached in memory first, as the database cache does on a recode).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from surveycoder_core.engine_api import CodingContext  # noqa: E402
from surveycoder_core.engines.embedded.engine import EmbeddedEngine  # noqa: E402
from surveycoder_core.engines.embedded.learner import OneVsRestLearner, training_rows  # noqa: E402
from surveycoder_core.evaluation.harness import load_dataset  # noqa: E402


class MemoryCache:
    """The database embedding cache's role, in memory: each distinct text embedded once."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], np.ndarray] = {}

    def get_many(self, model, texts):
        return {t: self.store[(model, t)] for t in texts if (model, t) in self.store}

    def put_many(self, model, vectors):
        self.store.update({(model, t): v for t, v in vectors.items()})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", nargs="?", type=Path, default=ROOT.parent / "shared" / "data" / "banking77")
    ap.add_argument("--codes", type=int, default=50)
    ap.add_argument("--n", type=int, default=10000)
    args = ap.parse_args()
    rows, specs = load_dataset(args.dataset, limit=args.n, seed=0)
    freq = Counter(c["code"] for r in rows for c in r["codes"])
    keep = [s for s in specs if s.name in {n for n, _ in freq.most_common(args.codes)}]
    names = {s.name for s in keep}
    texts = [r["text"] for r in rows]
    book = [replace(s, examples=[r["text"] for r in rows if s.name in {c["code"] for c in r["codes"]}]) for s in keep]
    none = tuple(r["text"] for r in rows if not names & {c["code"] for c in r["codes"]})
    engine = EmbeddedEngine(cache=MemoryCache())
    t0 = time.perf_counter()
    engine.embed(texts)
    embed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    coder = engine.prepare(book, texts, CodingContext(no_code_examples=none))
    prepare_s = time.perf_counter() - t0
    tr, Y = training_rows(book, none)
    X = coder._matrix(tr)  # the coder's own features, so only the SVMs and calibration are timed
    t0 = time.perf_counter()
    OneVsRestLearner().fit(X, Y)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for s in range(0, len(texts), 500):
        coder.code(texts[s : s + 500])
    code_s = time.perf_counter() - t0
    print(f"{args.dataset.name}: {len(keep)} codes, {len(tr):,} training answers "
          f"({len(none):,} with no code), {len(texts):,} answers coded; regime {coder.regime}")
    print(f"  embed (first time)          {embed_s:7.2f} s")
    print(f"  prepare (whole coder)       {prepare_s:7.2f} s")
    print(f"  learner fit (SVMs + 3-fold) {fit_s:7.2f} s")
    print(f"  code {len(texts):,} answers       {code_s:7.2f} s  ({len(texts) / code_s:,.0f} answers/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
