"""Embeddings are kept per distinct text in the project database: recoding embeds nothing new."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from surveycoder_core import service
from surveycoder_core.db.store import one, session
from surveycoder_core.engines import get_engine
from surveycoder_core.engines.embedded.embedder import Embedder
from surveycoder_core.human_review import queue as reviews
from surveycoder_core.schemas import CodeRequest

TEXTS = ["the lift was out of order again", "waited ages for the lift", "the floors were spotless",
         "toilets were dirty", "ramps at every door", "very clean waiting room, but the lift was broken",
         "staff were kind and helpful", "parking was a nightmare", "nothing", "lovely nurses, awful food"]
CODEBOOK = {"categories": [{"name": "Building", "codes": [
    {"name": "Accessibility", "definition": "Getting around the building."},
    {"name": "Cleanliness", "definition": "How clean the place was."},
    {"name": "Staff", "definition": "The people who cared for you."},
]}]}


def _count_embedded(monkeypatch) -> list[str]:
    """Every text the model is actually run on (the real model still runs)."""
    embedded: list[str] = []
    real = Embedder._raw

    def counting(self, texts):
        embedded.extend(texts)
        return real(self, texts)

    monkeypatch.setattr(Embedder, "_raw", counting)
    return embedded


def test_recoding_after_a_review_embeds_nothing_new(db_path: Path, monkeypatch) -> None:
    embedded = _count_embedded(monkeypatch)
    request = CodeRequest.model_validate({"responses": [{"id": f"r{i}", "text": t} for i, t in enumerate(TEXTS)],
                                          "codebook": CODEBOOK})
    qid = service.code_request(request, db_path=db_path, engine=get_engine(db_path=db_path)).data.question_id
    assert embedded, "the first run must embed the answers"
    with session(db_path) as db:
        access = one(db, "SELECT id FROM codes WHERE question_id = ? AND name = 'Accessibility'", (qid,))["id"]
        row = one(db, "SELECT id, version FROM responses WHERE question_id = ? AND respondent_id = 'r1'", (qid,))
        reviews.decide_review(db, qid, row["id"], codes=[{"code_id": access, "sentiment": "Negative"}],
                              actor="alice", expected_version=row["version"])
    first_run = len(embedded)
    # A new engine, as a new process would have: only the database remembers the vectors.
    service.recode_unreviewed(qid, db_path=db_path, engine=get_engine(db_path=db_path), as_job=False)
    assert embedded[first_run:] == []


def test_cached_vectors_equal_fresh_ones(db_path: Path) -> None:
    from surveycoder_core.db.store import EmbeddingStore

    fresh = Embedder().embed(TEXTS)
    cold = Embedder(cache=EmbeddingStore(db_path)).embed(TEXTS)
    warm = Embedder(cache=EmbeddingStore(db_path)).embed(TEXTS)
    np.testing.assert_allclose(cold, fresh, atol=1e-6)
    np.testing.assert_array_equal(warm, cold)


def test_length_sorted_batches_give_the_models_own_vectors() -> None:
    from surveycoder_core.engines.embedded.embedder import _load_wordllama, wordllama_embed

    model = _load_wordllama()
    # Lengths that differ a lot, more texts than one batch of 64, duplicates and an empty one.
    texts = [("the lift was broken " * (i % 17 + 1)).strip() for i in range(150)] + TEXTS + ["", TEXTS[0]]
    np.testing.assert_array_equal(wordllama_embed(model, texts), np.asarray(model.embed(texts), dtype=np.float32))


def test_without_a_database_each_distinct_text_is_embedded_once(monkeypatch) -> None:
    """An engine with no store (the evaluation harness, a one-shot run) memoises in the process, bounded."""
    from surveycoder_core.engines.embedded import embedder as embedder_module

    embedded = _count_embedded(monkeypatch)
    memo = Embedder()
    first = memo.embed(TEXTS)
    again = memo.embed(TEXTS[:3] + ["a text not seen before"])
    assert sorted(embedded) == sorted({*TEXTS, "a text not seen before"})  # each once
    np.testing.assert_array_equal(again[:3], first[:3])
    np.testing.assert_allclose(first, Embedder(cache=None).embed(TEXTS), atol=1e-6)

    monkeypatch.setattr(embedder_module, "MEMO_TEXTS", 4)
    small = Embedder()
    small.embed(TEXTS)
    assert isinstance(small.cache, embedder_module.MemoryCache)
    assert len(small.cache) == 4  # the oldest are dropped past the bound
    embedded.clear()
    small.embed(TEXTS[-1:])
    assert embedded == []  # the newest is still remembered
