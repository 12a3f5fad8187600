"""How the command line prints: JSON for scripts, a table for people, the error envelope on failure.

Like sqlite-utils: JSON by default when stdout is not a terminal (a pipe, a file, a script), a table
when it is; ``--json`` or ``--table`` choose explicitly. Errors are the seed's envelope on stdout
and exit status 1, whatever the format.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from surveycoder_core.errors import SurveyCoderError

TEXT_WIDTH = 60  # characters of a verbatim shown in a table cell

Rows = Callable[[Any], tuple[list[str], list[list[Any]]]]


def add_output_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print JSON (the default when stdout is not a terminal)")
    group.add_argument("--table", action="store_true", help="print a table (the default at a terminal)")


def wants_table(args: argparse.Namespace) -> bool:
    if getattr(args, "table", False):
        return True
    if getattr(args, "json", False):
        return False
    return sys.stdout.isatty()


def safe_cell(value: Any, width: int | None = None) -> str:
    """A value for a terminal: control characters (escape sequences in an untrusted verbatim) removed,
    whitespace collapsed, cut to ``width``."""
    if value is None:
        return ""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(value))
    text = " ".join(text.split())
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def emit(args: argparse.Namespace, data: Any, as_rows: Rows, footer: str | None = None) -> int:
    """Print ``data`` as JSON, or as the table ``as_rows`` makes of it (then ``footer``)."""
    if not wants_table(args):
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return 0
    headers, rows = as_rows(data)
    cells = [[safe_cell(v) for v in row] for row in rows]
    from tabulate import tabulate  # only when a table is printed: keeps --help and JSON output quick

    print(tabulate(cells, headers=headers, tablefmt="simple") if cells else "(none)")
    if footer:
        print(safe_cell(footer))
    return 0


def fail(err: SurveyCoderError) -> int:
    """The seed's error envelope on stdout, exit status 1 (as ``surveycoder code`` does)."""
    print(json.dumps(err.envelope(), indent=2, ensure_ascii=False))
    return 1


def record_rows(keys: Sequence[str]) -> Rows:
    """A table of one row per mapping (a dict, or each dict of a list), with these columns."""
    def as_rows(data: Any) -> tuple[list[str], list[list[Any]]]:
        items = data if isinstance(data, list) else [data]
        return list(keys), [[item.get(k) for k in keys] for item in items]

    return as_rows


def number(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def progress_printer() -> Any:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return None
    started = time.monotonic()

    def show(stage: str, done: int, total: int) -> None:
        width = 30
        frac = done / total if total else 1.0
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        sys.stderr.write(f"\r{stage:<9} [{bar}] {done}/{total}  {time.monotonic() - started:5.1f}s")
        if done >= total and stage == "review":
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show
