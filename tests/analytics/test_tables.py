"""The dashboard's tables and figures (analytics.py, charts.py), the sample survey, and markdown escaping."""

from __future__ import annotations

import pandas as pd
import pytest

from pages._ui import md
from surveycoder_core.analytics import charts
from surveycoder_core.analytics import tables as analytics
from surveycoder_core.io import sample

CODES = [
    {"id": "c1", "name": "Price", "category": "Value", "code_number": 1, "sentiment": "Negative", "definition": ""},
    {"id": "c2", "name": "Speed", "category": "Network", "code_number": 2, "sentiment": "Positive", "definition": ""},
    {"id": "c3", "name": "<b>Unused</b>", "category": "Network", "code_number": 3, "sentiment": "Neutral",
     "definition": ""},
]


def resp(rid, region, *codes, status="coded"):
    return {"id": rid, "respondent_id": f"R{rid}", "text": f"text {rid}", "status": status, "needs_review": 0,
            "review_reason": None, "reviewed": 0, "attributes": {"region": region},
            "assignments": [{"code_id": c, "sentiment": s, "confidence": conf, "score": 0.9, "source": "engine"}
                            for c, s, conf in codes]}


@pytest.fixture
def frames():
    rows = [
        resp(1, "North", ("c1", "Negative", "high"), ("c2", "Positive", "high")),
        resp(2, "North", ("c1", "Negative", "low")),
        resp(3, "South", ("c2", "Positive", "medium")),
        resp(4, "South", ("c1", "Positive", "high")),
        resp(5, "South", status="no_data"),
    ]
    return analytics.build_frames(rows, CODES)


def test_frequencies_are_percent_of_respondents_grouped_by_category(frames):
    f = analytics.code_frequencies(frames)
    assert f[["category", "code", "count", "pct"]].values.tolist() == [
        ["Value", "Price", 3, 75.0], ["Network", "Speed", 2, 50.0]]  # base 4: no_data is not in it
    assert len(analytics.code_frequencies(frames, include_empty=True)) == 3


def test_sentiment_and_net_sentiment(frames):
    s = analytics.sentiment_by_code(frames)
    price = s[s["code"] == "Price"].set_index("sentiment")["count"].to_dict()
    assert price == {"Positive": 1, "Negative": 2}
    net = analytics.net_sentiment(frames).set_index("code")["net"].to_dict()
    assert net == {"Price": round((1 - 2) * 100 / 3, 1), "Speed": 100.0}
    assert analytics.overall_net_sentiment(frames) == 20.0  # 3 positive, 2 negative of 5 mentions


def test_crosstab_counts_and_column_percent(frames):
    counts, pct = analytics.crosstab(frames, "region")
    assert counts.loc["Price"].to_dict() == {"North": 2, "South": 1, "Total": 3}
    assert counts.loc["Base"].to_dict() == {"North": 2, "South": 2, "Total": 4}  # no_data is not in the base
    assert pct.loc["Price", "North"] == 100.0 and pct.loc["Speed", "South"] == 50.0


def test_filters_combine(frames):
    f = analytics.filter_frames(frames, attribute="region", values=["South"], sentiments=["Positive"])
    assert analytics.summary(f)["respondents"] == 3
    assert set(analytics.code_frequencies(f)["code"]) == {"Price", "Speed"}
    f = analytics.filter_frames(frames, categories=["Network"], confidences=["medium"])
    assert analytics.code_frequencies(f)["code"].tolist() == ["Speed"]
    assert analytics.segment_attributes(frames) == ["region"]


def test_verbatims_of_a_code(frames):
    v = analytics.verbatims(frames, "c1")
    assert v["respondent"].tolist() == ["R1", "R2", "R4"]
    assert v.loc[0, "codes"] == "Price; Speed" and v.loc[1, "confidence"] == "low"


def test_charts_escape_labels_and_handle_empty_views(frames):
    freq = analytics.code_frequencies(frames, include_empty=True)
    fig = charts.frequency_chart(freq)
    labels = [label for trace in fig.data for label in trace.y[1]]
    assert "&lt;b&gt;Unused&lt;/b&gt;" in labels
    assert charts.sentiment_chart(analytics.sentiment_by_code(frames)).data
    assert charts.net_sentiment_chart(analytics.net_sentiment(frames)).data
    counts, pct = analytics.crosstab(frames, "region")
    assert charts.crosstab_heatmap(pct, counts).data[0].type == "heatmap"
    empty = analytics.filter_frames(frames, sentiments=["Mixed"])
    assert charts.sentiment_chart(analytics.sentiment_by_code(empty)).layout.annotations


def test_sample_survey_is_varied_and_segmentable():
    req = sample.sample_request()
    assert 140 <= len(req.responses) <= 160
    assert len({r.id for r in req.responses}) == len(req.responses)
    assert len({r.text for r in req.responses}) >= len(req.responses) - 2
    attrs = pd.DataFrame([r.attributes for r in req.responses])
    assert set(attrs.columns) >= {"region", "age_band", "customer_type", "nps_group"}
    assert attrs["region"].nunique() >= 6 and set(attrs["nps_group"]) == {"Promoter", "Passive", "Detractor"}


def test_markdown_escaping_keeps_the_text_inert():
    out = md("**x** [a](http://b.c) <b> a@b.c :smile:")
    assert out == ("\\*\\*x\\*\\* \\[a\\]\\(http\u2060&#58;\\/\\/b&#46;c\\) \\<b\\> "
                   "a&#64;\u2060b&#46;c &#58;smile&#58;")
    assert "http:" not in out and "**" not in out


def test_load_frames_reads_what_response_rows_gives(coded):
    """The lean reader behind the Dashboard builds the very frames the full rows build."""
    from surveycoder_core.db.codebooks import code_rows
    from surveycoder_core.db.responses import response_rows

    db, info = coded
    qid = info["question_id"]
    fast = analytics.load_frames(db, qid)
    full = analytics.build_frames(response_rows(db, qid), code_rows(db, qid))
    assert len(fast.responses) > 0 and len(fast.assignments) > 0
    assert fast.attributes == full.attributes
    for a, b in ((fast.responses, full.responses), (fast.assignments, full.assignments), (fast.codes, full.codes)):
        pd.testing.assert_frame_equal(a, b)
