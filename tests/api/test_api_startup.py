"""The API starts without loading what only an export or the engine needs (pandas, scikit-learn)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT, base_env


def test_create_app_loads_neither_pandas_nor_sklearn(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from surveycoder_core.api.app import create_app\n"
        f"create_app({str(tmp_path / 's.db')!r}, start_worker=False)\n"
        "print(json.dumps({m: m in sys.modules for m in ('pandas', 'pyarrow', 'sklearn', 'sqlite_utils')}))\n"
        "import pandas, sqlite_utils  # both still work once something needs pandas\n"
        "print(pandas.DataFrame({'a': [1]}).shape, sqlite_utils.Database(memory=True).execute('select 1').fetchone())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=base_env(tmp_path / "s.db"),
                         capture_output=True, text=True, check=True, timeout=120).stdout.splitlines()
    assert json.loads(out[0]) == {"pandas": False, "pyarrow": False, "sklearn": False, "sqlite_utils": True}
    assert out[1] == "(1, 1) (1,)"
