"""A 5,000-character answer uploaded in the app: imported with a note, coded on its first 2,000 characters,
flagged "Too long (cut)" on Review with its whole text shown, and its reviewer shown on the Dashboard."""

from __future__ import annotations

import csv
import io

from surveycoder_core import service
from surveycoder_core.db import projects, store
from surveycoder_core.human_review import queue as reviews

from .helpers import app, button, plain

LONG = ("Every evening the connection drops and the engineer who came twice could not find the fault, "
        "so I am paying for a service I cannot use when I need it most. ") * 35
LONG = LONG[:5000]
SHORT = ["Fast delivery, it came a day early", "Too expensive for what you get", "Friendly and helpful staff",
         "The app crashes whenever I try to pay", "Good quality, it lasts for years", "Prices went up again",
         "Quick shipping and well packed", "Support never answered my emails"]


def _csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "comment"])
    writer.writerows([(f"S{i}", t) for i, t in enumerate(SHORT, start=1)] + [("L1", LONG)])
    return buffer.getvalue().encode("utf-8")


def test_a_long_answer_is_imported_coded_flagged_and_shown_whole(db_path):
    at = app("2_Upload")
    at.get("file_uploader")[0].set_value(("long.csv", _csv(), "text/csv")).run()
    button(at, "Import responses").click()
    at.run()
    assert not at.exception, at.exception
    assert any("1 answers over 2,000 characters will be coded on their first 2,000" in plain(s.value)
               for s in at.success)
    with store.session(db_path) as db:
        qid = projects.list_projects(db)[0]["questions"][0]["id"]
    service.code_question(qid, db_path=db_path)  # the Run page's inline coding (its own tests drive the page)

    at = app("5_Review", question_id=qid)
    at.multiselect(key="review_reasons").select("too_long_truncated").run()
    assert LONG in [t.value for t in at.text]  # the whole answer, not the first 2,000 characters
    assert any("Too long (cut)" in m.value for m in at.markdown)
    assert any("cut to the length limit" in t.value for t in at.text)
    at.session_state["reviewer_name"] = "Ida"
    button(at, "Accept as coded").click()
    at.run()
    assert not at.exception, at.exception
    with store.session(db_path) as db:
        assert reviews.review_progress(db, qid)["reviewed"] == 1

    at = app("4_Dashboard", question_id=qid)
    table = at.dataframe[-1].value
    long_row = table[table["respondent"] == "L1"].iloc[0]
    assert long_row["response"] == LONG and long_row["reviewed_by"] == "Ida"
    assert set(table[table["respondent"] != "L1"]["reviewed_by"]) == {""}
