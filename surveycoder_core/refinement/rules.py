"""The refinement agent's generators; each returns candidate suggestion rows (not yet stored).

All of them are deterministic for a deterministic engine: inputs are read in a fixed order
and ties are broken by codebook order. Thresholds follow themefinder's theme-set rules.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import numpy as np
import sqlite_utils

from surveycoder_core.db.store import loads, rows
from surveycoder_core.engine_api import CodingContext, Engine
from surveycoder_core.text.answer_forms import is_catch_all, is_general_code

MERGE_COSINE = 0.9  # two codes' name+definition embeddings at least this similar → merge
MERGE_OVERLAP = 0.7  # overlap coefficient |A∩B| / min(|A|,|B|) of their response sets → merge
MERGE_MIN_RESPONSES = 3  # overlap is only meaningful when the smaller code has a few responses
REASSIGN_MARGIN = 0.15  # a candidate must beat the low-confidence code by this much
REASSIGN_MIN_SCORE = 0.5  # ... and be at least a medium-confidence fit itself
REASSIGN_MIN_GROUP = 2
SPREAD_MEAN_SCORE = 0.6  # below this mean score a code's responses are "spread"
SPREAD_MIN_RESPONSES = 3
SPLIT_SHARE = 0.5  # a code on at least this share of codable responses is "over-broad"
SPLIT_MIN_RESPONSES = 10
SPLIT_MAX_PER_CODE = 5
MAX_EXAMPLES = 5
# A theme among the answers no code fits becomes a new-code proposal when it recurs: two answers on a
# small question (under SMALL_UNCODED of them), else at least 3 and 1 % of them.
SMALL_UNCODED = 30
# A code that states a stance ("Complaints about bill") holding answers of the opposite stance
# groups praise with complaint, which reviewers reject: those answers get a code of their own.
STANCE_MIN_RESPONSES = 3
STANCE_MIN_SHARE = 0.2
_OPPOSITE = {"Positive": "Negative", "Negative": "Positive"}

_STOP = set("""a about above after again all also am an and any are as at be because been before being below
between both but by can could did do does doing don down during each even few for from further get got had has
have having he her here hers him his how i if in into is it its itself just like me more most my no nor not now of
off on once only or other our out over own really same she should so some such than that the their them then
there these they this those through to too under until up very was way we were what when where which while who
whom why will with would you your yours much many lot lots thing things one ve ll re isn didn doesn wasn""".split())
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def question_context(q: dict[str, Any]) -> CodingContext:
    return CodingContext(coding_type=q["coding_type"], language=q["language"], question_text=q["text"] or None,
                         guidance=q["coding_guidance"])


def examples_of(texts: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Up to five {id, text}, one per distinct text, in the order given."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for rid, text in texts:
        if text.casefold() not in seen:
            seen.add(text.casefold())
            out.append({"id": rid, "text": text})
        if len(out) == MAX_EXAMPLES:
            break
    return out


def keywords(texts: list[str], exclude: set[str], limit: int = 4) -> list[str]:
    counts: Counter[str] = Counter()
    for t in texts:
        counts.update({w for w in (m.casefold() for m in _WORD.findall(t)) if w not in _STOP and w not in exclude})
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def new_code_min_size(uncoded: int) -> int:
    """How many unfitted answers must share a theme before it is proposed as a new code."""
    return 2 if uncoded < SMALL_UNCODED else max(3, math.ceil(0.01 * uncoded))


def new_code_rules(db: sqlite_utils.Database, q: dict[str, Any], engine: Engine,
                   code_ids_by_name: dict[str, str], categories: dict[str, str]) -> list[dict[str, Any]]:
    """Cluster the responses no code fits; recurring themes (:func:`new_code_min_size`) become new codes.

    A cluster whose name matches an existing code becomes an assign_existing proposal instead.
    """
    uncoded = rows(db, "SELECT id, respondent_id, clean_text, dedup_of FROM responses WHERE question_id = ?"
                   " AND status = 'uncoded' ORDER BY position", (q["id"],))
    # Cluster each text once; duplicates of an uncoded text follow it.
    uncoded_ids = {u["id"] for u in uncoded}
    canonical = [r for r in uncoded if r["dedup_of"] not in uncoded_ids]
    if len(canonical) < 2:
        return []
    dupes: dict[int, list[dict[str, Any]]] = {}
    for r in uncoded:
        if r["dedup_of"] in uncoded_ids:
            dupes.setdefault(r["dedup_of"], []).append(r)
    min_size = new_code_min_size(len(uncoded))
    drafts = engine.generate_codebook([r["clean_text"] for r in canonical], question_context(q))
    taken: set[int] = set()
    out = []
    for d in drafts:
        members = [canonical[i] for i in sorted(set(d.member_indices)) if 0 <= i < len(canonical) and i not in taken]
        everyone = [m2 for m in members for m2 in (m, *dupes.get(m["id"], []))]
        if len(everyone) < min_size:
            continue
        taken.update(i for i in d.member_indices)
        existing = code_ids_by_name.get(" ".join(d.name.split()).casefold())
        cat_id = next((cid for cid, name in categories.items() if name.casefold() == d.category.casefold()), None)
        out.append({
            "type": "reassign" if existing else "new_code",
            "action": "assign_existing" if existing else "create_new",
            "confidence": round(min(1.0, max(0.0, float(d.confidence))), 3),
            "name": d.name, "definition": d.definition, "sentiment": d.sentiment,
            "category_id": cat_id, "target_code_id": existing,
            "affected": [m["respondent_id"] for m in everyone],
            "examples": examples_of([(m["respondent_id"], m["clean_text"]) for m in members]),
            "rationale": (f"{len(everyone)} responses no code fits share a theme"
                          + (f" that matches the existing code '{d.name}'" if existing else "")
                          + (f" (keywords: {', '.join(d.keywords[:5])})" if d.keywords else "") + "."),
        })
    return out


def merge_rules(engine: Engine, codes: list[dict[str, Any]], members: dict[str, set[int]],
                respondent: dict[int, str]) -> list[dict[str, Any]]:
    """Pairs of near-duplicate codes; each code appears in at most one proposal."""
    if len(codes) < 2:
        return []
    vecs = unit_rows(engine.embed([f"{c['name']}: {c['definition'] or ''}".strip() for c in codes]))
    sims = vecs @ vecs.T
    pairs = []
    for i in range(len(codes)):
        for j in range(i + 1, len(codes)):
            a, b = members[codes[i]["id"]], members[codes[j]["id"]]
            small = min(len(a), len(b))
            overlap = len(a & b) / small if small >= MERGE_MIN_RESPONSES else 0.0
            cos = float(sims[i, j])
            if cos >= MERGE_COSINE or overlap >= MERGE_OVERLAP:
                pairs.append((max(cos, overlap), i, j, cos, overlap))
    used: set[int] = set()
    out = []
    for strength, i, j, cos, overlap in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if i in used or j in used:
            continue
        used.update((i, j))
        # The smaller code goes into the larger; on a tie the later code goes into the earlier.
        src, tgt = (codes[j], codes[i]) if len(members[codes[j]["id"]]) <= len(members[codes[i]["id"]]) \
            else (codes[i], codes[j])
        affected = sorted(members[src["id"]])
        out.append({
            "type": "merge", "action": "merge", "confidence": round(min(1.0, strength), 3),
            "name": tgt["name"], "definition": tgt["definition"], "sentiment": tgt["sentiment"],
            "category_id": tgt["category_id"], "target_code_id": tgt["id"], "source_code_id": src["id"],
            "affected": [respondent[r] for r in affected], "examples": [],
            "rationale": (f"'{src['name']}' and '{tgt['name']}' look like the same theme: name and definition "
                          f"similarity {cos:.2f}, response overlap {overlap:.2f} (overlap coefficient)."),
        })
    return out


def reassign_rules(db: sqlite_utils.Database, q: dict[str, Any],
                   codes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Responses whose low-confidence code is clearly beaten by another candidate, grouped by (from, to)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows(db, "SELECT r.id, r.respondent_id, r.clean_text, r.candidates, a.code_id, a.score"
                  " FROM responses r JOIN assignments a ON a.response_id = r.id WHERE r.question_id = ?"
                  " AND a.confidence = 'low' AND r.reviewed = 0 ORDER BY r.position, a.mention", (q["id"],)):
        assigned = {x["code_id"] for x in rows(db, "SELECT code_id FROM assignments WHERE response_id = ?", (r["id"],))}
        best = next(((k, s) for k, s in loads(r["candidates"], []) if k in codes and k not in assigned), None)
        if best and best[1] >= REASSIGN_MIN_SCORE and best[1] >= (r["score"] or 0) + REASSIGN_MARGIN:
            groups.setdefault((r["code_id"], best[0]), []).append(dict(r, gain=best[1] - (r["score"] or 0)))
    out = []
    for (src, tgt), members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(members) < REASSIGN_MIN_GROUP or src not in codes:
            continue
        target = codes[tgt]
        out.append({
            "type": "reassign", "action": "assign_existing",
            "confidence": round(min(1.0, 0.5 + sum(m["gain"] for m in members) / len(members)), 3),
            "name": target["name"], "definition": target["definition"], "sentiment": target["sentiment"],
            "category_id": target["category_id"], "target_code_id": tgt, "source_code_id": src,
            "affected": [m["respondent_id"] for m in members],
            "examples": examples_of([(m["respondent_id"], m["clean_text"]) for m in members]),
            "rationale": (f"{len(members)} responses coded '{codes[src]['name']}' with low confidence fit "
                          f"'{target['name']}' clearly better."),
        })
    return out


def definition_rules(engine: Engine, codes: list[dict[str, Any]], texts: dict[str, list[tuple[int, str, str]]],
                     scores: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Codes with no definition, or whose responses are spread, get a tighter definition. "Other" and
    the general codes ("General satisfaction") are defined by what their answers lack: a topic list
    would misdefine them."""
    out = []
    for c in codes:
        if is_catch_all(c["name"]) or is_general_code(c["name"]):
            continue
        members = texts.get(c["id"], [])
        sc = scores.get(c["id"], [])
        mean = sum(sc) / len(sc) if sc else None
        spread = mean is not None and len(sc) >= SPREAD_MIN_RESPONSES and mean < SPREAD_MEAN_SCORE
        if not members or not (not (c["definition"] or "").strip() or spread):
            continue
        vecs = unit_rows(engine.embed([t for _, _, t in members]))
        centre = vecs.mean(axis=0)
        order = sorted(range(len(members)), key=lambda i: (-float(vecs[i] @ centre), i))[:MAX_EXAMPLES]
        central = [members[i] for i in order]
        words = keywords([t for _, _, t in central], {w.casefold() for w in _WORD.findall(c["name"])})
        if not words:
            continue
        listed = ", ".join(words[:-1]) + (f" or {words[-1]}" if len(words) > 1 else words[0])
        base = (c["definition"] or "").strip().rstrip(".")
        definition = (f"{base}. Applies when the response is mainly about {listed}." if base
                      else f"Responses about {c['name'].casefold()}: they mention {listed}.")
        out.append({
            "type": "definition_update", "action": "assign_existing",
            "confidence": round(0.6 if not spread else min(1.0, 1.0 - (mean or 0.0)), 3),
            "name": c["name"], "definition": definition, "sentiment": c["sentiment"],
            "category_id": c["category_id"], "target_code_id": c["id"],
            "affected": [rid for _, rid, _ in members],
            "examples": examples_of([(rid, t) for _, rid, t in central]),
            "rationale": ("the code has no definition" if not spread else
                          f"its responses are spread (mean score {mean:.2f} < {SPREAD_MEAN_SCORE})")
                         + f"; proposed from its {len(central)} most central responses.",
        })
    return out


def split_rules(db: sqlite_utils.Database, q: dict[str, Any], engine: Engine, codes: list[dict[str, Any]],
                texts: dict[str, list[tuple[int, str, str]]], members: dict[str, set[int]]) -> list[dict[str, Any]]:
    """Over-broad codes (on ≥ half the responses): propose their least-fitting sub-themes as codes of their own.

    A code that swallows most of the answers usually hides themes the codebook lacks (a
    one-code codebook, a vague definition). The engine clusters the code's texts; the
    clusters that fit the code's own name and definition worst become ``split`` proposals
    that move those responses to a new code.
    """
    codable = rows(db, "SELECT COUNT(*) AS n FROM responses WHERE question_id = ? AND status != 'no_data'", (q["id"],))
    total = int(codable[0]["n"]) if codable else 0
    out: list[dict[str, Any]] = []
    for c in codes:
        items = texts.get(c["id"], [])
        if total == 0 or len(members[c["id"]]) < SPLIT_MIN_RESPONSES or len(members[c["id"]]) / total < SPLIT_SHARE:
            continue
        min_size = max(3, math.ceil(0.01 * len(items)))
        drafts = engine.generate_codebook([t for _, _, t in items], question_context(q))
        vecs = unit_rows(engine.embed([t for _, _, t in items]))
        anchor = unit_rows(engine.embed([f"{c['name']}: {c['definition'] or ''}"]))[0]
        fit = vecs @ anchor
        overall = float(np.median(fit))
        found = []
        for d in drafts:
            idx = sorted(i for i in set(d.member_indices) if 0 <= i < len(items))
            if len(idx) < min_size or d.name.casefold() == c["name"].casefold():
                continue
            cluster_fit = float(fit[idx].mean())
            if cluster_fit <= overall:  # fits the code no better than its typical response
                found.append((cluster_fit, d, idx))
        for cluster_fit, d, idx in sorted(found, key=lambda f: (f[0], f[1].name))[:SPLIT_MAX_PER_CODE]:
            canon = [items[i][0] for i in idx]
            marks = ",".join("?" * len(canon))
            dupes = [r["respondent_id"] for r in rows(
                db, f"SELECT r.respondent_id FROM responses r JOIN assignments a ON a.response_id = r.id"
                f" WHERE r.dedup_of IN ({marks}) AND a.code_id = ? ORDER BY r.position", [*canon, c["id"]])]
            out.append({
                "type": "split", "action": "create_new",
                "confidence": round(min(1.0, max(0.0, float(d.confidence) * (1.0 - max(0.0, cluster_fit)))), 3),
                "name": d.name, "definition": d.definition, "sentiment": d.sentiment,
                "category_id": c["category_id"], "source_code_id": c["id"],
                "affected": [items[i][1] for i in idx] + dupes,
                "examples": examples_of([(items[i][1], items[i][2]) for i in idx]),
                "rationale": (f"'{c['name']}' is on {len(members[c['id']])} of {total} responses; these "
                              f"{len(idx) + len(dupes)} share a theme that fits it poorly (fit {cluster_fit:.2f}"
                              f" vs median {overall:.2f})."),
            })
    return out


def opposite_stance_name(name: str, stance: str) -> str:
    """'Complaints about bill' -> 'Praise for bill' (and back); other names get the stance added."""
    for prefix, other in (("Complaints about ", "Praise for "), ("Praise for ", "Complaints about ")):
        if name.startswith(prefix):
            return other + name[len(prefix):]
    return f"{name} ({'praise' if stance == 'Positive' else 'complaints'})"


def stance_rules(db: sqlite_utils.Database, q: dict[str, Any], codes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Codes with a stance that hold enough answers of the opposite stance: move those answers to the
    opposite-stance code (an existing one of that name, else a new one). Reviewed answers stay."""
    by_name = {c["name"].casefold(): c for c in codes}
    out: list[dict[str, Any]] = []
    for c in codes:
        opposite = _OPPOSITE.get(c["sentiment"] or "")
        if opposite is None:
            continue
        items = rows(db, "SELECT r.respondent_id, r.clean_text, a.sentiment FROM assignments a JOIN responses r"
                         " ON r.id = a.response_id WHERE a.code_id = ? AND r.reviewed = 0 ORDER BY r.position",
                     (c["id"],))
        against = [r for r in items if r["sentiment"] == opposite]
        if len(against) < STANCE_MIN_RESPONSES or len(against) < STANCE_MIN_SHARE * len(items):
            continue
        name = opposite_stance_name(c["name"], opposite)
        target = by_name.get(name.casefold())
        share = len(against) / len(items)
        row = {
            "confidence": round(min(1.0, 0.5 + share), 3), "source_code_id": c["id"],
            "affected": [r["respondent_id"] for r in against],
            "examples": examples_of([(r["respondent_id"], r["clean_text"]) for r in against]),
            "rationale": (f"{len(against)} of the {len(items)} responses coded '{c['name']}' are "
                          f"{opposite.lower()}: praise and complaint belong in separate codes."),
        }
        if target is not None:
            row.update({"type": "reassign", "action": "assign_existing", "target_code_id": target["id"],
                        "name": target["name"], "definition": target["definition"],
                        "sentiment": target["sentiment"], "category_id": target["category_id"]})
        else:
            row.update({"type": "split", "action": "create_new", "name": name, "sentiment": opposite,
                        "definition": f"{'Praise' if opposite == 'Positive' else 'Complaints'} on what "
                                      f"'{c['name']}' covers.",
                        "category_id": c["category_id"]})
        out.append(row)
    return out
