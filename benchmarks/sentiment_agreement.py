"""Does the vectorised lexicon (sentiment.polarities) give per-text VADER's labels? And how fast?

    python benchmarks/sentiment_agreement.py [DATA_DIR] [--n 3000]

For every dataset folder in DATA_DIR (default ../shared/data) it takes a seeded sample of answers
plus their clauses (what the coder scores), scores them both ways and prints the share of equal
Positive/Negative/Neutral labels and of equal compound scores, with both timings.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from surveycoder_core.text import sentiment  # noqa: E402
from surveycoder_core.text.clauses import split_clauses  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="?", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--n", type=int, default=3000, help="answers sampled per dataset")
    args = ap.parse_args()
    sentiment.polarities(["warm up"])  # load the lexicon outside the timings
    print(f"{'dataset':34s} {'texts':>6s} {'labels':>7s} {'scores':>7s} {'VADER s':>8s} {'vector s':>8s}")
    for folder in sorted(p for p in Path(args.data).iterdir() if (p / "responses.jsonl").exists()):
        with (folder / "responses.jsonl").open(encoding="utf-8") as fh:
            texts = [json.loads(line)["text"][:2000] for line in fh]
        random.Random(0).shuffle(texts)
        texts = texts[: args.n]
        units = list(dict.fromkeys(texts + [c for t in texts for c in split_clauses(t)]))
        sentiment._MEMO.clear()
        t0 = time.perf_counter()
        ref = [sentiment._vader_compound(sentiment._prepare(t)) if t.strip() else 0.0 for t in units]
        t1 = time.perf_counter()
        sentiment._MEMO.clear()
        vec = sentiment.polarities(units).tolist()
        t2 = time.perf_counter()
        same = (sentiment.label_from_score(a) == sentiment.label_from_score(b) for a, b in zip(ref, vec, strict=True))
        labels = sum(same)
        scores = sum(abs(a - b) < 1e-9 for a, b in zip(ref, vec, strict=False))
        print(f"{folder.name:34s} {len(units):6d} {labels / len(units):7.4f} {scores / len(units):7.4f} "
              f"{t1 - t0:8.2f} {t2 - t1:8.2f}")


if __name__ == "__main__":
    main()
