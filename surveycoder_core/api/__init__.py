"""The HTTP API (``create_app`` in :mod:`.app`).

Start-up: sqlite-utils imports pandas (and with it pyarrow) the first time it is imported, only to
map pandas timestamps in its insert helpers, which this package never calls; that was 0.35 s of
the API's 0.75 s of imports. So the API imports sqlite-utils with pandas hidden; pandas itself
still loads, as usual, the first time an export or a table needs it.
"""

from __future__ import annotations

import sys


def _import_sqlite_utils_without_pandas() -> None:
    if "sqlite_utils" in sys.modules or "pandas" in sys.modules:
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]  # makes `import pandas` raise ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["pandas"]


_import_sqlite_utils_without_pandas()
