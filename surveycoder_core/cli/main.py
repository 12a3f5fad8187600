"""``surveycoder`` — the command line.

    surveycoder code INPUT [--out FILE] [--db FILE] [--engine embedded|llm] [--train CODED]
    surveycoder serve [--host 127.0.0.1] [--port 8000] [--db FILE]
    surveycoder worker [--db FILE]
    surveycoder keys create --name NAME [--scopes read,write] [--credits N] [--db FILE]
    surveycoder keys list|revoke
    surveycoder eval DATASET_DIR [...]
    surveycoder sample [--out FILE]
    surveycoder projects list                                    (cli_export)
    surveycoder export PROJECT [--layout L] [--format csv|xlsx|sav] [--out FILE]
    surveycoder review queue|decide|agreement|recode PROJECT …   (cli_review)

On failure a command prints the seed's error envelope (JSON) on stdout and exits 1. A table given to
``code`` (CSV, XLSX, SAV) is coded like an upload in the app: an answer over 2,000 characters is coded
on its first 2,000, flagged for review and kept whole; a JSON request keeps the API's rule (refused).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pydantic

from surveycoder_core.cli.output import progress_printer
from surveycoder_core.errors import SurveyCoderError, ValidationError, from_pydantic
from surveycoder_core.schemas import CODING_TYPES


def _load_request(args: argparse.Namespace) -> tuple[Any, bool]:
    """The request to code, and whether it came from a table (then long answers are cut, not refused)."""
    from surveycoder_core.schemas import CodebookIn, CodeRequest

    path = Path(args.input)
    if not path.exists():
        raise ValidationError(f"input file not found: {path}")
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        try:
            body = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(f"Invalid JSON in {path.name}: {exc}") from exc
        if isinstance(body, list):
            body = {"responses": body}
    else:
        from surveycoder_core.service.upload import guess_columns, read_table, table_to_responses

        table = read_table(data, path.name, sheet=args.sheet)
        guessed_id, guessed_text = guess_columns(table.frame)
        text_col = args.text_column or guessed_text
        if not text_col:
            raise ValidationError(f"could not tell which column of {path.name} holds the text; pass --text-column")
        responses, _warnings = table_to_responses(table.frame, args.id_column or guessed_id, text_col)
        body = {"responses": [r.model_dump(exclude_none=True) for r in responses]}
    for key in ("coding_type", "language", "question_text", "project_name"):
        value = getattr(args, key, None)
        if value:
            body[key] = value
    if args.codebook:
        from surveycoder_core.service.upload import read_codebook

        cb_path = Path(args.codebook)
        body["codebook"] = read_codebook(cb_path.read_bytes(), cb_path.name).model_dump()
    if args.train:
        body["codebook"] = _training_codebook(args, body.get("codebook")).model_dump()
    try:
        request = CodeRequest.model_validate(body)
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc) from exc
    if request.codebook is not None and not isinstance(request.codebook, CodebookIn):  # pragma: no cover
        raise ValidationError("codebook has the wrong shape")
    return request, path.suffix.lower() != ".json"


def _training_codebook(args: argparse.Namespace, given: Any) -> Any:
    """The codebook (with every coded answer as an example) from the ``--train`` table."""
    from surveycoder_core.schemas import CodebookIn
    from surveycoder_core.service.upload import guess_columns, read_coded_table, read_table

    path = Path(args.train)
    if not path.exists():
        raise ValidationError(f"--train file not found: {path}")
    frame = read_table(path.read_bytes(), path.name).frame
    guessed_id, guessed_text = guess_columns(frame)
    text_col = args.train_text_column or ("text" if "text" in frame.columns else guessed_text)
    if not text_col:
        raise ValidationError(f"could not tell which column of {path.name} holds the text; pass --train-text-column")
    try:
        codebook = CodebookIn.model_validate(given) if given is not None else None
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc) from exc
    coded = read_coded_table(frame, args.train_id_column or guessed_id, text_col, codebook=codebook)
    counts = coded.training_counts()
    print(f"training: {len(coded.responses):,} coded answers from {path.name} ({coded.layout} layout), "
          f"{len(counts) - 1} codes, {counts['']:,} answers with no code", file=sys.stderr)
    return coded.codebook


def cmd_code(args: argparse.Namespace) -> int:
    from surveycoder_core.service import code_request

    try:
        request, from_table = _load_request(args)
        result = code_request(request, db_path=args.db, engine=args.engine, actor="cli", source="cli",
                              truncate_long=from_table, progress=progress_printer())
        text = result.model_dump_json(indent=2)
    except SurveyCoderError as err:
        print(json.dumps(err.envelope(), indent=2))
        return 1
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from surveycoder_core import config

    if args.db:
        config.set_db(args.db)
    from surveycoder_core.api.app import create_app

    app = create_app(db_path=args.db, start_worker=not args.no_worker)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from surveycoder_core.service.jobs import run_worker

    def announce(worker_id: str) -> None:
        print(f"worker {worker_id} polling {args.db or 'the default database'}", file=sys.stderr)

    try:
        run_worker(db_path=args.db, announce=announce)  # webhooks are told when its jobs end
    except KeyboardInterrupt:
        return 0
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from surveycoder_core.service import access

    try:
        if args.keys_command == "create":
            scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
            created = access.create_key(name=args.name, scopes=scopes, credits=args.credits, db_path=args.db,
                                      test=args.test, expires_days=args.expires_days)
            print(f"key id {created['id']} for organisation {created['org_id']} (scopes {','.join(scopes)});"
                  " shown once, store it now:")
            print(created["key"])
        elif args.keys_command == "list":
            for k in access.list_keys(db_path=args.db):
                state = "revoked" if k.get("revoked_at") else "active"
                print(f"{k['id']}\t{k['prefix']}…\t{k['name']}\t{k['scopes']}\t{state}\texpires {k.get('expires_at')}")
        elif args.keys_command == "revoke":
            access.revoke_key(args.key_id, db_path=args.db)
            print(f"revoked {args.key_id}")
    except SurveyCoderError as err:
        print(json.dumps(err.envelope(), indent=2))
        return 1
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from surveycoder_core.service.evaluation import evaluation_report

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    print(evaluation_report(Path(args.dataset_dir), modes=modes, limit=args.limit))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from surveycoder_core.service.projects import sample_request

    text = json.dumps(sample_request().model_dump(exclude_none=True), indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="surveycoder", description="Code open-ended survey responses.")
    sub = p.add_subparsers(dest="command", required=True)

    code = sub.add_parser("code", help="code a request JSON or a CSV/XLSX file and print the result envelope")
    code.add_argument("input", help="a /v2/code request body (.json) or a table (.csv, .xlsx, .sav; an answer "
                                    "over 2,000 characters is coded on its first 2,000, flagged and kept whole)")
    code.add_argument("--out", help="write the result envelope here instead of stdout")
    code.add_argument("--db", help="SQLite database (default: $SURVEYCODER_DB or ./surveycoder.db)")
    code.add_argument("--engine", choices=["embedded", "llm"], help="coding engine (default: embedded)")
    code.add_argument("--id-column", help="table input: the column with respondent ids")
    code.add_argument("--text-column", help="table input: the column with the verbatims")
    code.add_argument("--sheet", help="XLSX input: the sheet to read")
    code.add_argument("--codebook", help="a codebook file (JSON in the API shape, or CSV/XLSX)")
    code.add_argument("--train", metavar="CODED", help="an earlier wave already coded (CSV/XLSX/.sav in any layout our "
                      "exports write, one column per mention, or 0/1 per code): its codes become the codebook (or are "
                      "checked against --codebook) and every coded answer teaches the engine")
    code.add_argument("--train-id-column", help="--train table: the column with respondent ids (default: guessed)")
    code.add_argument("--train-text-column", help="--train table: the column with the verbatims (default: guessed)")
    code.add_argument("--coding-type", choices=CODING_TYPES)
    code.add_argument("--language", help="ISO 639-1 code of the responses (default en)")
    code.add_argument("--question", dest="question_text", help="the survey question")
    code.add_argument("--project-name", help="name of the project created")
    code.set_defaults(func=cmd_code)

    serve = sub.add_parser("serve", help="serve the HTTP API (Survey Coder Pro compatible)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--db", help="SQLite database")
    serve.add_argument("--no-worker", action="store_true", help="do not run jobs in this process")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run queued coding jobs (a separate worker process)")
    worker.add_argument("--db", help="SQLite database")
    worker.set_defaults(func=cmd_worker)

    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    kc = keys_sub.add_parser("create", help="create a key; prints it as the last line")
    kc.add_argument("--name", required=True, help="a label for the key")
    kc.add_argument("--scopes", default="read,write", help="comma-separated: read, write")
    kc.add_argument("--credits", type=int, help="give the key's organisation this many credits (default unlimited)")
    kc.add_argument("--test", action="store_true", help="issue a scp_test_ key instead of scp_live_")
    kc.add_argument("--expires-days", type=int, help="the key expires after this many days")
    kc.add_argument("--db", help="SQLite database")
    kl = keys_sub.add_parser("list", help="list keys (never the secrets)")
    kl.add_argument("--db", help="SQLite database")
    kr = keys_sub.add_parser("revoke", help="revoke a key by id")
    kr.add_argument("key_id")
    kr.add_argument("--db", help="SQLite database")
    keys.set_defaults(func=cmd_keys)

    ev = sub.add_parser("eval", help="measure agreement with human codes on a dataset folder")
    ev.add_argument("dataset_dir", help="folder with responses.jsonl and codebook.json")
    ev.add_argument("--modes", default="a,b,c",
                    help="a (codebook given), b (with examples), c (no codebook), split, open, curve")
    ev.add_argument("--limit", type=int, help="use at most this many responses")
    ev.set_defaults(func=cmd_eval)

    sample = sub.add_parser("sample", help="print the bundled sample request (a ready-made dataset)")
    sample.add_argument("--out", help="write it to this file")
    sample.set_defaults(func=cmd_sample)

    from surveycoder_core.cli import export as cli_export
    from surveycoder_core.cli import review as cli_review

    cli_export.add_parsers(sub)
    cli_review.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from surveycoder_core import config

    # Before numpy loads: every command (serve's requests and worker thread, a worker, code, eval) runs
    # numpy and scikit-learn with one native thread per caller; on 2 cores their default pools fight.
    config.limit_native_threads()
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
