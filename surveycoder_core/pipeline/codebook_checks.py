"""Checks every generated codebook passes once its answers are coded, whichever engine made it.

* **No empty codes**: a generated code no answer carries is removed (a catch-all "Other" included,
  so it appears only when answers remain).
* **A stance name must hold**: a code named for one stance ("Praise for X", "Complaints about X", or
  one-sided adjectives such as "Friendly staff") whose answers are not at least ``STANCE_PURITY`` of
  that stance is renamed after its topic alone and marked Mixed.

Only a codebook the engine generated and nobody has edited since is touched: a researcher's own
codes stay, even when empty. The change is one codebook version ("generated codebook checked").
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from surveycoder_core.db.codebooks import bump_version
from surveycoder_core.db.store import loads, one, rows
from surveycoder_core.text.answer_forms import STANCE_PREFIXES

__all__ = ["check_generated_codebook", "stance_purity", "STANCE_PURITY"]

STANCE_PURITY = 0.85


def _is_untouched_generation(db: sqlite_utils.Database, question_id: str) -> bool:
    last = one(db, "SELECT reason FROM codebook_versions WHERE question_id = ? ORDER BY version DESC LIMIT 1",
               (question_id,))
    return last is not None and last["reason"] == "codebook generated"


def stance_purity(db: sqlite_utils.Database, question_id: str) -> dict[str, tuple[str, int, float]]:
    """For every one-sided code (sentiment Positive or Negative): (stance, answers, share of its
    assignments with that sentiment)."""
    out: dict[str, tuple[str, int, float]] = {}
    for r in rows(db, "SELECT c.id, c.sentiment, COUNT(a.id) AS n, SUM(a.sentiment = c.sentiment) AS same"
                      " FROM codes c JOIN assignments a ON a.code_id = c.id"
                      " WHERE c.question_id = ? AND c.sentiment IN ('Positive', 'Negative') GROUP BY c.id",
              (question_id,)):
        out[r["id"]] = (r["sentiment"], int(r["n"]), float(r["same"] or 0) / max(1, int(r["n"])))
    return out


def _topic_name(code: dict[str, Any]) -> str | None:
    for prefix in STANCE_PREFIXES:
        if code["name"].startswith(prefix):
            rest = code["name"][len(prefix):].strip()
            return rest[:1].upper() + rest[1:] if rest else None
    keywords = loads(code.get("keywords"), [])
    if keywords and keywords[0] and keywords[0].casefold() != code["name"].casefold():
        return keywords[0][:1].upper() + keywords[0][1:]
    return None


def check_generated_codebook(db: sqlite_utils.Database, question_id: str, actor: str) -> dict[str, list[str]]:
    """Apply the checks (inside a write); returns {"removed": [names], "renamed": ["old -> new"],
    "mixed": [names whose expected sentiment became Mixed]}. Any change is one new codebook version."""
    done: dict[str, list[str]] = {"removed": [], "renamed": [], "mixed": []}
    if not _is_untouched_generation(db, question_id):
        return done
    codes = rows(db, "SELECT c.*, (SELECT COUNT(*) FROM assignments a WHERE a.code_id = c.id) AS n"
                     " FROM codes c WHERE c.question_id = ? ORDER BY c.position, c.code_number", (question_id,))
    if not any(c["n"] for c in codes):
        return done  # nothing coded yet: no basis to judge the codes
    names = {c["name"].casefold() for c in codes}
    purity = stance_purity(db, question_id)
    for code in codes:
        if not code["n"]:
            db.conn.execute("DELETE FROM codes WHERE id = ?", (code["id"],))
            done["removed"].append(code["name"])
            continue
        stance = purity.get(code["id"])
        if stance is None or stance[2] >= STANCE_PURITY:
            continue
        # Its answers do not hold the expected stance: the code expects Mixed, and a name that says
        # the stance loses it (a name without a topic of its own keeps its name).
        db.conn.execute("UPDATE codes SET sentiment = 'Mixed' WHERE id = ?", (code["id"],))
        done["mixed"].append(code["name"])
        topic = _topic_name(code)
        new = None if topic is None else topic if topic.casefold() not in names else f"{topic} (mixed)"
        if new is None or new.casefold() in names:
            continue
        db.conn.execute("UPDATE codes SET name = ? WHERE id = ?", (new, code["id"]))
        names.discard(code["name"].casefold())
        names.add(new.casefold())
        done["renamed"].append(f"{code['name']} -> {new}")
    db.conn.execute("DELETE FROM categories WHERE question_id = ? AND id NOT IN"
                    " (SELECT DISTINCT category_id FROM codes WHERE question_id = ?)", (question_id, question_id))
    if done["removed"] or done["mixed"]:
        bump_version(db, question_id, actor, "generated codebook checked")
    return done
