"""Latency of the HTTP API: sync POST /v2/code with 10 and 49 responses, and async job throughput.

    python benchmarks/api_latency.py [--runs 20] [--async-size 2000]

Starts `surveycoder serve` (embedded engine, in-process worker) on a free 127.0.0.1 port with a
temporary database, then prints p50/p95 of sync calls (each call new texts, so no embedding cache
helps) with the server's CPU time per call, and the throughput of async jobs (responses/s from the
202 to `completed`, polling every 0.1 s), and sync calls made while such a job runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.conftest import make_keys, make_responses, start_server, stop  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def fresh(size: int, seed: int, prefix: str) -> list[dict[str, str]]:
    """Responses whose texts no earlier call used (the embedding cache must not flatter the figures)."""
    return [{"id": r["id"], "text": f"{r['text']} [{prefix}]"} for r in make_responses(size, seed=seed, prefix=prefix)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far, all its threads (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    import os

    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sync_latency(client: httpx.Client, size: int, runs: int, seed0: int) -> list[float]:
    times = []
    for i in range(runs):
        body = {"responses": fresh(size, seed0 + i, f"L{seed0 + i}_")}
        started = time.perf_counter()
        r = client.post("/v2/code", json=body)
        times.append(time.perf_counter() - started)
        assert r.status_code == 200, r.text
    return times


def async_throughput(client: httpx.Client, size: int, seed: int) -> tuple[float, float]:
    body = {"responses": fresh(size, seed, f"T{seed}_")}
    started = time.perf_counter()
    r = client.post("/v2/code", json=body)
    assert r.status_code == 202, r.text
    job_id = r.json()["data"]["job_id"]
    while True:
        job = client.get(f"/v2/jobs/{job_id}").json()["data"]
        if job["status"] in ("completed", "failed"):
            break
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    assert job["status"] == "completed", job
    return elapsed, size / elapsed


def sync_during_job(client: httpx.Client, size: int, job_size: int, seed: int) -> tuple[list[float], float]:
    """Sync calls one after another while a job codes in the server's worker: the two compete for the cores."""
    r = client.post("/v2/code", json={"responses": fresh(job_size, seed, f"J{seed}_")})
    assert r.status_code == 202, r.text
    job_id, started = r.json()["data"]["job_id"], time.perf_counter()
    times: list[float] = []
    while True:
        times += sync_latency(client, size, 1, seed0=seed * 100 + len(times))
        if client.get(f"/v2/jobs/{job_id}").json()["data"]["status"] in ("completed", "failed"):
            return times, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="sync calls per size (default 20)")
    parser.add_argument("--async-size", type=int, default=2000, help="responses per async job (default 2000)")
    parser.add_argument("--async-runs", type=int, default=2, help="async jobs (default 2)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="surveycoder-bench-"))
    db = tmp / "bench.db"
    server = start_server(db, tmp / "server.log")
    try:
        make_keys(db)  # lifts the default organisation's rpm for the benchmark
        from surveycoder_core.access import auth

        key = auth.create_key(name="bench", scopes=["read", "write"], db_path=db)["key"]
        with httpx.Client(base_url=server.url, headers={"x-api-key": key}, timeout=300) as client:
            sync_latency(client, 10, 2, seed0=900)  # warm-up: engine load, first embeddings
            for size in (10, 49):
                cpu0 = cpu_seconds(server.proc.pid)
                t = sync_latency(client, size, args.runs, seed0=size * 1000)
                cpu = (cpu_seconds(server.proc.pid) - cpu0) / args.runs
                print(f"sync  {size:>2} responses: p50 {percentile(t, 0.5) * 1000:7.0f} ms   "
                      f"p95 {percentile(t, 0.95) * 1000:7.0f} ms   mean {statistics.mean(t) * 1000:7.0f} ms"
                      f"   server CPU {cpu * 1000:5.0f} ms/call   ({args.runs} calls)")
            for i in range(args.async_runs):
                cpu0 = cpu_seconds(server.proc.pid)
                elapsed, rate = async_throughput(client, args.async_size, seed=77 + i)
                print(f"async {args.async_size} responses: {elapsed:6.1f} s   {rate:7.0f} responses/s   "
                      f"server CPU {cpu_seconds(server.proc.pid) - cpu0:5.1f} s")
            t, job_seconds = sync_during_job(client, 49, args.async_size, seed=99)
            print(f"sync  49 responses during a {args.async_size} job: p50 {percentile(t, 0.5) * 1000:7.0f} ms"
                  f"   p95 {percentile(t, 0.95) * 1000:7.0f} ms   ({len(t)} calls; the job took {job_seconds:.1f} s)")
    finally:
        stop(server.proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
