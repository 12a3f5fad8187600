"""Dashboard page: frequency, sentiment, net sentiment and crosstab charts; filters; verbatims per code."""

from __future__ import annotations

import json

from .helpers import app


def charts(at) -> list[dict]:
    """Plotly figures as AppTest sees them: the figure JSON of each chart, in page order."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_dashboard_shows_all_charts_for_the_sample(coded_db):
    path, ids = coded_db
    at = app("4_Dashboard", question_id=ids["question_id"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Respondents"] == "150"
    specs = charts(at)
    assert len(specs) == 4  # frequencies, sentiment, net sentiment, crosstab
    freq, sent, net, cross = specs
    assert freq["data"][0]["orientation"] == "h"
    assert {t["name"] for t in sent["data"]} <= {"Positive", "Neutral", "Mixed", "Negative"}
    assert cross["data"][0]["type"] == "heatmap"
    assert "Detractor" in json.dumps(cross["data"][0]["x"])  # default segment: the NPS group


def test_filters_narrow_the_view(coded_db):
    path, ids = coded_db
    at = app("4_Dashboard", question_id=ids["question_id"])
    at.selectbox(key="filter_attribute").select("region").run()
    at.multiselect[-1].select("London").run()
    metrics = {m.label: m.value for m in at.metric}
    assert 0 < int(metrics["Respondents"]) < 150
    at.multiselect[1].select("Negative").run()  # sentiment
    assert not at.exception
    sent = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert {t["name"] for t in sent["data"]} == {"Negative"}


def test_crosstab_by_another_attribute_and_verbatims_of_a_code(coded_db):
    path, ids = coded_db
    at = app("4_Dashboard", question_id=ids["question_id"])
    at.selectbox(key="crosstab_attribute").select("age_band").run()
    cross = json.loads(at.get("plotly_chart")[3].proto.spec)
    assert "55+" in json.dumps(cross["data"][0]["x"])
    codes = at.selectbox(key="verbatim_code")
    assert codes.value is None  # the verbatims open on every answer; pick the first code
    codes.select_index(1).run()
    frames = at.dataframe
    verbatims = frames[-1].value
    assert {"respondent", "response", "sentiment", "confidence", "region"} <= set(verbatims.columns)
    assert len(verbatims) > 0


def test_uncoded_question_points_to_run(db_path):
    from .conftest import import_sample

    out = import_sample(db_path, n=10)
    at = app("4_Dashboard", question_id=out["question_id"])
    assert any("not coded yet" in i.value for i in at.info)


def test_search_the_answers_by_words_and_by_meaning(coded_db):
    path, ids = coded_db
    at = app("4_Dashboard", question_id=ids["question_id"])
    assert at.selectbox(key="verbatim_code").value is None  # a search looks through every answer
    everyone = at.dataframe[-1].value
    at.text_input(key="verbatim_query").input("ENGINEER").run()
    assert not at.exception
    words = at.dataframe[-1].value
    assert 0 < len(words) < len(everyone)
    assert all("engineer" in t.casefold() for t in words["response"])
    expected = sum("engineer" in t.casefold() for t in everyone["response"])
    assert len(words) == expected
    at.radio(key="verbatim_mode").set_value("meaning").run()
    assert not at.exception
    near = at.dataframe[-1].value
    assert list(near.columns[:3]) == ["respondent", "response", "similarity"]
    assert list(near["similarity"]) == sorted(near["similarity"], reverse=True)
    # The nearest answers to "engineer" talk about engineers or their visits.
    assert sum(any(w in t.casefold() for w in ("engineer", "technician", "visit", "install"))
               for t in near["response"].head(5)) >= 3
