"""The LLM engine against a fake OpenAI-compatible server running as a real process on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import httpx
import numpy as np
import pytest

from surveycoder_core.engine_api import Coder, CodeSpec, CodingContext, Engine, TextCoding
from surveycoder_core.engines.llm.engine import LLMEngine
from surveycoder_core.errors import EngineError

SERVER = Path(__file__).with_name("fake_openai_server.py")

CODEBOOK = [
    CodeSpec(key="c-price", name="Price too high", category="Value", sentiment="Negative",
             definition="Says it costs too much.", examples=["Far too expensive"]),
    CodeSpec(key="c-staff", name="Friendly staff", category="Service", sentiment="Positive"),
    CodeSpec(key="c-slow", name="Slow service", category="Service", sentiment="Negative"),
]
TEXTS = [
    "Too expensive for what you get",  # 0 price
    "The staff were friendly and kind",  # 1 staff
    "Friendly people but the price is silly",  # 2 staff + price, mixed stance
    "I had to wait ages in the queue",  # 3 slow
    "Nothing to add",  # 4 none
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(SERVER), "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=0.5, trust_env=False).text == "ok":
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keep every request on loopback even if the machine has a proxy configured.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


def _model(*modes: str) -> str:
    """A unique model name so the server's "once" state is per test."""
    return "+".join(["fake", *modes, uuid.uuid4().hex[:8]])


def _engine(server: str, *modes: str, **kwargs: object) -> LLMEngine:
    opts: dict[str, object] = {"timeout": 5, "max_retries": 2, "backoff": 0.01, "batch_size": 25}
    opts.update(kwargs)
    return LLMEngine(f"{server}/v1", "sk-test", _model(*modes), **opts)  # type: ignore[arg-type]


def _log(server: str, engine: LLMEngine) -> list[dict]:
    return httpx.get(f"{server}/_log", params={"model": engine.model}, trust_env=False).json()


def _keys(coding: TextCoding) -> list[str]:
    return [a.code_key for a in coding.assignments]


# ---------------------------------------------------------------------- codebook


def test_generate_codebook_shape(server: str) -> None:
    engine = _engine(server)
    texts = TEXTS * 12  # 60 texts: two map batches, then a condense call
    seen: list[tuple[int, int]] = []
    context = CodingContext(question_text="Why?")
    drafts = engine.generate_codebook(texts, context, progress=lambda d, t: seen.append((d, t)))

    by_name = {d.name: d for d in drafts}
    assert set(by_name) == {"Price too high", "Friendly staff", "Slow service"}  # merged across batches
    price = by_name["Price too high"]
    assert price.sentiment == "Negative" and price.category == "Value" and price.definition
    # Members come back as indices into the texts given, from both batches.
    assert price.member_indices == sorted(i for i, t in enumerate(texts) if i % 5 in (0, 2))
    assert 0.5 < price.confidence <= 0.95 and price.keywords
    assert seen[-1] == (2, 2)

    calls = _log(server, engine)
    assert len(calls) == 3  # two map batches + one reduce
    first = calls[0]
    assert first["authorization"] == "Bearer sk-test"
    assert first["body"]["response_format"] == {"type": "json_object"}
    assert "Survey question: Why?" in first["body"]["messages"][0]["content"]


def test_codebook_qualitative_topics_is_neutral(server: str) -> None:
    drafts = _engine(server).generate_codebook(TEXTS, CodingContext(coding_type="qualitative_topics"))
    assert drafts and {d.sentiment for d in drafts} == {"Neutral"}


def test_codebook_entity_prompt_normalises_names(server: str) -> None:
    engine = _engine(server)
    drafts = engine.generate_codebook(["I love coke", "Coca cola is best", ""], CodingContext(coding_type="entity"))
    assert [d.name for d in drafts] == ["Coca-Cola"] and drafts[0].member_indices == [0, 1]
    assert "canonical name" in _log(server, engine)[0]["body"]["messages"][0]["content"]


def test_codebook_of_nothing_makes_no_call(server: str) -> None:
    engine = _engine(server)
    assert engine.generate_codebook(["", "  "], CodingContext()) == []
    assert _log(server, engine) == []


# ---------------------------------------------------------------------- coding


def test_coding_maps_names_back_to_keys(server: str) -> None:
    engine = _engine(server)
    coder = engine.prepare(CODEBOOK, TEXTS, CodingContext())
    assert isinstance(coder, Coder)
    out = coder.code(TEXTS)

    assert len(out) == len(TEXTS)
    assert _keys(out[0]) == ["c-price"]  # lower-cased name mapped back; invented code dropped
    assert _keys(out[1]) == ["c-staff"]
    assert _keys(out[3]) == ["c-slow"]
    assert out[4].assignments == []
    a = out[0].assignments[0]
    assert (a.sentiment, a.score, a.confidence) == ("Negative", 0.9, "high")
    assert coder.unprocessable == []
    assert len(_log(server, engine)) == 1  # one batch

    # The coding manual carries names, definitions and examples.
    prompt = _log(server, engine)[0]["body"]["messages"][1]["content"]
    assert "Far too expensive" in prompt and "Says it costs too much." in prompt


def test_coding_multi_label_in_mention_order(server: str) -> None:
    out = _engine(server).prepare(CODEBOOK, TEXTS, CodingContext()).code([TEXTS[2]])
    coding = out[0]
    assert _keys(coding) == ["c-price", "c-staff"]  # rule order in the fake: price first
    assert [a.confidence for a in coding.assignments] == ["high", "medium"]
    assert coding.sentiment_mixed  # Negative + Positive
    assert coding.candidates == [("c-price", 0.9), ("c-staff", 0.6)]


def test_score_is_clipped(server: str) -> None:
    out = _engine(server).prepare(CODEBOOK, [], CodingContext()).code(["very expensive"])
    assert out[0].assignments[0].score == 1.0


def test_qualitative_topics_forces_neutral(server: str) -> None:
    out = _engine(server).prepare(CODEBOOK, TEXTS, CodingContext(coding_type="qualitative_topics")).code(TEXTS)
    sentiments = {a.sentiment for c in out for a in c.assignments}
    assert sentiments == {"Neutral"}
    assert not any(c.sentiment_mixed for c in out)


def test_batches_of_batch_size(server: str) -> None:
    engine = _engine(server, batch_size=2)
    out = engine.prepare(CODEBOOK, TEXTS, CodingContext()).code(TEXTS + ["", "   "])
    assert len(out) == 7 and out[5].assignments == [] and out[6].assignments == []
    assert len(_log(server, engine)) == 3  # 5 non-blank texts in batches of 2; blanks never sent


# ---------------------------------------------------------------------- resilience


def test_429_with_retry_after_then_success(server: str) -> None:
    engine = _engine(server, "429once")
    start = time.monotonic()
    out = engine.prepare(CODEBOOK, TEXTS, CodingContext()).code(TEXTS[:2])
    assert time.monotonic() - start >= 0.9  # waited Retry-After: 1, not the 0.01 s backoff
    assert _keys(out[0]) == ["c-price"]
    assert len(_log(server, engine)) == 2


def test_500_then_success(server: str) -> None:
    engine = _engine(server, "500once")
    out = engine.prepare(CODEBOOK, TEXTS, CodingContext()).code(TEXTS[:2])
    assert _keys(out[1]) == ["c-staff"]
    assert len(_log(server, engine)) == 2


def test_malformed_json_is_repaired(server: str) -> None:
    engine = _engine(server, "badjson")
    out = engine.prepare(CODEBOOK, TEXTS, CodingContext()).code(TEXTS[:2])
    assert _keys(out[0]) == ["c-price"]
    calls = _log(server, engine)
    assert len(calls) == 2
    repair = calls[1]["body"]["messages"]
    assert repair[-2]["role"] == "assistant" and "not JSON" in repair[-1]["content"]


def test_missing_index_is_reasked_alone(server: str) -> None:
    engine = _engine(server, "drop")
    coder = engine.prepare(CODEBOOK, TEXTS, CodingContext())
    out = coder.code(TEXTS[:4])
    assert _keys(out[3]) == ["c-slow"]  # dropped from the batch, recovered alone
    assert coder.unprocessable == []
    calls = _log(server, engine)
    assert len(calls) == 2
    alone = '"responses": [{"i": 0, "text": "I had to wait ages in the queue"}]'
    assert alone in calls[1]["body"]["messages"][1]["content"]


def test_what_still_fails_is_empty_not_dropped(server: str) -> None:
    coder = _engine(server, "dropall").prepare(CODEBOOK, TEXTS, CodingContext())
    out = coder.code(["too expensive", "a mystery", "slow queue"])
    assert len(out) == 3 and out[1].assignments == [] and _keys(out[2]) == ["c-slow"]
    assert coder.unprocessable == [1]


def test_timeout_raises_gateway_timeout(server: str) -> None:
    engine = _engine(server, "slow", timeout=0.3, max_retries=1)
    start = time.monotonic()
    with pytest.raises(EngineError) as exc:
        engine.prepare(CODEBOOK, TEXTS, CodingContext()).code(TEXTS[:2])
    assert exc.value.code == "GATEWAY_TIMEOUT" and exc.value.http_status == 504
    assert time.monotonic() - start < 3


def test_upstream_refusal_carries_message(server: str) -> None:
    with pytest.raises(EngineError) as exc:
        _engine(server, "refuse").generate_codebook(TEXTS, CodingContext())
    assert exc.value.code == "CODEBOOK_GENERATION_FAILED"
    assert "does not exist" in exc.value.message


def test_endpoint_without_json_mode(server: str) -> None:
    engine = _engine(server, "nojsonmode")
    out = engine.prepare(CODEBOOK, TEXTS, CodingContext()).code(TEXTS[:2])
    assert _keys(out[0]) == ["c-price"]
    calls = _log(server, engine)
    assert "response_format" not in calls[-1]["body"]


def test_connection_refused_is_retried_then_fails(server: str) -> None:
    engine = LLMEngine(f"http://127.0.0.1:{_free_port()}/v1", "k", "m", max_retries=1, backoff=0.01)
    with pytest.raises(EngineError) as exc:
        engine.prepare(CODEBOOK, TEXTS, CodingContext()).code(TEXTS[:1])
    assert exc.value.code == "CODING_FAILED" and "connection error" in exc.value.message


# ---------------------------------------------------------------------- config


def test_from_env_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEYCODER_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SURVEYCODER_LLM_MODEL", "m")
    monkeypatch.delenv("SURVEYCODER_LLM_API_KEY", raising=False)
    with pytest.raises(EngineError) as exc:
        LLMEngine.from_env()
    assert exc.value.code == "CONFIG_ERROR" and "SURVEYCODER_LLM_API_KEY" in exc.value.message


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEYCODER_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SURVEYCODER_LLM_API_KEY", "k")
    monkeypatch.setenv("SURVEYCODER_LLM_MODEL", "gpt-test")
    engine = LLMEngine.from_env(batch_size=10)
    assert engine.name == "engine:llm:gpt-test" and engine.batch_size == 10
    assert isinstance(engine, Engine)
    assert str(engine.client.url) == "http://127.0.0.1:9/v1/chat/completions"


def test_azure_style_url_keeps_api_version() -> None:
    engine = LLMEngine("https://x.openai.azure.com/openai/v1?api-version=preview", "k", "gpt")
    assert str(engine.client.url) == "https://x.openai.azure.com/openai/v1/chat/completions?api-version=preview"


def test_embed_delegates_or_fails() -> None:
    class Embedder:
        def embed(self, texts: object) -> np.ndarray:
            return np.ones((2, 3))

    with pytest.raises(EngineError) as exc:
        LLMEngine("http://127.0.0.1:9/v1", "k", "m").embed(["a"])
    assert exc.value.code == "CONFIG_ERROR"
    engine = LLMEngine("http://127.0.0.1:9/v1", "k", "m", embedder=Embedder())  # type: ignore[arg-type]
    assert engine.embed(["a", "b"]).shape == (2, 3)


def test_content_filter_on_one_text_spares_the_others(server: str) -> None:
    engine = _engine(server, "filter")
    coder = engine.prepare(CODEBOOK, TEXTS, CodingContext())
    out = coder.code(["too expensive", "forbidden words", "slow queue"])
    assert _keys(out[0]) == ["c-price"] and out[1].assignments == [] and _keys(out[2]) == ["c-slow"]
    assert coder.unprocessable == [1]
    assert len(_log(server, engine)) == 4  # the batch, then each text alone


def test_retry_after_forms() -> None:
    from datetime import datetime, timedelta
    from email.utils import format_datetime

    from surveycoder_core.engines.llm.client import _retry_after

    def resp(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    assert _retry_after(resp("2")) == 2.0
    assert _retry_after(resp("3600")) == 60.0  # capped so a run never stalls for an hour
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    assert 3 <= (_retry_after(resp(soon)) or 0) <= 5
    assert _retry_after(resp("soon")) is None


def test_codebook_is_capped_and_members_survive_rounds(server: str) -> None:
    engine = _engine(server)
    texts = [f"about topic {i % 60}" for i in range(120)]  # 60 distinct themes, each twice
    drafts = engine.generate_codebook(texts, CodingContext())
    assert len(drafts) == 40  # MAX_CODES
    for d in drafts:
        n = int(d.name.split()[1])
        assert d.member_indices == [n, n + 60]  # traced back through every condense round
    assert len(_log(server, engine)) == 6  # 3 map batches, condense, 2 further rounds (bounded)


def test_reply_models_are_lenient_about_cosmetic_slips() -> None:
    from surveycoder_core.engines.llm.prompts import CodingReply, ThemesReply

    reply = CodingReply.model_validate({"results": [
        {"i": "0", "codes": [
            "Price too high", {"name": "Slow service", "sentiment": "NEGATIVE", "confidence": "high"}]},
        {"i": 1, "codes": None},
        {"i": 2, "codes": [{"name": "x", "sentiment": "angry", "confidence": None}]},
    ]})
    first, second, third = reply.results
    assert [(c.name, c.sentiment, c.confidence) for c in first.codes] == [
        ("Price too high", "Neutral", 0.5), ("Slow service", "Negative", 0.9)]
    assert second.codes == []
    assert (third.codes[0].sentiment, third.codes[0].confidence) == ("Neutral", 0.5)
    themes = ThemesReply.model_validate({"themes": [{"name": "A", "category": None, "keywords": None}]})
    assert themes.themes[0].category == "" and themes.themes[0].keywords == []


def test_whole_pipeline_on_the_llm_engine(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """get_engine("llm") from the environment, through the service layer into SQLite and back."""
    from surveycoder_core import service
    from surveycoder_core.engines import get_engine
    from surveycoder_core.schemas import CodeRequest

    monkeypatch.setenv("SURVEYCODER_LLM_BASE_URL", f"{server}/v1")
    monkeypatch.setenv("SURVEYCODER_LLM_API_KEY", "test-key")
    monkeypatch.setenv("SURVEYCODER_LLM_MODEL", _model())
    db = tmp_path / "llm.db"
    engine = get_engine("llm", db_path=db)
    texts = ["the price is too high", "staff were friendly", "price too high and staff friendly", "n/a"]
    req = CodeRequest.model_validate({"responses": [{"id": f"L{i}", "text": t} for i, t in enumerate(texts)]})
    data = service.code_request(req, db_path=db, engine=engine).data
    assert [r.id for r in data.results] == ["L0", "L1", "L2", "L3"]
    assert data.results[3].status == "no_data" and data.credits_used == 3
    names = {c.name for cat in data.codebook for c in cat.codes}
    assert names and {a.name for r in data.results for a in r.codes} <= names
    # The LLM's codebook goes through the same checks as the embedded engine's: no empty codes.
    assert all(c.frequency >= 1 for cat in data.codebook for c in cat.codes)
