"""How long each page of the app takes to render a 10,000-response question (Streamlit AppTest).

    python benchmarks/app_render.py [--n 10000] [--db /tmp/bench-app.db] [--keep]

Builds (once, or reuses with --keep) a project of N responses made from the sample survey's
verbatims (pairs of them, so nearly every text is distinct) with respondent attributes, codes it
with the embedded engine, then renders every page twice in one AppTest session: the first run
(cold: caches empty) and a second run (warm: what a user feels clicking around). Prints a table.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = ["1_Projects", "2_Upload", "3_Run", "4_Dashboard", "5_Review", "6_Refine", "7_Codebook", "8_Export",
         "9_Settings"]


def build(db: str, n: int) -> str:
    from surveycoder_core import service
    from surveycoder_core.io import sample
    from surveycoder_core.schemas import ResponseIn

    base = sample.sample_responses()
    texts = [r.text for r in base if len(r.text) > 12]
    rnd = random.Random(7)
    responses = []
    for i in range(n):
        a = rnd.choice(base)
        text = a.text if i < len(texts) else f"{rnd.choice(texts)} {rnd.choice(texts)}"
        responses.append(ResponseIn(id=f"B{i + 1:05d}", text=text, attributes=dict(a.attributes)))
    out = service.import_question(db_path=db, responses=responses, project_name=f"Benchmark {n:,} responses",
                                  question_text=sample.QUESTION)
    t = time.perf_counter()
    service.code_question(out["question_id"], db_path=db)
    print(f"coded {n:,} responses ({out['unique']:,} distinct) in {time.perf_counter() - t:.1f} s")
    return out["question_id"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--db", default="/tmp/surveycoder-bench-app.db")
    ap.add_argument("--keep", action="store_true", help="reuse the database if it exists")
    args = ap.parse_args()
    os.environ["SURVEYCODER_DB"] = args.db
    from streamlit.testing.v1 import AppTest

    from surveycoder_core.service import projects

    if not (args.keep and Path(args.db).exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(args.db + suffix).unlink(missing_ok=True)
        qid = build(args.db, args.n)
    else:
        qid = projects.question_choices(db_path=args.db)[0]["question_id"]

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["current_question_id"] = qid
    at.run()
    print(f"\n{'page':<14}{'first render':>14}{'next render':>14}")
    for page in PAGES:
        times = []
        for _ in range(2):
            at.switch_page(f"pages/{page}.py")
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
            assert not at.exception, at.exception
            assert at.title[0].value == page[2:], f"{page} did not render"
        print(f"{page[2:]:<14}{times[0]:>13.2f}s{times[1]:>13.2f}s")


if __name__ == "__main__":
    main()
