"""The tables behind every export: one ``pandas.DataFrame`` per layout, plus the code dictionary.

``exports.py`` defines the input dataclasses and writes these frames to CSV, XLSX and SAV; this module
only shapes rows and columns, so a layout can be checked cell by cell without any file format in between.
The exact column layouts are documented in the ``exports`` module docstring.

Frames are built with ``dtype=object`` on purpose: a 0/1 column with a blank for "did not answer" must
stay ``1``/``0``/blank in a CSV, not turn into ``1.0``/``0.0`` the way a float column would.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from surveycoder_core.exports.model import (
    ExportAssignment,
    ExportCode,
    ExportOptions,
    ExportQuestion,
    ExportResponse,
)
from surveycoder_core.schemas import EXPORT_LAYOUTS

LAYOUTS = EXPORT_LAYOUTS
JOIN = "; "
YES, NO = "yes", "no"
#: In a joined confidence list a human's code has no confidence; a blank would make "high; ; low".
MANUAL = "manual"
SPSS_LABEL_MAX = 255  # SPSS variable labels: at most 256 bytes


# ---------------------------------------------------------------- helpers


def sort_codes(codes: Iterable[ExportCode]) -> list[ExportCode]:
    """Codebook order: by code number (stable, so equal numbers keep the caller's order)."""
    return sorted(codes, key=lambda c: c.code_number)


def order_categories(codes: Iterable[ExportCode]) -> list[str]:
    """Category names in the order their first code appears in the sorted codebook."""
    seen: list[str] = []
    for code in sort_codes(codes):
        if code.category not in seen:
            seen.append(code.category)
    return seen


def prefix_for(index: int, count: int) -> str:
    """``Q1_``, ``Q2_`` … only when several questions share one table."""
    return f"Q{index + 1}_" if count > 1 else ""


def question_label(index: int) -> str:
    return f"Q{index + 1}"


def yes_no(flag: bool) -> str:
    return YES if flag else NO


def decision(r: ExportResponse) -> list[Any]:
    """``reviewed`` (yes/no) and ``reviewed_by`` (the reviewer, blank while the engine's codes stand)."""
    return [yes_no(r.reviewed), r.reviewed_by if r.reviewed else None]


def lookup_code(codes_by_id: dict[str, ExportCode], assignment: ExportAssignment) -> tuple[str, Any, str]:
    """(name, number, category) of an assigned code; an unknown id is shown, never dropped."""
    code = codes_by_id.get(assignment.code_id)
    if code is None:
        return assignment.code_id, None, ""
    return code.name, code.code_number, code.category


def list_respondents(questions: list[ExportQuestion]) -> list[str]:
    """Every respondent id once, in first-appearance order across the questions."""
    order: dict[str, None] = {}
    for q in questions:
        for r in q.responses:
            order.setdefault(r.respondent_id, None)
    return list(order)


def merge_attributes(questions: list[ExportQuestion]) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Attribute column names (first-seen order) and each respondent's merged attributes (first wins)."""
    names: dict[str, None] = {}
    merged: dict[str, dict[str, Any]] = {}
    for q in questions:
        for r in q.responses:
            target = merged.setdefault(r.respondent_id, {})
            for key, value in (r.attributes or {}).items():
                names.setdefault(str(key), None)
                target.setdefault(str(key), value)
    return list(names), merged


def rename_clashes(attribute_names: list[str], reserved: set[str]) -> dict[str, str]:
    """Attribute -> column name; an attribute called like a fixed column becomes ``attr_<name>``."""
    mapping: dict[str, str] = {}
    taken = set(reserved)
    for name in attribute_names:
        column = name
        while column in taken:
            column = f"attr_{column}"
        taken.add(column)
        mapping[name] = column
    return mapping


def index_responses(question: ExportQuestion) -> dict[str, ExportResponse]:
    return {r.respondent_id: r for r in question.responses}


# ---------------------------------------------------------------- per-question blocks (wide layouts)


def block_wide(q: ExportQuestion, p: str, options: ExportOptions) -> tuple[list[str], Any]:
    """Columns and a row function for ``wide_by_question``: codes joined in mention order."""
    cols = [f"{p}text", f"{p}status", f"{p}codes", f"{p}code_numbers"]
    if options.include_categories:
        cols.append(f"{p}categories")
    if options.include_sentiment:
        cols.append(f"{p}sentiments")
    if options.include_confidence:
        cols += [f"{p}confidence", f"{p}needs_review", f"{p}review_reason"]
    cols += [f"{p}reviewed", f"{p}reviewed_by"]
    by_id = {c.id: c for c in q.codes}

    def row(r: ExportResponse | None) -> list[Any]:
        if r is None:
            return [None] * len(cols)
        found = [lookup_code(by_id, a) for a in r.assignments]
        values: list[Any] = [
            r.text,
            r.status,
            JOIN.join(name for name, _, _ in found),
            JOIN.join("" if num is None else str(num) for _, num, _ in found),
        ]
        if options.include_categories:
            values.append(JOIN.join(cat for _, _, cat in found))
        if options.include_sentiment:
            values.append(JOIN.join(a.sentiment for a in r.assignments))
        if options.include_confidence:
            values.append(JOIN.join(a.confidence or MANUAL for a in r.assignments))
            values += [yes_no(r.needs_review), r.review_reason]
        return values + decision(r)

    return cols, row


def block_mentions(q: ExportQuestion, p: str, options: ExportOptions) -> tuple[list[str], Any]:
    """Columns and a row function for ``columns_by_mention``: one column group per mention."""
    width = max([len(r.assignments) for r in q.responses] + [1])
    per_mention = [""]
    if options.include_categories:
        per_mention.append("_category")
    if options.include_sentiment:
        per_mention.append("_sentiment")
    if options.include_confidence:
        per_mention.append("_confidence")
    cols = [f"{p}text", f"{p}status"]
    for i in range(1, width + 1):
        cols += [f"{p}mention_{i}{suffix}" for suffix in per_mention]
    if options.include_confidence:
        cols += [f"{p}needs_review", f"{p}review_reason"]
    cols += [f"{p}reviewed", f"{p}reviewed_by"]
    by_id = {c.id: c for c in q.codes}

    def row(r: ExportResponse | None) -> list[Any]:
        if r is None:
            return [None] * len(cols)
        values: list[Any] = [r.text, r.status]
        for i in range(width):
            if i >= len(r.assignments):
                values += [None] * len(per_mention)
                continue
            a = r.assignments[i]
            name, _, category = lookup_code(by_id, a)
            values.append(name)
            if options.include_categories:
                values.append(category)
            if options.include_sentiment:
                values.append(a.sentiment)
            if options.include_confidence:
                values.append(a.confidence)
        if options.include_confidence:
            values += [yes_no(r.needs_review), r.review_reason]
        return values + decision(r)

    return cols, row


def block_dummies(q: ExportQuestion, p: str, options: ExportOptions) -> tuple[list[str], Any]:
    """Columns and a row function for ``binary_dummy``: one 0/1 column per code.

    A respondent who gave no answer (status ``no_data``) or is absent from this question gets blanks,
    not zeros, so a column's mean is the share of *answering* respondents, as in SPSS.
    """
    codes = sort_codes(q.codes)
    # Each entry: (column, set of code ids that make it 1) — a NET is 1 when any of its codes is.
    targets: list[tuple[str, set[str]]] = []
    for category in order_categories(codes):
        members = [c for c in codes if c.category == category]
        if options.include_categories:
            targets.append((f"{p}NET: {category}", {c.id for c in members}))
        targets += [(f"{p}{c.name}", {c.id}) for c in members]
    cols = [f"{p}text", f"{p}status", f"{p}reviewed", f"{p}reviewed_by"] + [name for name, _ in targets]

    def row(r: ExportResponse | None) -> list[Any]:
        if r is None:
            return [None] * len(cols)
        assigned = {a.code_id for a in r.assignments}
        if r.status == "no_data":
            return [r.text, r.status, *decision(r)] + [None] * len(targets)
        return [r.text, r.status, *decision(r)] + [1 if assigned & ids else 0 for _, ids in targets]

    return cols, row


BLOCKS = {"wide_by_question": block_wide, "columns_by_mention": block_mentions, "binary_dummy": block_dummies}


# ---------------------------------------------------------------- layouts


def build_wide(questions: list[ExportQuestion], options: ExportOptions) -> pd.DataFrame:
    """One row per respondent: id, attributes, then one column block per question."""
    make_block = BLOCKS[options.layout]
    blocks = [make_block(q, prefix_for(i, len(questions)), options) for i, q in enumerate(questions)]
    fixed = ["respondent_id"] + [c for cols, _ in blocks for c in cols]
    names, attributes = merge_attributes(questions) if options.include_demographics else ([], {})
    mapping = rename_clashes(names, set(fixed))
    columns = ["respondent_id"] + [mapping[n] for n in names] + fixed[1:]
    indexes = [index_responses(q) for q in questions]
    rows = []
    for rid in list_respondents(questions):
        row: list[Any] = [rid] + [attributes.get(rid, {}).get(n) for n in names]
        for (_, make_row), index in zip(blocks, indexes, strict=False):
            row += make_row(index.get(rid))
        rows.append(row)
    return pd.DataFrame(rows, columns=make_unique(columns), dtype=object)


def make_unique(columns: list[str]) -> list[str]:
    """A code called "text" must not hide the text column: later twins get " (2)", " (3)" …"""
    seen: set[str] = set()
    out = []
    for name in columns:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate)
        out.append(candidate)
    return out


def build_long(questions: list[ExportQuestion], options: ExportOptions) -> pd.DataFrame:
    """One row per response x code (a response without codes still gets one row, code blank)."""
    head = ["question", "respondent_id"]
    tail = ["text", "status", "mention", "code_number", "code"]
    if options.include_categories:
        tail.append("category")
    if options.include_sentiment:
        tail.append("sentiment")
    if options.include_confidence:
        tail += ["confidence", "score"]
    tail.append("source")
    if options.include_confidence:
        tail += ["needs_review", "review_reason"]
    tail += ["reviewed", "reviewed_by"]
    names, _ = merge_attributes(questions) if options.include_demographics else ([], {})
    mapping = rename_clashes(names, set(head + tail))
    columns = head + [mapping[n] for n in names] + tail
    rows = []
    for qi, q in enumerate(questions):
        by_id = {c.id: c for c in q.codes}
        for r in q.responses:
            start = [question_label(qi), r.respondent_id] + [(r.attributes or {}).get(n) for n in names]
            mentions: list[ExportAssignment | None] = list(r.assignments) or [None]
            for i, a in enumerate(mentions, start=1):
                rows.append(start + long_tail(r, a, i, by_id, options))
    return pd.DataFrame(rows, columns=columns, dtype=object)


def long_tail(
    r: ExportResponse, a: ExportAssignment | None, mention: int, by_id: dict[str, ExportCode], options: ExportOptions
) -> list[Any]:
    name, number, category = lookup_code(by_id, a) if a else (None, None, None)
    values: list[Any] = [r.text, r.status, mention if a else None, number, name]
    if options.include_categories:
        values.append(category)
    if options.include_sentiment:
        values.append(a.sentiment if a else None)
    if options.include_confidence:
        values += [a.confidence if a else None, a.score if a else None]
    values.append(a.source if a else None)
    if options.include_confidence:
        values += [yes_no(r.needs_review), r.review_reason]
    return values + decision(r)


def build_frame(questions: list[ExportQuestion], options: ExportOptions) -> pd.DataFrame:
    if options.layout == "one_row_per_code":
        return build_long(questions, options)
    return build_wide(questions, options)


def build_dictionary(questions: list[ExportQuestion]) -> pd.DataFrame:
    """Every code of every question with its definition, frequency and share of coded respondents."""
    columns = [
        "question", "question_text", "category", "code_number", "code", "definition",
        "expected_sentiment", "frequency", "pct_of_coded_respondents",
    ]  # fmt: skip
    rows = []
    for qi, q in enumerate(questions):
        coded = sum(1 for r in q.responses if r.status == "coded")
        for c in sort_codes(q.codes):
            pct = round(100.0 * c.frequency / coded, 1) if coded else 0.0
            rows.append(
                [question_label(qi), q.question_text, c.category, c.code_number, c.name,
                 c.definition, c.sentiment, c.frequency, pct]
            )  # fmt: skip
    return pd.DataFrame(rows, columns=columns, dtype=object)


# ---------------------------------------------------------------- SPSS


def spss_name(qi: int, code: ExportCode, taken: set[str]) -> str:
    """``Q1_C03``: starts with a letter, ≤ 64 chars, unique (a repeated number gets ``_2``, ``_3`` …)."""
    base = f"Q{qi + 1}_C{code.code_number:02d}" if code.code_number >= 0 else f"Q{qi + 1}_CM{-code.code_number}"
    name, n = base, 1
    while name.lower() in taken:  # SPSS names are case-insensitive
        n += 1
        name = f"{base}_{n}"
    taken.add(name.lower())
    return name[:64]


def sav_frame(
    questions: list[ExportQuestion],
) -> tuple[pd.DataFrame, dict[str, str | None], dict[str, dict[float, str]]]:
    """Respondent id + one 0/1 (or missing) float variable per code; labels and value labels."""
    respondents = list_respondents(questions)
    data: dict[str, list[Any]] = {"respondent_id": respondents}
    labels: dict[str, str | None] = {"respondent_id": "Respondent ID"}
    value_labels: dict[str, dict[float, str]] = {}
    taken = {"respondent_id"}
    for qi, q in enumerate(questions):
        by_respondent = {r.respondent_id: r for r in q.responses}
        for code in sort_codes(q.codes):
            name = spss_name(qi, code, taken)
            dummies: list[float] = []
            for rid in respondents:
                r = by_respondent.get(rid)
                if r is None or r.status == "no_data":
                    dummies.append(math.nan)
                else:
                    dummies.append(1.0 if any(a.code_id == code.id for a in r.assignments) else 0.0)
            data[name] = dummies
            labels[name] = code.name.encode()[:SPSS_LABEL_MAX].decode(errors="ignore")  # a byte limit
            value_labels[name] = {0.0: "No", 1.0: "Yes"}
    strings = ["respondent_id"]
    for qi, q in enumerate(questions):  # the human decisions, after every question's codes
        by_respondent = {r.respondent_id: r for r in q.responses}
        flag, who = f"Q{qi + 1}_reviewed", f"Q{qi + 1}_reviewer"
        data[flag] = [math.nan if by_respondent.get(rid) is None else float(by_respondent[rid].reviewed)
                      for rid in respondents]
        labels[flag], value_labels[flag] = f"Q{qi + 1} reviewed by a person", {0.0: "No", 1.0: "Yes"}
        data[who] = [(decision(by_respondent[rid])[1] or "") if rid in by_respondent else "" for rid in respondents]
        labels[who] = f"Q{qi + 1} reviewer"
        strings.append(who)
    frame = pd.DataFrame(data)
    for text_column in strings:
        frame[text_column] = frame[text_column].astype(object)
    return frame, labels, value_labels
