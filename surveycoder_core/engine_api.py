"""The engine protocol: the few operations the pipeline needs from a coding engine, and the plain values
that cross it (CodeSpec, DraftCode, CodingContext, TextCoding, Assignment). It imports nothing of the
package, so the database layer can store these values without depending on any engine.

Two implementations: ``embedded`` (offline, the default) and ``llm`` (any
OpenAI-compatible chat-completions endpoint). The pipeline only talks to this protocol.

Stages map onto it like this::

    codebook stage   ->  engine.generate_codebook(texts, context)      -> [DraftCode]
    coding stage     ->  coder = engine.prepare(codebook, texts, context)   (the "coding manual",
                         coder.code(batch) for each checkpointed batch      built once per question)
    review stage     ->  uses TextCoding.candidates / scores (engines/flags.py), and
                         engine.generate_codebook on unfitted texts for new-code suggestions
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

Progress = Callable[[int, int], None]
"""Called with (done, total) while a long step runs."""


@dataclass(frozen=True)
class CodingContext:
    coding_type: str = "qualitative"  # qualitative | entity | qualitative_topics
    language: str = "en"
    question_text: str | None = None
    guidance: str | None = None
    # Answers a human coded with no code of the codebook (a review that removed every code): the
    # learner takes them as negatives for every code, so it learns what fits none.
    no_code_examples: tuple[str, ...] = ()


@dataclass
class CodeSpec:
    """A code of the codebook as the engine sees it."""

    key: str  # stable id (the store's code id)
    name: str
    category: str
    definition: str | None = None
    sentiment: str = "Neutral"  # expected polarity
    examples: list[str] = field(default_factory=list)  # verbatims a human coded with it


@dataclass
class DraftCode:
    """A code proposed by codebook generation (or by refinement, for unfitted texts)."""

    name: str
    category: str
    definition: str
    sentiment: str
    member_indices: list[int]  # indices into the texts the engine was given
    keywords: list[str] = field(default_factory=list)
    confidence: float = 0.5  # how sure the engine is that this is a coherent theme, 0..1
    # 2-3 typical answers shown with the code (Codebook and Run pages); stored first among its examples.
    examples: list[str] = field(default_factory=list)


@dataclass
class Assignment:
    code_key: str
    sentiment: str  # Positive | Negative | Neutral | Mixed
    score: float  # calibrated probability that the code applies, 0..1
    confidence: str  # high | medium | low (from score)


@dataclass
class TextCoding:
    """What the coder concluded about one text."""

    assignments: list[Assignment]  # in mention order (first = most salient)
    candidates: list[tuple[str, float]] = field(default_factory=list)  # top alternatives (code_key, score)
    sentiment_mixed: bool = False  # text carries both praise and complaint
    # The question's own bar for the review flag (the embedded coder ranks its answers and puts
    # the least certain share below it); None: review.py uses absolute thresholds.
    review_cut: float | None = None


class EmbeddingCache(Protocol):
    """Where computed embeddings are kept between runs (the store implements it)."""

    def get_many(self, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]: ...

    def put_many(self, model: str, vectors: dict[str, np.ndarray]) -> None: ...


@runtime_checkable
class Coder(Protocol):
    def code(self, texts: Sequence[str]) -> list[TextCoding]: ...


@runtime_checkable
class Engine(Protocol):
    name: str  # recorded as the assignment source, e.g. "engine:embedded"

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def generate_codebook(
        self, texts: Sequence[str], context: CodingContext, progress: Progress | None = None
    ) -> list[DraftCode]: ...

    def prepare(
        self,
        codebook: Sequence[CodeSpec],
        texts: Sequence[str],
        context: CodingContext,
        progress: Progress | None = None,
    ) -> Coder: ...


def confidence_label(score: float) -> str:
    """Map a calibrated probability to the seed's three levels."""
    if score >= 0.75:
        return "high"
    if score >= 0.5:
        return "medium"
    return "low"
