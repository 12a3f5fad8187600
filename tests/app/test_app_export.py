"""Export page: CSV, XLSX and SPSS in four layouts; codebook, review log, suggestions (deferred downloads).

AppTest cannot fetch a deferred download's bytes, so the files themselves are checked by clicking the
real buttons in Chromium (the browser tests' server and helpers).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from surveycoder_core.schemas import CodebookIn

from .conftest import copy_db
from .helpers import app
from .test_browser import CHROMIUM, Server, browser, idle, nav, new_page  # noqa: F401 (browser is a fixture)

LAYOUT_NAMES = {
    "wide_by_question": "Wide — one row per respondent, codes listed per question",
    "columns_by_mention": "Columns by mention — 1st, 2nd, 3rd code in their own columns",
    "binary_dummy": "Binary dummies — one 0/1 column per code (SPSS style)",
    "one_row_per_code": "Long — one row per respondent × code",
}
KEYS = {"CSV": "export_csv", "Excel (.xlsx)": "export_xlsx", "SPSS (.sav)": "export_sav",
        "Results (JSON)": "export_json", "Codebook (JSON)": "export_cb_json", "Codebook (CSV)": "export_cb_csv",
        "Review log (CSV)": "export_review_log",
        "Suggestions (XLSX)": "export_suggestions"}
browser_only = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                  reason="needs Debian's /usr/bin/chromium (apt-get install chromium)")


def labels(at) -> set[str]:
    return {d.proto.label for d in at.get("download_button")}


def test_export_page_offers_every_file(coded_db):
    path, ids = coded_db
    at = app("8_Export", question_id=ids["question_id"])
    assert labels(at) >= {"CSV", "Excel (.xlsx)", "SPSS (.sav)", "Codebook (JSON)", "Codebook (CSV)",
                          "Review log (CSV)", "Suggestions (XLSX)"}
    assert at.radio(key="export_layout").options == list(LAYOUT_NAMES.values())
    at.radio(key="export_layout").set_value("binary_dummy").run()
    at.checkbox(key="export_sentiment").uncheck().run()
    assert not at.exception
    at.toggle(key="export_preview").set_value(True).run()
    preview = at.dataframe[-1].value
    assert len(preview) == 20 and not any("sentiment" in c.lower() for c in preview.columns)


def test_uncoded_project_has_nothing_to_export(db_path):
    from .conftest import import_sample

    out = import_sample(db_path, n=5)
    at = app("8_Export", question_id=out["question_id"])
    assert any("Nothing to export yet" in i.value for i in at.info)


# ---------------------------------------------------------------- the real buttons, in Chromium


@pytest.mark.browser
@browser_only
def test_every_download_button_delivers_its_file(browser, coded_template, tmp_path):  # noqa: F811
    """Click each download button of the Export page in Chromium and read the file it delivers."""
    db = str(tmp_path / "export.db")
    copy_db(coded_template[0], db)
    ids = coded_template[1]
    server = Server(db)
    try:
        page = new_page(browser, f"{server.url}/?q={ids['question_id']}")
        nav(page, "Export")
        stem = "Northwave_Broadband_Customer_NPS_Q3_sample"

        def download(label: str) -> tuple[str, bytes]:
            with page.expect_download() as dl:
                page.locator(f".st-key-{KEYS[label]} button").first.click()
            got = dl.value.suggested_filename, Path(dl.value.path()).read_bytes()
            idle(page)  # the click reruns the page: the next button is live once that run ends
            return got

        name, body = download("Codebook (JSON)")
        assert name == f"{stem}_codebook.json"
        codebook = CodebookIn.model_validate_json(body)
        code_names = [c.name for cat in codebook.categories for c in cat.codes]
        for layout, label in LAYOUT_NAMES.items():
            page.locator(".st-key-export_layout").get_by_text(label, exact=True).click()
            idle(page)
            name, csv = download("CSV")
            assert name == f"{stem}_coded.csv" and csv.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
            table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
            name, xlsx = download("Excel (.xlsx)")
            assert name == f"{stem}_coded.xlsx"
            book = pd.read_excel(io.BytesIO(xlsx), sheet_name=None)
            assert len(book["Coded responses"]) == len(table)
            assert "Code Dictionary" in book
            respondents = table["respondent_id"].nunique()
            if layout == "one_row_per_code":
                assert len(table) > respondents  # a row per respondent and code
            else:
                assert len(table) == respondents == 150
            if layout == "binary_dummy":
                dummies = [n for n in code_names if n in table.columns]
                assert dummies and all(set(table[n].dropna().unique()) <= {0, 1} for n in dummies)

        name, sav = download("SPSS (.sav)")
        assert name == f"{stem}_coded.sav" and sav[:4] == b"$FL2"
        name, body = download("Results (JSON)")
        result = json.loads(body)
        assert result["success"] is True and len(result["data"]["results"]) == 150
        name, body = download("Codebook (CSV)")
        cb = pd.read_csv(io.BytesIO(body))
        assert list(cb.columns) == ["category", "code", "definition", "sentiment"]
        assert cb["code"].tolist() == code_names
        name, body = download("Review log (CSV)")
        assert name == f"{stem}_review_log.csv"
        assert body.decode("utf-8").splitlines()[0] == "created_at,actor,action,respondent_id,detail"
        name, body = download("Suggestions (XLSX)")
        assert name == f"{stem}_suggestions.xlsx"
        assert "Summary" in pd.read_excel(io.BytesIO(body), sheet_name=None)
    finally:
        server.stop()
