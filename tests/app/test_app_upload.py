"""Upload page: CSV in any encoding/delimiter, XLSX sheets, JSON requests, codebooks, bad files."""

from __future__ import annotations

import io
import json

import pandas as pd

from surveycoder_core.db import projects, store
from surveycoder_core.db.responses import response_rows

from .helpers import app, button, plain

CSV = ("resp_id;comment;region\n"
       "1;Le débit est très lent le soir;Nord\n"
       "2;Service client injoignable;Sud\n"
       "3;Prix trop élevé;Nord\n").encode("cp1252")


def upload(at, name: str, data: bytes, mime: str = "text/csv"):
    at.get("file_uploader")[0].set_value((name, data, mime))
    at.run()
    assert not at.exception, at.exception
    return at


def test_csv_in_cp1252_with_semicolons_guesses_columns_and_keeps_attributes(db_path):
    at = upload(app("2_Upload"), "wave1.csv", CSV)
    assert at.selectbox(key="upload_id_column").value == "resp_id"
    assert at.selectbox(key="upload_text_column").value == "comment"
    assert any("semicolon" in c.value for c in at.caption)
    assert any("region" in plain(c.value) for c in at.caption)
    at.text_input(key="upload_question").input("Why that score?")
    button(at, "Import responses").click()
    at.run()
    assert at.title[0].value == "Run"
    assert any("Imported 3 responses" in s.value for s in at.success)
    with store.session(db_path) as db:
        [p] = projects.list_projects(db)
        q = p["questions"][0]
        assert q["text"] == "Why that score?"
        rows = response_rows(db, q["id"])
    assert [r["text"] for r in rows][0] == "Le débit est très lent le soir"
    assert rows[0]["attributes"] == {"region": "Nord"}


def test_user_can_change_the_guessed_columns(db_path):
    at = upload(app("2_Upload"), "wave1.csv", CSV)
    at.selectbox(key="upload_id_column").select("(number the rows 1, 2, 3…)").run()
    at.selectbox(key="upload_text_column").set_value("region").run()
    button(at, "Import responses").click()
    at.run()
    with store.session(db_path) as db:
        q = projects.list_projects(db)[0]["questions"][0]
        rows = response_rows(db, q["id"])
    assert [r["respondent_id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["text"] == "Nord" and rows[0]["attributes"]["comment"].startswith("Le débit")


def test_xlsx_lets_the_user_pick_the_sheet(db_path):
    buf = io.BytesIO()
    with pd.ExcelWriter(buf) as xw:
        pd.DataFrame({"notes": ["x"]}).to_excel(xw, sheet_name="Readme", index=False)
        pd.DataFrame({"id": ["a1", "a2"], "answer": ["Too slow", "Great support"]}).to_excel(
            xw, sheet_name="Data", index=False)
    at = upload(app("2_Upload"), "survey.xlsx", buf.getvalue(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    at.selectbox(key="upload_sheet").select("Data").run()
    assert at.selectbox(key="upload_text_column").value == "answer"
    button(at, "Import responses").click()
    at.run()
    with store.session(db_path) as db:
        assert projects.list_projects(db)[0]["questions"][0]["response_count"] == 2


def test_json_request_brings_its_question_and_codebook(db_path):
    body = {"question_text": "What could we improve?", "project_name": "From the API",
            "responses": [{"id": "r1", "text": "Cheaper please"}, {"id": "r2", "text": "Faster wifi"}],
            "codebook": {"categories": [{"name": "Value", "codes": [{"name": "Price", "sentiment": "negative"}]}]}}
    at = upload(app("2_Upload"), "req.json", json.dumps(body).encode(), "application/json")
    assert at.text_input(key="upload_question").value == "What could we improve?"
    assert at.radio(key="upload_codebook_source").value == "Use the codebook in the JSON file"
    button(at, "Import responses").click()
    at.run()
    with store.session(db_path) as db:
        [p] = projects.list_projects(db)
        assert p["name"] == "From the API"
        assert p["questions"][0]["code_count"] == 1


def test_reuse_an_earlier_questions_codebook_for_the_next_wave(coded_db):
    path, ids = coded_db
    at = upload(app("2_Upload"), "wave2.csv", CSV)
    at.radio(key="upload_target").set_value("Add to an existing project").run()
    at.radio(key="upload_codebook_source").set_value("Reuse an earlier question's codebook (next wave)").run()
    preview = at.dataframe[-1].value  # the earlier wave's codes, shown before anything is imported
    assert list(preview.columns) == ["category", "code", "sentiment", "definition", "examples"]
    with store.session(path) as db:
        earlier = projects.list_projects(db)[0]["questions"][0]
    assert len(preview) == earlier["code_count"]
    button(at, "Import responses").click()
    at.run()
    assert not at.exception
    with store.session(path) as db:
        [p] = projects.list_projects(db)
        old, new = p["questions"]
        assert new["code_count"] == old["code_count"] > 0


def test_bad_files_show_a_plain_message_and_import_nothing(db_path):
    at = upload(app("2_Upload"), "empty.csv", b"   \n")
    assert any("cannot be read" in e.value and "empty" in e.value for e in at.error)
    at = upload(app("2_Upload"), "dupes.csv", b"id,text\n1,a long enough answer\n1,another answer\n")
    at.selectbox(key="upload_id_column").select("id").run()
    button(at, "Import responses").click()
    at.run()
    assert any("unique" in plain(e.value) for e in at.error)
    at = upload(app("2_Upload"), "req.json", b'{"responses": "nope"}', "application/json")
    assert at.error
    with store.session(db_path) as db:
        assert projects.list_projects(db) == []


def test_a_bad_codebook_file_is_reported(db_path):
    at = upload(app("2_Upload"), "wave1.csv", CSV)
    at.radio(key="upload_codebook_source").set_value("Import a codebook file").run()
    at.get("file_uploader")[1].set_value(("cb.csv", b"foo,bar\n1,2\n", "text/csv"))
    at.run()
    assert any("code" in plain(e.value) for e in at.error)


def test_spss_sav_upload(db_path, tmp_path):
    import pyreadstat

    frame = pd.DataFrame({"serial": [101.0, 102.0], "q5_open": ["Too expensive", "Helpful staff"],
                          "age": [34.0, 61.0]})
    path = tmp_path / "wave.sav"
    pyreadstat.write_sav(frame, str(path))
    at = upload(app("2_Upload"), "wave.sav", path.read_bytes(), "application/octet-stream")
    assert at.selectbox(key="upload_text_column").value == "q5_open"
    button(at, "Import responses").click()
    at.run()
    with store.session(db_path) as db:
        q = projects.list_projects(db)[0]["questions"][0]
        rows = response_rows(db, q["id"])
    assert [r["text"] for r in rows] == ["Too expensive", "Helpful staff"] and "age" in rows[0]["attributes"]


def test_answers_go_into_an_empty_project_made_through_the_api(db_path):
    with store.session(db_path) as db:
        pid = projects.create_project(db, name="Wave 3 (from the API)", source="api", objective="Churn reasons")
    at = upload(app("2_Upload"), "wave3.csv", CSV)
    at.radio(key="upload_target").set_value("Add to an existing project").run()
    picker = at.selectbox[[s.label for s in at.selectbox].index("Existing project")]
    assert picker.value == pid  # the only project, although it has no question yet
    button(at, "Import responses").click()
    at.run()
    assert not at.exception
    with store.session(db_path) as db:
        [p] = projects.list_projects(db)
    assert p["id"] == pid and len(p["questions"]) == 1 and p["objective"] == "Churn reasons"


def test_learn_from_a_coded_earlier_wave(db_path):
    from surveycoder_core.db.codebooks import code_specs, no_code_examples

    wave = (b"respondent_id,text,mention_1,mention_2\n"
            b"W1,Prices are far too high,Price,\n"
            b"W2,Rude staff and too expensive,Staff,Price\n"
            b"W3,The staff were lovely,Staff,\n"
            b"W4,Nothing to add,,\n")
    at = upload(app("2_Upload"), "wave2.csv", CSV)
    at.radio(key="upload_codebook_source").set_value(
        "Learn from a coded earlier wave (its codes and coded answers)").run()
    assert not at.exception, at.exception
    at.get("file_uploader")[1].set_value(("wave1.csv", wave, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert any("4 coded answers" in plain(s.value) and "2 codes" in plain(s.value) for s in at.success)
    counts = next(d.value for d in at.dataframe if "training answers" in d.value.columns)
    assert dict(zip(counts["code"], counts["training answers"], strict=False)) == {"Price": 2, "Staff": 2}
    assert any("3 training examples" in c.value or "4 training examples" in c.value for c in at.caption)
    button(at, "Import responses").click()
    at.run()
    assert at.title[0].value == "Run"
    with store.session(db_path) as db:
        q = projects.list_projects(db)[0]["questions"][0]
        specs = {s.name: s.examples for s in code_specs(db, q["id"])}
        assert specs == {"Price": ["Prices are far too high", "Rude staff and too expensive"],
                         "Staff": ["Rude staff and too expensive", "The staff were lovely"]}
        assert no_code_examples(db, q["id"]) == ["Nothing to add"]


def test_a_coded_wave_without_code_columns_is_explained(db_path):
    at = upload(app("2_Upload"), "wave2.csv", CSV)
    at.radio(key="upload_codebook_source").set_value(
        "Learn from a coded earlier wave (its codes and coded answers)").run()
    at.get("file_uploader")[1].set_value(("wave1.csv", b"id,text,region\n1,hello there,North\n", "text/csv"))
    at.run()
    assert not at.exception
    assert any("no code columns" in plain(e.value) for e in at.error)
