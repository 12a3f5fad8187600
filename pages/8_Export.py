"""Export: coded responses as CSV, XLSX or SPSS .sav in four layouts; codebook, review log, suggestions."""

import streamlit as st

from pages import _ui
from surveycoder_core.service import codebook as codebooks
from surveycoder_core.service import export

LAYOUT_LABELS = {
    "wide_by_question": "Wide — one row per respondent, codes listed per question",
    "columns_by_mention": "Columns by mention — 1st, 2nd, 3rd code in their own columns",
    "binary_dummy": "Binary dummies — one 0/1 column per code (SPSS style)",
    "one_row_per_code": "Long — one row per respondent × code",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_ui.header("Export", "Files are built when you click, from the latest decisions.")
qid = _ui.question_id()
path = _ui.db_path()
screen = export.export_screen(qid, db_path=path)
project, coded = screen["project"], screen["coded"]
if not coded:
    st.info("Nothing to export yet: code a question of this project first.", icon=":material/info:")
    st.stop()


def filename(fmt: str, what: str = "coded") -> str:
    return export.export_filename(project["name"], fmt, what)


st.subheader("Coded responses", anchor=False)
chosen = st.multiselect("Questions", list(coded), default=[qid] if qid in coded else list(coded)[:1],
                        format_func=lambda q: (coded[q]["text"] or "(no question text)")[:80], key="export_questions")
layout = st.radio("Layout", list(export.LAYOUTS), format_func=lambda k: LAYOUT_LABELS.get(k, k),
                  key="export_layout")
o = st.columns(5)
options = dict(
    include_categories=o[0].checkbox("Categories", value=True, key="export_categories"),
    include_sentiment=o[1].checkbox("Sentiment", value=True, key="export_sentiment"),
    include_confidence=o[2].checkbox("Confidence", value=True, key="export_confidence"),
    include_demographics=o[3].checkbox("Respondent attributes", value=True, key="export_demographics"),
    include_code_dictionary=o[4].checkbox("Code dictionary sheet", value=True, key="export_dictionary"),
)


def coded_file(fmt: str) -> bytes:
    content, _name, _media = export.export_file(project["id"], fmt=fmt, layout=layout, question_ids=chosen,
                                                db_path=path, bom=True, **options)
    return content


# on_click="ignore": a download does not rerun the page, so the other buttons stay live for the next click.
d = st.columns(4)
d[0].download_button("CSV", lambda: coded_file("csv"), filename("csv"), "text/csv",
                     icon=":material/table:", disabled=not chosen, key="export_csv", width="stretch", on_click="ignore")
d[1].download_button("Excel (.xlsx)", lambda: coded_file("xlsx"), filename("xlsx"), XLSX, type="primary",
                     icon=":material/grid_on:", disabled=not chosen, key="export_xlsx", width="stretch",
                     on_click="ignore")
d[2].download_button("SPSS (.sav)", lambda: coded_file("sav"), filename("sav"), "application/octet-stream",
                     icon=":material/analytics:", disabled=not chosen, key="export_sav", width="stretch",
                     on_click="ignore")
d[3].download_button("Results (JSON)", lambda: export.result_json(qid, db_path=path), filename("json", "results"),
                     "application/json", icon=":material/data_object:", key="export_json",
                     width="stretch", on_click="ignore", help="The current question in the API's result envelope")
st.caption("SPSS files always use one 0/1 variable per code (labelled No/Yes) plus the respondent id.")
if chosen and st.toggle("Preview the first rows", key="export_preview"):
    preview, err = _ui.call(export.export_preview, project["id"], chosen, layout=layout, db_path=path, **options)
    if not err:
        st.dataframe(preview, hide_index=True)

st.subheader("Codebook, review log and suggestions", anchor=False)
st.caption("For the current question.")


e = st.columns(4)
e[0].download_button("Codebook (JSON)", lambda: codebooks.codebook_file(qid, "json", db_path=path),
                     filename("json", "codebook"), "application/json", icon=":material/menu_book:",
                     key="export_cb_json", width="stretch", on_click="ignore", disabled=qid not in coded)
e[1].download_button("Codebook (CSV)", lambda: codebooks.codebook_file(qid, "csv", db_path=path),
                     filename("csv", "codebook"), "text/csv", icon=":material/menu_book:", key="export_cb_csv",
                     width="stretch", on_click="ignore", disabled=qid not in coded)
e[2].download_button("Review log (CSV)", lambda: export.review_log_csv(qid, db_path=path),
                     filename("csv", "review_log"), "text/csv", icon=":material/fact_check:",
                     key="export_review_log", width="stretch", on_click="ignore")
e[3].download_button("Suggestions (XLSX)", lambda: export.suggestions_xlsx(qid, db_path=path),
                     filename("xlsx", "suggestions"), XLSX, icon=":material/auto_fix_high:",
                     key="export_suggestions", width="stretch", on_click="ignore")
