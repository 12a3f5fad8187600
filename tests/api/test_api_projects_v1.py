"""POST /v2/projects and the legacy POST /v1/code, over HTTP against `surveycoder serve`."""

from __future__ import annotations

import httpx

from .conftest import Server
from .test_api_errors import assert_envelope

ANSWERS = [
    "The staff were friendly and kind",
    "I waited three hours to be seen",
    "Parking is impossible and expensive",
    "The staff were friendly and kind",  # the same answer twice: coded and charged once
    "Lovely nurses, but the wait was far too long",
]


def test_create_project_then_find_it(http: httpx.Client) -> None:
    r = http.post("/v2/projects", json={"name": "  Wave 3 NPS  ", "coding_type": "entity",
                                        "objective": "Why do customers leave?"})
    assert r.status_code == 201, r.text
    project = r.json()["data"]
    assert project["name"] == "Wave 3 NPS" and project["coding_type"] == "entity"
    assert project["language"] == "en" and project["objective"] == "Why do customers leave?"
    assert project["questions"] == [] and project["status"] == "pending"
    got = http.get(f"/v2/projects/{project['id']}").json()["data"]
    assert got["id"] == project["id"] and got["objective"] == "Why do customers leave?"
    assert project["id"] in {p["id"] for p in http.get("/v2/projects").json()["data"]}


def test_create_project_errors(server: Server, http: httpx.Client) -> None:
    assert_envelope(http.post("/v2/projects", json={}), 422, "VALIDATION_ERROR")
    assert_envelope(http.post("/v2/projects", json={"name": "x", "coding_type": "sentiment"}), 422,
                    "VALIDATION_ERROR")
    with server.client("read") as read_only:
        assert_envelope(read_only.post("/v2/projects", json={"name": "x"}), 403, "INSUFFICIENT_SCOPE")


def test_v1_code_with_and_without_a_codebook(http: httpx.Client) -> None:
    r = http.post("/v1/code", json={"question": "How was your visit?", "responses": ANSWERS})
    assert r.status_code == 200, r.text
    body = r.json()
    data = body["data"]
    assert [c["response"] for c in data["coded"]] == ANSWERS
    names = {c["code"] for c in data["codebook"]}
    assert names and all(set(c["codes"]) <= names for c in data["coded"])
    assert sum(1 for c in data["coded"] if c["codes"]) >= 4
    assert data["coded"][0]["codes"] == data["coded"][3]["codes"]
    assert data["credits_used"] == 4 == body["meta"]["credits_used"]
    # The counts are the v2 frequencies: one per assignment.
    assert sum(c["count"] for c in data["codebook"]) == sum(len(c["codes"]) for c in data["coded"])
    # The result is a normal project: it can be read (and exported, refined) through v2.
    project = http.get(f"/v2/projects/{data['project_id']}").json()["data"]
    assert project["questions"][0]["id"] == data["question_id"]

    given = [{"code": "Friendly staff", "category": "Staff"}, {"code": "Waiting times", "category": "Access"},
             {"code": "Parking"}]
    r = http.post("/v1/code", json={"responses": ANSWERS, "codebook": given})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert [(c["code"], c["category"]) for c in data["codebook"]] == [
        ("Friendly staff", "Staff"), ("Waiting times", "Access"), ("Parking", "General")]
    assert "Friendly staff" in data["coded"][0]["codes"] and "Waiting times" in data["coded"][1]["codes"]
    assert "Parking" in data["coded"][2]["codes"]


def test_v1_code_errors_are_the_envelope(http: httpx.Client) -> None:
    assert_envelope(http.post("/v1/code", json={"responses": []}), 422, "VALIDATION_ERROR")
    assert_envelope(http.post("/v1/code", json={"responses": "not a list"}), 422, "VALIDATION_ERROR")
    err = assert_envelope(http.post("/v1/code", json={"responses": ["ok", "x" * 2001]}), 422, "VALIDATION_ERROR")
    assert "r2" in err["message"]  # the answer is named by its position-based id
    assert_envelope(http.post("/v1/code", json={"responses": ["...", "!!!"]}), 422, "NO_DATA")


def test_estimate_is_free_and_dedup_aware(server: Server, http: httpx.Client) -> None:
    r = http.post("/v1/codebook/estimate", json={"responses": [*ANSWERS, "...", "  the staff were FRIENDLY and kind!"]})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data == {"responses": 7, "codable": 6, "no_data": 1, "duplicates": 2, "credits_needed": 4,
                    "credits_remaining": data["credits_remaining"], "unlimited": True, "sufficient": True}
    objects = [{"id": f"x{i}", "text": t} for i, t in enumerate(ANSWERS)]
    assert http.post("/v1/codebook/estimate", json={"responses": objects}).json()["data"]["credits_needed"] == 4
    with server.client("metered") as metered:
        before = metered.get("/v2/usage").json()["data"]
        quote = metered.post("/v1/codebook/estimate", json={"responses": [f"answer number {i} about parking"
                                                                         for i in range(20)]}).json()["data"]
        after = metered.get("/v2/usage").json()["data"]
    assert quote["credits_needed"] == 20 and quote["unlimited"] is False and quote["sufficient"] is False
    assert before["credits_remaining"] == after["credits_remaining"] == quote["credits_remaining"]
    assert_envelope(http.post("/v1/codebook/estimate", json={"responses": []}), 422, "VALIDATION_ERROR")
    assert_envelope(http.post("/v1/codebook/estimate", json={"responses": ["!!!"]}), 422, "NO_DATA")


def test_project_flow_draft_a_stored_questions_codebook_then_code_it(server: Server, http: httpx.Client) -> None:
    from surveycoder_core import service
    from surveycoder_core.schemas import ResponseIn

    from .conftest import make_responses

    # Answers stored without coding (as the app's Upload does), in a project made through the API.
    project = http.post("/v2/projects", json={"name": "Wave 4"}).json()["data"]
    answers = [ResponseIn(**r) for r in make_responses(60, seed=5, prefix="W")]
    out = service.import_question(db_path=server.db, responses=answers, project_name="Wave 4",
                                  question_text="Why that score?", project_id=project["id"])
    path = f"/v1/projects/{project['id']}/questions/{out['question_id']}"
    before = http.get(path).json()["data"]
    assert (before["has_codebook"], before["coded_count"], before["status"]) == (False, 0, "pending")
    ref = {"project_id": project["id"], "question_id": out["question_id"]}
    drafted = http.post("/v1/codebook/generate", json=ref)
    assert drafted.status_code == 200, drafted.text
    state = drafted.json()["data"]
    assert state["has_codebook"] and state["code_count"] >= 2
    assert (state["coded_count"], state["credits_used"], state["status"]) == (0, 0, "codebook_ready")
    assert_envelope(http.post("/v1/codebook/generate", json=ref), 409, "INVALID_STATE")
    assert_envelope(http.get(f"/v1/projects/{project['id']}/questions/nope"), 404, "NOT_FOUND")
    with server.client("metered") as other_org:  # a key of another organisation
        assert_envelope(other_org.get(path), 404, "NOT_FOUND")
