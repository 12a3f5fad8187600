"""The four stages of the seed's pipeline, over a question stored in SQLite.

``ingest`` happens before anything is written (service.py), so a request with nothing
codable leaves no trace. The later stages are checkpointed: the codebook is saved once,
coding is saved (and charged) batch by batch, so a job that dies resumes at the first
response not yet coded and never charges a response twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import sqlite_utils

from surveycoder_core import config
from surveycoder_core.access.credits import charge
from surveycoder_core.db.codebooks import code_specs, has_codebook, no_code_examples, save_drafts
from surveycoder_core.db.projects import get_question, set_question_status
from surveycoder_core.db.responses import Flag, canonical_texts, pending_canonical, save_codings
from surveycoder_core.db.store import record_event, write
from surveycoder_core.engine_api import CodingContext, DraftCode, Engine
from surveycoder_core.engines.flags import flag_for_review
from surveycoder_core.errors import EngineError, InvalidStateError, NoDataError, SurveyCoderError
from surveycoder_core.text.answer_forms import is_catch_all

log = logging.getLogger(__name__)

BATCH_SIZE = 500
EXAMPLES_PER_CODE = 10
STAGES = ("ingest", "codebook", "coding", "review")


class Cancelled(Exception):
    """The job was cancelled between two batches; what was coded stays coded."""


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class RunHooks:
    """How a run reports progress, learns it was cancelled, and who pays."""

    progress: Callable[[str, int, int], None] = _no_progress
    cancelled: Callable[[], bool] = field(default=lambda: False)
    org_id: str = "default"
    job_id: str | None = None
    actor: str = "system"
    on_batch: Callable[[sqlite_utils.Database, int, int], None] | None = None  # inside the batch's write


def context_for(question: dict) -> CodingContext:
    return CodingContext(coding_type=question["coding_type"], language=question["language"],
                         question_text=question["text"] or None, guidance=question["coding_guidance"])


def generate_codebook_stage(db: sqlite_utils.Database, question_id: str, engine: Engine, hooks: RunHooks) -> None:
    """Stage 2: build a codebook from the responses unless the question already has one."""
    if has_codebook(db, question_id):
        return
    question = get_question(db, question_id)
    texts = canonical_texts(db, question_id)
    hooks.progress("codebook", 0, len(texts))
    try:
        drafts = engine.generate_codebook(texts, context_for(question),
                                          lambda d, t: hooks.progress("codebook", d, t))
    except SurveyCoderError:
        raise
    except Exception as exc:  # an engine bug must still end the run with the seed's code
        raise EngineError(f"codebook generation failed: {exc}", code="CODEBOOK_GENERATION_FAILED") from exc
    if not drafts and question["coding_type"] == "entity":
        # Answers that name no brand or product are not a server failure: the request asked for
        # the wrong kind of coding.
        raise NoDataError("no brands, products or other names were found in the responses; code them as "
                          "themes instead (coding_type \"qualitative\")")
    if not drafts:
        raise EngineError("codebook generation found no themes in the responses",
                          code="CODEBOOK_GENERATION_FAILED")
    examples = central_examples(engine, texts, drafts) if question["coding_type"] != "entity" else {}
    # The 2-3 typical answers the engine chose are shown with the code: they go first.
    examples = {n: list(dict.fromkeys([*d.examples, *examples.get(n, [])])) for n, d in enumerate(drafts)}
    with write(db):
        save_drafts(db, question_id, drafts, engine.name, examples=examples)
    set_question_status(db, question_id, "codebook_ready")
    hooks.progress("codebook", len(texts), len(texts))


def batch_size_setting() -> int:
    """Responses per checkpoint: ``SURVEYCODER_BATCH_SIZE`` or :data:`BATCH_SIZE`."""
    return config.batch_size(BATCH_SIZE)


def central_examples(engine: Engine, texts: Sequence[str], drafts: Sequence[DraftCode],
                     k: int = EXAMPLES_PER_CODE) -> dict[int, list[str]]:
    """The ``k`` members nearest each generated theme's centre, as the code's calibration examples.

    A generated code *is* its cluster: coding against these examples keeps the assignments
    faithful to the themes that were found, however well or badly the name describes them.
    Catch-all themes ("Other comments") get none, so they do not attract what fits nowhere.
    """
    if not texts:
        return {}
    vectors = np.asarray(engine.embed(list(texts)), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    out: dict[int, list[str]] = {}
    for n, draft in enumerate(drafts):
        members = [i for i in draft.member_indices if 0 <= i < len(texts)]
        if not members or is_catch_all(draft.name):
            continue
        block = vectors[members]
        centre = block.mean(axis=0)
        order = np.lexsort((np.asarray(members), -(block @ centre)))  # nearest first, ties by position
        out[n] = list(dict.fromkeys(texts[members[i]] for i in order))[:k]
    return out


def coding_stage(db: sqlite_utils.Database, question_id: str, engine: Engine, hooks: RunHooks,
                 batch_size: int | None = None) -> int:
    """Stage 3: code every pending response in checkpointed batches; returns credits charged."""
    batch_size = batch_size or batch_size_setting()
    question = get_question(db, question_id)
    pending = pending_canonical(db, question_id)
    total = len(pending)
    if total == 0:
        return 0
    set_question_status(db, question_id, "coding")
    specs = code_specs(db, question_id)
    names = {s.key: s.name for s in specs}
    # Every human-coded answer teaches: the codes' examples (codebook, reviews, an imported wave) and
    # the answers a human coded with no code at all.
    context = replace(context_for(question), no_code_examples=tuple(no_code_examples(db, question_id)))
    hooks.progress("coding", 0, total)
    try:
        coder = engine.prepare(specs, canonical_texts(db, question_id), context)
    except SurveyCoderError:
        raise
    except Exception as exc:
        raise EngineError(f"coding failed while preparing the coder: {exc}") from exc
    force_neutral = "Neutral" if question["coding_type"] == "qualitative_topics" else None
    version = int(get_question(db, question_id)["codebook_version"])
    done = charged_total = 0
    for start in range(0, total, batch_size):
        if hooks.cancelled():
            raise Cancelled(f"cancelled after {done} of {total} responses")
        batch = pending[start : start + batch_size]
        texts = [r["clean_text"] for r in batch]
        try:
            codings = coder.code(texts)
        except SurveyCoderError:
            raise
        except Exception as exc:
            batches = (total + batch_size - 1) // batch_size
            raise EngineError(
                f"failed at batch {start // batch_size + 1} of {batches}; {done} of {total} coded: {exc}"
            ) from exc
        flags = [Flag(*flag_for_review(c, truncated=bool(r["truncated"]), names=names))
                 for r, c in zip(batch, codings, strict=True)]
        with write(db):
            charged = save_codings(db, batch, codings, flags, source=engine.name, codebook_version=version,
                                   sentiment_override=force_neutral)
            charge(db, hooks.org_id, charged, question_id=question_id, job_id=hooks.job_id)
            done += len(batch)
            if hooks.on_batch is not None:
                hooks.on_batch(db, done, total)
        charged_total += charged
        hooks.progress("coding", done, total)
    estimate = getattr(coder, "estimated_agreement", None)
    if estimate is not None:
        with write(db):
            # What the Review page shows after a recode: agreement expected on the answers not yet
            # coded by a human, cross-validated on the human-coded ones (engines/embedded.py).
            record_event(db, actor=hooks.actor, action="coding.estimate", project_id=question["project_id"],
                         question_id=question_id,
                         payload={"estimated_agreement": round(float(estimate), 4),
                                  "training_answers": sum(len(s.examples) for s in specs),
                                  "codebook_version": version})
    return charged_total


def review_stage(db: sqlite_utils.Database, question_id: str, engine: Engine, hooks: RunHooks) -> None:
    """Stage 4: the generated codebook's checks, then refinement suggestions (review flags were set
    per batch while coding)."""
    from surveycoder_core.pipeline.codebook_checks import check_generated_codebook
    from surveycoder_core.refinement.suggestions import generate_suggestions  # late: refine depends on the stages above

    hooks.progress("review", 0, 1)
    with write(db):
        check_generated_codebook(db, question_id, engine.name)
    # nothing coded (every response fell outside the codebook) is no basis for suggestions yet
    with contextlib.suppress(InvalidStateError):
        generate_suggestions(db, question_id, engine, force=True, actor=engine.name)
    set_question_status(db, question_id, "coded")
    hooks.progress("review", 1, 1)


def run_question(db: sqlite_utils.Database, question_id: str, engine: Engine, hooks: RunHooks | None = None) -> int:
    """Run stages 2–4 on a stored question; safe to call again after a crash (it resumes)."""
    hooks = hooks or RunHooks()
    generate_codebook_stage(db, question_id, engine, hooks)
    charged = coding_stage(db, question_id, engine, hooks)
    review_stage(db, question_id, engine, hooks)
    return charged
