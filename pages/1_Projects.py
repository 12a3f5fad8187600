"""Projects (home): every project and its questions; open, rename, delete; try the sample data."""

import pandas as pd
import streamlit as st

from pages import _ui
from pages._ui import md
from surveycoder_core.service import projects as workspace

STATUS_LABELS = {"pending": "Not coded yet", "codebook_ready": "Codebook ready", "coding": "Coding…",
                 "coded": "Coded"}

_ui.header("Projects", "Every project in this database — coded here or through the API.")
_ui.show_flash()


def try_sample() -> None:
    out, err = _ui.call(workspace.import_sample, db_path=_ui.db_path(), actor=_ui.actor())
    if err:
        return
    _ui.set_question(out["question_id"])
    st.session_state["autostart"] = out["question_id"]  # the Run page codes it straight away
    st.switch_page("pages/3_Run.py")


left, mid, right = st.columns([5, 2, 2], vertical_alignment="center")
left.write("New here? Load a ready-made survey of 150 broadband customers and see it coded in seconds.")
if mid.button("Try it with sample data", type="primary", icon=":material/science:", width="stretch"):
    try_sample()
if right.button("Upload a survey", icon=":material/upload_file:", width="stretch"):
    st.switch_page("pages/2_Upload.py")

all_projects = workspace.projects_overview(db_path=_ui.db_path())

if not all_projects:
    st.info("No projects yet. Upload a file or try the sample data.", icon=":material/info:")
    st.stop()


def open_question(qid: str, status: str) -> None:
    _ui.set_question(qid)
    st.switch_page("pages/4_Dashboard.py" if status == "coded" else "pages/3_Run.py")


for p in all_projects:
    pid = p["id"]
    with st.container(border=True, key=f"project_{pid}"):
        title, act1, act2 = st.columns([5, 1.2, 1.2], vertical_alignment="center")
        title.subheader(md(p["name"]), anchor=False)
        title.caption(f"Created {p['created_at'][:16].replace('T', ' ')} · source: {p['source']} · "
                      f"{len(p['questions'])} question(s)")
        with act1.popover("Rename", icon=":material/edit:", width="stretch"):
            new_name = st.text_input("New name", value=p["name"], key=f"rename_{pid}")
            if st.button("Save name", key=f"save_name_{pid}", type="primary"):
                _, err = _ui.call(workspace.rename_project, pid, new_name, actor=_ui.actor(),
                                  db_path=_ui.db_path())
                if not err:
                    _ui.flash(f"Renamed to “{md(' '.join(new_name.split()))}”.")
                    st.rerun()
        if act2.button("Delete", key=f"delete_{pid}", icon=":material/delete:", width="stretch"):
            st.session_state["confirm_delete"] = pid
        if st.session_state.get("confirm_delete") == pid:
            st.warning(f"Delete “{md(p['name'])}” with all its questions, codes and reviews? "
                       "This cannot be undone.")
            c1, c2, _ = st.columns([1, 1, 4])
            if c1.button("Yes, delete it", key=f"confirm_delete_{pid}", type="primary"):
                _, err = _ui.call(workspace.delete_project, pid, actor=_ui.actor(), db_path=_ui.db_path())
                st.session_state.pop("confirm_delete", None)
                if not err:
                    _ui.flash(f"Deleted “{md(p['name'])}”.")
                    st.rerun()
            if c2.button("Cancel", key=f"cancel_delete_{pid}"):
                st.session_state.pop("confirm_delete", None)
                st.rerun()
        if not p["questions"]:
            st.caption("No questions in this project.")
        for q in p["questions"]:
            qid = q["id"]
            status = "Coding…" if q["running"] else STATUS_LABELS.get(q["status"], q["status"])
            codable = q["response_count"] - q["no_data"]
            cols = st.columns([5, 2, 2, 1], vertical_alignment="center")
            cols[0].text(q["text"] or "(no question text)")
            cols[1].caption(f"**{q['response_count']:,}** responses · **{q['code_count']}** codes  \n{status}")
            reviewed = q["reviewed"]
            cols[2].progress(min(1.0, reviewed / codable) if codable else 0.0,
                             text=f"{reviewed:,} of {codable:,} reviewed · {q['flagged']:,} flagged")
            if cols[3].button("Open", key=f"open_{qid}", type="secondary", icon=":material/arrow_forward:",
                              width="stretch"):
                open_question(qid, q["status"])

with st.expander("All questions as a table"):
    table = pd.DataFrame([{"project": p["name"], "question": q["text"], "responses": q["response_count"],
                           "coded": q["coded"], "uncoded": q["uncoded"], "flagged": q["flagged"],
                           "reviewed": q["reviewed"], "codes": q["code_count"], "status": q["status"]}
                          for p in all_projects for q in p["questions"]])
    st.dataframe(table, hide_index=True)
