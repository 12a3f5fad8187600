"""Tables behind the dashboard: frequencies, sentiment, net sentiment, crosstabs, verbatims (no Streamlit).

Everything starts from :func:`load_frames` (two tidy frames read once per question) and
:func:`filter_frames`; the other functions are pure pandas over those frames, so the app can
cache the load and recompute the views cheaply on every filter change.

Percentages are of *respondents* (the base is every respondent with a codable answer in the
filtered set), so with several codes per response they can add up to more than 100%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import sqlite_utils

from surveycoder_core.db.codebooks import code_rows
from surveycoder_core.db.store import loads

SENTIMENT_ORDER = ("Positive", "Neutral", "Mixed", "Negative")
CONFIDENCE_ORDER = ("high", "medium", "low")
MAX_ATTRIBUTE_VALUES = 40  # attributes with more distinct values are ids or free text, not segments

RESPONSE_COLUMNS = ["response_id", "respondent_id", "text", "status", "needs_review", "review_reason", "reviewed",
                    "reviewed_by"]
ASSIGNMENT_COLUMNS = ["response_id", "code_id", "code", "category", "sentiment", "confidence", "score", "source"]


@dataclass(frozen=True)
class Frames:
    """``responses``: one row per respondent (+ one column per attribute);
    ``assignments``: one row per code on a response; ``codes``: the codebook in order."""

    responses: pd.DataFrame
    assignments: pd.DataFrame
    codes: pd.DataFrame
    attributes: tuple[str, ...]


def build_frames(responses: Sequence[dict[str, Any]], codes: Sequence[dict[str, Any]]) -> Frames:
    """Frames from ``results.response_rows`` and ``codebooks.code_rows`` output."""
    attrs: dict[str, None] = {}
    resp_rows = []
    asg_rows = []
    code_info = {c["id"]: c for c in codes}
    for r in responses:
        attributes = r.get("attributes") or {}
        attrs.update(dict.fromkeys(str(k) for k in attributes))
        resp_rows.append({
            "response_id": r["id"], "respondent_id": str(r["respondent_id"]), "text": r.get("text") or "",
            "status": "coded" if r.get("assignments") else r.get("status") or "uncoded",
            "needs_review": bool(r.get("needs_review")), "review_reason": r.get("review_reason"),
            "reviewed": bool(r.get("reviewed")),
            "reviewed_by": (r.get("reviewed_by") or "") if r.get("reviewed") else "",
            **{f"attr:{k}": ("" if v is None else str(v)) for k, v in attributes.items()},
        })
        for a in r.get("assignments") or []:
            code = code_info.get(a["code_id"], {})
            asg_rows.append({
                "response_id": r["id"], "code_id": a["code_id"], "code": code.get("name", a.get("code_name", "?")),
                "category": code.get("category", ""), "sentiment": a.get("sentiment") or "Neutral",
                "confidence": a.get("confidence") or "high", "score": a.get("score"),
                "source": a.get("source") or "",
            })
    resp = pd.DataFrame(resp_rows, columns=RESPONSE_COLUMNS + [f"attr:{k}" for k in attrs])
    for k in attrs:
        resp[f"attr:{k}"] = resp[f"attr:{k}"].fillna("")
    asg = pd.DataFrame(asg_rows, columns=ASSIGNMENT_COLUMNS)
    code_frame = pd.DataFrame(
        [{"code_id": c["id"], "code": c["name"], "category": c.get("category", ""), "code_number": c.get("code_number"),
          "expected_sentiment": c.get("sentiment"), "definition": c.get("definition") or "", "order": i}
         for i, c in enumerate(codes)],
        columns=["code_id", "code", "category", "code_number", "expected_sentiment", "definition", "order"],
    )
    return Frames(responses=resp, assignments=asg, codes=code_frame, attributes=tuple(attrs))


def load_frames(db: sqlite_utils.Database, question_id: str) -> Frames:
    """build_frames over the question's rows, read with only the columns the frames use.

    results.response_rows (SELECT *, every JSON column decoded) took 0.85 s of the Dashboard's
    1.2 s first render at 10,000 responses; the frames need neither the engine's candidates nor
    the raw rows, and respondents share a few distinct attribute sets, decoded once each.
    """
    by_response: dict[int, list[dict[str, Any]]] = {}
    for response_id, code_id, sentiment, confidence, score, source in db.conn.execute(
        "SELECT a.response_id, a.code_id, a.sentiment, a.confidence, a.score, a.source FROM assignments a"
        " JOIN responses r ON r.id = a.response_id JOIN codes c ON c.id = a.code_id"
        " WHERE r.question_id = ? ORDER BY a.response_id, a.mention, a.id",
        (question_id,),
    ):
        by_response.setdefault(response_id, []).append(
            {"code_id": code_id, "sentiment": sentiment, "confidence": confidence, "score": score, "source": source})
    decoded: dict[str, dict[str, Any]] = {}
    responses = []
    for rid, respondent, text, status, needs_review, reason, reviewed, reviewed_by, attributes in db.conn.execute(
        "SELECT id, respondent_id, text, status, needs_review, review_reason, reviewed, reviewed_by, attributes"
        " FROM responses"
        " WHERE question_id = ? ORDER BY position",
        (question_id,),
    ):
        attrs = decoded.get(attributes) if attributes else {}
        if attrs is None:
            attrs = decoded[attributes] = loads(attributes, {})
        responses.append({"id": rid, "respondent_id": respondent, "text": text, "status": status,
                          "needs_review": needs_review, "review_reason": reason, "reviewed": reviewed,
                          "reviewed_by": reviewed_by, "attributes": attrs, "assignments": by_response.get(rid, [])})
    return build_frames(responses, code_rows(db, question_id))


# ---------------------------------------------------------------- filters


def segment_attributes(frames: Frames) -> list[str]:
    """Attributes usable as segments (few distinct values), in upload order."""
    out = []
    for name in frames.attributes:
        n = frames.responses[f"attr:{name}"].replace("", pd.NA).dropna().nunique()
        if 1 < n <= MAX_ATTRIBUTE_VALUES:
            out.append(name)
    return out


def attribute_values(frames: Frames, attribute: str) -> list[str]:
    col = f"attr:{attribute}"
    if col not in frames.responses:
        return []
    return sorted(v for v in frames.responses[col].unique() if v != "")


def categories(frames: Frames) -> list[str]:
    return list(dict.fromkeys(frames.codes["category"].tolist()))


def filter_frames(
    frames: Frames,
    *,
    categories: Sequence[str] | None = None,
    sentiments: Sequence[str] | None = None,
    confidences: Sequence[str] | None = None,
    attribute: str | None = None,
    values: Sequence[str] | None = None,
) -> Frames:
    """Keep respondents whose ``attribute`` is in ``values`` and codes of the chosen categories,
    sentiments and confidences (an empty or None filter keeps everything)."""
    resp, asg, codes = frames.responses, frames.assignments, frames.codes
    if attribute and values:
        col = f"attr:{attribute}"
        if col in resp:
            resp = resp[resp[col].isin(list(values))]
            asg = asg[asg["response_id"].isin(resp["response_id"])]
    if categories:
        asg = asg[asg["category"].isin(list(categories))]
        codes = codes[codes["category"].isin(list(categories))]
    if sentiments:
        asg = asg[asg["sentiment"].isin(list(sentiments))]
    if confidences:
        asg = asg[asg["confidence"].isin(list(confidences))]
    return replace(frames, responses=resp, assignments=asg, codes=codes)


# ---------------------------------------------------------------- views


def respondent_base(frames: Frames) -> int:
    """Respondents with a codable answer (junk and empty answers are not in the base)."""
    return int((frames.responses["status"] != "no_data").sum())


def summary(frames: Frames) -> dict[str, int]:
    r = frames.responses
    return {
        "respondents": len(r), "base": respondent_base(frames), "coded": int((r["status"] == "coded").sum()),
        "uncoded": int((r["status"] == "uncoded").sum()), "no_data": int((r["status"] == "no_data").sum()),
        "flagged": int(r["needs_review"].sum()), "reviewed": int(r["reviewed"].sum()), "codes": len(frames.codes),
    }


def code_frequencies(frames: Frames, *, include_empty: bool = False) -> pd.DataFrame:
    """One row per code: category, code, count (respondents with the code), pct of respondents.

    Ordered by category (codebook order), then count, largest first.
    """
    base = respondent_base(frames)
    counts = frames.assignments.drop_duplicates(["response_id", "code_id"]).groupby("code_id").size()
    out = frames.codes[["code_id", "code", "category", "order"]].copy()
    out["count"] = out["code_id"].map(counts).fillna(0).astype(int)
    out["pct"] = (out["count"] * 100.0 / base).round(1) if base else 0.0
    if not include_empty:
        out = out[out["count"] > 0]
    cat_order = {c: i for i, c in enumerate(categories(frames))}
    out["cat_order"] = out["category"].map(cat_order)
    out = out.sort_values(["cat_order", "count", "order"], ascending=[True, False, True])
    return out.drop(columns=["cat_order", "order"]).reset_index(drop=True)


def sentiment_by_code(frames: Frames) -> pd.DataFrame:
    """Long table: code, category, sentiment, count, pct (of the code's mentions)."""
    asg = frames.assignments
    if asg.empty:
        return pd.DataFrame(columns=["code_id", "code", "category", "sentiment", "count", "pct"])
    g = asg.groupby(["code_id", "code", "category", "sentiment"]).size().rename("count").reset_index()
    totals = g.groupby("code_id")["count"].transform("sum")
    g["pct"] = (g["count"] * 100.0 / totals).round(1)
    order = {s: i for i, s in enumerate(SENTIMENT_ORDER)}
    g["s_order"] = g["sentiment"].map(order)
    freq_order = {cid: i for i, cid in enumerate(code_frequencies(frames)["code_id"])}
    g["c_order"] = g["code_id"].map(freq_order)
    return g.sort_values(["c_order", "s_order"]).drop(columns=["s_order", "c_order"]).reset_index(drop=True)


def net_sentiment(frames: Frames) -> pd.DataFrame:
    """Per code: positive, negative, total mentions and net = % positive − % negative (−100…100)."""
    asg = frames.assignments
    cols = ["code_id", "code", "category", "positive", "negative", "neutral", "mixed", "total", "net"]
    if asg.empty:
        return pd.DataFrame(columns=cols)
    wide = asg.pivot_table(index=["code_id", "code", "category"], columns="sentiment", values="response_id",
                           aggfunc="count", fill_value=0)
    for s in SENTIMENT_ORDER:
        if s not in wide:
            wide[s] = 0
    out = wide.reset_index()
    out.columns = [str(c) for c in out.columns]
    out = out.rename(columns={"Positive": "positive", "Negative": "negative", "Neutral": "neutral",
                              "Mixed": "mixed"})
    out["total"] = out[["positive", "negative", "neutral", "mixed"]].sum(axis=1)
    out["net"] = ((out["positive"] - out["negative"]) * 100.0 / out["total"]).round(1)
    return out[cols].sort_values(["net", "total"], ascending=[True, False]).reset_index(drop=True)


def overall_net_sentiment(frames: Frames) -> float | None:
    asg = frames.assignments
    if asg.empty:
        return None
    return round(float(((asg["sentiment"] == "Positive").sum() - (asg["sentiment"] == "Negative").sum())
                       * 100.0 / len(asg)), 1)


def crosstab(frames: Frames, attribute: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Codes × values of ``attribute``: (counts, column %). Both have a ``Total`` column; counts end
    with a ``Base`` row (respondents with a codable answer in each column). Column % = share of
    that column's respondents who mention the code."""
    col = f"attr:{attribute}"
    resp = frames.responses[frames.responses["status"] != "no_data"]
    if col not in resp:
        raise KeyError(f"unknown attribute {attribute!r}")
    seg = resp.set_index("response_id")[col].replace("", "(blank)")
    asg = frames.assignments.drop_duplicates(["response_id", "code_id"])
    asg = asg[asg["response_id"].isin(seg.index)]
    freq = code_frequencies(frames)
    values = sorted(seg.unique())
    codes = freq["code"].tolist()
    if asg.empty:
        counts = pd.DataFrame(0, index=codes, columns=values)
    else:
        counts = pd.crosstab(asg["code"], asg["response_id"].map(seg)).reindex(index=codes, columns=values,
                                                                               fill_value=0)
    counts["Total"] = counts.sum(axis=1)
    base = seg.value_counts().reindex(values, fill_value=0)
    base["Total"] = len(seg)
    pct = (counts.div(base.replace(0, pd.NA)) * 100).astype(float).round(1).fillna(0.0)
    counts.loc["Base"] = base
    counts.index.name = pct.index.name = "code"
    counts.columns.name = pct.columns.name = attribute
    return counts.astype(int), pct


def verbatims(frames: Frames, code_id: str | None = None, *, limit: int | None = None) -> pd.DataFrame:
    """Responses (with the code when given): respondent, text, sentiment/confidence of that code,
    all codes, who reviewed it (blank while the engine's codes stand), and the attributes — plain
    values for a dataframe (never rendered as markdown)."""
    resp = frames.responses
    asg = frames.assignments
    if code_id:
        mine = asg[asg["code_id"] == code_id].drop_duplicates("response_id").set_index("response_id")
        resp = resp[resp["response_id"].isin(mine.index)]
        asg = asg[asg["response_id"].isin(mine.index)]
    # Each response's codes in mention order, once each (a dict: a pandas string groupby took 0.4 s at 10,000).
    codes_per: dict[Any, list[str]] = {}
    for rid, code in zip(asg["response_id"].tolist(), asg["code"].tolist(), strict=True):
        listed = codes_per.setdefault(rid, [])
        if code not in listed:
            listed.append(code)
    out = pd.DataFrame({
        "respondent": resp["respondent_id"].values,
        "response": resp["text"].values,
    })
    if code_id:
        out["sentiment"] = resp["response_id"].map(mine["sentiment"]).values
        out["confidence"] = resp["response_id"].map(mine["confidence"]).values
    out["codes"] = ["; ".join(codes_per.get(rid, ())) for rid in resp["response_id"].tolist()]
    out["reviewed_by"] = resp["reviewed_by"].values
    for name in frames.attributes:
        out[name] = resp[f"attr:{name}"].values
    return out.head(limit) if limit else out
