"""How long each page of the app takes to render a 10,000-response question (Streamlit AppTest).

    python benchmarks/app_render.py [--n 10000] [--reviewed 500] [--db /tmp/bench-app.db] [--keep]

Builds (once, or reuses with --keep) a project of N responses made from the sample survey's
verbatims (pairs of them, so nearly every text is distinct) with respondent attributes, codes it
with the embedded engine, has a reviewer decide ``--reviewed`` of its flagged responses (every third
one corrected, the others accepted) so that Review's agreement figures have work to do, then renders
every page twice in one AppTest session: the first run (cold: caches empty) and a second run (warm:
what a user feels clicking around). Prints a table with wall-clock and CPU seconds.
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


def review(db: str, qid: str, n: int) -> None:
    """A reviewer decides the first ``n`` flagged responses: every third gets its codes replaced."""
    from surveycoder_core.service import review as reviews

    codes = list(reviews.review_screen(qid, db_path=db)["codes"])
    t = time.perf_counter()
    for i, item in enumerate(reviews.review_items(qid, db_path=db)[:n]):
        chosen = None if i % 3 else [{"code_id": codes[i % len(codes)], "sentiment": "Neutral"}]
        reviews.save_review(qid, item["id"], version=item["version"], actor="bench", codes=chosen, db_path=db)
    print(f"reviewed {n:,} responses in {time.perf_counter() - t:.1f} s")


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
    ap.add_argument("--reviewed", type=int, default=500, help="flagged responses a reviewer decides first")
    ap.add_argument("--keep", action="store_true", help="reuse the database if it exists")
    args = ap.parse_args()
    os.environ["SURVEYCODER_DB"] = args.db
    from streamlit.testing.v1 import AppTest

    from surveycoder_core.service import projects

    if not (args.keep and Path(args.db).exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(args.db + suffix).unlink(missing_ok=True)
        qid = build(args.db, args.n)
        review(args.db, qid, args.reviewed)
    else:
        qid = projects.question_choices(db_path=args.db)[0]["question_id"]

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["current_question_id"] = qid
    at.run()
    print(f"\n{'page':<14}{'first render':>14}{'(CPU)':>8}{'next render':>14}{'(CPU)':>8}")
    for page in PAGES:
        times = []
        for _ in range(2):
            at.switch_page(f"pages/{page}.py")
            t, cpu = time.perf_counter(), time.process_time()
            at.run()
            times += [time.perf_counter() - t, time.process_time() - cpu]
            assert not at.exception, at.exception
            assert at.title[0].value == page[2:], f"{page} did not render"
        print(f"{page[2:]:<14}{times[0]:>13.2f}s{times[1]:>7.2f}s{times[2]:>13.2f}s{times[3]:>7.2f}s")
        if page == "5_Review":  # the other two queues of the page: teach the engine, the audit sample
            for label, scope in (("  teach", 1), ("  audit", 2)):
                radio = at.radio(key="review_scope")
                times = []
                for value in (radio.options[scope], radio.options[scope]):
                    t, cpu = time.perf_counter(), time.process_time()
                    at.radio(key="review_scope").set_value(value).run()
                    times += [time.perf_counter() - t, time.process_time() - cpu]
                    assert not at.exception, at.exception
                print(f"{label:<14}{times[0]:>13.2f}s{times[1]:>7.2f}s{times[2]:>13.2f}s{times[3]:>7.2f}s")
            at.radio(key="review_scope").set_value(at.radio(key="review_scope").options[0]).run()


if __name__ == "__main__":
    main()
