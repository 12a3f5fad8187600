"""Dashboard: code frequencies, sentiment, segments and the verbatims behind every bar."""

import streamlit as st

from pages import _ui
from surveycoder_core.service import dashboard as analytics

_ui.header("Dashboard", "What respondents talk about, how they feel about it, and who says it.")
qid = _ui.question_id()
stamp = _ui.data_stamp(qid)  # once per run: every cached frame and figure below is keyed by it
frames = _ui.frames(qid, stamp)
_ui.question_caption(qid)
if frames.codes.empty:
    st.info("This question is not coded yet.", icon=":material/info:")
    st.page_link("pages/3_Run.py", label="Code it on the Run page", icon=":material/play_circle:")
    st.stop()

PLOT = {"displayModeBar": False, "responsive": True}
segments = analytics.segment_attributes(frames)
with st.container(border=True, key="filters"):
    f = st.columns([2, 2, 2, 2, 3])
    cats = f[0].multiselect("Category", analytics.categories(frames), placeholder="All categories")
    sents = f[1].multiselect("Sentiment", list(analytics.SENTIMENT_ORDER), placeholder="All sentiments")
    confs = f[2].multiselect("Confidence", list(analytics.CONFIDENCE_ORDER), placeholder="All confidences")
    attr = f[3].selectbox("Respondent filter", ["Everyone", *segments], key="filter_attribute")
    values = []
    if attr != "Everyone":
        values = f[4].multiselect(f"{attr} is", analytics.attribute_values(frames, attr), placeholder="Any value")
filters = {"categories": cats, "sentiments": sents, "confidences": confs,
           "attribute": None if attr == "Everyone" else attr, "values": values}
view = analytics.filter_frames(frames, **filters)
s = analytics.summary(view)
net = analytics.overall_net_sentiment(view)
m = st.columns(6)
m[0].metric("Respondents", f"{s['respondents']:,}")
m[1].metric("Coded", f"{(s['coded'] * 100 / s['base']) if s['base'] else 0:.0f}%")
m[2].metric("Codes", s["codes"])
m[3].metric("Net sentiment", "–" if net is None else f"{net:+.0f}")
m[4].metric("Flagged", f"{s['flagged']:,}")
m[5].metric("Reviewed", f"{s['reviewed']:,}")

freq = analytics.code_frequencies(view)
tab_freq, tab_sent, tab_seg, tab_verb = st.tabs(["Code frequencies", "Sentiment", "By segment", "Verbatims"])
with tab_freq:
    st.plotly_chart(_ui.chart("frequencies", qid, filters, stamp=stamp), config=PLOT, key="chart_frequencies")
    with st.expander("As a table"):
        st.dataframe(freq.drop(columns=["code_id"]), hide_index=True,
                     column_config={"pct": st.column_config.NumberColumn("% of respondents", format="%.1f%%"),
                                    "count": st.column_config.NumberColumn("Respondents")})
with tab_sent:
    left, right = st.columns(2)
    with left:
        st.markdown("**Sentiment per code**")
        st.plotly_chart(_ui.chart("sentiment", qid, filters, stamp=stamp), config=PLOT, key="chart_sentiment")
    with right:
        st.markdown("**Net sentiment** (% positive − % negative)")
        st.plotly_chart(_ui.chart("net", qid, filters, stamp=stamp), config=PLOT, key="chart_net_sentiment")
with tab_seg:
    if not segments:
        st.info("The respondents have no attributes to compare (upload columns such as region or age).")
    else:
        default = segments.index("nps_group") if "nps_group" in segments else 0
        seg = st.columns([1, 2])[0].selectbox("Compare codes by", segments, index=default, key="crosstab_attribute")
        counts, pct = analytics.crosstab(view, seg)
        st.plotly_chart(_ui.chart("crosstab", qid, filters, seg, stamp=stamp), config=PLOT, key="chart_crosstab")
        t1, t2 = st.tabs(["Column %", "Counts"])
        t1.dataframe(pct, column_config={c: st.column_config.NumberColumn(format="%.1f%%") for c in pct.columns})
        t2.dataframe(counts)
with tab_verb:
    # Any code first: a search looks through every answer unless a code is picked.
    options = {None: "Any code", **{row.code_id: f"{row.code}  ({row.count})" for row in freq.itertuples()}}
    top = st.columns([3, 1.4, 3])
    query = top[0].text_input("Search the answers", key="verbatim_query",
                              placeholder="e.g. engineer, or an idea such as “unreliable connection”")
    mode = top[1].radio("Match", analytics.SEARCH_MODES, horizontal=True, key="verbatim_mode",
                        format_func={"words": "Words", "meaning": "Meaning"}.__getitem__,
                        help="Words: answers with every word. Meaning: the answers closest in meaning.")
    picked = top[2].selectbox("Code", list(options), format_func=options.__getitem__, key="verbatim_code")
    if query.strip():
        table = analytics.search_verbatims(view, query, mode=mode, code_id=picked, db_path=_ui.db_path())
        found = "nearest in meaning" if mode == "meaning" else "with every word"
        st.caption(f"{len(table):,} responses {found}" + ("" if picked is None else " under this code"))
    else:
        table = analytics.verbatims(view, picked)
        st.caption(f"{len(table):,} responses" + ("" if picked is None else " with this code"))
    st.dataframe(table, hide_index=True, height=420,
                 column_config={"response": st.column_config.TextColumn("Response", width="large"),
                                "reviewed_by": st.column_config.TextColumn("Reviewed by"),
                                "similarity": st.column_config.ProgressColumn("Similarity", min_value=0.0,
                                                                              max_value=1.0, format="%.2f")})
