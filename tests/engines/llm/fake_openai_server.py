"""A fake OpenAI-compatible chat-completions server for the LLM engine's tests.

Run: ``python tests/engines/llm/fake_openai_server.py --port N`` (binds 127.0.0.1 only). Base URL:
``http://127.0.0.1:N/v1``.

It answers deterministically by keyword rules (``RULES``) applied to the ``INPUT:`` JSON block
the engine puts in its last user message:

* ``{"responses": [...]}``                      -> themes per rule matched, with members
* ``{"candidate_themes": [...]}``               -> candidates merged by name, with merged_from
* ``{"codebook": [...], "responses": [...]}``   -> codes per response whose rule matches

Misbehaviour is chosen by the model name (``fake+<mode>+<mode>...``; add a unique token so
"once" state does not leak between tests) or an ``X-Fake-Mode`` header:

* ``429once``  first request gets 429 with ``Retry-After: 1``
* ``500once``  first request gets 500
* ``badjson``  first request gets malformed JSON content
* ``drop``     coding batches of 2+ responses leave out the last index
* ``dropall``  coding replies leave out every index that mentions "mystery"
* ``slow``     sleeps 2 s before answering (past the client's timeout)
* ``refuse``   400 with an upstream error message
* ``filter``   400 "content_filter" for any request containing "forbidden" (Azure-style)
* ``nojsonmode`` 400 if ``response_format`` is sent (like LM Studio)

``GET /_log?model=M`` returns the request bodies received for model M; ``GET /health`` -> ok.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from collections import defaultdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

#: keyword pattern -> (theme name, sentiment, category)
RULES: list[tuple[str, str, str, str]] = [
    (r"price|expensive|cost", "Price too high", "Negative", "Value"),
    (r"friendly|helpful staff|kind", "Friendly staff", "Positive", "Service"),
    (r"slow|wait|queue", "Slow service", "Negative", "Service"),
    (r"crash|bug", "App crashes", "Negative", "Product"),
    (r"coke|coca", "Coca-Cola", "Positive", "Brands"),
]
UNKNOWN_CODE = "Invented by the model"  # returned alongside real codes; the engine must drop it

app = FastAPI()
LOG: dict[str, list[dict[str, Any]]] = defaultdict(list)
SEEN: dict[str, int] = defaultdict(int)


@app.get("/health")
def health() -> PlainTextResponse:
    return PlainTextResponse("ok")


@app.get("/_log")
def get_log(model: str) -> JSONResponse:
    return JSONResponse(LOG.get(model, []))


@app.post("/v1/chat/completions")
async def chat(request: Request) -> Any:
    body = await request.json()
    model = str(body.get("model", ""))
    LOG[model].append({"body": body, "authorization": request.headers.get("authorization")})
    SEEN[model] += 1
    first = SEEN[model] == 1
    modes = set(model.split("+")[1:]) | set(filter(None, request.headers.get("x-fake-mode", "").split(",")))

    if "slow" in modes:
        await asyncio.sleep(2.0)
    if "429once" in modes and first:
        return JSONResponse({"error": {"message": "Rate limit reached"}}, status_code=429, headers={"Retry-After": "1"})
    if "500once" in modes and first:
        return JSONResponse({"error": {"message": "upstream exploded"}}, status_code=500)
    if "refuse" in modes:
        return JSONResponse({"error": {"message": "model 'x' does not exist"}}, status_code=400)
    if "nojsonmode" in modes and "response_format" in body:
        return JSONResponse({"error": "'response_format.type' must be 'json_schema'"}, status_code=400)
    if "filter" in modes and "forbidden" in json.dumps(body["messages"]):
        return JSONResponse({"error": {"message": "The response was filtered (content_filter)"}}, status_code=400)
    if "badjson" in modes and first:
        return _completion(model, '{"results": [ {"i": 0, "codes": [ oops')

    payload = _input(body["messages"])
    if "codebook" in payload:
        reply = _code(payload, modes)
    elif "candidate_themes" in payload:
        reply = _condense(payload["candidate_themes"])
    else:
        reply = _themes(payload["responses"])
    return _completion(model, json.dumps(reply))


def _completion(model: str, content: str) -> JSONResponse:
    return JSONResponse({
        "id": "chatcmpl-fake", "object": "chat.completion", "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    })


def _input(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The INPUT block of the first user message (a repair round appends messages after it)."""
    for m in messages:
        if m["role"] == "user" and "INPUT:\n" in m["content"]:
            return json.loads(m["content"].split("INPUT:\n", 1)[1])
    raise ValueError("no INPUT block")


def _matches(text: str) -> list[tuple[str, str, str]]:
    found = [(name, sent, cat) for pat, name, sent, cat in RULES if re.search(pat, text, re.I)]
    # "topic 7" -> theme "Topic 7": lets a test make as many distinct themes as it likes.
    found += [(f"Topic {n}", "Neutral", "Topics") for n in re.findall(r"topic (\d+)", text, re.I)]
    return found


def _themes(responses: list[dict[str, Any]]) -> dict[str, Any]:
    themes: dict[str, dict[str, Any]] = {}
    for r in responses:
        for name, sent, cat in _matches(r["text"]):
            t = themes.setdefault(name, {"name": name, "definition": f"Mentions {name.lower()}.",
                                         "sentiment": sent.lower(), "category": cat,
                                         "keywords": [name.split()[0].lower()], "members": []})
            t["members"].append(r["i"])
    return {"themes": list(themes.values())}


def _condense(candidates: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, dict[str, Any]] = {}
    for c in candidates:
        t = merged.setdefault(c["name"].lower(), {k: c[k] for k in ("name", "definition", "sentiment", "category")}
                              | {"merged_from": []})
        t["merged_from"].append(c["id"])
    return {"themes": list(merged.values())}


def _code(payload: dict[str, Any], modes: set[str]) -> dict[str, Any]:
    names = {c["name"].lower(): c["name"] for c in payload["codebook"]}
    responses = payload["responses"]
    results = []
    for r in responses:
        if "dropall" in modes and "mystery" in r["text"].lower():
            continue
        codes = []
        for k, (name, sent, _cat) in enumerate(_matches(r["text"])):
            if name.lower() in names:
                # Lower-cased on purpose: the engine maps names case-insensitively.
                codes.append({"name": name.lower(), "sentiment": sent, "confidence": 0.9 if k == 0 else 0.6})
        if codes:
            codes.append({"name": UNKNOWN_CODE, "sentiment": "Neutral", "confidence": 0.99})
        if "very" in r["text"].lower() and codes:
            codes[0]["confidence"] = 1.7  # out of range: the engine must clip
        results.append({"i": r["i"], "codes": codes})
    if "drop" in modes and len(responses) > 1:
        results = [x for x in results if x["i"] != responses[-1]["i"]]
    return {"results": results}


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
