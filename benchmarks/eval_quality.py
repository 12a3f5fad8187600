"""Score the embedded engine on human-coded dataset folders and print the tables.

    python benchmarks/eval_quality.py                       # every folder in ../shared/data
    python benchmarks/eval_quality.py DIR [DIR ...] --limit 3000 --modes a,b,c --json out.json

Each folder holds responses.jsonl + codebook.json (see surveycoder_core/evaluation/harness.py).
``--limit`` caps the responses per dataset (a seeded random sample) to keep the run fast.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from surveycoder_core.evaluation.harness import evaluate_dataset, format_report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="*", type=Path)
    ap.add_argument("--modes", default="a,b,c", help="a, b, c, split, open, curve (comma-separated)")
    ap.add_argument("--ks", default="5,10")
    ap.add_argument("--limit", type=int, default=3000, help="max responses per dataset (0 = all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write the raw reports here")
    ap.add_argument("--codebooks", action="store_true", help="print each generated codebook (mode c) in full")
    ap.add_argument("--surveys", action="store_true",
                    help="also score the hand-coded small surveys in benchmarks/surveys (mode c)")
    args = ap.parse_args(argv)
    dirs = args.datasets or sorted(
        p for p in (ROOT.parent / "shared" / "data").iterdir() if (p / "responses.jsonl").exists()
    )
    reports = []
    t0 = time.perf_counter()
    for d in dirs:
        rep = evaluate_dataset(
            d,
            modes=tuple(args.modes.split(",")),
            ks=tuple(int(k) for k in args.ks.split(",")),
            limit=args.limit or None,
            seed=args.seed,
        )
        reports.append(rep)
        print(f"# {d.name}: {rep['n_responses']} responses (limit {args.limit or 'none'})", file=sys.stderr)
    if args.surveys:
        for d in sorted(p for p in (ROOT / "benchmarks" / "surveys").iterdir() if (p / "responses.jsonl").exists()):
            reports.append(evaluate_dataset(d, modes=("c",), limit=None, seed=args.seed))
    print(format_report(reports, show_codebooks=args.codebooks))
    print(f"\ntotal {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(reports, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
