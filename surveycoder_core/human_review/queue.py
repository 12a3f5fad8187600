"""The human review loop: the queue, decisions with optimistic concurrency, progress, agreement.

Each response row carries a ``version``; a decision names the version the reviewer saw and
is refused with ``STALE_EDIT`` (naming who changed it and when) if the row moved on, so two
people reviewing the same question never overwrite each other. Decisions are events with
an undo payload like every other change. Agreement compares the engine's original codes
(``engine_assignments``) with the final human codes on reviewed responses.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Sequence
from typing import Any

import numpy as np
import sqlite_utils

from surveycoder_core.db.codebooks import code_specs
from surveycoder_core.db.projects import get_question
from surveycoder_core.db.store import get_row, loads, now, one, rows, write
from surveycoder_core.db.undo import Capture, commit_change
from surveycoder_core.engine_api import Assignment, TextCoding
from surveycoder_core.errors import ConflictError, ValidationError
from surveycoder_core.human_review.teaching import teach_order
from surveycoder_core.schemas import normalise_sentiment

SUFFICIENT_N = 30  # like consult: below this the agreement figure is "insufficient data"
BENCHMARK_F1 = 0.75
# A random audit sample measures the engine on the whole question: the flagged queue holds the
# responses it was least sure of, so agreement on those alone understates how good it is.
AUDIT_SIZE = 50
# The teach queue is ordered this far ahead (each pick looks at every answer: cost grows with both).
TEACH_BATCH = 100

_FLAGGED_SQL = (
    "(r.needs_review = 1 OR r.status = 'uncoded' OR EXISTS (SELECT 1 FROM assignments la"
    " WHERE la.response_id = r.id AND la.confidence = 'low'))"
)


def computed_reason(row: dict[str, Any], assignments: list[dict[str, Any]]) -> str | None:
    if row["review_reason"]:
        return str(row["review_reason"])
    if row["status"] == "uncoded":
        return "no_code_fit"
    if any(a["confidence"] == "low" for a in assignments):
        return "low_confidence"
    return None


def _assignments(db: sqlite_utils.Database, response_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {rid: [] for rid in response_ids}
    for start in range(0, len(response_ids), 500):
        chunk = response_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for a in rows(db, "SELECT a.*, c.name FROM assignments a JOIN codes c ON c.id = a.code_id"
                      f" WHERE a.response_id IN ({marks}) ORDER BY a.response_id, a.mention, a.id", chunk):
            out[a["response_id"]].append(a)
    return out


def audit_sample(db: sqlite_utils.Database, question_id: str, size: int = AUDIT_SIZE) -> list[int]:
    """A random sample of the question's codable responses, flagged or not, in audit order.

    Seeded by the question, so every reviewer (and every reload) sees the same sample.
    """
    ids = [r["id"] for r in rows(db, "SELECT id FROM responses WHERE question_id = ? AND status != 'no_data'"
                                     " ORDER BY position, id", (question_id,))]
    return random.Random(f"audit:{question_id}").sample(ids, min(max(0, size), len(ids)))


def review_queue(db: sqlite_utils.Database, question_id: str, *, reasons: list[str] | None = None,
                 code_id: str | None = None, include_reviewed: bool = False,
                 audit: bool = False, every: bool = False) -> list[dict[str, Any]]:
    """Responses that need a human, in position order; the filters combine (AND).

    ``reasons`` are review_reason tokens ("no_code_fit" for uncoded responses without one,
    "low_confidence" for a low-confidence code), plus "uncoded" for every response with no code.
    ``audit`` gives the random audit sample instead (see :func:`audit_sample`), in its own order
    and without filters: filtering it would bias it again. ``every`` gives every codable response,
    flagged or not, reviewed or not, in position order (the filters still apply).
    """
    get_question(db, question_id)
    if every:
        sql = "SELECT r.* FROM responses r WHERE r.question_id = ? AND r.status != 'no_data'"
        params: list[Any] = [question_id]
        if code_id is not None:
            sql += " AND EXISTS (SELECT 1 FROM assignments ca WHERE ca.response_id = r.id AND ca.code_id = ?)"
            params.append(code_id)
        return _queue_items(db, question_id, rows(db, sql + " ORDER BY r.position", params),
                            set(reasons) if reasons else None)
    if audit:
        sample = audit_sample(db, question_id)
        order = {rid: i for i, rid in enumerate(sample)}
        marks = ",".join("?" * len(sample)) or "NULL"
        unreviewed = "" if include_reviewed else " AND r.reviewed = 0"
        found = rows(db, f"SELECT r.* FROM responses r WHERE r.question_id = ? AND r.id IN ({marks}){unreviewed}",
                     [question_id, *sample])
        return _queue_items(db, question_id, sorted(found, key=lambda r: order[r["id"]]), None)
    if include_reviewed:
        # A decided response no longer looks flagged (needs_review cleared, human codes are not
        # "low"), but it was in the queue: decisions keep their review_reason for this.
        flagged = f"({_FLAGGED_SQL} OR (r.reviewed = 1 AND r.review_reason IS NOT NULL))"
    else:
        flagged = f"({_FLAGGED_SQL} AND r.reviewed = 0)"
    sql = f"SELECT r.* FROM responses r WHERE r.question_id = ? AND r.status != 'no_data' AND {flagged}"
    params = [question_id]
    if code_id is not None:
        sql += " AND EXISTS (SELECT 1 FROM assignments ca WHERE ca.response_id = r.id AND ca.code_id = ?)"
        params.append(code_id)
    found = rows(db, sql + " ORDER BY r.position", params)
    return _queue_items(db, question_id, found, set(reasons) if reasons else None)


def _as_coding(response: dict[str, Any], assigned: list[dict[str, Any]]) -> TextCoding:
    """A stored response as the engine left it (scores, candidates), for the teach order."""
    return TextCoding(
        assignments=[Assignment(a["code_id"], a["sentiment"], float(a["score"] if a["score"] is not None else 1.0),
                                a["confidence"] or "high") for a in assigned],
        candidates=[(k, float(v)) for k, v in loads(response["candidates"], [])])


def teach_queue(db: sqlite_utils.Database, question_id: str, embed: Callable[[Sequence[str]], np.ndarray],
                size: int = TEACH_BATCH) -> list[dict[str, Any]]:
    """The unreviewed answers that teach the engine most, best first (:func:`teaching.teach_order`):
    uncertain, of codes with few human examples, and unlike each other and what was reviewed."""
    get_question(db, question_id)
    pool = rows(db, "SELECT r.* FROM responses r WHERE r.question_id = ? AND r.status != 'no_data'"
                    " AND r.dedup_of IS NULL ORDER BY r.position", (question_id,))
    if not pool:
        return []
    assigned = _assignments(db, [r["id"] for r in pool])
    # A human's code carries no score: a reviewed answer is certain.
    codings = [_as_coding(r, assigned[r["id"]]) for r in pool]
    counts = {s.key: len(s.examples) for s in code_specs(db, question_id)}
    vectors = np.asarray(embed([r["clean_text"] for r in pool]))
    order = teach_order(codings, vectors, size, reviewed=[bool(r["reviewed"]) for r in pool],
                        examples_per_code=counts)
    return _queue_items(db, question_id, [pool[i] for i in order], None)


def estimated_agreement(db: sqlite_utils.Database, question_id: str) -> dict[str, Any] | None:
    """The engine's expected agreement with people on the answers it coded in its last run
    (cross-validated on the human-coded answers, recorded by the coding stage), or None."""
    get_question(db, question_id)
    row = one(db, "SELECT payload, created_at FROM events WHERE question_id = ? AND action = 'coding.estimate'"
              " ORDER BY id DESC LIMIT 1", (question_id,))
    if row is None:
        return None
    return {**loads(row["payload"], {}), "created_at": row["created_at"]}


def _queue_items(db: sqlite_utils.Database, question_id: str, found: list[dict[str, Any]],
                 wanted: set[str] | None) -> list[dict[str, Any]]:
    by_response = _assignments(db, [r["id"] for r in found])
    names = {c["id"]: c["name"] for c in rows(db, "SELECT id, name FROM codes WHERE question_id = ?", (question_id,))}
    out = []
    for r in found:
        assigned = by_response[r["id"]]
        reason = computed_reason(r, assigned)
        # "uncoded" is accepted as a filter too: any response with no code, whatever its reason.
        if wanted is not None and reason not in wanted and not ("uncoded" in wanted and r["status"] == "uncoded"):
            continue
        out.append({
            "id": r["id"], "respondent_id": r["respondent_id"], "text": r["text"], "status": r["status"],
            "review_reason": reason, "review_note": r["review_note"], "version": r["version"],
            "reviewed": bool(r["reviewed"]), "reviewed_by": r["reviewed_by"], "reviewed_at": r["reviewed_at"],
            "needs_review": bool(r["needs_review"]),
            "assignments": [{"code_id": a["code_id"], "name": a["name"], "sentiment": a["sentiment"],
                             "confidence": a["confidence"], "score": a["score"], "source": a["source"]}
                            for a in assigned],
            "candidates": [{"code_id": k, "name": names[k], "score": s}
                           for k, s in loads(r["candidates"], []) if k in names],
            "attributes": loads(r["attributes"], {}),
        })
    return out


def _stale_message(db: sqlite_utils.Database, row: dict[str, Any], expected: int) -> str:
    last = one(db, "SELECT actor, created_at FROM events WHERE question_id = ? AND undone_by IS NULL"
               " AND json_extract(payload, '$.response_id') = ? ORDER BY id DESC LIMIT 1",
               (row["question_id"], row["id"]))
    if last:
        who, when = last["actor"], last["created_at"]
    elif row["reviewed_by"]:
        who, when = row["reviewed_by"], row["reviewed_at"]
    else:
        who, when = "the coding engine", "during the last coding run"
    return (f"response {row['respondent_id']} was changed by {who} at {when} (version {row['version']}, you "
            f"reviewed version {expected}); reload it and review again")


def _locked_response(db: sqlite_utils.Database, question_id: str, response_id: int,
                     expected_version: int) -> dict[str, Any]:
    row = get_row(db, "responses", int(response_id), what="Response", question_id=question_id)
    if int(row["version"]) != int(expected_version):
        raise ConflictError(_stale_message(db, row, int(expected_version)), code="STALE_EDIT",
                            response_id=row["id"], version=row["version"])
    return row


def _write_decision(db: sqlite_utils.Database, question_id: str, row: dict[str, Any], codes: list[dict[str, Any]],
                    actor: str, action: str, blind: bool = False) -> dict[str, Any]:
    """Make ``codes`` the response's final set and mark it reviewed (inside a write)."""
    rid = row["id"]
    current = {a["code_id"]: a for a in _assignments(db, [rid])[rid]}
    reason = computed_reason(row, list(current.values()))
    cap = Capture(db, question_id).assignments([rid]).responses([rid])
    version = int(get_question(db, question_id)["codebook_version"])
    source = actor if actor.startswith("human:") else f"human:{actor}"
    stamp = now()
    keep = f" AND code_id NOT IN ({','.join('?' * len(codes))})" if codes else ""
    db.conn.execute(f"DELETE FROM assignments WHERE response_id = ?{keep}", [rid, *[c["code_id"] for c in codes]])
    for mention, c in enumerate(codes, start=1):
        old = current.get(c["code_id"])
        if old is not None and old["sentiment"] == c["sentiment"]:
            # Kept as the engine (or an earlier reviewer) had it: keep its provenance and score.
            db.conn.execute("UPDATE assignments SET mention = ? WHERE id = ?", (mention, old["id"]))
        elif old is not None:
            db.conn.execute("UPDATE assignments SET sentiment = ?, mention = ?, source = ?, created_at = ?"
                            " WHERE id = ?", (c["sentiment"], mention, source, stamp, old["id"]))
        else:
            db.conn.execute(
                "INSERT INTO assignments (response_id, code_id, sentiment, confidence, score, mention, source,"
                " codebook_version, created_at) VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?)",
                (rid, c["code_id"], c["sentiment"], mention, source, version, stamp))
    # The reason is kept (or filled in) so progress can still count the response as flagged.
    db.conn.execute(
        "UPDATE responses SET status = ?, reviewed = 1, reviewed_by = ?, reviewed_at = ?, needs_review = 0,"
        " review_reason = ?, version = version + 1 WHERE id = ?",
        ("coded" if codes else "uncoded", actor, stamp, reason, rid))
    kept = [c["code_id"] for c in codes]
    commit_change(db, cap, actor=actor, action=action, codebook_changed=False, payload={
        "response_id": rid, "respondent_id": row["respondent_id"], "codes": codes,
        "added": [k for k in kept if k not in current], "removed": [k for k in current if k not in kept],
        "blind": blind})
    return {"response_id": rid, "respondent_id": row["respondent_id"], "version": int(row["version"]) + 1,
            "status": "coded" if codes else "uncoded", "codes": codes, "reviewed_by": actor, "reviewed_at": stamp}


def decide_review(db: sqlite_utils.Database, question_id: str, response_id: int, *, codes: list[dict[str, Any]],
                  actor: str, expected_version: int, blind: bool = False) -> dict[str, Any]:
    """Write the reviewer's final codes ([{code_id, sentiment}] in mention order) and mark reviewed.

    ``blind``: the reviewer coded without seeing the engine's codes (recorded with the decision).
    """
    get_question(db, question_id)
    with write(db):
        # Codes are checked under the write lock: someone may be deleting one right now.
        known = {r["id"] for r in rows(db, "SELECT id FROM codes WHERE question_id = ?", (question_id,))}
        final: list[dict[str, Any]] = []
        for c in codes:
            if c.get("code_id") not in known:
                raise ValidationError(f"code not found in this question: {c.get('code_id')}")
            try:
                sentiment = normalise_sentiment(c.get("sentiment"))
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
            if all(f["code_id"] != c["code_id"] for f in final):
                final.append({"code_id": c["code_id"], "sentiment": sentiment})
        row = _locked_response(db, question_id, response_id, expected_version)
        return _write_decision(db, question_id, row, final, actor, "review.decide", blind=blind)


def accept_review(db: sqlite_utils.Database, question_id: str, response_id: int, *, actor: str,
                  expected_version: int) -> dict[str, Any]:
    """Keep the engine's codes as they are and mark the response reviewed."""
    get_question(db, question_id)
    with write(db):
        row = _locked_response(db, question_id, response_id, expected_version)
        current = _assignments(db, [row["id"]])[row["id"]]
        kept = [{"code_id": a["code_id"], "sentiment": a["sentiment"]} for a in current]
        return _write_decision(db, question_id, row, kept, actor, "review.accept")


def review_progress(db: sqlite_utils.Database, question_id: str) -> dict[str, int]:
    """flagged = needs a human now or did when reviewed; total = codable responses."""
    get_question(db, question_id)
    r = one(db, f"SELECT COUNT(*) AS total, SUM(r.reviewed = 1) AS reviewed,"
            f" SUM(({_FLAGGED_SQL} AND r.reviewed = 0) OR (r.reviewed = 1 AND r.review_reason IS NOT NULL))"
            f" AS flagged, SUM(r.reviewed = 1 AND r.review_reason IS NOT NULL) AS reviewed_flagged"
            f" FROM responses r WHERE r.question_id = ? AND r.status != 'no_data'", (question_id,)) or {}
    return {k: int(r.get(k) or 0) for k in ("flagged", "reviewed", "reviewed_flagged", "total")}


def f1_sets(engine: set[str], human: set[str]) -> float:
    if not engine and not human:
        return 1.0
    return 2 * len(engine & human) / (len(engine) + len(human))


def agreement(db: sqlite_utils.Database, question_id: str,
              response_ids: Collection[int] | None = None) -> dict[str, Any]:
    """Engine's original codes vs the final human codes on reviewed responses.

    micro-F1 pools true/false positives over all responses (engine = prediction, human =
    truth); mean F1 is per response, with a normal-approximation 95% CI; kappa (Cohen's) and
    alpha (Krippendorff's) are over every (response, code) cell of presence/absence. Codes
    deleted since are ignored.
    ``response_ids`` restricts it to those responses (the audit sample).
    """
    get_question(db, question_id)
    codes = [r["id"] for r in rows(db, "SELECT id FROM codes WHERE question_id = ?", (question_id,))]
    known = set(codes)
    reviewed = [r["id"] for r in rows(db, "SELECT id FROM responses WHERE question_id = ? AND reviewed = 1"
                                      " AND status != 'no_data' ORDER BY position", (question_id,))]
    if response_ids is not None:
        keep = set(response_ids)
        reviewed = [rid for rid in reviewed if rid in keep]
    engine: dict[int, set[str]] = {rid: set() for rid in reviewed}
    human: dict[int, set[str]] = {rid: set() for rid in reviewed}
    for table, into in (("engine_assignments", engine), ("assignments", human)):
        for r in rows(db, f"SELECT t.response_id, t.code_id FROM {table} t JOIN responses r ON r.id = t.response_id"
                      " WHERE r.question_id = ? AND r.reviewed = 1 AND r.status != 'no_data'", (question_id,)):
            if r["code_id"] in known and r["response_id"] in engine:
                into[r["response_id"]].add(r["code_id"])
    n = len(reviewed)
    out: dict[str, Any] = {"n": n, "micro_f1": None, "mean_f1": None, "ci_low": None, "ci_high": None,
                           "kappa": None, "alpha": None, "exact_match": None, "sufficient": n >= SUFFICIENT_N,
                           "benchmark_f1": BENCHMARK_F1}
    out["message"] = "ok" if n >= SUFFICIENT_N else f"insufficient data ({n} reviewed, need {SUFFICIENT_N})"
    if n == 0:
        return out
    tp = sum(len(engine[r] & human[r]) for r in reviewed)
    fp = sum(len(engine[r] - human[r]) for r in reviewed)
    fn = sum(len(human[r] - engine[r]) for r in reviewed)
    out["micro_f1"] = 2 * tp / (2 * tp + fp + fn) if (tp + fp + fn) else 1.0
    f1s = [f1_sets(engine[r], human[r]) for r in reviewed]
    mean = sum(f1s) / n
    out["mean_f1"] = mean
    if n >= 2:
        sd = math.sqrt(sum((f - mean) ** 2 for f in f1s) / (n - 1))
        half = 1.96 * sd / math.sqrt(n)
        out["ci_low"], out["ci_high"] = max(0.0, mean - half), min(1.0, mean + half)
    out["exact_match"] = sum(engine[r] == human[r] for r in reviewed) / n
    cells = n * len(codes)
    if cells:
        agree = cells - fp - fn
        p_engine = sum(len(engine[r]) for r in reviewed) / cells
        p_human = sum(len(human[r]) for r in reviewed) / cells
        po = agree / cells
        pe = p_engine * p_human + (1 - p_engine) * (1 - p_human)
        out["kappa"] = (po - pe) / (1 - pe) if pe < 1 else (1.0 if po == 1 else None)
        # Krippendorff's alpha (nominal, two coders, no missing values) over the same cells:
        # 1 - (n - 1) * disagreeing pairs / (present values x absent values), n = 2 x cells.
        values = 2 * cells
        present = sum(len(engine[r]) + len(human[r]) for r in reviewed)
        absent = values - present
        out["alpha"] = (1.0 - (values - 1) * (fp + fn) / (present * absent)) if present and absent else (
            1.0 if fp + fn == 0 else None)
    return out


def audit_agreement(db: sqlite_utils.Database, question_id: str) -> dict[str, Any]:
    """Agreement on the reviewed part of the audit sample, with how much of it is reviewed."""
    sample = audit_sample(db, question_id)
    out = agreement(db, question_id, response_ids=sample)
    out["sample_size"] = len(sample)
    return out


def review_log(db: sqlite_utils.Database, question_id: str) -> list[dict[str, Any]]:
    """Every review decision, oldest first, for the audit export (undone ones say so)."""
    get_question(db, question_id)
    names = {c["id"]: c["name"] for c in rows(db, "SELECT id, name FROM codes WHERE question_id = ?", (question_id,))}
    out = []
    for e in rows(db, "SELECT * FROM events WHERE question_id = ? AND action IN ('review.decide', 'review.accept')"
                  " ORDER BY id", (question_id,)):
        p = loads(e["payload"], {})
        shown = [f"{names.get(c['code_id'], c['code_id'])} ({c['sentiment']})" for c in p.get("codes", [])]
        detail = "codes: " + (", ".join(shown) if shown else "none")
        if p.get("added") or p.get("removed"):
            detail += f"; added {len(p.get('added', []))}, removed {len(p.get('removed', []))}"
        if e["undone_by"]:
            detail += " (undone)"
        out.append({"created_at": e["created_at"], "actor": e["actor"], "action": e["action"],
                    "respondent_id": p.get("respondent_id"), "detail": detail})
    return out
