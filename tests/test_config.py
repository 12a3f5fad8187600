"""config.py is the one reader of SURVEYCODER_* variables, and its table names every one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveycoder_core import config

PACKAGE = Path(config.__file__).parent


def test_no_module_but_config_reads_the_environment() -> None:
    readers = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "config.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ|getenv\(", text):
            readers.append(str(path.relative_to(PACKAGE)))
    assert readers == []


def test_every_variable_used_is_declared_and_documented() -> None:
    used = set()
    for path in PACKAGE.rglob("*.py"):
        used |= set(re.findall(r"SURVEYCODER_[A-Z_]+[A-Z]", path.read_text(encoding="utf-8")))
    assert used <= set(config.VARIABLES), used - set(config.VARIABLES)
    documented = set(re.findall(r"``(SURVEYCODER_[A-Z_]+)``", config.__doc__ or ""))
    assert documented == set(config.VARIABLES)


def test_values_are_read_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.JOB_STALE_SECONDS, raising=False)
    assert config.job_stale_seconds() == 60.0
    monkeypatch.setenv(config.JOB_STALE_SECONDS, "2.5")
    assert config.job_stale_seconds() == 2.5
    monkeypatch.setenv(config.ENGINE, "  LLM ")
    assert config.engine() == "llm"
    monkeypatch.setenv(config.ENGINE, "")
    assert config.engine() == "embedded"  # empty counts as unset
    monkeypatch.setenv(config.WEBHOOK_RETRY_DELAYS, "0, 1.5")
    assert config.webhook_retry_delays() == (0.0, 1.5)
    monkeypatch.setenv(config.BATCH_SIZE, "0")
    assert config.batch_size(200) == 1


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(KeyError):
        config.get("SURVEYCODER_NO_SUCH_THING")


def _pool_sizes(env: dict[str, str], code: str) -> dict[str, int]:
    import json
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in config.NATIVE_THREAD_VARIABLES and k != config.THREADS}
    script = code + (
        "\nimport json, numpy, sklearn.cluster\nfrom threadpoolctl import threadpool_info\n"
        "print(json.dumps({p['internal_api']: p['num_threads'] for p in threadpool_info()}))"
    )
    out = subprocess.run([sys.executable, "-c", script], env={**clean, **env}, capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_native_thread_pools_are_capped_before_numpy_loads() -> None:
    capped = _pool_sizes({}, "from surveycoder_core import config; config.limit_native_threads()")
    assert capped and set(capped.values()) == {1}, capped
    assert {"openblas", "openmp"} <= set(capped)
    import os

    if (os.cpu_count() or 1) > 1:  # without the cap the pools take every core
        assert max(_pool_sizes({}, "").values()) > 1


def test_native_thread_pools_loaded_already_are_capped_too() -> None:
    code = ("import numpy\nfrom threadpoolctl import threadpool_info\n"
            "from surveycoder_core import config\nconfig.limit_native_threads()")
    capped = _pool_sizes({}, code)
    assert set(capped.values()) == {1}, capped
