"""A 5,000-character answer in an uploaded table is coded, flagged and kept whole; the JSON API refuses it.

The CSV goes through ``surveycoder code file.csv`` and the XLSX through the app's upload use case
(read the table, import the question, code it), both into the database `surveycoder serve` runs on;
what they stored is then read back over HTTP: the review queue and the exports show the whole text.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import xlsxwriter

from surveycoder_core import service
from surveycoder_core.io import readers as imports

from .conftest import ROOT, Server
from .test_api_errors import assert_envelope

LONG = ("The engineer came three times and the broadband still drops every evening, so I cannot work from home "
        "and nobody at the call centre reads my notes. ") * 40
LONG = LONG[:5000]
SHORT = ["Delivery was fast and the parcel arrived early", "Too expensive for what you get",
         "The staff were friendly and helpful", "The app keeps crashing when I pay",
         "Great quality, it lasts for years", "Price went up again, not worth it", "Quick shipping, on time"]
ROWS = [("R1", SHORT[0]), ("R2", SHORT[1]), ("R3", SHORT[2]), ("R4", LONG), ("R5", SHORT[3]), ("R6", SHORT[4]),
        ("R7", SHORT[5]), ("R8", SHORT[6])]


def _check_over_http(http: httpx.Client, project_id: str, question_id: str) -> None:
    ref = {"project_id": project_id, "question_id": question_id}
    flagged = http.post("/v2/review/queue", json=ref).json()["data"]["items"]
    long_item = next(i for i in flagged if i["response_id"] == "R4")
    assert long_item["review_reason"] == "too_long_truncated" and long_item["needs_review"] is True
    assert long_item["text"] == LONG and long_item["codes"]  # coded, and shown whole
    for layout in ("wide_by_question", "one_row_per_code"):
        r = http.post("/v2/export/csv", json={"project_id": project_id, "layout": layout})
        rows = [row for row in csv.DictReader(io.StringIO(r.text)) if row["respondent_id"] == "R4"]
        assert rows and all(row["text"] == LONG and row["review_reason"] == "too_long_truncated" for row in rows)


def test_a_long_answer_in_a_csv_through_the_cli(server: Server, http: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "open_ends.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("id", "answer"), *ROWS])
    proc = subprocess.run([sys.executable, "-m", "surveycoder_core.cli.main", "code", str(path), "--db", str(server.db),
                           "--project-name", "Long answers CSV"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)["data"]
    by_id = {r["id"]: r for r in data["results"]}
    assert list(by_id) == [i for i, _ in ROWS]
    assert by_id["R4"]["needs_review"] is True and by_id["R4"]["review_reason"] == "too_long_truncated"
    assert by_id["R4"]["codes"] and "cut" in by_id["R4"]["review_note"]
    _check_over_http(http, data["project_id"], data["question_id"])


def test_a_long_answer_in_an_xlsx_through_the_upload_use_case(server: Server, http: httpx.Client) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Open ends")
    for r, row in enumerate([("Respondent", "Comment", "Region"), *[(i, t, "North") for i, t in ROWS]]):
        for col, value in enumerate(row):
            sheet.write_string(r, col, value)
    book.close()
    table = imports.read_table(buffer.getvalue(), "open_ends.xlsx")
    responses, warnings = imports.table_to_responses(table.frame, "Respondent", "Comment")
    assert any("coded on its first 2,000 characters" in w for w in warnings)
    imported = service.import_question(db_path=server.db, responses=responses, project_name="Long answers XLSX")
    assert imported["truncated"] == 1
    service.code_question(imported["question_id"], db_path=server.db)
    _check_over_http(http, imported["project_id"], imported["question_id"])


def test_the_json_api_still_refuses_a_long_answer_naming_it(http: httpx.Client) -> None:
    r = http.post("/v2/code", json={"responses": [{"id": "R4", "text": LONG}, {"id": "R5", "text": SHORT[0]}]})
    error = assert_envelope(r, 422, "VALIDATION_ERROR")
    assert "'R4'" in error["message"] and "2000" in error["message"]
