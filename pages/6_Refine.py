"""Refine: the engine's suggestions for a better codebook — apply, redirect, merge, dismiss, undo."""

import streamlit as st

from pages import _ui
from pages._ui import md
from surveycoder_core.service import refinement as refine

_ui.header("Refine", "New codes for what the codebook misses, merges of near-duplicates, better definitions.")
qid = _ui.question_id()
_ui.question_caption(qid)
_ui.show_flash()


def run(fn, *args, done: str = "Done.", **kwargs) -> None:
    out, err = _ui.call(fn, qid, *args, actor=_ui.actor(), db_path=_ui.db_path(), **kwargs)
    if not err:
        _ui.flash(done)
        st.rerun()


screen = refine.refinement_screen(qid, db_path=_ui.db_path())
codes, every = screen["codes"], screen["suggestions"]
pending = sorted((s for s in every if s["status"] == "pending"), key=lambda s: -(s["confidence"] or 0))
if not codes:
    st.info("This question is not coded yet.", icon=":material/info:")
    st.stop()

top = st.columns([2, 2, 3], vertical_alignment="bottom")
label = "Look for suggestions again" if every else "Find suggestions"
if top[0].button(label, type="primary" if not pending else "secondary", icon=":material/search:", key="refine_find"):
    with st.spinner("Looking for themes the codebook misses…"):
        _, err = _ui.call(refine.find_suggestions, qid, force=bool(every), actor=_ui.actor(), db_path=_ui.db_path())
    if not err:
        st.rerun()
top[1].metric("Pending suggestions", len(pending))
with top[2].container(border=True):
    threshold = st.slider("Apply every pending suggestion with confidence at least", 0.5, 1.0, 0.8, 0.05,
                          key="refine_threshold")
    if st.button("Apply all above the threshold", icon=":material/done_all:", key="refine_bulk",
                 disabled=not pending):
        applied, err = _ui.call(refine.bulk_apply_all, qid, min_confidence=threshold, actor=_ui.actor(),
                                db_path=_ui.db_path())
        if not err:
            _ui.flash(f"Applied {applied} suggestion(s) with confidence ≥ {threshold:.2f}.")
            st.rerun()


def title(s: dict) -> str:
    return md(refine.suggestion_title(s))  # names are untrusted: escaped for markdown


if not pending:
    st.info("No pending suggestions. Find suggestions after coding, and again after big edits.",
            icon=":material/lightbulb:")
for s in pending:
    sid = s["id"]
    with st.container(border=True, key=f"suggestion_{sid}"):
        head = st.columns([5, 1, 1], vertical_alignment="center")
        head[0].markdown(f":blue-badge[{refine.KINDS.get(s['type'], s['type'])}] **{title(s)}**")
        head[1].metric("Confidence", f"{s['confidence']:.0%}")
        head[2].metric("Responses", s["affected_count"])
        if s.get("rationale"):
            st.caption(md(s["rationale"]))
        if s.get("definition") and s["type"] in ("new_code", "split", "definition_update"):
            st.caption("Definition: " + md(s["definition"]))
        with st.container(key=f"examples_{sid}"):
            for ex in (s.get("example_responses") or [])[:3]:
                st.text("“" + str(ex.get("text", ex) if isinstance(ex, dict) else ex) + "”")
        act = st.columns([1.3, 2, 1.3, 3], vertical_alignment="bottom")
        verb = {"create_new": "Create the code", "assign_existing": "Apply", "merge": "Merge"}.get(s["action"], "Apply")
        if act[0].button(verb, type="primary", key=f"apply_{sid}", icon=":material/check:"):
            run(refine.apply_suggestion, sid, done=f"Applied: {title(s)}.")
        with act[1].popover("Assign to an existing code", icon=":material/call_merge:"):
            target = st.selectbox("Code", list(codes), format_func=lambda c: codes[c]["name"], key=f"target_{sid}")
            if st.button("Assign", key=f"assign_{sid}"):
                run(refine.resolve_suggestion, sid, "assign_existing", target_code_id=target,
                    done=f"Assigned {s['affected_count']} responses to “{md(codes[target]['name'])}”.")
        with act[2].popover("Dismiss", icon=":material/close:"):
            reason = st.text_input("Why? (kept in the log)", key=f"reason_{sid}", placeholder="Not a real theme")
            if st.button("Dismiss suggestion", key=f"dismiss_{sid}"):
                run(refine.resolve_suggestion, sid, "dismiss", dismiss_reason=reason or None, done="Dismissed.")

resolved = [s for s in every if s["status"] != "pending" and s.get("dismiss_reason") != "superseded"]
if resolved:
    with st.expander(f"Resolved ({len(resolved)})", expanded=False):
        for s in reversed(resolved):
            row = st.columns([6, 2, 1], vertical_alignment="center")
            row[0].markdown(f"{title(s)}")
            row[1].caption(f"{s['status']} by {md(s['resolved_by'] or '?')}"
                           + (f" — {md(s['dismiss_reason'])}" if s.get("dismiss_reason") else ""))
            if row[2].button("Undo", key=f"undo_{s['id']}", icon=":material/undo:"):
                run(refine.undo_suggestion, s["id"], done="Undone: the suggestion is pending again.")
