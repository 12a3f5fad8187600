"""API test fixtures: a real `surveycoder serve` subprocess on 127.0.0.1, keys, data generators.

The server runs from this checkout (``python -m surveycoder_core.cli.main serve``) on a free port with a
temporary database; keys are created in that database with ``auth.create_key`` from the test
process (SQLite in WAL mode is shared safely between processes).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..synthetic import SEED_BRAND_EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
TEST_RPM = 100_000

BRANDS = SEED_BRAND_EXAMPLE

_THEMES = [
    ("The price is too high for what you get", ["expensive", "overpriced", "costs too much", "not worth the money"]),
    ("Delivery was fast and on time", ["quick delivery", "arrived early", "fast shipping", "on time"]),
    ("Customer service was friendly and helpful", ["helpful staff", "friendly support", "great service"]),
    ("The app keeps crashing and is slow", ["buggy app", "crashes a lot", "slow to load", "freezes"]),
    ("Good quality product that lasts", ["durable", "well made", "high quality", "lasts long"]),
    ("Packaging was damaged on arrival", ["broken box", "damaged parcel", "crushed packaging"]),
]


def make_responses(n: int, seed: int = 7, prefix: str = "A", unique_every: int = 1) -> list[dict[str, str]]:
    """``n`` varied, realistic responses; with ``unique_every`` k, every k-th text repeats an earlier one."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if unique_every > 1 and i % unique_every == unique_every - 1 and out:
            text = out[rng.randrange(len(out))]["text"]
        else:
            base, extras = _THEMES[i % len(_THEMES)]
            text = f"{base}, {rng.choice(extras)} (order {i})"
        out.append({"id": f"{prefix}{i:05d}", "text": text})
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(db: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"SURVEYCODER_DB": str(db), "PYTHONPATH": str(ROOT), "SURVEYCODER_ENGINE": "embedded",
                "SURVEYCODER_WEBHOOK_RETRY_DELAYS": "0,0.3,0.6,1"})
    env.pop("SURVEYCODER_LLM_BASE_URL", None)
    env.update(extra)
    return env


@dataclass
class Server:
    url: str
    db: Path
    proc: subprocess.Popen[bytes]
    log: Path
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)

    def client(self, key: str | None = "write", **headers: str) -> httpx.Client:
        h = dict(headers)
        if key:
            h["x-api-key"] = self.keys[key]["key"]
        return httpx.Client(base_url=self.url, headers=h, timeout=120)


def start_server(db: Path, log: Path, *, worker: bool = True, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "surveycoder_core.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--db", str(db)]
    if not worker:
        args.append("--no-worker")
    out = log.open("ab")
    proc = subprocess.Popen(args, cwd=ROOT, env=env or base_env(db), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code in (200, 503):
                return Server(url=url, db=db, proc=proc, log=log)
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def make_keys(db: Path) -> dict[str, dict[str, Any]]:
    from surveycoder_core.access import auth, credits
    from surveycoder_core.db.store import session

    keys = {
        "write": auth.create_key(name="tests", scopes=["read", "write"], db_path=db),
        "read": auth.create_key(name="read only", scopes=["read"], db_path=db, test=True),
        "metered": auth.create_key(name="metered", scopes=["read", "write"], credits=8, db_path=db),
        "revoked": auth.create_key(name="revoked", scopes=["read", "write"], db_path=db),
    }
    auth.revoke_key(keys["revoked"]["id"], db_path=db)
    with session(db) as database:
        slow_org = credits.create_org(database, name="tiny rpm", rpm=3)
        credits.get_org(database, credits.DEFAULT_ORG)  # creates it
        # Tests poll jobs every 0.1 s: lift the default organisation's 60 rpm.
        database.conn.execute("UPDATE organizations SET rpm = ? WHERE id = ?", (TEST_RPM, credits.DEFAULT_ORG))
    keys["limited"] = auth.create_key(name="limited", scopes=["read", "write"], db_path=db, org_id=slow_org)
    return keys


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("api")
    db = tmp / "api.db"
    srv = start_server(db, tmp / "server.log")
    srv.keys = make_keys(db)
    try:
        yield srv
    finally:
        stop(srv.proc)


@pytest.fixture(scope="session")
def http(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


@pytest.fixture(scope="session")
def sdk(server: Server) -> Iterator[Any]:
    from surveycoder import SurveyCoderClient

    with SurveyCoderClient(server.keys["write"]["key"], base_url=server.url + "/", max_retries=1, timeout=120) as c:
        yield c


@pytest.fixture(scope="session")
def coded(sdk: Any) -> dict[str, Any]:
    """One sync-coded question (the seed's brand example plus a few more), shared by read-only tests."""
    responses = BRANDS + make_responses(30, seed=3, prefix="S")
    return sdk.code(responses, question_text="Why do you like this brand?", project_name="SDK shared")
