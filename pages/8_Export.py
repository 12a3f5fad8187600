"""Export: coded responses as CSV, XLSX or SPSS .sav in four layouts; codebook, review log, suggestions."""

import re

import streamlit as st

from pages import _ui
from surveycoder_core import service
from surveycoder_core.db import codebooks, projects, store
from surveycoder_core.exports import files as exports
from surveycoder_core.human_review import queue as reviews
from surveycoder_core.refinement import suggestions as refine
from surveycoder_core.service import app_reads as appstate

_ui.header("Export", "Files are built when you click, from the latest decisions.")
qid = _ui.question_id()
path = _ui.db_path()
with store.session(path) as db:
    question = projects.get_question(db, qid)
    project = projects.get_project(db, question["project_id"])
    questions = projects.list_questions(db, project["id"])
coded = {q["id"]: q for q in questions if q["code_count"]}
if not coded:
    st.info("Nothing to export yet: code a question of this project first.", icon=":material/info:")
    st.stop()
stem = re.sub(r"[^A-Za-z0-9]+", "_", project["name"]).strip("_")[:60] or "surveycoder"

st.subheader("Coded responses", anchor=False)
chosen = st.multiselect("Questions", list(coded), default=[qid] if qid in coded else list(coded)[:1],
                        format_func=lambda q: (coded[q]["text"] or "(no question text)")[:80], key="export_questions")
layout = st.radio("Layout", list(exports.LAYOUTS), format_func=lambda k: appstate.LAYOUT_LABELS.get(k, k),
                  key="export_layout")
o = st.columns(5)
options = exports.ExportOptions(
    layout=layout,
    include_categories=o[0].checkbox("Categories", value=True, key="export_categories"),
    include_sentiment=o[1].checkbox("Sentiment", value=True, key="export_sentiment"),
    include_confidence=o[2].checkbox("Confidence", value=True, key="export_confidence"),
    include_demographics=o[3].checkbox("Respondent attributes", value=True, key="export_demographics"),
    include_code_dictionary=o[4].checkbox("Code dictionary sheet", value=True, key="export_dictionary"),
)


def model():
    return service.export_questions(project["id"], chosen, db_path=path)


d = st.columns(4)
d[0].download_button("CSV", lambda: exports.export_csv(model(), options, bom=True), f"{stem}.csv", "text/csv",
                     icon=":material/table:", disabled=not chosen, key="export_csv", width="stretch")
d[1].download_button("Excel (.xlsx)", lambda: exports.export_xlsx(model(), options), f"{stem}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", type="primary",
                     icon=":material/grid_on:", disabled=not chosen, key="export_xlsx", width="stretch")
d[2].download_button("SPSS (.sav)", lambda: exports.export_sav(model()), f"{stem}.sav", "application/octet-stream",
                     icon=":material/analytics:", disabled=not chosen, key="export_sav", width="stretch")
d[3].download_button("Results (JSON)", lambda: exports.export_json(service.get_result(qid, db_path=path)),
                     f"{stem}.json", "application/json", icon=":material/data_object:", key="export_json",
                     width="stretch", help="The current question in the API's result envelope")
st.caption("SPSS files always use one 0/1 variable per code (labelled No/Yes) plus the respondent id.")
if chosen and st.toggle("Preview the first rows", key="export_preview"):
    preview, err = _ui.call(lambda: exports.build_table(model(), options).head(20))
    if not err:
        st.dataframe(preview, hide_index=True)

st.subheader("Codebook, review log and suggestions", anchor=False)
st.caption("For the current question.")


def codebook():
    with store.session(path) as db:
        return codebooks.codebook_as_request(db, qid)


def review_log():
    with store.session(path) as db:
        return exports.export_review_log_csv(reviews.review_log(db, qid))


def suggestions():
    with store.session(path) as db:
        return exports.export_suggestions_xlsx(refine.suggestions_for_export(db, qid))


e = st.columns(4)
e[0].download_button("Codebook (JSON)", lambda: codebook().model_dump_json(indent=2), f"{stem}_codebook.json",
                     "application/json", icon=":material/menu_book:", key="export_cb_json", width="stretch",
                     disabled=qid not in coded)
e[1].download_button("Codebook (CSV)", lambda: appstate.codebook_csv(codebook()), f"{stem}_codebook.csv",
                     "text/csv", icon=":material/menu_book:", key="export_cb_csv", width="stretch",
                     disabled=qid not in coded)
e[2].download_button("Review log (CSV)", review_log, f"{stem}_review_log.csv", "text/csv",
                     icon=":material/fact_check:", key="export_review_log", width="stretch")
e[3].download_button("Suggestions (XLSX)", suggestions, f"{stem}_suggestions.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     icon=":material/auto_fix_high:", key="export_suggestions", width="stretch")
