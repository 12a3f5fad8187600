"""Upload: a table of verbatims (CSV, XLSX, SPSS .sav, JSON) into a new or existing project."""

from pathlib import Path

import streamlit as st

from pages import _ui
from pages._coded_wave import coded_wave_codebook
from surveycoder_core import service
from surveycoder_core.db import codebooks, store
from surveycoder_core.errors import SurveyCoderError
from surveycoder_core.io import codebook_files
from surveycoder_core.io import readers as imports
from surveycoder_core.service import app_reads as appstate

_ui.header("Upload", "CSV (any encoding or delimiter), Excel .xlsx, SPSS .sav, or a JSON request as the API takes.")
upload = st.file_uploader("Survey file", type=["csv", "tsv", "txt", "xlsx", "sav", "json"], key="upload_file")
if upload is None:
    st.caption("One row per respondent: an id column, the verbatim column, and any other columns (region, age, "
               "NPS…) which are kept as respondent attributes for filters, crosstabs and exports.")
    st.stop()

data, name = upload.getvalue(), upload.name
request = None
try:
    if name.lower().endswith(".json"):
        try:
            request = codebook_files.read_request_json(data)
        except SurveyCoderError:
            request = None  # a plain list of records: read it as a table below
    table = imports.read_table(data, name)
    if len(table.sheets) > 1:
        sheet = st.selectbox("Sheet", table.sheets, key="upload_sheet")
        table = imports.read_table(data, name, sheet)
except SurveyCoderError as err:
    st.error(f"This file cannot be read: {appstate.md(err.message)}", icon=":material/error:")
    st.stop()

frame = table.frame
details = [f"{len(frame):,} rows", f"{len(frame.columns)} columns"]
if table.encoding:
    details.append(f"encoding {table.encoding}")
if table.delimiter:
    details.append("delimiter " + {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
        table.delimiter, repr(table.delimiter)))
st.caption(" · ".join(details))
for w in table.warnings:
    st.warning(appstate.md(w), icon=":material/warning:")
st.dataframe(frame.head(200), hide_index=True, height=240)

columns = [str(c) for c in frame.columns]
guess_id, guess_text = imports.guess_columns(frame)
NO_ID = "(number the rows 1, 2, 3…)"
c1, c2 = st.columns(2)
id_col = c1.selectbox("Respondent id column", [NO_ID, *columns],
                      index=columns.index(guess_id) + 1 if guess_id in columns else 0, key="upload_id_column")
text_col = c2.selectbox("Verbatim (text) column", columns,
                        index=columns.index(guess_text) if guess_text in columns else 0, key="upload_text_column")
kept = [c for c in columns if c not in (id_col, text_col)]
st.caption("Kept as respondent attributes: " + (appstate.md(", ".join(kept)) if kept else "none"))

with store.session(_ui.db_path()) as db:
    choices = appstate.question_choices(db)
    projects = appstate.project_choices(db)
st.subheader("Question", anchor=False)
c1, c2 = st.columns(2)
target = c1.radio("Project", ["New project", "Add to an existing project"], horizontal=True,
                  disabled=not projects, key="upload_target")
if target == "New project":
    project_name = c1.text_input("Project name", value=(request.project_name if request and request.project_name
                                                        else Path(name).stem.replace("_", " ")), key="upload_project")
    project_id = None
else:
    project_id = c1.selectbox("Existing project", list(projects), format_func=projects.__getitem__)
    project_name = projects[project_id]
question_text = c2.text_input("Question text", value=(request.question_text or "") if request else "",
                              placeholder="What is the main reason for your score?", key="upload_question")
coding_types = ["qualitative", "qualitative_topics", "entity"]
coding_type = c2.selectbox("Coding type", coding_types, key="upload_coding_type",
                           index=coding_types.index(request.coding_type) if request else 0,
                           format_func={"qualitative": "Themes with sentiment", "entity": "Brands / entities",
                                        "qualitative_topics": "Topics only (no sentiment)"}.__getitem__)
language = c2.text_input("Language (ISO code)", value=request.language if request else "en", max_chars=8)

st.subheader("Codebook", anchor=False)
reusable = {c["question_id"]: f"{c['project']} — {c['question'][:60]} ({c['codes']} codes)"
            for c in choices if c["codes"]}
WAVE = "Learn from a coded earlier wave (its codes and coded answers)"
sources = ["Build one from the responses", WAVE, "Import a codebook file"] + (
    ["Reuse an earlier question's codebook (next wave)"] if reusable else [])
if request and request.codebook:
    sources.insert(0, "Use the codebook in the JSON file")
source = st.radio("Codebook", sources, key="upload_codebook_source", label_visibility="collapsed")
codebook = None
if source.startswith("Use the codebook"):
    codebook = request.codebook
elif source.startswith("Import"):
    cb_file = st.file_uploader("Codebook file (JSON as the API takes, or CSV/XLSX with category and code columns)",
                               type=["json", "csv", "xlsx"], key="upload_codebook_file")
    if cb_file is not None:
        codebook, err = _ui.call(codebook_files.read_codebook, cb_file.getvalue(), cb_file.name)
elif source == WAVE:
    codebook = coded_wave_codebook()
elif source.startswith("Reuse"):
    earlier = st.selectbox("Earlier question", list(reusable), format_func=reusable.__getitem__)
    with store.session(_ui.db_path()) as db:
        codebook = codebooks.codebook_as_request(db, earlier, with_training=True)
if codebook is not None:
    taught = sum(len(code.examples) for cat in codebook.categories for code in cat.codes)
    st.caption(f"Codebook: {codebook.code_count()} codes in {len(codebook.categories)} categories"
               + (f", {taught:,} training examples" if taught else "")
               + " — responses are coded against it; new themes become refinement suggestions.")
    with st.expander("Preview the codebook", icon=":material/visibility:"):
        st.dataframe(codebook_files.codebook_preview(codebook), hide_index=True,
                     column_config={"definition": st.column_config.TextColumn("definition", width="large")})

if st.button("Import responses", type="primary", icon=":material/upload:", key="upload_import"):
    converted, err = _ui.call(imports.table_to_responses, frame, None if id_col == NO_ID else id_col, text_col)
    if not err:
        responses, _warnings = converted
        with st.spinner(f"Importing {len(responses):,} responses…"):
            out, err = _ui.call(service.import_question, db_path=_ui.db_path(), responses=responses,
                                project_name=project_name, question_text=question_text,
                                coding_type=coding_type, language=language or "en", codebook=codebook,
                                project_id=project_id, actor=_ui.actor())
    if not err:
        _ui.set_question(out["question_id"])
        note = f" ({out['no_data']} empty or junk answers will not be coded)" if out["no_data"] else ""
        if out["truncated"]:
            note += (f"; {out['truncated']} answers over 2,000 characters will be coded on their first 2,000 and "
                     "flagged for review (their whole text is kept)")
        _ui.flash(f"Imported {out['responses']:,} responses, {out['unique']:,} distinct{note}.")
        st.switch_page("pages/3_Run.py")
