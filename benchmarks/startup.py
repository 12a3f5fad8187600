"""Start-up of the command line and the API: `surveycoder --help`, and `surveycoder serve` to its first /health.

    python benchmarks/startup.py [--runs 7]

Each run is a new process on a new temporary database, bound to 127.0.0.1. Prints the median wall
time and CPU seconds (user + system) of each, and the server's thread count once it answers.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "surveycoder_core.cli.main"]


def _env(db: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "SURVEYCODER_DB": str(db)}


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def help_run(db: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*CLI, "--help"], cwd=ROOT, env=_env(db), stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def serve_run(db: Path) -> tuple[float, float, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    proc = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db)], cwd=ROOT,
                            env=_env(db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("the server exited before answering")
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.01)
        wall = time.perf_counter() - started
        return wall, _cpu_of(proc.pid), len(os.listdir(f"/proc/{proc.pid}/task"))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="surveycoder-startup-"))
    helps = [help_run(tmp / f"h{i}.db") for i in range(args.runs)]
    serves = [serve_run(tmp / f"s{i}.db") for i in range(args.runs)]
    print(f"surveycoder --help: {statistics.median(w for w, _ in helps) * 1000:5.0f} ms wall, "
          f"{statistics.median(c for _, c in helps) * 1000:5.0f} ms CPU (median of {args.runs})")
    print(f"surveycoder serve to first /health: {statistics.median(w for w, _, _ in serves):.2f} s wall, "
          f"{statistics.median(c for _, c, _ in serves):.2f} s CPU, {max(n for *_, n in serves)} threads "
          f"(median of {args.runs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
