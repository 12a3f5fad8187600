"""Embedding 10,000 mixed answers: the model alone (plain vs length-sorted batches), and through the
project database's cache, cold (nothing stored) then warm (every vector stored).

    python benchmarks/bench_embed.py [--data ../shared/data] [--n 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_pipeline import load_mixed  # noqa: E402

from surveycoder_core.db.store import EmbeddingStore  # noqa: E402
from surveycoder_core.engines.embedded.embedder import Embedder, _load_wordllama, wordllama_embed  # noqa: E402


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args()
    texts = [r.text for r in load_mixed(Path(args.data), args.n).responses]
    uniq = list(dict.fromkeys(texts))
    model = _load_wordllama()
    model.embed(uniq[:64])  # first-call costs outside the timings
    plain, t_plain = timed(lambda: np.asarray(model.embed(uniq), dtype=np.float32))
    ordered, t_sorted = timed(lambda: wordllama_embed(model, uniq))
    assert np.array_equal(plain, ordered), "length-sorted batches changed the vectors"
    db = Path(tempfile.mkdtemp()) / "embed.db"
    cold_vecs, t_cold = timed(lambda: Embedder(cache=EmbeddingStore(db)).embed(texts))
    warm_vecs, t_warm = timed(lambda: Embedder(cache=EmbeddingStore(db)).embed(texts))
    assert np.array_equal(cold_vecs, warm_vecs), "cached vectors differ from computed ones"
    print(f"texts                        {len(texts):,} ({len(uniq):,} distinct)")
    print(f"model, plain batches         {t_plain:6.2f} s")
    print(f"model, length-sorted batches {t_sorted:6.2f} s  (vectors bit-identical)")
    print(f"cached embedder, cold        {t_cold:6.2f} s  (model + storing {len(uniq):,} vectors)")
    print(f"cached embedder, warm        {t_warm:6.2f} s  (all read from the database)")


if __name__ == "__main__":
    main()
