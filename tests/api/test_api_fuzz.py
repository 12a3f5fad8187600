"""Schemathesis against /openapi.json, a few examples per operation (skipped when it is not installed).

The full run is ``python benchmarks/api_fuzz.py --max-examples 100``; see that script for the checks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

SCHEMATHESIS = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))


@pytest.mark.slow
@pytest.mark.skipif(not Path(SCHEMATHESIS).exists(),
                    reason="schemathesis not installed (pip install schemathesis==4.32.5)")
def test_schemathesis_finds_nothing() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "api_fuzz.py"), "--max-examples", "5"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
