"""Per-request overhead of the API: key check, rate-limit count (in the database) and a tiny route.

    python benchmarks/api_overhead.py [--requests 500] [--servers 1|2] [--threads 4]

Starts ``--servers`` `surveycoder serve` processes (no worker) on one temporary database, then times
GET /v2/usage: first one request at a time, then ``--threads`` clients at once spread over the servers.
Prints p50/p95 latency in milliseconds and requests per second; every request is counted in the shared
``rate_limits`` table, so the figures include that write.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.conftest import make_keys, start_server, stop  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def timed(client: httpx.Client, n: int, out: list[float]) -> None:
    for _ in range(n):
        start = time.perf_counter()
        r = client.get("/v2/usage")
        out.append((time.perf_counter() - start) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"unexpected {r.status_code}: {r.text}")


def report(label: str, times: list[float], wall: float) -> None:
    print(f"{label:<34} n={len(times):>5}  p50 {percentile(times, 0.5):6.2f} ms  p95 {percentile(times, 0.95):6.2f} ms"
          f"  mean {statistics.fmean(times):6.2f} ms  {len(times) / wall:7.1f} req/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500, help="requests per phase (default 500)")
    parser.add_argument("--servers", type=int, default=1, choices=[1, 2], help="serve processes on one database")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients in the second phase")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="surveycoder-overhead-"))
    db = tmp / "overhead.db"
    servers = [start_server(db, tmp / f"server{i}.log", worker=False) for i in range(args.servers)]
    try:
        key = make_keys(db)["write"]["key"]  # its organisation's limit is lifted: nothing is refused
        clients = [httpx.Client(base_url=s.url, headers={"x-api-key": key}, timeout=30) for s in servers]
        timed(clients[0], 20, [])  # warm up
        seq: list[float] = []
        start = time.perf_counter()
        timed(clients[0], args.requests, seq)
        report("one at a time", seq, time.perf_counter() - start)
        conc: list[float] = []
        per = max(1, args.requests // args.threads)
        workers = [threading.Thread(target=timed, args=(clients[i % len(clients)], per, conc))
                   for i in range(args.threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        report(f"{args.threads} at once over {args.servers} server(s)", conc, time.perf_counter() - start)
        for c in clients:
            c.close()
    finally:
        for s in servers:
            stop(s.proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
