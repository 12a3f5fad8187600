"""The ``llm`` engine: codebooks and coding from any OpenAI-compatible chat-completions endpoint.

Codebook generation follows themefinder's pipeline: propose themes per batch of ~50 sampled
responses (map), then condense near-duplicates into at most ~40 stance-explicit codes (reduce).
Theme ids are assigned in code, never by the model, so members survive the merge.

Coding sends numbered batches with the codebook and maps the returned names back to code keys.
Every index must come back: missing ones are re-asked one at a time, and what still fails gets an
empty :class:`TextCoding` (listed in ``coder.unprocessable``) instead of being dropped.

The HTTP side (retries, backoff, JSON repair, error codes) lives in :mod:`.llm_client`, the
prompts and reply models in :mod:`.llm_prompts`, the coder in :mod:`.llm_coder`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from surveycoder_core import config
from surveycoder_core.engine_api import CodeSpec, CodingContext, DraftCode, Engine, Progress
from surveycoder_core.engines.llm.client import ChatClient
from surveycoder_core.engines.llm.coder import LLMCoder
from surveycoder_core.engines.llm.prompts import (
    ThemeOut,
    ThemesReply,
    clip_text,
    input_block,
    map_prompt,
    reduce_prompt,
)
from surveycoder_core.errors import EngineError

log = logging.getLogger(__name__)

ENV_BASE_URL = "SURVEYCODER_LLM_BASE_URL"
ENV_API_KEY = "SURVEYCODER_LLM_API_KEY"
ENV_MODEL = "SURVEYCODER_LLM_MODEL"

MAP_BATCH = 50  # responses per theme-proposal call (themefinder's size)
MAX_SAMPLE = 1000  # responses read for a codebook; more adds cost, rarely new themes
MAX_CODES = 40  # users find 30+ themes overwhelming; the reduce step aims below this
REDUCE_CHUNK = 120  # candidate themes per condense call, so prompts stay bounded

__all__ = ["ENV_API_KEY", "ENV_BASE_URL", "ENV_MODEL", "LLMCoder", "LLMEngine"]


# ---------------------------------------------------------------------- engine


class LLMEngine:
    """Engine over an OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        *,
        timeout: float = 60,
        max_retries: int = 4,
        batch_size: int = 25,
        embedder: Engine | None = None,
        backoff: float = 1.0,
        temperature: float | None = 0.0,
    ) -> None:
        if not base_url or not model:
            raise EngineError("The LLM engine needs a base URL and a model name.", code="CONFIG_ERROR")
        self.model = model
        self.name = f"engine:llm:{model}"
        self.batch_size = max(1, int(batch_size))
        self.embedder = embedder
        self.client = ChatClient(
            base_url, api_key, model, timeout=timeout, max_retries=max_retries, backoff=backoff,
            temperature=temperature,
        )

    @classmethod
    def from_env(cls, settings: dict[str, str] | None = None, **kwargs: Any) -> LLMEngine:
        """Build from SURVEYCODER_LLM_BASE_URL / _API_KEY / _MODEL, or from ``settings`` keyed by those
        names (a database's settings); keyword arguments pass through."""
        values = {}
        for var in (ENV_BASE_URL, ENV_API_KEY, ENV_MODEL):
            value = (settings.get(var) or "").strip() if settings is not None else config.get(var)
            if not value:
                raise EngineError(
                    f"The LLM engine is not configured: set it on the Settings page or the environment "
                    f"variable {var}.",
                    code="CONFIG_ERROR", variable=var,
                )
            values[var] = value
        return cls(values[ENV_BASE_URL], values[ENV_API_KEY], values[ENV_MODEL], **kwargs)

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self.client.close()

    def __enter__(self) -> LLMEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ protocol

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.embedder is None:
            raise EngineError(
                "The LLM engine has no embedder configured (pass embedder=<embedded engine>).",
                code="CONFIG_ERROR",
            )
        return self.embedder.embed(texts)

    def generate_codebook(
        self, texts: Sequence[str], context: CodingContext, progress: Progress | None = None
    ) -> list[DraftCode]:
        sample = _sample_indices(texts)
        if not sample:
            return []
        batches = [sample[i : i + MAP_BATCH] for i in range(0, len(sample), MAP_BATCH)]
        candidates = self._propose_themes(texts, batches, context, progress)
        if not candidates:
            return []
        final = self._condense(candidates, context)
        return _to_drafts(final, candidates, context, n_sampled=len(sample))

    def prepare(
        self,
        codebook: Sequence[CodeSpec],
        texts: Sequence[str],
        context: CodingContext,
        progress: Progress | None = None,
    ) -> LLMCoder:
        # Nothing to learn up front: the manual is the prompt, so ``progress`` is never called.
        return LLMCoder(self.client, codebook, context, self.batch_size)

    # ------------------------------------------------------------------ codebook steps

    def _propose_themes(
        self,
        texts: Sequence[str],
        batches: list[list[int]],
        context: CodingContext,
        progress: Progress | None,
    ) -> dict[str, _Candidate]:
        """Map step: themes per batch, with members translated back to indices into ``texts``."""
        candidates: dict[str, _Candidate] = {}
        last_error: EngineError | None = None
        system = map_prompt(context)
        for n, batch in enumerate(batches):
            payload = {"responses": [{"i": j, "text": clip_text(texts[idx])} for j, idx in enumerate(batch)]}
            try:
                reply = self.client.complete_json(
                    system, input_block(payload), ThemesReply, failure_code="CODEBOOK_GENERATION_FAILED"
                )
            except EngineError as exc:
                if not exc.details.get("per_input"):
                    raise  # the endpoint is failing: every further batch would fail the same way
                # One bad batch costs its themes, not the codebook; all batches failing is an error.
                log.warning("theme proposal failed for batch %d: %s", n, exc)
                last_error = exc
            else:
                for theme in reply.themes:
                    members = sorted({batch[j] for j in theme.members if 0 <= j < len(batch)})
                    cid = f"t{len(candidates) + 1}"
                    candidates[cid] = _Candidate(cid, theme, members)
            if progress:
                progress(n + 1, len(batches))
        if not candidates and last_error is not None:
            raise last_error
        return candidates

    def _condense(self, candidates: dict[str, _Candidate], context: CodingContext) -> list[ThemeOut]:
        """Reduce step: merge near-duplicates and refine names, again while the list is long."""
        items = list(candidates.values())
        if len(items) <= 1:
            return [_merged_theme(c) for c in items]
        themes = self._condense_once(items, context)
        # Chunks are condensed apart, so their union can still hold duplicates or too many codes:
        # condense it again (bounded, so a model that never shrinks the list cannot loop us).
        for rnd in range(2):
            if len(themes) <= 1 or (len(items) <= REDUCE_CHUNK and len(themes) <= MAX_CODES):
                break
            items = [_regroup(f"r{rnd}.{k + 1}", t, candidates) for k, t in enumerate(themes)]
            relabelled = {c.cid: c for c in items}
            themes = _resolve_merged(self._condense_once(items, context), relabelled)
        return themes

    def _condense_once(self, items: list[_Candidate], context: CodingContext) -> list[ThemeOut]:
        system = reduce_prompt(context, MAX_CODES)
        out: list[ThemeOut] = []
        for start in range(0, len(items), REDUCE_CHUNK):
            chunk = items[start : start + REDUCE_CHUNK]
            payload = {"candidate_themes": [c.as_input() for c in chunk]}
            try:
                reply = self.client.complete_json(
                    system, input_block(payload), ThemesReply, failure_code="CODEBOOK_GENERATION_FAILED"
                )
                out.extend(reply.themes)
            except EngineError as exc:
                if not exc.details.get("per_input"):
                    raise  # the endpoint is failing; a fallback would hide it
                # The model could not condense this chunk: keep its candidates, de-duplicated by name.
                log.warning("theme condensing failed, keeping candidates as proposed: %s", exc)
                out.extend(_merged_theme(c) for c in chunk)
        return _dedupe_by_name(out)


class _Candidate:
    """A theme proposed by the map step, under an id we assigned."""

    def __init__(self, cid: str, theme: ThemeOut, members: list[int]) -> None:
        self.cid = cid
        self.theme = theme
        self.members = members

    def as_input(self) -> dict[str, Any]:
        t = self.theme
        return {"id": self.cid, "name": t.name, "definition": t.definition, "sentiment": t.sentiment,
                "category": t.category, "count": len(self.members) or len(t.members)}


def _merged_theme(c: _Candidate) -> ThemeOut:
    return c.theme.model_copy(update={"merged_from": [c.cid]})


def _regroup(cid: str, theme: ThemeOut, originals: dict[str, _Candidate]) -> _Candidate:
    """A condensed theme as input to the next round, carrying its originals' members (for counts)."""
    members = sorted({i for oid in theme.merged_from if oid in originals for i in originals[oid].members})
    return _Candidate(cid, theme, members)


def _resolve_merged(merged: list[ThemeOut], relabelled: dict[str, _Candidate]) -> list[ThemeOut]:
    """After a further round, point merged_from back at the original map-step ids."""
    out = []
    for theme in merged:
        ids = [oid for rid in theme.merged_from if rid in relabelled for oid in relabelled[rid].theme.merged_from]
        out.append(theme.model_copy(update={"merged_from": list(dict.fromkeys(ids))}))
    return out


def _dedupe_by_name(themes: list[ThemeOut]) -> list[ThemeOut]:
    seen: dict[str, ThemeOut] = {}
    for t in themes:
        key = t.name.strip().lower()
        if key in seen:
            prev = seen[key]
            seen[key] = prev.model_copy(update={"merged_from": prev.merged_from + t.merged_from,
                                               "keywords": list(dict.fromkeys(prev.keywords + t.keywords))})
        else:
            seen[key] = t
    return list(seen.values())


def _to_drafts(
    final: list[ThemeOut], candidates: dict[str, _Candidate], context: CodingContext, n_sampled: int
) -> list[DraftCode]:
    by_name = {c.theme.name.strip().lower(): c for c in candidates.values()}
    drafts = []
    for theme in final:
        sources = [candidates[cid] for cid in theme.merged_from if cid in candidates]
        if not sources and theme.name.strip().lower() in by_name:  # model forgot merged_from
            sources = [by_name[theme.name.strip().lower()]]
        members = sorted({i for c in sources for i in c.members})
        keywords = list(dict.fromkeys(theme.keywords + [k for c in sources for k in c.theme.keywords]))[:8]
        sentiment = "Neutral" if context.coding_type == "qualitative_topics" else theme.sentiment
        drafts.append(DraftCode(
            name=theme.name.strip(), category=theme.category.strip() or "General",
            definition=theme.definition.strip(), sentiment=sentiment, member_indices=members,
            keywords=keywords, confidence=_theme_confidence(len(members), n_sampled),
        ))
    return _cap(drafts)


def _cap(drafts: list[DraftCode]) -> list[DraftCode]:
    """At most MAX_CODES: keep the best-supported codes, in the model's order."""
    if len(drafts) <= MAX_CODES:
        return drafts
    ranked = sorted(range(len(drafts)), key=lambda k: -len(drafts[k].member_indices))
    keep = set(ranked[:MAX_CODES])
    return [d for k, d in enumerate(drafts) if k in keep]


def _theme_confidence(n_members: int, n_sampled: int) -> float:
    """A coherent theme is one many responses share: 0.5 with no evidence, rising to 0.95."""
    if n_members == 0:
        return 0.5
    support = n_members / max(5.0, 0.05 * n_sampled)
    return round(min(0.95, 0.5 + 0.45 * min(1.0, support)), 3)


def _sample_indices(texts: Sequence[str]) -> list[int]:
    """Non-blank texts, sampled with a fixed seed so the same data gives the same codebook."""
    idx = [i for i, t in enumerate(texts) if t and t.strip()]
    if len(idx) > MAX_SAMPLE:
        idx = sorted(random.Random(0).sample(idx, MAX_SAMPLE))
    return idx
