"""The official `surveycoder` SDK (1.0.2), unchanged, against `surveycoder serve`."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from surveycoder.client import SurveyCoderError

from ..synthetic import CODEBOOK
from .conftest import BRANDS, TEST_RPM, Server, make_responses

LAYOUTS = ["wide_by_question", "columns_by_mention", "binary_dummy", "one_row_per_code"]


def test_health(sdk: Any) -> None:
    data = sdk.health()
    assert data["status"] == "healthy"
    assert data["dependencies"]["database"]["status"] == "ok"
    assert data["dependencies"]["queue"]["status"] == "ok"
    assert data["dependencies"]["llm"]["status"] in ("ok", "unavailable")


def test_sync_code_seed_example(sdk: Any) -> None:
    result = sdk.code(BRANDS, coding_type="qualitative", language="en")
    assert "job_id" not in result
    assert [r["id"] for r in result["results"]] == [b["id"] for b in BRANDS]
    assert result["credits_used"] == 5
    assert result["codebook"] and all("codes" in cat for cat in result["codebook"])
    for item in result["results"]:
        for code in item["codes"]:
            assert code["sentiment"] in ("Positive", "Negative", "Neutral", "Mixed")
            assert code["confidence"] in ("high", "medium", "low")
    assert result["project_id"] and result["question_id"]


def test_code_with_given_codebook(sdk: Any) -> None:
    codebook = {"categories": [{"name": "Brands", "codes": [
        {"name": "Nike", "definition": "Mentions Nike", "sentiment": "Positive"},
        {"name": "Adidas", "definition": "Mentions Adidas"},
        {"name": "Puma", "definition": "Mentions Puma"},
        {"name": "No brand loyalty", "definition": "Does not care about brands, buys on sale", "sentiment": "Neutral"},
    ]}]}
    result = sdk.code(BRANDS, codebook=codebook, question_text="Which brand do you prefer and why?")
    names = [c["name"] for cat in result["codebook"] for c in cat["codes"]]
    assert names == ["Nike", "Adidas", "Puma", "No brand loyalty"]
    assigned = {c["name"] for r in result["results"] for c in r["codes"]}
    assert assigned <= set(names)


def test_code_to_dataframe(sdk: Any) -> None:
    frame = sdk.code_to_dataframe(BRANDS)
    assert list(frame.columns) == ["id", "code", "sentiment", "confidence", "mention"]
    assert set(frame["id"]) <= {b["id"] for b in BRANDS}
    assert len(frame) >= 1


def test_async_code_wait_get_and_list(sdk: Any) -> None:
    responses = make_responses(60, seed=11, prefix="J")
    accepted = sdk.code(responses, question_text="What did you think of your order?")
    assert set(accepted) == {"job_id", "status"} and accepted["status"] == "queued"
    job_id = accepted["job_id"]
    assert job_id.startswith("job_") and len(job_id) == 28
    result = sdk.wait_for_job(job_id, poll_interval=0.2)
    assert [r["id"] for r in result["results"]] == [r["id"] for r in responses]
    assert result["credits_used"] == 60
    job = sdk.get_job(job_id)
    assert job["status"] == "completed" and job["type"] == "one_call"
    assert job["progress"] == {"processed": 60, "total": 60, "percentage": 100}
    listed = sdk.list_jobs(status="completed", limit=5)
    assert job_id in [j["id"] for j in listed] and all("result" not in j for j in listed)
    assert len(sdk.list_jobs(limit=1)) == 1


def test_async_code_to_dataframe(sdk: Any) -> None:
    frame = sdk.code_to_dataframe(make_responses(55, seed=5, prefix="D"))
    assert len(frame) >= 50 and frame["mention"].min() == 1


@pytest.mark.parametrize("layout", LAYOUTS)
def test_export_excel_every_layout(sdk: Any, coded: dict[str, Any], layout: str) -> None:
    content = sdk.export_excel(coded["project_id"], layout=layout, include_sentiment=True)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert "Code Dictionary" in book.sheetnames
    first = book[book.sheetnames[0]]
    header = [c.value for c in next(first.iter_rows(max_row=1))]
    assert ("question" in header) if layout == "one_row_per_code" else (header[0] == "respondent_id")
    assert first.max_row >= 2


@pytest.mark.parametrize("layout", LAYOUTS)
def test_export_csv_every_layout(sdk: Any, coded: dict[str, Any], layout: str) -> None:
    text = sdk.export_csv(coded["project_id"], question_ids=[coded["question_id"]], layout=layout)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) >= 1 + len(BRANDS)
    ids = {r[rows[0].index("respondent_id")] for r in rows[1:]}
    assert {b["id"] for b in BRANDS} <= ids


def test_export_unknown_project(sdk: Any) -> None:
    with pytest.raises(SurveyCoderError) as info:
        sdk.export_csv("00000000-0000-0000-0000-000000000000")
    assert info.value.code == "EXPORT_ERROR" and "404" in str(info.value)  # the SDK's own wording for non-200


def test_refinement_flow(sdk: Any) -> None:
    # A codebook that leaves whole themes uncovered gives the agent something to suggest.
    responses = make_responses(40, seed=21, prefix="F")
    codebook = {"categories": [{"name": "Delivery", "codes": [
        {"name": "Fast delivery", "definition": "Delivery was quick or on time", "sentiment": "Positive"}]}]}
    coded = sdk.code(responses, codebook=codebook, question_text="What did you think of your order?")
    pid, qid = coded["project_id"], coded["question_id"]

    first = sdk.refinement_suggestions(pid, qid)
    assert set(first["summary"]) >= {"pending", "applied", "dismissed"}
    suggestions = first["suggestions"]
    assert suggestions, "expected suggestions for uncovered themes"
    again = sdk.refinement_suggestions(pid, qid)
    assert again["cached"] is True
    assert [s["id"] for s in again["suggestions"]] == [s["id"] for s in suggestions]

    target = suggestions[0]
    resolved = sdk.resolve_refinement(pid, qid, target["id"], "dismiss", dismiss_reason="not useful")
    assert resolved["status"] == "dismissed"
    undone = sdk.undo_refinement(pid, qid, target["id"])
    assert undone["status"] == "pending"

    applied = sdk.apply_refinement(pid, qid, target)
    assert applied["status"] in ("applied", "dismissed") and applied["suggestion_id"] == target["id"]

    bulk = sdk.bulk_apply_refinement(pid, qid, min_confidence=0.0)
    assert set(bulk) == {"applied", "skipped", "failed", "summary"}

    book = openpyxl.load_workbook(io.BytesIO(sdk.export_refinement(pid, qid, format="xlsx")))
    assert book.sheetnames == ["Summary", "Pending", "Applied", "Dismissed"]
    rows = list(csv.DictReader(io.StringIO(sdk.export_refinement(pid, qid, format="csv").decode("utf-8-sig"))))
    assert rows and "status" in rows[0]
    assert target["id"] in {r["suggestion_id"] for r in rows}

    forced = sdk.refinement_suggestions(pid, qid, force=True)
    assert forced["cached"] is False


def test_get_usage(sdk: Any) -> None:
    usage = sdk.get_usage()
    assert usage["plan"] == "enterprise" and usage["unlimited"] is True
    assert usage["credits_remaining"] == 999_999_999
    assert usage["rate_limit"] == {"rpm": TEST_RPM, "concurrent_jobs": 3}
    assert {"credits_monthly", "is_trial", "balance", "period_used"} <= set(usage)


def test_projects_visible_to_the_app_layer(server: Server, coded: dict[str, Any]) -> None:
    from surveycoder_core import service

    # Same database, same service layer: what the API coded is there for the app.
    result = service.get_result(coded["question_id"], db_path=server.db)
    assert [r.id for r in result.results] == [r["id"] for r in coded["results"]]
    with server.client() as c:
        listed = c.get("/v2/projects").json()
        assert coded["project_id"] in [p["id"] for p in listed["data"]]
        one = c.get(f"/v2/projects/{coded['project_id']}").json()["data"]
        assert one["questions"][0]["id"] == coded["question_id"]


PARKING = ["the parking is impossible to find", "no parking spaces near the entrance", "parking costs too much",
           "could not park anywhere", "the car park was full again", "parking machine was broken",
           "parking bays are far too narrow", "had to park miles away"]


def test_resolve_merge_and_assign_existing(sdk: Any) -> None:
    # A given codebook without a parking code and a group of parking comments: the refinement
    # agent must have something to suggest (a new code for them at least).
    responses = make_responses(30, seed=21, prefix="M") + [{"id": f"P{i}", "text": t} for i, t in enumerate(PARKING)]
    coded = sdk.code(responses, codebook=CODEBOOK, question_text="What did you think of your visit?")
    pid, qid = coded["project_id"], coded["question_id"]
    suggestions = sdk.refinement_suggestions(pid, qid)["suggestions"]
    assert suggestions, "themes outside the given codebook must come back as suggestions"
    merges = [s for s in suggestions if s["action"] == "merge"]
    if merges:  # a merge suggestion names both codes: resolving it needs no ids from the caller
        merged = sdk.resolve_refinement(pid, qid, merges[0]["id"], "merge")
        assert merged["status"] == "applied" and merged["action"] == "merge"
        assert sdk.undo_refinement(pid, qid, merges[0]["id"])["status"] == "pending"
    code_ids = [c["id"] for cat in coded["codebook"] for c in cat["codes"]]
    target = suggestions[0]
    assigned = sdk.resolve_refinement(pid, qid, target["id"], "assign_existing", target_code_id=code_ids[-1])
    assert assigned["status"] == "applied" and assigned["code"]["id"] == code_ids[-1]
    with pytest.raises(SurveyCoderError) as info:
        sdk.resolve_refinement(pid, qid, target["id"], "dismiss")
    assert info.value.code == "INVALID_STATE" and info.value.status == 409
    with pytest.raises(SurveyCoderError) as info:
        sdk.resolve_refinement(pid, qid, "sug_missing", "dismiss")
    assert info.value.code == "NOT_FOUND"
