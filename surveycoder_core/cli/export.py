"""``surveycoder projects list`` and ``surveycoder export PROJECT`` — the library's projects and files.

    surveycoder projects list [--db FILE] [--json|--table]
    surveycoder export PROJECT [--layout L] [--format csv|xlsx|sav] [--out FILE] [--question QID …]

PROJECT is a project id or its exact name. Without ``--out`` a CSV goes to stdout; an XLSX or SAV goes
to stdout only when it is not a terminal (``> file.xlsx``), otherwise ``--out`` is asked for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from surveycoder_core.cli.output import add_output_flags, emit, fail
from surveycoder_core.errors import SurveyCoderError, ValidationError
from surveycoder_core.schemas import EXPORT_LAYOUTS as LAYOUTS


def _project_rows(data: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    headers = ["project_id", "project", "question_id", "question", "responses", "coded", "reviewed", "codes",
               "status"]
    rows = []
    for p in data:
        for q in p["questions"] or [{}]:
            rows.append([p["id"], p["name"], q.get("id"), (q.get("text") or "")[:40], q.get("response_count"),
                         q.get("coded"), q.get("reviewed"), q.get("code_count"), q.get("status") or p["status"]])
    return headers, rows


def cmd_projects(args: argparse.Namespace) -> int:
    from surveycoder_core import service

    try:
        data = service.list_projects(db_path=args.db)
    except SurveyCoderError as err:
        return fail(err)
    return emit(args, data, _project_rows, footer=f"{len(data)} projects")


def cmd_export(args: argparse.Namespace) -> int:
    from surveycoder_core import service

    try:
        project = service.find_project(args.project, db_path=args.db)
        content, filename, _media = service.export_file(
            project["id"], fmt=args.format, layout=args.layout, question_ids=args.question or None,
            include_sentiment=args.sentiment, include_categories=not args.no_categories,
            include_confidence=not args.no_confidence, include_demographics=not args.no_attributes,
            include_code_dictionary=not args.no_dictionary, db_path=args.db)
        if not args.out:
            if args.format == "csv":
                sys.stdout.write(content.decode("utf-8"))
                return 0
            if sys.stdout.isatty():
                raise ValidationError(f"a .{args.format} file is binary: pass --out FILE (for example --out {filename})"
                                      " or redirect stdout to a file")
            sys.stdout.buffer.write(content)
            return 0
        Path(args.out).write_bytes(content)
    except SurveyCoderError as err:
        return fail(err)
    except OSError as exc:
        return fail(ValidationError(f"cannot write {args.out}: {exc}"))
    layout = args.layout if args.format != "sav" else "one 0/1 variable per code"
    summary = {"project_id": project["id"], "file": str(args.out), "format": args.format, "layout": layout,
               "bytes": len(content)}
    return emit(args, summary, lambda d: (list(d), [list(d.values())]))


def add_parsers(sub: Any) -> None:
    projects = sub.add_parser("projects", help="list the projects in the database",
                              description="List projects with their questions, sizes and review progress.")
    projects_sub = projects.add_subparsers(dest="projects_command", required=True)
    pl = projects_sub.add_parser("list", help="every project, newest first, one row per question",
                                 description="Every project, newest first, with each question's id (for export "
                                             "and review), number of responses, coded, reviewed and codes.")
    pl.add_argument("--db", help="SQLite database (default: $SURVEYCODER_DB or ./surveycoder.db)")
    add_output_flags(pl)
    pl.set_defaults(func=cmd_projects)

    ex = sub.add_parser(
        "export", help="write a coded project to CSV, XLSX or SPSS .sav",
        description="Write a project's coded responses in one of the four layouts. Every layout carries the "
                    "human decisions (reviewed, reviewed_by).")
    ex.add_argument("project", help="a project id, or its exact name")
    ex.add_argument("--layout", choices=LAYOUTS, default="wide_by_question",
                    help="wide_by_question (default), columns_by_mention, binary_dummy or one_row_per_code "
                         "(CSV and XLSX; a .sav always has one 0/1 variable per code)")
    ex.add_argument("--format", choices=["csv", "xlsx", "sav"], default="csv", help="file format (default csv)")
    ex.add_argument("--out", help="write the file here (a CSV goes to stdout without it)")
    ex.add_argument("--question", action="append", help="export only this question id (repeatable; default all)")
    ex.add_argument("--sentiment", action="store_true", help="include each code's sentiment")
    ex.add_argument("--no-categories", action="store_true", help="leave out the category columns")
    ex.add_argument("--no-confidence", action="store_true",
                    help="leave out confidence and the engine's flags (reviewed and reviewed_by stay)")
    ex.add_argument("--no-attributes", action="store_true", help="leave out the respondent attribute columns")
    ex.add_argument("--no-dictionary", action="store_true", help="XLSX: no Code Dictionary sheet")
    ex.add_argument("--db", help="SQLite database (default: $SURVEYCODER_DB or ./surveycoder.db)")
    add_output_flags(ex)
    ex.set_defaults(func=cmd_export)
