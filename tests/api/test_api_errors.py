"""Errors, auth, credits, idempotency, rate limits and headers — over plain HTTP."""

from __future__ import annotations

import sqlite3
import time
import uuid
from typing import Any

import httpx
import pytest
from surveycoder import SurveyCoderClient
from surveycoder.client import SurveyCoderError

from .conftest import BRANDS, Server, make_responses

ENVELOPE_KEYS = {"code", "message", "request_id", "doc_url"}


def assert_envelope(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["success"] is False
    assert set(body["error"]) == ENVELOPE_KEYS
    assert body["error"]["code"] == code
    assert body["error"]["request_id"] == r.headers["X-Request-Id"]
    assert body["error"]["doc_url"].endswith(code.lower().replace("_", "-"))
    for h in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert r.headers[h].isdigit()
    return body["error"]


def ledger_total(server: Server, key: str) -> int:
    org = server.keys[key]["org_id"]
    with sqlite3.connect(server.db) as conn:
        return int(conn.execute("SELECT COALESCE(SUM(delta), 0) FROM credit_ledger WHERE org_id = ?",
                                (org,)).fetchone()[0])


def test_missing_malformed_unknown_revoked_keys(server: Server) -> None:
    with server.client(key=None) as c:
        assert_envelope(c.get("/v2/usage"), 401, "UNAUTHORIZED")
        assert_envelope(c.get("/v2/usage", headers={"x-api-key": "nope"}), 401, "UNAUTHORIZED")
        assert_envelope(c.get("/v2/usage", headers={"x-api-key": "scp_live_" + "A" * 32}), 401, "AUTH_ERROR")
        assert_envelope(c.get("/v2/usage", headers={"Authorization": "Bearer " + server.keys["write"]["key"]}),
                        401, "UNAUTHORIZED")
    with server.client("revoked") as c:
        assert_envelope(c.get("/v2/usage"), 401, "KEY_REVOKED")


def test_expired_key(server: Server) -> None:
    from surveycoder_core.access import auth

    key = auth.create_key(name="short lived", scopes=["read"], db_path=server.db, expires_days=1)
    with sqlite3.connect(server.db) as conn:
        conn.execute("UPDATE api_keys SET expires_at = '2020-01-01T00:00:00Z' WHERE id = ?", (key["id"],))
    r = httpx.get(server.url + "/v2/usage", headers={"x-api-key": key["key"]})
    assert "2020-01-01" in assert_envelope(r, 401, "KEY_EXPIRED")["message"]


def test_keys_are_stored_hashed(server: Server) -> None:
    raw = server.keys["write"]["key"]
    assert raw.startswith("scp_live_") and len(raw) == 41
    assert server.keys["read"]["key"].startswith("scp_test_")
    with sqlite3.connect(server.db) as conn:
        dump = "\n".join(conn.iterdump())
    assert raw not in dump


def test_read_only_key_cannot_write(server: Server) -> None:
    with server.client("read") as c:
        assert c.get("/v2/usage").status_code == 200
        err = assert_envelope(c.post("/v2/code", json={"responses": BRANDS}), 403, "INSUFFICIENT_SCOPE")
        assert "write" in err["message"] and "read" in err["message"]
    sdk = SurveyCoderClient(server.keys["read"]["key"], base_url=server.url, max_retries=0)
    with pytest.raises(SurveyCoderError) as info:
        sdk.code(BRANDS)
    assert info.value.code == "INSUFFICIENT_SCOPE" and info.value.status == 403


def test_not_enough_credits_charges_nothing(server: Server) -> None:
    before = ledger_total(server, "metered")
    with server.client("metered") as c:
        usage = c.get("/v2/usage").json()["data"]
        assert usage["credits_remaining"] == before == 8 and usage["unlimited"] is False
        err = assert_envelope(c.post("/v2/code", json={"responses": make_responses(12, prefix="C")}), 402,
                              "INSUFFICIENT_CREDITS")
        assert "12" in err["message"] and "8" in err["message"]
        assert ledger_total(server, "metered") == before
        # Duplicates are coded once and charged once: 10 responses, 5 distinct texts, 5 credits.
        dupes = [{"id": f"d{i}", "text": BRANDS[i % 5]["text"]} for i in range(10)]
        r = c.post("/v2/code", json={"responses": dupes})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["credits_used"] == 5
        assert r.json()["meta"]["credits_remaining"] == 3
        assert ledger_total(server, "metered") == 3


@pytest.mark.parametrize("body,needle", [
    ({}, "responses"),
    ({"responses": []}, "must not be empty"),
    ({"responses": [{"id": "1"}]}, "text"),
    ({"responses": [None]}, "responses.0"),
    ({"responses": [{"id": "1", "text": "x"}], "coding_type": "bogus"}, "coding_type"),
])
def test_validation_errors(http: httpx.Client, body: dict[str, Any], needle: str) -> None:
    assert needle in assert_envelope(http.post("/v2/code", json=body), 422, "VALIDATION_ERROR")["message"]


def test_too_many_responses(http: httpx.Client) -> None:
    body = {"responses": [{"id": str(i), "text": "fine"} for i in range(10_001)]}
    assert "10,000" in assert_envelope(http.post("/v2/code", json=body), 422, "VALIDATION_ERROR")["message"]


def test_duplicate_ids_named(http: httpx.Client) -> None:
    body = {"responses": [{"id": "R1", "text": "a"}, {"id": "R2", "text": "b"}, {"id": "R1", "text": "c"}]}
    assert "'R1'" in assert_envelope(http.post("/v2/code", json=body), 422, "VALIDATION_ERROR")["message"]


def test_invalid_json(http: httpx.Client) -> None:
    r = http.post("/v2/code", content=b'{"responses": [', headers={"Content-Type": "application/json"})
    assert assert_envelope(r, 422, "VALIDATION_ERROR")["message"].startswith("Invalid JSON")


def test_unknown_job_route_and_method(http: httpx.Client) -> None:
    assert_envelope(http.get("/v2/jobs/job_" + "0" * 24), 404, "NOT_FOUND")
    assert_envelope(http.get("/v2/nothing-here"), 404, "NOT_FOUND")
    assert_envelope(http.delete("/v2/code"), 405, "METHOD_NOT_ALLOWED")
    assert_envelope(http.get("/v2/code"), 405, "METHOD_NOT_ALLOWED")
    with pytest.raises(SurveyCoderError) as info:
        SurveyCoderClient(http.headers["x-api-key"], base_url=str(http.base_url)).get_job("job_missing")
    assert info.value.code == "NOT_FOUND" and info.value.status == 404


def test_request_id_echoed_or_generated(http: httpx.Client) -> None:
    rid = str(uuid.uuid4())
    r = http.get("/v2/usage", headers={"X-Request-Id": rid})
    assert r.headers["X-Request-Id"] == rid and r.json()["meta"]["request_id"] == rid
    r = http.get("/v2/jobs/job_nope", headers={"X-Request-Id": rid})
    assert r.json()["error"]["request_id"] == rid
    generated = http.get("/health").headers["X-Request-Id"]
    assert uuid.UUID(generated)


def test_idempotent_replay_and_mismatch(http: httpx.Client, server: Server) -> None:
    key = "batch-" + uuid.uuid4().hex
    body = {"responses": BRANDS}
    first = http.post("/v2/code", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 200 and first.headers["X-Idempotent-Replay"] == "false"
    again = http.post("/v2/code", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 200 and again.headers["X-Idempotent-Replay"] == "true"
    assert again.json() == first.json()  # same project, same request_id: nothing was coded twice
    other = http.post("/v2/code", json={"responses": BRANDS[:2]}, headers={"Idempotency-Key": key})
    assert assert_envelope(other, 422, "VALIDATION_ERROR")["message"] == "Idempotency-Key reused with different body"
    too_long = http.post("/v2/code", json=body, headers={"Idempotency-Key": "k" * 256})
    assert "255" in assert_envelope(too_long, 422, "VALIDATION_ERROR")["message"]
    # Another key's cache is its own.
    with server.client("metered") as c:
        r = c.post("/v2/code", json={"responses": [{"id": "x", "text": "hi"}]}, headers={"Idempotency-Key": key})
        assert r.headers.get("X-Idempotent-Replay") != "true"


def test_idempotent_async_replay_keeps_location(http: httpx.Client) -> None:
    key = uuid.uuid4().hex
    body = {"responses": make_responses(50, prefix="I")}
    first = http.post("/v2/code", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 202 and first.headers["Location"] == first.json()["meta"]["poll_url"]
    again = http.post("/v2/code", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 202 and again.headers["X-Idempotent-Replay"] == "true"
    assert again.json()["data"]["job_id"] == first.json()["data"]["job_id"]
    assert again.headers["Location"] == first.headers["Location"]


def test_rate_limit(server: Server) -> None:
    with server.client("limited") as c:
        # Align on a fresh window so the 4th call cannot spill into the next minute.
        reset = int(c.get("/health").headers["X-RateLimit-Reset"])
        if reset - time.time() < 5:
            time.sleep(max(0.0, reset - time.time()) + 0.2)
        seen = [c.get("/v2/usage") for _ in range(4)]
    assert [r.status_code for r in seen[:3]] == [200, 200, 200]
    assert [r.headers["X-RateLimit-Remaining"] for r in seen[:3]] == ["2", "1", "0"]
    assert all(r.headers["X-RateLimit-Limit"] == "3" for r in seen)
    assert_envelope(seen[3], 429, "RATE_LIMITED")
    retry_after = seen[3].headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
    sdk = SurveyCoderClient(server.keys["limited"]["key"], base_url=server.url, max_retries=0)
    with pytest.raises(SurveyCoderError) as info:
        sdk.get_usage()
    assert info.value.code == "RATE_LIMITED" and info.value.status == 429


def test_rate_limit_headers_on_every_response(server: Server, http: httpx.Client) -> None:
    for r in (http.get("/health"), http.get("/openapi.json"), http.get("/docs"), http.get("/v2/nowhere"),
              httpx.get(server.url + "/v2/usage")):
        assert r.headers["X-RateLimit-Limit"].isdigit() and r.headers["X-Request-Id"]


def test_openapi_and_offline_docs(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    assert "/v2/code" in spec["paths"] and "/v2/refinement/bulk-apply" in spec["paths"]
    page = http.get("/docs")
    assert page.status_code == 200 and "/v2/jobs/{job_id}" in page.text
    assert "cdn" not in page.text.lower() and "<script" not in page.text.lower()


def test_webhook_validation(http: httpx.Client) -> None:
    assert_envelope(http.post("/v2/webhooks", json={"url": "http://example.com/hook"}), 422, "VALIDATION_ERROR")
    assert_envelope(http.post("/v2/webhooks", json={"url": "ftp://x"}), 422, "VALIDATION_ERROR")
    assert_envelope(http.post("/v2/webhooks", json={"url": "https://example.com", "events": ["x"]}), 422,
                    "VALIDATION_ERROR")
    assert_envelope(http.delete("/v2/webhooks/wh_nope"), 404, "NOT_FOUND")


def test_idempotent_retry_overtaking_the_first_waits_for_it(server: Server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    key = uuid.uuid4().hex
    body = {"responses": make_responses(40, seed=99, prefix="O")}

    def post(_: int) -> httpx.Response:
        with server.client() as c:
            return c.post("/v2/code", json=body, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(post, range(2))
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()  # coded once: one of them is the replay
    assert sorted([a.headers["X-Idempotent-Replay"], b.headers["X-Idempotent-Replay"]]) == ["false", "true"]
