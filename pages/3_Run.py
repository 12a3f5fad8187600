"""Run: code the current question — inline under 50 responses, as a background job from 50."""

import streamlit as st

from pages import _ui
from surveycoder_core import service
from surveycoder_core.db import projects, store
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.service import app_reads as appstate

_ui.header("Run", "Build the codebook, code every response and flag what a human should look at.")
qid = _ui.question_id()
path = _ui.db_path()
jobs.ensure_worker(path)  # picks up queued jobs again after a server restart


def progress_bar():
    """A progress bar and the (stage, done, total) callback that moves it."""
    bar = st.progress(0.0, text="Starting…")

    def progress(stage: str, done: int, total: int) -> None:
        label = appstate.STAGE_LABELS.get(stage, stage)
        bar.progress(min(1.0, done / total) if total else 0.0, text=f"{label} — {done:,} of {total:,}")

    return progress


def start() -> None:
    with store.session(path) as db:
        as_job = appstate.runs_as_job(db, qid)
    if as_job:
        _, err = _ui.call(service.start_question_job, qid, db_path=path, actor=_ui.actor())
        if not err:
            st.rerun()
        return
    _, err = _ui.call(service.code_question, qid, db_path=path, progress=progress_bar(), actor=_ui.actor())
    if not err:
        _ui.flash("Coding finished.")
        st.rerun()


@st.fragment(run_every=1.0)
def job_panel(job_id: str) -> None:
    with store.session(path) as db:
        job = jobs.get_job(db, job_id, with_result=False)
    if job.status in ("completed", "failed"):
        st.rerun(scope="app")
    stage = appstate.STAGE_LABELS.get(job.stage or job.status, job.stage)
    p = job.progress
    st.progress(p.percentage / 100, text=f"{stage} — {p.processed:,} of {p.total:,} responses ({p.percentage}%)")
    st.caption(f"Background job {job.id} · started {job.created_at[11:19]} UTC · you can leave this page, "
               "refresh or open another tab: the job keeps running.")
    if st.button("Cancel", icon=":material/stop_circle:", key="cancel_job"):
        _ui.db_call(jobs.cancel_job, job_id, actor=_ui.actor())
        st.toast("Cancelling after the current batch…")


with store.session(path) as db:
    question = projects.get_question(db, qid)
    summary = projects.question_summary(db, qid)
    running = jobs.running_job_for(db, qid)
    last = appstate.latest_job(db, qid)
    pending = appstate.pending_count(db, qid)

_ui.show_flash()
st.subheader(appstate.md(question["text"] or "(no question text)"), anchor=False)
m = st.columns(5)
m[0].metric("Responses", f"{summary['response_count']:,}")
m[1].metric("Coded", f"{summary['coded']:,}")
m[2].metric("Uncoded", f"{summary['uncoded']:,}")
m[3].metric("Codes", summary["code_count"])
m[4].metric("Credits used", f"{int(question['credits_used']):,}")

if running:
    job_panel(running["id"])
    st.stop()

if last is not None and last.status == "failed" and last.error is not None:
    st.warning(f"The last run stopped: {last.error.message}", icon=":material/warning:")

def draft() -> None:
    n, err = _ui.call(service.draft_codebook, qid, db_path=path, progress=progress_bar(), actor=_ui.actor())
    if not err:
        _ui.flash(f"Drafted {n} codes. Check them on the Codebook page, then start coding.")
        st.rerun()


if pending:
    mode = "in the background" if pending >= 50 else "right here"
    st.write(f"**{pending:,}** distinct responses are waiting to be coded ({mode}; one credit each).")
    drafted = summary["code_count"] > 0 and summary["coded"] == 0
    if drafted:
        st.info(f"The codebook is drafted ({summary['code_count']} codes) and nothing is coded yet: check, rename, "
                "merge or add codes on the Codebook page, then start coding.", icon=":material/edit_note:")
    b = st.columns([1, 1, 3])
    if st.session_state.pop("autostart", None) == qid or b[0].button(
            "Start coding", type="primary", icon=":material/play_arrow:", key="start_coding"):
        start()
    if drafted:
        if b[1].button("Open the codebook", icon=":material/list_alt:", key="open_codebook"):
            st.switch_page("pages/7_Codebook.py")
        st.subheader("The drafted codebook")
        _ui.codebook_table(service.codebook_overview(qid, db_path=path))
    elif summary["code_count"] == 0 and b[1].button(
            "Draft the codebook first", icon=":material/edit_note:", key="draft_codebook",
            help="Build the codes from the answers (free), check and edit them, and only then code."):
        draft()
else:
    st.success("Every response of this question is coded.", icon=":material/task_alt:")
    c1, c2, c3, _ = st.columns([1, 1, 1, 2])
    if c1.button("Open the dashboard", type="primary", icon=":material/bar_chart:"):
        st.switch_page("pages/4_Dashboard.py")
    if c2.button(f"Review {summary['flagged']:,} flagged", icon=":material/fact_check:"):
        st.switch_page("pages/5_Review.py")
    if c3.button("Refine the codebook", icon=":material/auto_fix_high:"):
        st.switch_page("pages/6_Refine.py")
    st.subheader("The codebook")
    _ui.codebook_table(service.codebook_overview(qid, db_path=path))
