"""The command line as people and scripts use it: a real process, real files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.synthetic import SEED_BRAND_EXAMPLE, make_responses


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "surveycoder_core.cli.main", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_code_json_request_prints_the_envelope(tmp_path: Path) -> None:
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"responses": SEED_BRAND_EXAMPLE}), encoding="utf-8")
    proc = run_cli("code", str(req), "--db", str(tmp_path / "x.db"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["success"] is True and out["meta"]["mode"] == "sync"
    assert [r["id"] for r in out["data"]["results"]] == [r["id"] for r in SEED_BRAND_EXAMPLE]


def test_code_csv_with_columns_and_out_file(tmp_path: Path) -> None:
    rows = make_responses(60)
    path = tmp_path / "survey.csv"
    with path.open("w", newline="", encoding="cp1252") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Serial", "Region", "Comment"])
        for i, r in enumerate(rows):
            w.writerow([r["id"], "North" if i % 2 else "South", r["text"] + (" café" if i == 0 else "")])
    out = tmp_path / "result.json"
    proc = run_cli("code", str(path), "--id-column", "Serial", "--text-column", "Comment", "--out", str(out),
                   "--db", str(tmp_path / "x.db"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))["data"]
    assert len(data["results"]) == 60 and data["results"][0]["id"] == rows[0]["id"]


@pytest.mark.parametrize("body, code, needle", [
    ({"responses": []}, "VALIDATION_ERROR", "responses"),
    ({"responses": [{"id": str(i), "text": "good"} for i in range(10_001)]}, "VALIDATION_ERROR", "responses"),
    ({"responses": [{"id": "A7", "text": "x y"}, {"id": "A7", "text": "z"}]}, "VALIDATION_ERROR", "A7"),
    ({"responses": [{"id": "1", "text": "hello"}], "coding_type": "vibes"}, "VALIDATION_ERROR", "coding_type"),
    ({"responses": [{"id": "1", "text": "-"}, {"id": "2", "text": "n/a"}]}, "NO_DATA", "junk"),
])
def test_bad_requests_exit_non_zero_with_the_envelope(tmp_path: Path, body: dict, code: str, needle: str) -> None:
    req = tmp_path / "bad.json"
    req.write_text(json.dumps(body), encoding="utf-8")
    db = tmp_path / "x.db"
    proc = run_cli("code", str(req), "--db", str(db), cwd=tmp_path)
    assert proc.returncode == 1
    env = json.loads(proc.stdout)
    assert env["success"] is False and env["error"]["code"] == code and needle in env["error"]["message"]
    if db.exists():
        import sqlite3

        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM projects").fetchone()[0] == 0


def test_invalid_json_is_named(tmp_path: Path) -> None:
    req = tmp_path / "broken.json"
    req.write_text("{not json", encoding="utf-8")
    proc = run_cli("code", str(req), "--db", str(tmp_path / "x.db"), cwd=tmp_path)
    assert proc.returncode == 1 and "Invalid JSON" in json.loads(proc.stdout)["error"]["message"]


def test_missing_input_file(tmp_path: Path) -> None:
    proc = run_cli("code", str(tmp_path / "nope.json"), cwd=tmp_path)
    assert proc.returncode == 1 and json.loads(proc.stdout)["error"]["code"] == "VALIDATION_ERROR"


def test_help_lists_every_command(tmp_path: Path) -> None:
    proc = run_cli("--help", cwd=tmp_path)
    for command in ("code", "serve", "worker", "keys", "eval", "sample"):
        assert command in proc.stdout


def _write_coded_wave(path: Path, n: int, seed: int) -> list[tuple[str, set[str]]]:
    """A coded earlier wave in the columns_by_mention layout, with opaque code names."""
    from tests.synthetic import make_texts

    name = {"price": "Code A", "staff": "Code B", "waiting": "Code C", "cleanliness": "Code D", "app": "Code E"}
    data = [(t, {name[x] for x, _ in truth}) for t, truth in make_texts(n, seed)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["respondent_id", "text", "mention_1", "mention_2"])
        for i, (t, codes) in enumerate(data):
            w.writerow([f"W{i}", t, *sorted(codes), *[""] * (2 - len(codes))])
    return data


def test_code_with_a_coded_earlier_wave_as_training(tmp_path: Path) -> None:
    from tests.synthetic import make_texts

    _write_coded_wave(tmp_path / "wave1.csv", 300, seed=31)
    new = [(t, truth) for t, truth in make_texts(40, seed=32)]
    with (tmp_path / "wave2.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "comment"])
        for i, (t, _) in enumerate(new):
            w.writerow([f"N{i}", t])
    proc = run_cli("code", str(tmp_path / "wave2.csv"), "--train", str(tmp_path / "wave1.csv"), "--db",
                   str(tmp_path / "x.db"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "training: 300 coded answers" in proc.stderr and "5 codes" in proc.stderr
    out = json.loads(proc.stdout)
    name = {"price": "Code A", "staff": "Code B", "waiting": "Code C", "cleanliness": "Code D", "app": "Code E"}
    assert {c["name"] for cat in out["data"]["codebook"] for c in cat["codes"]} == set(name.values())
    right = sum({c["name"] for c in r["codes"]} == {name[x] for x, _ in truth}
                for r, (_, truth) in zip(out["data"]["results"], new, strict=False))
    assert right >= 0.8 * len(new), right  # the opaque names alone teach nothing: this was learnt


def test_train_codes_must_be_in_the_given_codebook(tmp_path: Path) -> None:
    _write_coded_wave(tmp_path / "wave1.csv", 30, seed=33)
    book = tmp_path / "book.json"
    book.write_text(json.dumps({"categories": [{"name": "T", "codes": [{"name": "Code A"}, {"name": "Code B"}]}]}))
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"responses": SEED_BRAND_EXAMPLE}), encoding="utf-8")
    proc = run_cli("code", str(req), "--codebook", str(book), "--train", str(tmp_path / "wave1.csv"), "--db",
                   str(tmp_path / "x.db"), cwd=tmp_path)
    assert proc.returncode == 1
    err = json.loads(proc.stdout)["error"]
    assert err["code"] == "VALIDATION_ERROR" and "Code C" in err["message"] and "not in the codebook" in err["message"]
