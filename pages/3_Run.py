"""Run: code the current question — inline when it is small, as a background job otherwise (the service decides)."""

import streamlit as st

from pages import _ui
from pages._ui import md
from surveycoder_core import service
from surveycoder_core.service import jobs as service_jobs
from surveycoder_core.service import runs

STAGE_LABELS = {
    "queued": "Waiting for the worker",
    "codebook": "Building the codebook",
    "coding": "Coding responses",
    "review": "Flagging responses for review",
    "completed": "Done",
    "failed": "Stopped",
}

_ui.header("Run", "Build the codebook, code every response and flag what a human should look at.")
qid = _ui.question_id()
path = _ui.db_path()
service.ensure_worker(path)  # picks up queued jobs again after a server restart


def progress_bar():
    """A progress bar and the (stage, done, total) callback that moves it."""
    bar = st.progress(0.0, text="Starting…")

    def progress(stage: str, done: int, total: int) -> None:
        label = STAGE_LABELS.get(stage, stage)
        bar.progress(min(1.0, done / total) if total else 0.0, text=f"{label} — {done:,} of {total:,}")

    return progress


def start(as_job: bool) -> None:
    out, err = _ui.call(service.start_coding, qid, db_path=path, actor=_ui.actor(),
                        progress=None if as_job else progress_bar())
    if not err:
        if out["job_id"] is None:
            _ui.flash("Coding finished.")
        st.rerun()


@st.fragment(run_every=1.0)
def job_panel(job_id: str) -> None:
    job = service_jobs.get_job(job_id, org_id=None, with_result=False, db_path=path)
    if job.status in ("completed", "failed"):
        st.rerun(scope="app")
    stage = STAGE_LABELS.get(job.stage or job.status, job.stage)
    p = job.progress
    st.progress(p.percentage / 100, text=f"{stage} — {p.processed:,} of {p.total:,} responses ({p.percentage}%)")
    st.caption(f"Background job {job.id} · started {job.created_at[11:19]} UTC · you can leave this page, "
               "refresh or open another tab: the job keeps running.")
    if st.button("Cancel", icon=":material/stop_circle:", key="cancel_job"):
        _ui.call(service_jobs.cancel_job, job_id, org_id=None, actor=_ui.actor(), db_path=path)
        st.toast("Cancelling after the current batch…")


status = runs.run_status(qid, db_path=path)
question, summary, last, pending = status["question"], status["summary"], status["last_job"], status["pending"]

_ui.show_flash()
st.subheader(md(question["text"] or "(no question text)"), anchor=False)
m = st.columns(5)
m[0].metric("Responses", f"{summary['response_count']:,}")
m[1].metric("Coded", f"{summary['coded']:,}")
m[2].metric("Uncoded", f"{summary['uncoded']:,}")
m[3].metric("Codes", summary["code_count"])
m[4].metric("Credits used", f"{int(question['credits_used']):,}")

if status["running_job_id"]:
    job_panel(status["running_job_id"])
    st.stop()

if last is not None and last.status == "failed" and last.error is not None:
    st.warning(f"The last run stopped: {last.error.message}", icon=":material/warning:")

def draft() -> None:
    n, err = _ui.call(service.draft_codebook, qid, db_path=path, progress=progress_bar(), actor=_ui.actor())
    if not err:
        _ui.flash(f"Drafted {n} codes. Check them on the Codebook page, then start coding.")
        st.rerun()


if pending:
    mode = "in the background" if status["as_job"] else "right here"
    st.write(f"**{pending:,}** distinct responses are waiting to be coded ({mode}; one credit each).")
    drafted = summary["code_count"] > 0 and summary["coded"] == 0
    if drafted:
        st.info(f"The codebook is drafted ({summary['code_count']} codes) and nothing is coded yet: check, rename, "
                "merge or add codes on the Codebook page, then start coding.", icon=":material/edit_note:")
    b = st.columns([1, 1, 3])
    if st.session_state.pop("autostart", None) == qid or b[0].button(
            "Start coding", type="primary", icon=":material/play_arrow:", key="start_coding"):
        start(status["as_job"])
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
