"""The LLM coder: applies a codebook to batches of texts through the chat endpoint.

Built once per question by :meth:`LLMEngine.prepare` (the "coding manual": names, definitions and
a few human-coded examples per code). Every index sent must come back: missing ones are re-asked
one at a time, and what still fails gets an empty :class:`TextCoding` and is listed in
``unprocessable`` — never dropped, and one bad text never fails the run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from surveycoder_core.engine_api import Assignment, CodeSpec, CodingContext, TextCoding, confidence_label
from surveycoder_core.engines.llm.client import ChatClient
from surveycoder_core.engines.llm.prompts import CodeHit, CodingReply, clip_text, coding_prompt, input_block
from surveycoder_core.errors import EngineError

log = logging.getLogger(__name__)

MAX_EXAMPLES = 3  # examples per code in the coding manual
N_CANDIDATES = 5


class LLMCoder:
    """The "coding manual" for one question: the codebook prompt, built once, applied per batch."""

    def __init__(
        self,
        client: ChatClient,
        codebook: Sequence[CodeSpec],
        context: CodingContext,
        batch_size: int,
    ) -> None:
        self.client = client
        self.context = context
        self.batch_size = batch_size
        self.codebook = list(codebook)
        self.labels, self.lookup = _code_labels(self.codebook)
        self.system = coding_prompt(context)
        self.manual = [_manual_entry(label, spec) for label, spec in zip(self.labels, self.codebook, strict=False)]
        #: Indices (into the last ``code()`` call's texts) the model could not code even one at a time.
        self.unprocessable: list[int] = []

    def code(self, texts: Sequence[str]) -> list[TextCoding]:
        self.unprocessable = []
        results: list[TextCoding | None] = [None] * len(texts)
        # Blank texts have nothing to code: they get an empty coding without a call.
        todo = [i for i, t in enumerate(texts) if t and t.strip()]
        if self.codebook:
            for start in range(0, len(todo), self.batch_size):
                self._code_batch(texts, todo[start : start + self.batch_size], results)
        return [r if r is not None else TextCoding(assignments=[]) for r in results]

    def _code_batch(self, texts: Sequence[str], batch: list[int], results: list[TextCoding | None]) -> None:
        try:
            got = self._ask(texts, batch)
        except EngineError as exc:
            if not exc.details.get("per_input"):
                raise  # the endpoint is failing, not this batch: fail so the job can resume here
            log.warning("coding batch failed (%s); re-asking one text at a time", exc)
            got = {}
        for idx, coding in got.items():
            results[idx] = coding
        # Every index must come back; ask for the missing ones one at a time.
        for idx in batch:
            if idx in got:
                continue
            # A one-text batch was already asked alone: no point asking the same thing twice.
            single = self._ask_one(texts, idx) if len(batch) > 1 else None
            if single is None:
                self.unprocessable.append(idx)
                single = TextCoding(assignments=[])
            results[idx] = single

    def _ask_one(self, texts: Sequence[str], idx: int) -> TextCoding | None:
        try:
            return self._ask(texts, [idx]).get(idx)
        except EngineError as exc:
            if not exc.details.get("per_input"):
                raise
            log.warning("text %d could not be coded: %s", idx, exc)
            return None

    def _ask(self, texts: Sequence[str], batch: list[int]) -> dict[int, TextCoding]:
        payload = {
            "codebook": self.manual,
            "responses": [{"i": j, "text": clip_text(texts[idx])} for j, idx in enumerate(batch)],
        }
        reply = self.client.complete_json(self.system, input_block(payload), CodingReply, failure_code="CODING_FAILED")
        out: dict[int, TextCoding] = {}
        for result in reply.results:
            if 0 <= result.i < len(batch) and batch[result.i] not in out:
                out[batch[result.i]] = self._to_coding(result.codes)
        return out

    def _to_coding(self, hits: list[CodeHit]) -> TextCoding:
        assignments: list[Assignment] = []
        for hit in hits:
            key = self.lookup.get(hit.name.strip().lower())
            if key is None or any(a.code_key == key for a in assignments):
                continue  # unknown names are the model inventing codes: drop them
            score = min(1.0, max(0.0, float(hit.confidence)))
            sentiment = "Neutral" if self.context.coding_type == "qualitative_topics" else hit.sentiment
            assignments.append(Assignment(key, sentiment, score, confidence_label(score)))
        sentiments = {a.sentiment for a in assignments}
        ranked = sorted(((a.code_key, a.score) for a in assignments), key=lambda c: -c[1])
        return TextCoding(
            assignments=assignments,
            candidates=ranked[:N_CANDIDATES],
            sentiment_mixed="Mixed" in sentiments or {"Positive", "Negative"} <= sentiments,
        )


def _code_labels(codebook: list[CodeSpec]) -> tuple[list[str], dict[str, str]]:
    """A unique label per code (name, or "name (category)" when names clash) and label -> key."""
    counts: dict[str, int] = {}
    for spec in codebook:
        counts[spec.name.strip().lower()] = counts.get(spec.name.strip().lower(), 0) + 1
    labels: list[str] = []
    lookup: dict[str, str] = {}
    for spec in codebook:
        name = spec.name.strip()
        label = name if counts[name.lower()] == 1 else f"{name} ({spec.category})"
        labels.append(label)
        lookup[label.lower()] = spec.key
        lookup.setdefault(f"{spec.category} / {name}".lower(), spec.key)
    return labels, lookup


def _manual_entry(label: str, spec: CodeSpec) -> dict[str, Any]:
    # "stance" is the polarity the code expects; the reply's sentiment is what each response expresses.
    entry: dict[str, Any] = {"name": label, "category": spec.category, "stance": spec.sentiment}
    if spec.definition:
        entry["definition"] = spec.definition
    if spec.examples:
        entry["examples"] = [clip_text(e)[:200] for e in spec.examples[:MAX_EXAMPLES]]
    return entry
