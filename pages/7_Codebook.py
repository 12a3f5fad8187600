"""Codebook: rename, edit, move, merge, split, add and delete codes; history with undo; import/export."""

import pandas as pd
import streamlit as st

from pages import _ui
from surveycoder_core.db import codebooks, store
from surveycoder_core.db import undo as history
from surveycoder_core.db.responses import code_counts
from surveycoder_core.io import codebook_files
from surveycoder_core.refinement import edits
from surveycoder_core.schemas import SENTIMENTS
from surveycoder_core.service import app_reads as appstate

_ui.header("Codebook", "Every change is versioned and can be undone from the history below.")
qid = _ui.question_id()
_ui.question_caption(qid)
_ui.show_flash()
NEW_CAT = "＋ New category…"


def change(fn, *args, done: str, **kwargs) -> bool:
    out, err = _ui.db_call(fn, qid, *args, actor=_ui.actor(), **kwargs)
    if not err:
        _ui.flash(done)
    return err is None


with store.session(_ui.db_path()) as db:
    cats = codebooks.load_codebook(db, qid)
    freq = code_counts(db, qid)
    events = history.history(db, qid, limit=40)
codes = {c["id"]: dict(c, category=cat["name"]) for cat in cats for c in cat["codes"]}
cat_names = [c["name"] for c in cats]

if codes:
    table = pd.DataFrame([{"#": c["code_number"], "Category": c["category"], "Code": c["name"],
                           "Sentiment": c["sentiment"], "Responses": freq.get(cid, 0),
                           "Definition": c["definition"] or "",
                           "Examples": "  ·  ".join(c["examples"][:3])} for cid, c in codes.items()])
    st.dataframe(table, hide_index=True, height=min(600, 40 + 35 * len(table)),
                 column_config={"Definition": st.column_config.TextColumn(width="large"),
                                "Examples": st.column_config.TextColumn(width="large")})
    cid = st.selectbox("Code to change", list(codes), key="cb_code",
                       format_func=lambda c: f"{codes[c]['name']}  ·  {codes[c]['category']}")
    code = codes[cid]
    t_edit, t_merge, t_split, t_delete = st.tabs(["Edit", "Merge", "Split", "Delete"])
    with t_edit:
        name = st.text_input("Name", value=code["name"], key=f"cb_name_{cid}")
        definition = st.text_area("Definition", value=code["definition"] or "", key=f"cb_def_{cid}", height=80)
        c1, c2, c3 = st.columns(3)
        sentiment = c1.selectbox("Expected sentiment", SENTIMENTS, index=SENTIMENTS.index(code["sentiment"]),
                                 key=f"cb_sent_{cid}")
        category = c2.selectbox("Category", cat_names + [NEW_CAT], index=cat_names.index(code["category"]),
                                key=f"cb_cat_{cid}")
        if category == NEW_CAT:
            category = c3.text_input("New category name", key=f"cb_newcat_{cid}")
        if st.button("Save changes", type="primary", key="cb_save", icon=":material/save:"):
            ok = True
            if name.strip() != code["name"]:
                ok = change(edits.rename_code, cid, name, done=f"Renamed to “{appstate.md(name.strip())}”.")
            if ok and (definition != (code["definition"] or "") or sentiment != code["sentiment"]
                       or (category and category != code["category"])):
                ok = change(edits.update_code, cid, definition=definition, sentiment=sentiment,
                            category=category if category and category != code["category"] else None,
                            done="Saved.")
            if ok:
                st.rerun()
    with t_merge:
        others = [c for c in codes if c != cid]
        target = st.selectbox("Merge into", others, format_func=lambda c: codes[c]["name"], key="cb_merge_target")
        st.caption(f"All {freq.get(cid, 0)} responses with this code get the target code; this code disappears.")
        if st.button("Merge", key="cb_merge", disabled=not others) and change(
                edits.merge_codes, cid, target, done="Merged."):
            st.rerun()
    with t_split:
        with store.session(_ui.db_path()) as db:
            holders = appstate.responses_with_code(db, qid, cid)
        labels = {h["id"]: f"{h['respondent_id']} — {h['text'][:90]}" for h in holders}
        picked = st.multiselect("Responses to move", list(labels), format_func=labels.__getitem__, key="cb_split_rows")
        new_name = st.text_input("New code name", key="cb_split_name")
        if st.button("Split off", key="cb_split", disabled=not picked or not new_name.strip()) and change(
                edits.split_code, cid, new_name=new_name, response_ids=picked,
                done=f"Moved {len(picked)} responses to “{appstate.md(new_name.strip())}”."):
            st.rerun()
    with t_delete:
        st.caption(f"Removes the code from {freq.get(cid, 0)} responses (you can undo it from the history).")
        sure = st.checkbox("Yes, delete this code", key=f"cb_sure_{cid}")
        if st.button("Delete code", key="cb_delete", disabled=not sure) and change(
                edits.delete_code, cid, done="Deleted."):
            st.rerun()
else:
    st.info("No codebook yet: code the question or import one below.", icon=":material/info:")

left, right = st.columns(2)
with left.expander("Add a code"):
    a_name = st.text_input("Name", key="cb_add_name")
    a_cat = st.selectbox("Category", cat_names + [NEW_CAT], key="cb_add_cat") if cat_names else NEW_CAT
    if a_cat == NEW_CAT:
        a_cat = st.text_input("Category name", value="General", key="cb_add_newcat")
    a_def = st.text_input("Definition", key="cb_add_def")
    a_sent = st.selectbox("Expected sentiment", SENTIMENTS, index=2, key="cb_add_sent")
    if st.button("Add code", key="cb_add", disabled=not a_name.strip()) and change(
            edits.add_code, name=a_name, category=a_cat, definition=a_def or None, sentiment=a_sent,
            done=f"Added “{appstate.md(a_name.strip())}”."):
        st.rerun()
with right.expander("Rename a category"):
    if cats:
        cat_ids = {c["id"]: c["name"] for c in cats}
        r_cat = st.selectbox("Category", list(cat_ids), format_func=cat_ids.__getitem__, key="cb_rcat")
        r_name = st.text_input("New name", key="cb_rcat_name")
        if st.button("Rename category", key="cb_rcat_go", disabled=not r_name.strip()) and change(
                edits.rename_category, r_cat, r_name, done="Category renamed."):
            st.rerun()

st.subheader("History", anchor=False)
undoable = [e for e in events if e["undoable"]]
if st.button("Undo the last change", icon=":material/undo:", key="cb_undo_last", disabled=not undoable):
    out, err = _ui.db_call(history.undo_last, qid, _ui.actor())
    if not err:
        _ui.flash("Undone.")
        st.rerun()
for e in events[:15]:
    row = st.columns([2, 2, 6, 1], vertical_alignment="center")
    row[0].caption(e["created_at"].replace("T", " ").rstrip("Z"))
    row[1].caption(appstate.md(e["actor"]))
    row[2].text(appstate.describe_event(e) + ("  (undone)" if e["undone_by"] else ""))
    if e["undoable"] and row[3].button("Undo", key=f"cb_undo_{e['id']}"):
        out, err = _ui.db_call(history.undo_event, e["id"], _ui.actor())
        if not err:
            _ui.flash("Undone.")
            st.rerun()

st.subheader("Import and export", anchor=False)
c1, c2 = st.columns(2)
if codes:
    with store.session(_ui.db_path()) as db:
        cb = codebooks.codebook_as_request(db, qid)
    d1, d2 = c1.columns(2)
    d1.download_button("Codebook (JSON)", cb.model_dump_json(indent=2), "codebook.json", "application/json",
                       icon=":material/download:", key="cb_dl_json")
    d2.download_button("Codebook (CSV)", appstate.codebook_csv(cb), "codebook.csv", "text/csv",
                       icon=":material/download:", key="cb_dl_csv")
up = c2.file_uploader("Import a codebook (JSON, CSV or XLSX) — new codes are added, existing ones kept",
                      type=["json", "csv", "xlsx"], key="cb_import_file")
if up is not None and c2.button("Import codebook", key="cb_import"):
    cbin, err = _ui.call(codebook_files.read_codebook, up.getvalue(), up.name)
    if not err:
        out, err = _ui.db_call(appstate.import_codebook, qid, cbin, _ui.actor())
        if not err:
            _ui.flash(f"Imported {out['added']} new codes ({out['skipped']} already there).")
            st.rerun()
