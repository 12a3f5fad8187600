"""Refinement suggestions: generate, list, apply/resolve, bulk-apply, and truly undo.

Suggestions are cached until resolved (the seed's contract); ``force`` supersedes the
pending set and re-runs the generators in :mod:`refine_rules`. Resolving one is a single
undoable event, so :func:`undo_suggestion` reverts the codebook and the assignments it
changed — not just reopening it as the upstream service does.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlite_utils

from surveycoder_core.db.projects import get_question
from surveycoder_core.db.store import dumps, get_row, loads, new_token, now, one, rows, write
from surveycoder_core.db.undo import Capture, commit_change, get_event, undo_event
from surveycoder_core.engine_api import Engine
from surveycoder_core.errors import InvalidStateError, SurveyCoderError, ValidationError
from surveycoder_core.refinement.edits import check_sentiment, create_code_rows, get_code, merge_rows
from surveycoder_core.refinement.rules import (
    definition_rules,
    merge_rules,
    new_code_rules,
    reassign_rules,
    split_rules,
    stance_rules,
)

ACTIONS = ("create_new", "assign_existing", "merge", "dismiss")
_COLUMNS = ("type", "action", "confidence", "name", "definition", "sentiment", "category_id", "target_code_id",
            "source_code_id")


def _names(db: sqlite_utils.Database, question_id: str) -> tuple[dict[str, str], dict[str, str]]:
    codes = {r["id"]: r["name"] for r in rows(db, "SELECT id, name FROM codes WHERE question_id = ?", (question_id,))}
    cats = {r["id"]: r["name"] for r in rows(db, "SELECT id, name FROM categories WHERE question_id = ?",
                                             (question_id,))}
    return codes, cats


def _out(row: dict[str, Any], codes: dict[str, str], cats: dict[str, str]) -> dict[str, Any]:
    affected = loads(row["affected_response_ids"], [])
    return {
        "id": row["id"], "type": row["type"], "action": row["action"], "status": row["status"],
        "confidence": row["confidence"], "name": row["name"], "definition": row["definition"],
        "sentiment": row["sentiment"], "category_id": row["category_id"], "category": cats.get(row["category_id"]),
        "target_code_id": row["target_code_id"], "target_code": codes.get(row["target_code_id"]),
        "source_code_id": row["source_code_id"], "source_code": codes.get(row["source_code_id"]),
        "affected_response_ids": affected, "affected_count": len(affected),
        "example_responses": loads(row["example_responses"], []), "rationale": row["rationale"],
        "created_at": row["created_at"], "resolved_at": row["resolved_at"], "resolved_by": row["resolved_by"],
        "resolution_action": row["resolution_action"], "dismiss_reason": row["dismiss_reason"],
    }


KINDS = {"new_code": "New code", "reassign": "Reassign", "merge": "Merge", "definition_update": "Definition",
         "split": "Split"}


def suggestion_title(s: dict[str, Any]) -> str:
    """The headline of a suggestion, as plain text: its kind, its target and its source agree."""
    kind = s["type"]
    if kind == "new_code":
        return f"New code “{s['name']}”"
    if kind == "split":
        return f"Split “{s['name']}” out of “{s['source_code']}”"
    if kind == "merge":
        return f"Merge “{s['source_code']}” into “{s['target_code']}”"
    if kind == "reassign":
        return f"Move to “{s['target_code']}”" + (f" from “{s['source_code']}”" if s["source_code"] else "")
    if kind == "definition_update":
        return f"Sharper definition for “{s['target_code']}”"
    return f"{KINDS.get(kind, kind)}: “{s['name']}”"


def list_suggestions(db: sqlite_utils.Database, question_id: str, status: str | None = None) -> list[dict[str, Any]]:
    get_question(db, question_id)
    sql, params = "SELECT * FROM suggestions WHERE question_id = ?", [question_id]
    if status is not None:
        sql, params = sql + " AND status = ?", [*params, status]
    codes, cats = _names(db, question_id)
    return [_out(r, codes, cats) for r in rows(db, sql + " ORDER BY created_at, rowid", params)]


def suggestions_for_export(db: sqlite_utils.Database, question_id: str) -> list[dict[str, Any]]:
    return list_suggestions(db, question_id)


def suggestion_summary(db: sqlite_utils.Database, question_id: str) -> dict[str, int]:
    get_question(db, question_id)
    counts = {r["status"]: int(r["n"]) for r in rows(
        db, "SELECT status, COUNT(*) AS n FROM suggestions WHERE question_id = ? GROUP BY status", (question_id,))}
    unclassified = one(db, "SELECT COUNT(*) AS n FROM responses WHERE question_id = ? AND status = 'uncoded'",
                       (question_id,)) or {"n": 0}
    return {"pending": counts.get("pending", 0), "applied": counts.get("applied", 0),
            "dismissed": counts.get("dismissed", 0), "unclassified_responses": int(unclassified["n"])}


def _signature(s: dict[str, Any]) -> str:
    return dumps([s["type"], s["name"] if s["type"] in ("new_code", "split") else None, s.get("target_code_id"),
                  s.get("source_code_id"), sorted(s["affected"] if "affected" in s else s["affected_response_ids"])])


def _candidates(db: sqlite_utils.Database, q: dict[str, Any], engine: Engine) -> list[dict[str, Any]]:
    qid = q["id"]
    codes = rows(db, "SELECT * FROM codes WHERE question_id = ? ORDER BY position, code_number", (qid,))
    _, cats = _names(db, qid)
    by_id = {c["id"]: c for c in codes}
    respondent = {r["id"]: r["respondent_id"] for r in rows(db, "SELECT id, respondent_id FROM responses"
                                                              " WHERE question_id = ?", (qid,))}
    members: dict[str, set[int]] = {c["id"]: set() for c in codes}
    texts: dict[str, list[tuple[int, str, str]]] = {c["id"]: [] for c in codes}
    scores: dict[str, list[float]] = {c["id"]: [] for c in codes}
    for a in rows(db, "SELECT a.code_id, a.score, r.id, r.respondent_id, r.clean_text, r.dedup_of FROM assignments a"
                  " JOIN responses r ON r.id = a.response_id WHERE r.question_id = ? ORDER BY r.position", (qid,)):
        members[a["code_id"]].add(a["id"])
        if a["dedup_of"] is None:  # a text counts once for centrality and spread
            texts[a["code_id"]].append((a["id"], a["respondent_id"], a["clean_text"]))
            if a["score"] is not None:
                scores[a["code_id"]].append(float(a["score"]))
    by_name = {c["name"].casefold(): c["id"] for c in codes}
    found = new_code_rules(db, q, engine, by_name, cats)
    found += merge_rules(engine, codes, members, respondent)
    found += reassign_rules(db, q, by_id)
    found += definition_rules(engine, codes, texts, scores)
    found += split_rules(db, q, engine, codes, texts, members)
    found += stance_rules(db, q, codes)
    return found


def generate_suggestions(db: sqlite_utils.Database, question_id: str, engine: Engine, *, force: bool = False,
                         actor: str = "system") -> list[dict[str, Any]]:
    """Return the pending set if there is one (cached); otherwise, or with force, run the agent."""
    q = get_question(db, question_id)
    coded = one(db, "SELECT COUNT(*) AS n FROM responses WHERE question_id = ? AND status = 'coded'", (question_id,))
    if not coded or not coded["n"]:
        raise InvalidStateError(f"question {question_id} has no coded responses yet; code it first")
    pending = list_suggestions(db, question_id, "pending")
    if pending and not force:
        return pending
    # The engine runs outside the write lock: it can take a while and others must keep writing.
    found = _candidates(db, q, engine)
    with write(db):
        stale = [r["id"] for r in rows(db, "SELECT id FROM suggestions WHERE question_id = ? AND status = 'pending'",
                                       (question_id,))]
        if stale and not force:
            return list_suggestions(db, question_id, "pending")  # someone else generated meanwhile
        cap = Capture(db, question_id).suggestions(stale)
        stamp = now()
        db.conn.execute(f"UPDATE suggestions SET status = 'dismissed', resolution_action = 'dismiss',"
                        f" dismiss_reason = 'superseded', resolved_at = ?, resolved_by = ?"
                        f" WHERE id IN ({','.join('?' * len(stale))})", [stamp, actor, *stale])
        # What a person dismissed stays dismissed: the same proposal is not made again.
        refused = {_signature(s) for s in list_suggestions(db, question_id, "dismissed")
                   if s["dismiss_reason"] != "superseded"}
        new_ids = []
        for s in found:
            if _signature(s) in refused:
                continue
            sid = new_token("sug_", 8)
            cap.created("suggestions", [sid])
            db.conn.execute(
                f"INSERT INTO suggestions (id, question_id, {', '.join(_COLUMNS)}, affected_response_ids,"
                " example_responses, rationale, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [sid, question_id, *[s.get(c) for c in _COLUMNS], dumps(s["affected"]), dumps(s["examples"]),
                 s["rationale"], stamp])
            new_ids.append(sid)
        commit_change(db, cap, actor=actor, action="refinement.generate", codebook_changed=False,
                      payload={"created": new_ids, "superseded": stale})
    return list_suggestions(db, question_id, "pending")


def _get(db: sqlite_utils.Database, question_id: str, suggestion_id: str) -> dict[str, Any]:
    return get_row(db, "suggestions", suggestion_id, what="Suggestion", question_id=question_id)


def _response_ids(db: sqlite_utils.Database, question_id: str, respondent_ids: list[str]) -> list[tuple[int, str]]:
    found = {r["respondent_id"]: r["id"] for r in rows(db, "SELECT id, respondent_id FROM responses"
                                                         " WHERE question_id = ?", (question_id,))}
    return [(found[r], r) for r in respondent_ids if r in found]


def _assign(db: sqlite_utils.Database, cap: Capture, code_id: str, targets: list[tuple[int, str]], actor: str,
            version: int, drop_code_id: str | None = None) -> list[str]:
    """Give each response the code (dropping ``drop_code_id``); returns the respondent ids changed."""
    cap.assignments([t[0] for t in targets]).responses([t[0] for t in targets])
    source = actor if actor.startswith(("human:", "engine:")) else f"human:{actor}"
    changed = []
    for rid, respondent in targets:
        touched = False
        if not one(db, "SELECT 1 AS x FROM assignments WHERE response_id = ? AND code_id = ?", (rid, code_id)):
            mention = db.execute("SELECT COALESCE(MAX(mention), 0) + 1 FROM assignments WHERE response_id = ?",
                                 (rid,)).fetchone()[0]
            db.conn.execute("INSERT INTO assignments (response_id, code_id, sentiment, confidence, score, mention,"
                            " source, codebook_version, created_at) SELECT ?, ?, sentiment, NULL, NULL, ?, ?, ?, ?"
                            " FROM codes WHERE id = ?", (rid, code_id, mention, source, version, now(), code_id))
            touched = True
        if drop_code_id and drop_code_id != code_id:
            touched |= db.conn.execute("DELETE FROM assignments WHERE response_id = ? AND code_id = ?",
                                       (rid, drop_code_id)).rowcount > 0
        if touched:
            # A response that now has a code is no longer "no code fits".
            db.conn.execute("UPDATE responses SET status = 'coded', needs_review = CASE WHEN review_reason ="
                            " 'no_code_fit' THEN 0 ELSE needs_review END, version = version + 1 WHERE id = ?",
                            (rid,))
            changed.append(respondent)
    return changed


def _category_override(db: sqlite_utils.Database, question_id: str, value: Any) -> str | None:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return None  # the seed's rule: a non-UUID category id is silently ignored
    if not one(db, "SELECT 1 AS x FROM categories WHERE id = ? AND question_id = ?", (str(value), question_id)):
        raise ValidationError(f"category not found: {value}")
    return str(value)


def _code_out(db: sqlite_utils.Database, code_id: str | None) -> dict[str, Any] | None:
    if code_id is None:
        return None
    return one(db, "SELECT id, name, definition, sentiment, category_id FROM codes WHERE id = ?", (code_id,))


def resolve_suggestion(db: sqlite_utils.Database, question_id: str, suggestion_id: str, action: str, *, actor: str,
                       target_code_id: str | None = None, source_code_id: str | None = None,
                       dismiss_reason: str | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Resolve a pending suggestion with an explicit action, as one undoable event.

    create_new: create the proposed code (overrides win) and add it to the affected responses
    (a ``split`` also takes them off the over-broad source code); assign_existing: add the
    target code to them (a ``reassign`` drops the low-confidence source code; a
    ``definition_update`` rewrites the target's definition instead); merge: source into
    target; dismiss: nothing but the suggestion changes.
    """
    get_question(db, question_id)
    if action not in ACTIONS:
        raise ValidationError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    ov = overrides or {}
    with write(db):
        s = _get(db, question_id, suggestion_id)
        if s["status"] != "pending":
            raise InvalidStateError(f"suggestion {suggestion_id} is already {s['status']}")
        cap = Capture(db, question_id).suggestions([suggestion_id])
        targets = _response_ids(db, question_id, loads(s["affected_response_ids"], []))
        version = int(get_question(db, question_id)["codebook_version"])
        code_id: str | None = None
        changed: list[str] = []
        if action == "create_new":
            cat_id = _category_override(db, question_id, ov["override_category_id"]) \
                if ov.get("override_category_id") else None
            cat_id = cat_id or (s["category_id"] if one(db, "SELECT 1 AS x FROM categories WHERE id = ?",
                                                         (s["category_id"],)) else None)
            code_id = create_code_rows(
                db, cap, question_id, name=ov.get("override_name") or s["name"], category="Other",
                category_id=cat_id, definition=ov.get("override_definition") or s["definition"],
                sentiment=ov.get("override_sentiment") or s["sentiment"] or "Neutral")
            # A split moves the responses: they leave the over-broad code for the new one.
            drop = s["source_code_id"] if s["type"] == "split" else None
            changed = _assign(db, cap, code_id, targets, actor, version + 1, drop_code_id=drop)
        elif action == "assign_existing":
            code_id = target_code_id or s["target_code_id"]
            if not code_id:
                raise ValidationError("assign_existing needs target_code_id")
            if not one(db, "SELECT 1 AS x FROM codes WHERE id = ? AND question_id = ?", (code_id, question_id)):
                raise ValidationError(f"target code not found: {code_id}")
            if s["type"] == "definition_update" and code_id == s["target_code_id"]:
                cap.codes([code_id])
                db.conn.execute("UPDATE codes SET definition = ?, sentiment = ? WHERE id = ?",
                                (ov.get("override_definition") or s["definition"],
                                 check_sentiment(ov.get("override_sentiment") or get_code(
                                     db, question_id, code_id)["sentiment"]), code_id))
            else:
                drop = s["source_code_id"] if s["type"] == "reassign" else None
                changed = _assign(db, cap, code_id, targets, actor, version, drop_code_id=drop)
        elif action == "merge":
            source, code_id = source_code_id or s["source_code_id"], target_code_id or s["target_code_id"]
            if not source or not code_id:
                raise ValidationError("merge needs source_code_id and target_code_id")
            if source == code_id:
                raise ValidationError("source_code_id and target_code_id must differ")
            for cid in (source, code_id):
                if not one(db, "SELECT 1 AS x FROM codes WHERE id = ? AND question_id = ?", (cid, question_id)):
                    raise ValidationError(f"code not found: {cid}")
            respondent = {r["id"]: r["respondent_id"] for r in rows(
                db, "SELECT id, respondent_id FROM responses WHERE question_id = ?", (question_id,))}
            changed = [respondent[r] for r in merge_rows(db, cap, question_id, source, code_id)]
        status = "dismissed" if action == "dismiss" else "applied"
        reason = (dismiss_reason or ov.get("dismiss_reason")) if action == "dismiss" else None
        db.conn.execute("UPDATE suggestions SET status = ?, resolution_action = ?, dismiss_reason = ?,"
                        " resolved_at = ?, resolved_by = ? WHERE id = ?",
                        (status, action, reason, now(), actor, suggestion_id))
        event_id, version = commit_change(
            db, cap, actor=actor, action="suggestion.apply" if status == "applied" else "suggestion.dismiss",
            payload={"suggestion_id": suggestion_id, "type": s["type"], "resolution_action": action,
                     "code_id": code_id, "reassigned_response_ids": changed, "dismiss_reason": reason})
        db.conn.execute("UPDATE suggestions SET undo_event_id = ? WHERE id = ?", (event_id, suggestion_id))
        return {"suggestion_id": suggestion_id, "status": status, "action": action,
                "code": _code_out(db, code_id) if action != "dismiss" else None,
                "reassigned_response_ids": changed, "reassigned_count": len(changed), "codebook_version": version}


def apply_suggestion(db: sqlite_utils.Database, question_id: str, suggestion_id: str, *, actor: str,
                     overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Perform the suggestion's recommended action (overrides: override_name/definition/sentiment/category_id)."""
    get_question(db, question_id)
    s = _get(db, question_id, suggestion_id)
    return resolve_suggestion(db, question_id, suggestion_id, s["action"], actor=actor, overrides=overrides,
                              dismiss_reason=(overrides or {}).get("dismiss_reason"))


def undo_suggestion(db: sqlite_utils.Database, question_id: str, suggestion_id: str, *,
                    actor: str) -> dict[str, Any]:
    """Revert what resolving the suggestion changed and set it back to pending."""
    get_question(db, question_id)
    s = _get(db, question_id, suggestion_id)
    if s["status"] == "pending":
        raise InvalidStateError(f"suggestion {suggestion_id} is pending; there is nothing to undo")
    event = get_event(db, s["undo_event_id"]) if s["undo_event_id"] else None
    if event is not None and event["undone_by"] is None:
        undo_event(db, int(event["id"]), actor)  # restores the suggestion row (pending) with the rest
    else:
        # Superseded by a re-run: nothing was changed, only reopen it.
        with write(db):
            cap = Capture(db, question_id).suggestions([suggestion_id])
            db.conn.execute("UPDATE suggestions SET status = 'pending', resolution_action = NULL,"
                            " dismiss_reason = NULL, resolved_at = NULL, resolved_by = NULL, undo_event_id = NULL"
                            " WHERE id = ?", (suggestion_id,))
            commit_change(db, cap, actor=actor, action="suggestion.reopen", codebook_changed=False,
                          payload={"suggestion_id": suggestion_id})
    return {"suggestion_id": suggestion_id, "status": "pending", "reverted": True}


def bulk_apply(db: sqlite_utils.Database, question_id: str, *, actor: str, suggestion_ids: list[str] | None = None,
               min_confidence: float | None = None, action: str = "create_new") -> dict[str, Any]:
    """Apply many pending suggestions whose recommended action is ``action``; one failure never stops the rest."""
    get_question(db, question_id)
    if action not in ACTIONS:
        raise ValidationError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    every = {s["id"]: s for s in list_suggestions(db, question_id)}
    ids = list(dict.fromkeys(suggestion_ids)) if suggestion_ids is not None else \
        [sid for sid, s in every.items() if s["status"] == "pending"]
    applied: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    moved = 0
    for sid in ids:
        s = every.get(sid)
        if s is None:
            failed.append({"suggestion_id": sid, "reason": "Suggestion not found"})
        elif s["status"] != "pending":
            skipped.append({"suggestion_id": sid, "reason": f"already {s['status']}"})
        elif s["action"] != action:
            skipped.append({"suggestion_id": sid, "reason": f"recommended action is {s['action']}, not {action}"})
        elif min_confidence is not None and s["confidence"] < min_confidence:
            skipped.append({"suggestion_id": sid, "reason": f"confidence {s['confidence']} below {min_confidence}"})
        else:
            try:
                result = resolve_suggestion(db, question_id, sid, action, actor=actor)
            except SurveyCoderError as exc:
                failed.append({"suggestion_id": sid, "reason": exc.message})
            else:
                applied.append({"suggestion_id": sid})
                moved += result["reassigned_count"]
    return {"applied": applied, "skipped": skipped, "failed": failed,
            "summary": {"applied": len(applied), "skipped": len(skipped), "failed": len(failed),
                        "responses_reassigned": moved}}


__all__ = ["KINDS", "apply_suggestion", "bulk_apply", "generate_suggestions", "list_suggestions",
           "resolve_suggestion", "suggestion_summary", "suggestion_title", "suggestions_for_export",
           "undo_suggestion"]
