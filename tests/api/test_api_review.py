"""The review API over HTTP against `surveycoder serve`: queue, decide (with the stale-version conflict),
agreement, recode (inline and as a job), and the decisions in every export layout."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from .conftest import Server, make_responses
from .test_api_errors import assert_envelope
from .test_api_jobs import wait_job

LAYOUTS = ("wide_by_question", "columns_by_mention", "binary_dummy", "one_row_per_code")
# Answers no theme of the others fits: the engine flags them, so the flagged queue is never empty.
ODD = ["My neighbour's cat sleeps on our car roof", "Quantum physics is a fascinating hobby of mine",
       "We went hiking in the mountains last summer", "Blue is my favourite colour"]
TOTAL = 40 + len(ODD)


def post(c: httpx.Client, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    r = c.post(path, json=body)
    assert r.status_code == status, r.text
    assert r.json()["success"] is True
    return r.json()["data"]


def queue(c: httpx.Client, ref: dict[str, str], **body: Any) -> dict[str, Any]:
    return post(c, "/v2/review/queue", {**ref, **body})


def item(c: httpx.Client, ref: dict[str, str], response_id: str) -> dict[str, Any]:
    return next(i for i in queue(c, ref, queue="all", limit=1000)["items"] if i["response_id"] == response_id)


def export_rows(c: httpx.Client, ref: dict[str, str], layout: str) -> list[dict[str, str]]:
    r = c.post("/v2/export/csv", json={"project_id": ref["project_id"], "layout": layout})
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.text)))


@pytest.fixture(scope="module")
def question(http: httpx.Client) -> dict[str, Any]:
    """40 answers coded inline; ``ref`` is the body part every review call takes."""
    responses = make_responses(40, seed=31, prefix="V") + [{"id": f"W{i}", "text": t} for i, t in enumerate(ODD)]
    data = post(http, "/v2/code", {"responses": responses, "project_name": "Review API"})
    names = [code["name"] for cat in data["codebook"] for code in cat["codes"]]
    return {"ref": {"project_id": data["project_id"], "question_id": data["question_id"]}, "codes": names}


def test_queue_lists_what_to_review_with_codes_version_and_progress(http: httpx.Client, question: dict) -> None:
    ref = question["ref"]
    flagged = queue(http, ref)
    assert flagged["queue"] == "flagged" and flagged["reviewed"] == 0 and flagged["total"] == len(flagged["items"]) > 0
    for entry in flagged["items"]:
        assert entry["needs_review"] is True and entry["reviewed"] is False and entry["review_reason"]
        assert isinstance(entry["version"], int) and entry["text"]
        assert all({"name", "sentiment", "confidence"} <= set(code) for code in entry["codes"])
    everything = queue(http, ref, queue="all", limit=15, offset=5)
    assert everything["total"] == TOTAL and everything["matching"] == TOTAL and everything["count"] == 15
    assert everything["items"][0]["response_id"] == "V00005"
    audit = queue(http, ref, queue="audit")
    assert audit["total"] == TOTAL and audit["reviewed"] == 0  # the sample is at most 50: here every answer
    r = http.post("/v2/review/queue", json={**ref, "queue": "everything"})
    assert_envelope(r, 422, "VALIDATION_ERROR")


def test_decide_then_a_stale_version_is_refused_naming_who_and_when(http: httpx.Client, question: dict) -> None:
    ref, names = question["ref"], question["codes"]
    before = item(http, ref, "V00001")
    other = next(n for n in names if n not in {c["name"] for c in before["codes"]})
    decided = post(http, "/v2/review/decide", {**ref, "response_id": "V00001", "reviewer": "Dana Reviewer",
                                              "version": before["version"],
                                              "codes": [{"name": other, "sentiment": "negative"}]})
    assert decided["decision"] == "corrected" and decided["reviewed_by"] == "Dana Reviewer"
    assert decided["codes"] == [{"name": other, "code_id": decided["codes"][0]["code_id"], "sentiment": "Negative"}]
    assert decided["version"] == before["version"] + 1

    # Someone still holding the old version: refused, told who decided it and when, nothing overwritten.
    r = http.post("/v2/review/decide", json={**ref, "response_id": "V00001", "reviewer": "Eli", "version":
                                             before["version"], "codes": []})
    error = assert_envelope(r, 409, "INVALID_STATE")
    assert "Dana Reviewer" in error["message"] and decided["reviewed_at"] in error["message"]
    now = item(http, ref, "V00001")
    assert now["reviewed_by"] == "Dana Reviewer" and [c["name"] for c in now["codes"]] == [other]
    assert now["codes"][0]["confidence"] is None and now["codes"][0]["source"] == "human:Dana Reviewer"
    assert now["needs_review"] is False and now["version"] == decided["version"]


def test_accepting_means_sending_the_codes_as_they_are(http: httpx.Client, question: dict) -> None:
    ref = question["ref"]
    before = item(http, ref, "V00002")
    codes = [{"name": c["name"], "sentiment": c["sentiment"]} for c in before["codes"]]
    accepted = post(http, "/v2/review/decide", {**ref, "response_id": "V00002", "reviewer": "Dana Reviewer",
                                               "version": before["version"], "codes": codes})
    assert accepted["decision"] == "accepted"
    after = item(http, ref, "V00002")
    assert after["reviewed"] is True and [(c["name"], c["sentiment"]) for c in after["codes"]] == [
        (c["name"], c["sentiment"]) for c in before["codes"]]
    assert [c["source"] for c in after["codes"]] == [c["source"] for c in before["codes"]]  # still the engine's


def test_bad_decisions_name_the_problem(http: httpx.Client, server: Server, question: dict) -> None:
    ref = question["ref"]
    version = item(http, ref, "V00003")["version"]
    base = {**ref, "response_id": "V00003", "reviewer": "Dana Reviewer", "version": version}
    error = assert_envelope(http.post("/v2/review/decide", json={**base, "codes": [{"name": "No such code"}]}),
                            422, "VALIDATION_ERROR")
    assert "No such code" in error["message"]
    error = assert_envelope(http.post("/v2/review/decide", json={**base, "response_id": "nobody", "codes": []}),
                            404, "NOT_FOUND")
    assert "nobody" in error["message"]
    assert_envelope(http.post("/v2/review/decide", json={**base, "reviewer": "", "codes": []}), 422,
                    "VALIDATION_ERROR")
    with server.client("metered") as other_org:  # a key of another organisation sees no such project
        assert_envelope(other_org.post("/v2/review/queue", json=ref), 404, "NOT_FOUND")
    assert item(http, ref, "V00003")["version"] == version  # nothing was written


def test_agreement_engine_against_reviewers(http: httpx.Client, question: dict) -> None:
    ref = question["ref"]
    data = post(http, "/v2/review/agreement", ref)
    assert data["reviewed"] >= 2 and data["scope"] == "reviewed"
    assert all(isinstance(data[k], float) for k in ("micro_f1", "kappa", "alpha"))
    assert data["micro_f1"] < 1.0  # V00001 was corrected
    assert data["sufficient"] is False and "insufficient" in data["message"]
    audit = post(http, "/v2/review/agreement", {**ref, "queue": "audit"})
    assert audit["scope"] == "audit" and audit["sample_size"] == TOTAL and audit["reviewed"] == data["reviewed"]


def test_recode_inline_keeps_every_decision_and_exports_show_them(http: httpx.Client, question: dict) -> None:
    ref = question["ref"]
    decided = [i for i in queue(http, ref, queue="all", limit=1000)["items"] if i["reviewed"]]
    assert {i["response_id"] for i in decided} >= {"V00001", "V00002"}
    recoded = post(http, "/v2/review/recode", ref)
    assert recoded["mode"] == "inline" and recoded["job_id"] is None and recoded["status"] == "completed"
    assert recoded["responses"] == TOTAL - len(decided) and recoded["reviewed_kept"] == len(decided)
    for before in decided:
        after = item(http, ref, before["response_id"])
        assert (after["codes"], after["version"], after["reviewed_by"]) == (
            before["codes"], before["version"], before["reviewed_by"])
    dana = item(http, ref, "V00001")
    for layout in LAYOUTS:
        rows = [r for r in export_rows(http, ref, layout) if r["respondent_id"] == "V00001"]
        assert rows and all(r["reviewed"] == "yes" and r["reviewed_by"] == "Dana Reviewer" for r in rows), layout
        others = [r for r in export_rows(http, ref, layout) if r["respondent_id"] == "V00010"]
        assert all(r["reviewed"] == "no" and r["reviewed_by"] == "" for r in others), layout
    wide = next(r for r in export_rows(http, ref, "wide_by_question") if r["respondent_id"] == "V00001")
    assert wide["codes"] == dana["codes"][0]["name"] and wide["confidence"] == "manual"


def test_recode_of_50_or_more_is_a_job_to_poll_and_keeps_the_decision(http: httpx.Client) -> None:
    accepted = http.post("/v2/code", json={"responses": make_responses(70, seed=32, prefix="J"),
                                           "project_name": "Review API job"})
    assert accepted.status_code == 202, accepted.text
    first = wait_job(http, accepted.json()["data"]["job_id"], timeout=180)
    assert first["status"] == "completed", first
    ref = {"project_id": first["project_id"], "question_id": first["question_id"]}
    target = item(http, ref, "J00004")
    post(http, "/v2/review/decide", {**ref, "response_id": "J00004", "reviewer": "Fay", "version": target["version"],
                                     "codes": []})
    r = http.post("/v2/review/recode", json=ref)
    assert r.status_code == 202, r.text
    data = r.json()["data"]
    assert data["mode"] == "job" and data["status"] == "queued" and data["responses"] == 69
    assert r.headers["Location"] == f"/v2/jobs/{data['job_id']}" == r.json()["meta"]["poll_url"]
    job = wait_job(http, data["job_id"], timeout=180)
    assert job["status"] == "completed" and job["type"] == "auto_coding", job
    kept = next(x for x in job["result"]["results"] if x["id"] == "J00004")
    assert kept["codes"] == [] and kept["status"] == "uncoded"
    assert item(http, ref, "J00004")["reviewed_by"] == "Fay"
    row = next(r for r in export_rows(http, ref, "binary_dummy") if r["respondent_id"] == "J00004")
    assert row["reviewed"] == "yes" and row["reviewed_by"] == "Fay"


def test_review_routes_are_documented_in_openapi(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    for name in ("queue", "decide", "agreement", "recode"):
        operation = spec["paths"][f"/v2/review/{name}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert {"project_id", "question_id"} <= set(spec["components"]["schemas"][body]["required"])
        assert "409" in operation["responses"] or name in ("queue", "agreement")
        assert operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ErrorEnvelope")
    decide = spec["components"]["schemas"]["ReviewDecideIn"]
    assert {"response_id", "codes", "reviewer", "version"} <= set(decide["required"])
