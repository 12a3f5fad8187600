"""Fuzz the HTTP API with schemathesis against its own /openapi.json.

    pip install -e ".[test]"        # schemathesis is a test dependency
    python benchmarks/api_fuzz.py [--max-examples 30] [--workers 1]

Starts `surveycoder serve` on a free 127.0.0.1 port with a temporary database and a write key
(rate limit lifted so the fuzzer is not throttled), then runs ``schemathesis run`` with every check
except ``positive_data_acceptance``: that check expects any schema-valid body to be accepted, while
the API rightly refuses some with a 422 the schema cannot express (all-junk responses → NO_DATA,
``merge`` without both code ids). The rest must pass: no 5xx, every status code, content type,
header and body as documented, bad input rejected, undocumented methods answered 405 with a
correct ``Allow``. Exit status is schemathesis's.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.conftest import make_keys, start_server, stop  # noqa: E402

CHECKS_EXCLUDED = "positive_data_acceptance"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=30, help="examples per operation (default 30)")
    parser.add_argument("--workers", default="1",
                        help="schemathesis workers (default 1: with 2, hypothesis sometimes trips over its"
                             " own lambda-source cache)")
    args = parser.parse_args()
    st = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    if not Path(st).exists():
        print("schemathesis is not installed: pip install schemathesis==4.32.5", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="surveycoder-fuzz-"))
    db = tmp / "fuzz.db"
    server = start_server(db, tmp / "server.log")
    try:
        key = make_keys(db)["write"]["key"]
        cmd = [st, "run", f"{server.url}/openapi.json", "-H", f"x-api-key: {key}", "--checks", "all",
               "--exclude-checks", CHECKS_EXCLUDED, "--max-examples", str(args.max_examples),
               "--workers", args.workers, "--request-timeout", "60", "--suppress-health-check", "all",
               "--seed", "1"]
        print("$", " ".join(c if not c.startswith("x-api-key") else "x-api-key: ***" for c in cmd), flush=True)
        return subprocess.call(cmd)
    finally:
        stop(server.proc)


if __name__ == "__main__":
    raise SystemExit(main())
