"""``surveycoder review queue|decide|agreement|recode`` — the review loop from a terminal or a script.

    surveycoder review queue PROJECT [--question QID] [--queue flagged|audit|all] [--limit N]
    surveycoder review decide PROJECT RESPONSE_ID --version N (--code NAME[=SENTIMENT] … | --accept | --no-codes)
    surveycoder review agreement PROJECT [--question QID] [--audit]
    surveycoder review recode PROJECT [--question QID] [--job]

The same use cases as the API's ``/v2/review/*`` (``service.review``). ``--question`` may be left out
when the project has one question. A decision on a stale ``--version`` exits 1 with ``INVALID_STATE``
naming who decided the response and when.
"""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from surveycoder_core.cli.output import TEXT_WIDTH, add_output_flags, emit, fail, number, progress_printer, safe_cell
from surveycoder_core.errors import SurveyCoderError, ValidationError
from surveycoder_core.schemas import REVIEW_QUEUES, SENTIMENTS


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (some containers)
        return "cli"


def _target(args: argparse.Namespace) -> tuple[str, str]:
    from surveycoder_core import service

    project = service.find_project(args.project, db_path=args.db)
    return project["id"], service.find_question(project, args.question)["id"]


def _codes_cell(codes: list[dict[str, Any]]) -> str:
    return "; ".join(f"{c['name']} ({c['sentiment']}{', ' + c['confidence'] if c.get('confidence') else ''})"
                     for c in codes)


def _queue_rows(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    headers = ["response_id", "version", "reviewed", "reason", "codes", "text"]
    return headers, [[i["response_id"], i["version"], i["reviewed_by"] or ("yes" if i["reviewed"] else ""),
                      i["review_reason"], _codes_cell(i["codes"]), safe_cell(i["text"], TEXT_WIDTH)]
                     for i in data["items"]]


def cmd_queue(args: argparse.Namespace) -> int:
    from surveycoder_core import service

    try:
        pid, qid = _target(args)
        data = service.review_queue(pid, qid, queue=args.queue, limit=args.limit, offset=args.offset,
                                    include_reviewed=args.include_reviewed, db_path=args.db)
    except SurveyCoderError as err:
        return fail(err)
    footer = (f"{data['reviewed']} of {data['total']} reviewed in the {args.queue} queue; showing {data['count']}"
              f" of {data['matching']}")
    return emit(args, data, _queue_rows, footer=footer)


def parse_code(text: str) -> dict[str, Any]:
    """``NAME`` or ``NAME=SENTIMENT`` (the suffix counts only when it is one of the four sentiments)."""
    name, sep, tail = text.rpartition("=")
    if sep and tail.strip().lower() in {s.lower() for s in SENTIMENTS} and name.strip():
        return {"name": name.strip(), "sentiment": tail.strip()}
    return {"name": text.strip()}


def cmd_decide(args: argparse.Namespace) -> int:
    from surveycoder_core import service

    try:
        chosen = [bool(args.code), args.accept, args.no_codes]
        if sum(chosen) != 1:
            raise ValidationError("say what the decision is: --code NAME (repeatable), --accept or --no-codes")
        codes = None if args.accept else ([] if args.no_codes else [parse_code(c) for c in args.code])
        pid, qid = _target(args)
        data = service.decide_response(pid, qid, args.response_id, codes=codes, reviewer=args.reviewer,
                                       version=args.version, db_path=args.db)
    except SurveyCoderError as err:
        return fail(err)
    return emit(args, data, lambda d: (["response_id", "decision", "codes", "reviewed_by", "version"],
                                       [[d["response_id"], d["decision"], _codes_cell(d["codes"]),
                                         d["reviewed_by"], d["version"]]]))


def cmd_agreement(args: argparse.Namespace) -> int:
    from surveycoder_core import service

    try:
        pid, qid = _target(args)
        data = service.review_agreement(pid, qid, audit=args.audit, db_path=args.db)
    except SurveyCoderError as err:
        return fail(err)
    return emit(args, data, lambda d: (["scope", "reviewed", "micro_f1", "kappa", "alpha", "mean_f1"],
                                       [[d["scope"], d["reviewed"], number(d["micro_f1"]), number(d["kappa"]),
                                         number(d["alpha"]), number(d["mean_f1"])]]), footer=data["message"])


def cmd_recode(args: argparse.Namespace) -> int:
    from surveycoder_core import service

    try:
        pid, qid = _target(args)
        data = service.recode_question(pid, qid, db_path=args.db, actor=f"cli:{args.reviewer}",
                                       as_job=bool(args.job), progress=progress_printer())
    except SurveyCoderError as err:
        return fail(err)
    footer = (f"queued as job {data['job_id']}: a running `surveycoder worker` or `serve` on this database runs it"
              if data["job_id"] else None)
    return emit(args, data, lambda d: (["mode", "job_id", "responses", "reviewed_kept"],
                                       [[d["mode"], d["job_id"], d["responses"], d["reviewed_kept"]]]), footer=footer)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="a project id, or its exact name")
    parser.add_argument("--question", help="the question id (needed when the project has several questions)")
    parser.add_argument("--db", help="SQLite database (default: $SURVEYCODER_DB or ./surveycoder.db)")
    add_output_flags(parser)


def add_parsers(sub: Any) -> None:
    review = sub.add_parser("review", help="the review loop: queue, decide, agreement, recode",
                            description="Review a coded question as the app's Review page does.")
    rs = review.add_subparsers(dest="review_command", required=True)

    q = rs.add_parser("queue", help="responses to review, with their codes and version",
                      description="Responses to review with their codes, flag reason and version (pass the "
                                  "version to `review decide`).")
    _common(q)
    q.add_argument("--queue", choices=REVIEW_QUEUES, default="flagged",
                   help="flagged (default): what the engine flagged, not yet decided; audit: the random audit "
                        "sample; all: every codable response")
    q.add_argument("--limit", type=int, default=50, help="at most this many responses (default 50)")
    q.add_argument("--offset", type=int, default=0, help="skip this many first")
    q.add_argument("--include-reviewed", action="store_true", help="keep decided responses in the queue")
    q.set_defaults(func=cmd_queue)

    d = rs.add_parser("decide", help="record a reviewer's final codes for one response",
                      description="Record the final codes of one response. --accept keeps the engine's codes; "
                                  "a stale --version is refused, naming who decided the response and when.")
    d.add_argument("project", help="a project id, or its exact name")
    d.add_argument("response_id", help="the response's id (as in the table or the /v2/code request)")
    d.add_argument("--version", type=int, required=True, help="the version `review queue` showed")
    d.add_argument("--code", action="append", metavar="NAME[=SENTIMENT]",
                   help="a final code, in mention order (repeatable); SENTIMENT is Positive, Negative, Neutral "
                        "or Mixed (default: as coded, else the code's expected sentiment)")
    d.add_argument("--accept", action="store_true", help="accept the engine's codes as they are")
    d.add_argument("--no-codes", action="store_true", help="no code fits this response")
    d.add_argument("--reviewer", default=default_reviewer(), help="who decides (default: your user name)")
    d.add_argument("--question", help="the question id (needed when the project has several questions)")
    d.add_argument("--db", help="SQLite database (default: $SURVEYCODER_DB or ./surveycoder.db)")
    add_output_flags(d)
    d.set_defaults(func=cmd_decide)

    a = rs.add_parser("agreement", help="engine against reviewers: micro-F1, Cohen's kappa, Krippendorff's alpha",
                      description="The engine's original codes against the reviewers' final ones on the "
                                  "reviewed responses (fewer than 30 is reported as insufficient data).")
    _common(a)
    a.add_argument("--audit", action="store_true", help="only the reviewed part of the random audit sample")
    a.set_defaults(func=cmd_agreement)

    r = rs.add_parser("recode", help="recode the unreviewed responses, learning from the decisions",
                      description="Recode every unreviewed response with the reviewed ones as examples; a "
                                  "decided response is never changed. Runs here unless --job.")
    _common(r)
    r.add_argument("--job", action="store_true", help="queue a job for a running worker instead of running here")
    r.add_argument("--reviewer", default=default_reviewer(), help="recorded as who asked (default: your user name)")
    r.set_defaults(func=cmd_recode)
