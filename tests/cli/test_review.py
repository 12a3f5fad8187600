"""`surveycoder projects list`, `export` and `review queue|decide|agreement|recode` as real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from surveycoder_core import service
from surveycoder_core.cli.output import safe_cell
from surveycoder_core.cli.review import parse_code
from surveycoder_core.db.store import one, session
from surveycoder_core.schemas import CodeRequest
from tests.synthetic import make_responses

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "surveycoder_core.cli.main", *args, "--db", str(db)], cwd=ROOT,
                          capture_output=True, timeout=300)


def as_json(proc: subprocess.CompletedProcess[bytes]) -> Any:
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    return json.loads(proc.stdout)


def failed(proc: subprocess.CompletedProcess[bytes], code: str) -> str:
    assert proc.returncode == 1, proc.stdout.decode() + proc.stderr.decode()
    envelope = json.loads(proc.stdout)
    assert envelope["success"] is False and envelope["error"]["code"] == code
    return envelope["error"]["message"]


@pytest.fixture()
def coded(tmp_path: Path, engine) -> tuple[Path, dict[str, Any]]:
    db = tmp_path / "cli.db"
    request = CodeRequest.model_validate({"responses": make_responses(30, seed=12), "project_name": "CLI wave 1"})
    data = service.code_request(request, db_path=db, engine=engine).data
    return db, {"project_id": data.project_id, "question_id": data.question_id,
                "codes": [c.name for cat in data.codebook for c in cat.codes]}


@pytest.mark.parametrize("command, phrase", [
    (["projects", "list"], "newest first"),
    (["export"], "layouts"),
    (["review", "queue"], "version"),
    (["review", "decide"], "stale"),
    (["review", "agreement"], "insufficient data"),
    (["review", "recode"], "never changed"),
])
def test_every_new_command_has_help(command: list[str], phrase: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "surveycoder_core.cli.main", *command, "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and phrase in " ".join(proc.stdout.split()), proc.stdout


def test_projects_list_as_json_and_as_a_table(coded: tuple[Path, dict]) -> None:
    db, ids = coded
    [project] = as_json(run_cli("projects", "list", db=db))
    assert project["id"] == ids["project_id"] and project["name"] == "CLI wave 1"
    assert project["questions"][0]["id"] == ids["question_id"] and project["questions"][0]["response_count"] == 30
    table = run_cli("projects", "list", "--table", db=db).stdout.decode()
    assert "project_id" in table.splitlines()[0] and ids["question_id"] in table and "1 projects" in table


def test_the_review_loop_from_the_command_line(coded: tuple[Path, dict]) -> None:
    db, ids = coded
    everything = as_json(run_cli("review", "queue", "CLI wave 1", "--queue", "all", "--limit", "100", db=db))
    assert everything["total"] == 30 and len(everything["items"]) == 30
    target = everything["items"][3]
    other = next(n for n in ids["codes"] if n not in {c["name"] for c in target["codes"]})
    decided = as_json(run_cli("review", "decide", ids["project_id"], target["response_id"], "--version",
                              str(target["version"]), "--code", f"{other}=negative", "--reviewer", "Gus", db=db))
    assert decided["decision"] == "corrected" and decided["codes"][0]["name"] == other
    assert decided["codes"][0]["sentiment"] == "Negative" and decided["reviewed_by"] == "Gus"

    stale = run_cli("review", "decide", "CLI wave 1", target["response_id"], "--version", str(target["version"]),
                    "--accept", "--reviewer", "Hal", db=db)
    message = failed(stale, "INVALID_STATE")
    assert "Gus" in message and decided["reviewed_at"] in message

    agreement = as_json(run_cli("review", "agreement", "CLI wave 1", db=db))
    assert agreement["reviewed"] == 1 and agreement["micro_f1"] is not None and agreement["sufficient"] is False
    with session(db) as conn:  # what a recode codes again: every distinct answer not reviewed
        expected = one(conn, "SELECT COUNT(*) AS n FROM responses WHERE question_id = ? AND dedup_of IS NULL"
                             " AND status != 'no_data' AND reviewed = 0", (ids["question_id"],))["n"]
    recoded = as_json(run_cli("review", "recode", "CLI wave 1", db=db))
    assert recoded["mode"] == "inline" and recoded["responses"] == expected and recoded["reviewed_kept"] == 1

    exported = run_cli("export", "CLI wave 1", "--layout", "one_row_per_code", db=db)
    assert exported.returncode == 0
    lines = exported.stdout.decode().splitlines()
    assert lines[0].endswith("reviewed,reviewed_by")
    assert any(line.startswith(f"Q1,{target['response_id']},") and line.endswith(",yes,Gus") for line in lines)

    out = db.parent / "wave1.xlsx"
    summary = as_json(run_cli("export", "CLI wave 1", "--format", "xlsx", "--layout", "binary_dummy", "--out",
                              str(out), db=db))
    assert summary["bytes"] == out.stat().st_size > 0
    sheet = openpyxl.load_workbook(out)["Coded responses"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == target["response_id"])
    assert row[header.index("reviewed_by")] == "Gus" and row[header.index(other)] == 1
    sav = run_cli("export", "CLI wave 1", "--format", "sav", db=db)  # stdout is a pipe here: the bytes go there
    assert sav.returncode == 0 and sav.stdout.startswith(b"$FL2")


def test_table_output_and_errors(coded: tuple[Path, dict]) -> None:
    db, ids = coded
    table = run_cli("review", "queue", "CLI wave 1", "--queue", "all", "--limit", "3", "--table", db=db)
    text = table.stdout.decode()
    assert table.returncode == 0 and text.splitlines()[0].split()[:3] == ["response_id", "version", "reviewed"]
    assert "0 of 30 reviewed in the all queue; showing 3 of 30" in text
    assert "not found" in failed(run_cli("export", "no such project", db=db), "NOT_FOUND").lower()
    message = failed(run_cli("review", "decide", "CLI wave 1", "A00001", "--version", "0", db=db), "VALIDATION_ERROR")
    assert "--accept" in message
    assert "ZZZ" in failed(run_cli("review", "queue", "CLI wave 1", "--question", "ZZZ", db=db), "NOT_FOUND")
    assert failed(run_cli("export", "CLI wave 1", "--question", "ZZZ", db=db), "VALIDATION_ERROR")


def test_code_names_and_terminal_cells() -> None:
    assert parse_code("Price / value=negative") == {"name": "Price / value", "sentiment": "negative"}
    assert parse_code("A=B") == {"name": "A=B"}  # not a sentiment: part of the name
    assert safe_cell("evil\x1b[31mred\x07\nnext", width=12) == "evil [31mre…"
    assert safe_cell(None) == ""
