"""Code N responses end to end (ingest → codebook → coding → review) and print the figures.

    python benchmarks/bench_pipeline.py [DATASET_DIR] [--n 10000] [--codebook] [--db FILE]
    python benchmarks/bench_pipeline.py --mixed [--data ../shared/data]

DATASET_DIR is a folder in the shared data format (responses.jsonl, codebook.json); by default
``../shared/data/banking77`` next to the repository. ``--mixed`` is the issue-12 workload instead:
every NHS phase-1 patient comment (8,808) topped up to ``--n`` with Banking77 requests, with a
generated codebook. Prints wall time, peak memory (max RSS of this process, imports included) and
responses per second for each stage; ``--codebook`` codes with the dataset's own codebook, so the
coding line is the given-codebook rate after model load.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from surveycoder_core import service  # noqa: E402
from surveycoder_core.engines import get_engine  # noqa: E402
from surveycoder_core.schemas import CodeRequest  # noqa: E402


def read_responses(folder: Path, n: int, prefix: str = "") -> list[dict]:
    responses: list[dict] = []
    if n <= 0:
        return responses
    with (folder / "responses.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            responses.append({"id": prefix + str(row["id"]), "text": row["text"][:2000]})
            if len(responses) >= n:
                break
    return responses


def load_mixed(data: Path, n: int) -> CodeRequest:
    """Patient comments plus one-line requests: two kinds of answer in one question."""
    responses = read_responses(data / "nhs_fft_patient_feedback_phase1", n, prefix="nhs-")
    responses += read_responses(data / "banking77", n - len(responses), prefix="b77-")
    return CodeRequest.model_validate({"responses": responses})


def load(folder: Path, n: int, with_codebook: bool) -> CodeRequest:
    body: dict = {"responses": read_responses(folder, n)}
    if with_codebook:
        body["codebook"] = json.loads((folder / "codebook.json").read_text(encoding="utf-8"))
    return CodeRequest.model_validate(body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", nargs="?", default=str(REPO.parent / "shared" / "data" / "banking77"))
    ap.add_argument("--n", type=int, default=10_000, help="responses to code (default 10,000)")
    ap.add_argument("--codebook", action="store_true", help="pass the dataset's codebook instead of generating one")
    ap.add_argument("--db", help="database file (default: a temporary one)")
    ap.add_argument("--mixed", action="store_true",
                    help="NHS phase-1 comments topped up with Banking77 requests (generated codebook)")
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"),
                    help="folder holding the datasets for --mixed (default ../shared/data)")
    args = ap.parse_args()
    if args.mixed and args.codebook:
        ap.error("--mixed generates its codebook; --codebook needs a single dataset")

    if args.mixed:
        request = load_mixed(Path(args.data), args.n)
        args.dataset = "mixed: nhs_fft_patient_feedback_phase1 + banking77"
    else:
        request = load(Path(args.dataset), args.n, args.codebook)
    db = args.db or str(Path(tempfile.mkdtemp()) / "bench.db")
    marks: dict[str, list[float]] = {}
    cpu_marks: dict[str, list[float]] = {}  # CPU seconds of this process: steadier on a shared machine
    counts: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        t, c = time.perf_counter(), time.process_time()
        marks.setdefault(stage, [t, t])[1] = t
        cpu_marks.setdefault(stage, [c, c])[1] = c
        counts[stage] = max(counts.get(stage, 0), total)

    t0, c0 = time.perf_counter(), time.process_time()
    engine = get_engine("embedded", db_path=db)
    engine.embed(["warm up"])  # model load, reported separately
    t_load, c_load = time.perf_counter() - t0, time.process_time() - c0
    t1, c1 = time.perf_counter(), time.process_time()
    result = service.code_request(request, db_path=db, engine=engine, progress=progress)
    wall, cpu = time.perf_counter() - t1, time.process_time() - c1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    data = result.data
    n = len(request.responses)
    codes = sum(len(c.codes) for c in data.codebook)
    coded = sum(1 for r in data.results if r.codes)
    flagged = sum(1 for r in data.results if r.needs_review)
    dataset = args.dataset if args.mixed else Path(args.dataset).name
    given = "codebook given" if args.codebook else "codebook generated"
    print(f"dataset            {dataset} ({given})")
    print(f"responses          {n:,} ({data.credits_used:,} unique, charged)")
    print(f"codes              {codes} in {len(data.codebook)} categories")
    print(f"coded              {coded:,} ({coded / n:.1%}); flagged for review {flagged:,} ({flagged / n:.1%})")
    print(f"model load         {t_load:.2f} s  (cpu {c_load:.2f} s)")
    print(f"wall (end to end)  {wall:.2f} s  -> {n / wall:,.0f} responses/s  (cpu {cpu:.2f} s)")
    print(f"peak memory        {peak_mb:,.0f} MB (max RSS)")
    ingest_end = min((v[0] for v in marks.values()), default=t1)
    ingest_cpu = min((v[0] for v in cpu_marks.values()), default=c1) - c1
    print(f"  ingest+store     {ingest_end - t1:6.2f} s  {n / max(ingest_end - t1, 1e-9):10,.0f} responses/s"
          f"  (cpu {ingest_cpu:.2f} s)")
    for stage, unit in (("codebook", "texts/s"), ("coding", "responses/s"), ("review", "")):
        if stage in marks:
            start, end = marks[stage]
            dur = max(end - start, 1e-9)
            stage_cpu = cpu_marks[stage][1] - cpu_marks[stage][0]
            rate = f"{counts.get(stage, n) / dur:10,.0f} {unit}" if unit else "  (flags + refinement suggestions)"
            print(f"  {stage:<15}{dur:6.2f} s  {rate}  (cpu {stage_cpu:.2f} s)")


if __name__ == "__main__":
    main()
