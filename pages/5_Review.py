"""Review: flagged responses one at a time — accept, correct codes and sentiment, mark reviewed."""

import streamlit as st

from pages import _ui
from pages._ui import md
from surveycoder_core import service
from surveycoder_core.errors import SurveyCoderError
from surveycoder_core.schemas import REVIEW_REASONS, SENTIMENTS
from surveycoder_core.service import review as reviews

REASON_LABELS = {
    "competing_aspects": "Competing aspects",
    "low_confidence": "Low confidence",
    "no_code_fit": "No code fits",
    "mixed_sentiment": "Mixed sentiment",
    "too_long_truncated": "Too long (cut)",
    "possible_duplicate_conflict": "Duplicate conflict",
    "uncoded": "Uncoded",
}

_ui.header("Review", "Check what the engine was unsure about. Every decision teaches the next run.")
qid = _ui.question_id()
_ui.question_caption(qid)
_ui.show_flash()
if msg := st.session_state.pop("stale_message", None):
    st.warning(f"Someone else changed this response while you were looking at it: {msg} It has been reloaded "
               "with their decision; nothing was overwritten.", icon=":material/sync_problem:")

mode = st.columns([3, 2], vertical_alignment="center")
SCOPES = ["Flagged responses", "Teach the engine", f"Random audit sample ({reviews.AUDIT_SIZE})"]
scope = mode[0].radio(
    "Queue", SCOPES, horizontal=True, key="review_scope",
    help="Teach the engine: the answers it learns most from first (uncertain ones, of codes with few examples, "
         "unlike each other and what you reviewed). The audit sample is drawn from every response, flagged or "
         "not (the same for every reviewer): agreement on it measures the engine on the whole question.")
audit, teach = scope == SCOPES[2], scope == SCOPES[1]
blind = mode[1].toggle("Blind review", key="review_blind",
                       help="Hide the engine's codes, flag reason and candidates, so your codes are your own.")

screen = reviews.review_screen(qid, audit=audit, db_path=_ui.db_path())
codes, progress, agree, estimate = screen["codes"], screen["progress"], screen["agreement"], screen["estimate"]
if not codes:
    st.info("This question is not coded yet.", icon=":material/info:")
    st.stop()

m = st.columns([2, 1, 1, 1, 1])
if audit:
    n_sample = agree["sample_size"]
    m[0].progress(agree["n"] / n_sample if n_sample else 1.0,
                  text=f"**{agree['n']} of {n_sample} audited** · {progress['reviewed']} reviewed in all")
else:
    done, flagged = progress["reviewed_flagged"], progress["flagged"]
    m[0].progress(done / flagged if flagged else 1.0, text=f"**{done} of {flagged} flagged reviewed** "
                  f"· {progress['reviewed']} reviewed in all")
f1 = agree.get("micro_f1")
m[1].metric("Audit F1" if audit else "Engine–reviewer F1", "–" if f1 is None else f"{f1:.2f}",
            help=f"{agree['n']} reviewed responses; benchmark {agree.get('benchmark_f1', 0.75)}")
kappa, alpha = agree.get("kappa"), agree.get("alpha")
m[2].metric("Cohen's κ", "–" if kappa is None else f"{kappa:.2f}",
            help="Krippendorff's α: " + ("–" if alpha is None else f"{alpha:.2f}")
            + " (both over every response × code cell, the engine counted as a coder)")
m[3].metric("Reviewed", f"{agree['n']}", help=None if agree["sufficient"] else agree.get("message"))
shown = estimate.get("estimated_agreement") if estimate else None
m[4].metric("Estimated agreement", "–" if shown is None else f"{shown:.2f}",
            help="Micro-F1 the engine is expected to reach with people on the answers it coded in its last run: "
                 "measured by cross-validation on the human-coded answers (each held out in turn, coded by a model "
                 "trained on the others). "
                 + (f"{estimate.get('training_answers', 0):,} human-coded examples." if estimate else
                    "Appears after a recode that learnt from human-coded answers."))
if not agree["sufficient"]:
    st.caption(f"Agreement: {agree.get('message', 'insufficient data')}.")

def widget_key(rid: int, version: int, blind: bool) -> str:
    # Blind and open review are separate widgets: a blind form must not inherit the engine's codes.
    return f"{rid}_{version}_blind" if blind else f"{rid}_{version}"


def decide(qid: str, rid: int, version: int, respondent: str, include: bool, idx: int, accept: bool,
           blind: bool = False) -> None:
    """Button callback: accept or save the codes chosen for exactly the response that was on screen."""
    w = widget_key(rid, version, blind)
    chosen = st.session_state.get(f"review_codes_{w}") or []
    final = [{"code_id": c, "sentiment": st.session_state.get(f"review_sent_{w}_{c}", "Neutral")} for c in chosen]
    try:
        reviews.save_review(qid, rid, version=version, actor=_ui.actor(), codes=None if accept else final,
                            blind=blind, db_path=_ui.db_path())
    except SurveyCoderError as err:
        key = "stale_message" if err.code == "STALE_EDIT" else "review_error"
        st.session_state[key] = md(err.message)
        return
    _ui.flash(f"Saved the review of respondent {md(respondent)}.")
    st.session_state[f"review_since_recode_{qid}"] = st.session_state.get(f"review_since_recode_{qid}", 0) + 1
    if include:
        st.session_state["review_idx"] = idx + 1


with st.container(border=True, key="review_filters"):
    f = st.columns([3, 3, 2])
    # The audit sample is not filtered: filtering would bias it again.
    reasons = f[0].multiselect("Reason", list(REVIEW_REASONS) + ["uncoded"], placeholder="Any reason",
                               format_func=lambda r: REASON_LABELS.get(r, r), key="review_reasons",
                               disabled=audit or teach)
    code_filter = f[1].selectbox("Code", [None, *codes], key="review_code", disabled=audit or teach,
                                 format_func=lambda c: "Any code" if c is None else codes[c]["name"])
    include = f[2].toggle("Include reviewed", key="review_include")
queue = reviews.review_items(qid, reasons=reasons or None, code_id=code_filter, include_reviewed=include,
                             audit=audit, teach=teach, db_path=_ui.db_path())

if not queue:
    st.success("Nothing left to review with these filters.", icon=":material/task_alt:")
else:
    idx = min(st.session_state.get("review_idx", 0), len(queue) - 1)
    nav = st.columns([1, 4, 1], vertical_alignment="center")
    if nav[0].button("Previous", icon=":material/chevron_left:", disabled=idx == 0, key="review_prev"):
        st.session_state["review_idx"] = idx - 1
        st.rerun()
    nav[1].markdown(f"<div style='text-align:center'>Response <b>{idx + 1}</b> of <b>{len(queue)}</b> in the "
                    f"queue</div>", unsafe_allow_html=True)  # numbers only, never verbatims
    if nav[2].button("Next", icon=":material/chevron_right:", disabled=idx >= len(queue) - 1, key="review_next"):
        st.session_state["review_idx"] = idx + 1
        st.rerun()
    item = queue[idx]
    rid, version = item["id"], item["version"]
    with st.container(border=True, key="review_card"):
        top = st.columns([3, 2])
        top[0].markdown(f"**Respondent {md(item['respondent_id'])}**")
        reason = item.get("review_reason")
        if item["reviewed"]:
            badge = f":green-badge[Reviewed by {md(item['reviewed_by'] or 'someone')}]"
        elif blind:
            badge = ":blue-badge[Blind]"
        else:
            badge = f":orange-badge[{REASON_LABELS.get(reason, reason)}]" if reason else ""
        top[1].markdown(badge)
        with st.container(key="review_verbatim"):
            st.text(item["text"])  # plain text: a verbatim is never rendered as HTML or markdown
        with st.container(key="review_meta"):
            if (note := item.get("review_note")) and not blind:
                st.text("Why it is flagged: " + note)
            if item.get("attributes"):
                st.text(" · ".join(f"{k}: {v}" for k, v in item["attributes"].items()))

    current = [a["code_id"] for a in item["assignments"] if a["code_id"] in codes]
    sentiment = {a["code_id"]: a["sentiment"] for a in item["assignments"]}
    cands = [c for c in item.get("candidates") or [] if c.get("code_id") in codes and c["code_id"] not in current]
    if blind and not item["reviewed"]:
        current, sentiment, cands = [], {}, []  # start from nothing: the engine's answer is hidden
    if cands:
        shown = [f"{md(codes[c['code_id']]['name'])} ({c['score']:.2f})" for c in cands[:4]]
        st.caption("Engine also considered: " + ", ".join(shown))
    chosen = st.multiselect("Codes", list(codes), default=current, format_func=lambda c: codes[c]["name"],
                            key=f"review_codes_{widget_key(rid, version, blind)}")
    final = []
    if chosen:
        cols = st.columns(4)
        for i, cid in enumerate(chosen):
            default = sentiment.get(cid) or codes[cid]["sentiment"]
            s = cols[i % len(cols)].selectbox(f"Sentiment · {codes[cid]['name']}", SENTIMENTS,
                                              index=SENTIMENTS.index(default),
                                              key=f"review_sent_{widget_key(rid, version, blind)}_{cid}")
            final.append({"code_id": cid, "sentiment": s})
    b = st.columns([1, 1, 2])
    # The decision is bound to the response *as shown* (id + version) through the callback's args: the
    # queue may have moved on by the time the click arrives, and then nothing else must be written.
    seen = (qid, rid, version, item["respondent_id"], include, idx)
    if not blind:
        b[0].button("Accept as coded", type="primary", icon=":material/done:", key="review_accept",
                    disabled=chosen != current or any(f["sentiment"] != sentiment.get(f["code_id"]) for f in final),
                    on_click=decide, args=(*seen, True))
    # Blind, saving is the only action: it takes the first place.
    b[0 if blind else 1].button("Save & mark reviewed", icon=":material/save:", key="review_save", on_click=decide,
                                args=(*seen, False, blind), type="primary" if blind else "secondary")
    if err := st.session_state.pop("review_error", None):
        st.error(err, icon=":material/error:")

st.divider()
st.markdown("**Recode the rest** — reviewed responses become examples; every unreviewed response is coded again.")
r = st.columns([2, 2], vertical_alignment="bottom")
every = r[1].number_input("Recode automatically after every N decisions (0: only with the button)", 0, 500, 25,
                          key="review_recode_every")
since = st.session_state.get(f"review_since_recode_{qid}", 0)
auto = bool(every) and since >= every
if r[0].button("Recode unreviewed responses", icon=":material/autorenew:", key="review_recode") or auto:
    st.session_state[f"review_since_recode_{qid}"] = 0
    with st.spinner("Recoding…"):
        out, err = _ui.call(service.recode_unreviewed, qid, db_path=_ui.db_path(), actor=_ui.actor())
    if not err:
        if out["job_id"] and not auto:
            _ui.set_question(qid)
            st.switch_page("pages/3_Run.py")
        done = (f"Recoding {out['responses']:,} responses in the background; the estimated agreement updates "
                "when it ends." if out["job_id"] else f"Recoded {out['responses']:,} responses using your reviews "
                "as examples.")
        _ui.flash((f"After {since} decisions: " if auto else "") + done)
        st.rerun()
st.caption(f"{since} decision(s) since the last recode.")
