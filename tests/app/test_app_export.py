"""Export page: CSV, XLSX and SPSS in four layouts; codebook, review log, suggestions (deferred downloads)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from surveycoder_core import service
from surveycoder_core.exports import files as exports

from .helpers import app


def labels(at) -> set[str]:
    return {d.proto.label for d in at.get("download_button")}


def test_export_page_offers_every_file(coded_db):
    path, ids = coded_db
    at = app("8_Export", question_id=ids["question_id"])
    assert labels(at) >= {"CSV", "Excel (.xlsx)", "SPSS (.sav)", "Codebook (JSON)", "Codebook (CSV)",
                          "Review log (CSV)", "Suggestions (XLSX)"}
    assert at.radio(key="export_layout").options == [
        "Wide — one row per respondent, codes listed per question",
        "Columns by mention — 1st, 2nd, 3rd code in their own columns",
        "Binary dummies — one 0/1 column per code (SPSS style)",
        "Long — one row per respondent × code"]
    at.radio(key="export_layout").set_value("binary_dummy").run()
    at.checkbox(key="export_sentiment").uncheck().run()
    assert not at.exception
    at.toggle(key="export_preview").set_value(True).run()
    preview = at.dataframe[-1].value
    assert len(preview) == 20 and not any("sentiment" in c.lower() for c in preview.columns)


@pytest.mark.parametrize("layout", exports.LAYOUTS)
def test_what_the_buttons_build_reads_back(coded_db, layout):
    """The buttons' callables call exactly these: check the bytes they produce."""
    path, ids = coded_db
    model = service.export_questions(ids["project_id"], [ids["question_id"]], db_path=path)
    options = exports.ExportOptions(layout=layout)
    book = pd.read_excel(io.BytesIO(exports.export_xlsx(model, options)), sheet_name=None)
    assert "Coded responses" in book and len(book["Coded responses"]) >= 148
    assert exports.export_csv(model, options, bom=True).startswith("\ufeff")


def test_uncoded_project_has_nothing_to_export(db_path):
    from .conftest import import_sample

    out = import_sample(db_path, n=5)
    at = app("8_Export", question_id=out["question_id"])
    assert any("Nothing to export yet" in i.value for i in at.info)
