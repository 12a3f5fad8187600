"""Coded results out: CSV, XLSX (with a Code Dictionary sheet) and SPSS ``.sav``; refinement and review audits.

The service layer builds :class:`ExportQuestion` objects from the store; everything here is pure
(in → bytes/str), so the exact output can be pinned by tests.

Column layouts
==============
Wide layouts (one row per respondent) start with ``respondent_id``, then the respondent attributes when
``include_demographics`` (union over all questions, first-seen order; an attribute named like a fixed
column becomes ``attr_<name>``), then one block of columns per question. With several questions every
block column is prefixed ``Q1_``, ``Q2_`` … (the questions' order as given); with one question there is
no prefix. A respondent missing from a question has blanks in that question's block. Respondents are
listed in first-appearance order.

``wide_by_question`` block::

    text, status, codes, code_numbers, [categories], [sentiments],
    [confidence, needs_review, review_reason], reviewed, reviewed_by

  ``codes``, ``code_numbers``, ``categories``, ``sentiments`` and ``confidence`` list the response's codes
  in mention order joined by ``"; "`` (aligned: the n-th item of each belongs to the n-th code). A human's
  code has no confidence and shows as ``manual``. ``needs_review`` / ``reviewed`` are ``yes`` / ``no``;
  ``reviewed_by`` names the reviewer whose decision the codes are (blank while the engine's stand). Every
  layout carries ``reviewed`` and ``reviewed_by``, whatever the options: a human decision always shows.

``columns_by_mention`` block (M = most codes on one response of that question, at least 1)::

    text, status, mention_1, [mention_1_category], [mention_1_sentiment], [mention_1_confidence],
    … up to mention_M …, [needs_review, review_reason], reviewed, reviewed_by

  ``mention_n`` holds the code name; a human's code has a blank confidence (Codeit style).

``binary_dummy`` block::

    text, status, reviewed, reviewed_by, then per category in codebook order: [NET: <category>], <code name> …

  Codes in code-number order. Cells are 1/0; a ``NET`` is 1 when any code of its category is. A response
  with status ``no_data`` (and a respondent absent from the question) has blanks, so a column's mean is the
  share of answering respondents. Sentiment and confidence are not part of this layout.

``one_row_per_code`` (long; one row per response x code, in mention order)::

    question, respondent_id, [attributes…], text, status, mention, code_number, code, [category],
    [sentiment], [confidence, score], source, [needs_review, review_reason], reviewed, reviewed_by

  ``question`` is ``Q1``, ``Q2`` … . A response without codes still has one row with the code cells blank,
  so no respondent disappears from the file.

In brackets: ``[categories]`` with ``include_categories``, ``[sentiment…]`` with ``include_sentiment``,
``[confidence…]`` with ``include_confidence``, ``[attributes]`` with ``include_demographics``.

Code dictionary (CSV never has it; XLSX sheet "Code Dictionary" when ``include_code_dictionary``)::

    question, question_text, category, code_number, code, definition, expected_sentiment, frequency,
    pct_of_coded_respondents   (frequency / responses with status "coded" x 100, one decimal)

SPSS ``.sav``: ``respondent_id`` (string) and per question and code a numeric variable ``Q<q>_C<nn>``
(``nn`` = code number, two digits at least), variable label = code name, value labels {0: "No", 1: "Yes"},
system-missing for ``no_data`` responses and respondents absent from the question; then per question
``Q<q>_reviewed`` (0/1, labelled No/Yes; missing for respondents absent from the question) and
``Q<q>_reviewer`` (string, the reviewer's name).

Security: verbatims, attributes and code names are untrusted. Every text cell (and header) that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` in CSV and XLSX (see
:func:`neutralise_cell`). Real numbers are written as numbers and never touched.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
from datetime import date, datetime
from typing import Any

import pandas as pd

from surveycoder_core.errors import ValidationError
from surveycoder_core.exports.frames import LAYOUTS, build_dictionary, build_frame, sav_frame
from surveycoder_core.exports.model import (
    ExportAssignment,
    ExportCode,
    ExportOptions,
    ExportQuestion,
    ExportResponse,
)

__all__ = [
    "ExportAssignment", "ExportCode", "ExportOptions", "ExportQuestion", "ExportResponse", "LAYOUTS",
    "SUGGESTION_COLUMNS", "REVIEW_LOG_COLUMNS", "build_table", "code_dictionary", "export_csv",
    "export_xlsx", "export_sav", "export_suggestions_xlsx", "export_suggestions_csv",
    "export_review_log_csv", "export_codebook_csv", "neutralise_cell",
]  # fmt: skip

SHEET_RESULTS = "Coded responses"
SHEET_DICTIONARY = "Code Dictionary"
XLSX_MAX_CHARS = 32_767  # Excel's limit for one cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# "-12" or "-0.5" typed in a spreadsheet is a number, not a formula: leave such text alone.
PLAIN_NEGATIVE = re.compile(r"-\d+(\.\d+)?")


# ---------------------------------------------------------------- cells


def neutralise_cell(value: Any) -> Any:
    """Prefix ``'`` to text a spreadsheet would run as a formula; numbers and other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NEGATIVE.fullmatch(value):
        return "'" + value
    return value


def is_blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def cell_text(value: Any) -> str:
    """Any non-number value as the text written to a file (then neutralised)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def format_csv_cell(value: Any) -> str:
    if is_blank(value):
        return ""
    if is_number(value):
        return str(value)
    return neutralise_cell(cell_text(value))


# ---------------------------------------------------------------- tables


def check_options(questions: list[ExportQuestion], options: ExportOptions) -> None:
    if options.layout not in LAYOUTS:
        raise ValidationError(f"layout {options.layout!r} is not known; layouts are {', '.join(LAYOUTS)}")
    if not questions:
        raise ValidationError("nothing to export: no question was given")


def build_table(questions: list[ExportQuestion], options: ExportOptions) -> pd.DataFrame:
    """The coded results in the requested layout (see the module docstring for the exact columns)."""
    check_options(questions, options)
    return build_frame(questions, options)


def code_dictionary(questions: list[ExportQuestion]) -> pd.DataFrame:
    """Every code with category, number, definition, expected sentiment, frequency and % of coded respondents."""
    return build_dictionary(questions)


def frame_to_csv(frame: pd.DataFrame, bom: bool = False) -> str:
    buffer = io.StringIO()
    # CRLF line ends (RFC 4180): what Excel and SPSS expect; newlines inside a verbatim stay quoted.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([format_csv_cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([format_csv_cell(v) for v in row])
    return ("\ufeff" if bom else "") + buffer.getvalue()


def export_csv(questions: list[ExportQuestion], options: ExportOptions, bom: bool = False) -> str:
    """One UTF-8 table in the requested layout; ``bom=True`` adds the byte-order mark Excel likes."""
    return frame_to_csv(build_table(questions, options), bom=bom)


# ---------------------------------------------------------------- xlsx


def new_workbook(buffer: io.BytesIO) -> Any:
    import xlsxwriter

    # No automatic conversions: a verbatim is text even when it looks like a formula, a URL or a number.
    return xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )


def column_width(header: str, values: list[Any]) -> float:
    """Wide enough for the header and typical cells (first 200 rows), between 8 and 60 characters."""
    longest = max([len(header)] + [len(cell_text(v)) for v in values[:200] if not is_blank(v)])
    return float(min(60, max(8, longest + 2)))


def write_sheet(workbook: Any, name: str, frame: pd.DataFrame) -> None:
    sheet = workbook.add_worksheet(name)
    bold = workbook.add_format({"bold": True})
    headers = [str(c) for c in frame.columns]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, neutralise_cell(header), bold)
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        for col, value in enumerate(row):
            if is_blank(value) or value == "":
                continue  # a real blank cell, not an empty string
            if is_number(value):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, neutralise_cell(cell_text(value))[:XLSX_MAX_CHARS])
    sheet.freeze_panes(1, 0)
    if headers:
        sheet.autofilter(0, 0, len(frame), len(headers) - 1)
    for col, header in enumerate(headers):
        sheet.set_column(col, col, column_width(header, frame.iloc[:, col].tolist()))


def write_xlsx(sheets: list[tuple[str, pd.DataFrame]]) -> bytes:
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    for name, frame in sheets:
        write_sheet(workbook, name, frame)
    workbook.close()
    return buffer.getvalue()


def export_xlsx(questions: list[ExportQuestion], options: ExportOptions) -> bytes:
    """Sheet "Coded responses" (+ "Code Dictionary" when asked); frozen, filterable header row."""
    sheets = [(SHEET_RESULTS, build_table(questions, options))]
    if options.include_code_dictionary:
        sheets.append((SHEET_DICTIONARY, code_dictionary(questions)))
    return write_xlsx(sheets)


# ---------------------------------------------------------------- sav


def export_sav(questions: list[ExportQuestion]) -> bytes:
    """SPSS file: respondent id and one 0/1 variable per code, labelled No/Yes, labelled with the code name."""
    import pyreadstat

    if not questions:
        raise ValidationError("nothing to export: no question was given")
    frame, labels, value_labels = sav_frame(questions)
    formats = {name: "F1.0" for name in value_labels}  # the 0/1 variables; strings get their own width
    measures = {name: "nominal" for name in value_labels}
    fd, path = tempfile.mkstemp(suffix=".sav")
    os.close(fd)
    try:  # pyreadstat writes only to a path
        pyreadstat.write_sav(
            frame, path, file_label=questions[0].project_name[:64], column_labels=labels,
            variable_value_labels=value_labels, variable_format=formats, variable_measure=measures,
        )  # fmt: skip
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


# ---------------------------------------------------------------- refinement and review audits

SUGGESTION_COLUMNS = [
    "suggestion_id", "type", "action", "status", "confidence", "name", "definition", "sentiment", "category",
    "target_code", "source_code", "affected_count", "example_responses", "rationale", "created_at",
    "resolved_at", "resolved_by", "dismiss_reason",
]  # fmt: skip
REVIEW_LOG_COLUMNS = ["created_at", "actor", "action", "respondent_id", "detail"]
SUGGESTION_STATUSES = ("pending", "applied", "dismissed")


def format_examples(examples: Any) -> str | None:
    """``[{id, text}]`` → ``"17: too slow | 23: price"`` (one readable cell)."""
    if not examples:
        return None
    parts = []
    for ex in examples:
        if isinstance(ex, dict):
            parts.append(f"{ex.get('id', '')}: {ex.get('text', '')}")
        else:
            parts.append(str(ex))
    return " | ".join(parts)


def suggestion_row(s: dict[str, Any]) -> list[Any]:
    values = {key: s.get(key) for key in SUGGESTION_COLUMNS}
    values["suggestion_id"] = s.get("id", s.get("suggestion_id"))
    values["example_responses"] = format_examples(s.get("example_responses"))
    return [values[key] for key in SUGGESTION_COLUMNS]


def suggestions_frame(suggestions: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([suggestion_row(s) for s in suggestions], columns=SUGGESTION_COLUMNS, dtype=object)


def suggestions_summary(suggestions: list[dict[str, Any]]) -> pd.DataFrame:
    """Counts and affected responses per status, then a total row."""
    rows = []
    for status in SUGGESTION_STATUSES:
        chosen = [s for s in suggestions if s.get("status") == status]
        rows.append([status, len(chosen), sum(int(s.get("affected_count") or 0) for s in chosen)])
    rows.append(["total", len(suggestions), sum(int(s.get("affected_count") or 0) for s in suggestions)])
    return pd.DataFrame(rows, columns=["status", "suggestions", "affected_responses"], dtype=object)


def export_suggestions_xlsx(suggestions: list[dict[str, Any]]) -> bytes:
    """Audit workbook: Summary / Pending / Applied / Dismissed (each status sheet has every column)."""
    frame = suggestions_frame(suggestions)
    sheets = [("Summary", suggestions_summary(suggestions))]
    for status in SUGGESTION_STATUSES:
        sheets.append((status.capitalize(), frame[frame["status"] == status].reset_index(drop=True)))
    return write_xlsx(sheets)


def export_suggestions_csv(suggestions: list[dict[str, Any]]) -> str:
    """Every suggestion in one table; the ``status`` column says pending / applied / dismissed."""
    return frame_to_csv(suggestions_frame(suggestions))


def export_review_log_csv(rows: list[dict[str, Any]]) -> str:
    """The review log: created_at, actor, action, respondent_id, detail."""
    frame = pd.DataFrame(
        [[row.get(key) for key in REVIEW_LOG_COLUMNS] for row in rows], columns=REVIEW_LOG_COLUMNS, dtype=object
    )
    return frame_to_csv(frame)


def export_json(result: Any) -> str:
    """The coded question as the API's result envelope (``CodeResultData`` → ``{success, data, meta}``).

    The same shape POST /v2/code and ``surveycoder code`` return, so a file exported from the app
    can be read by anything written against the API.
    """
    from surveycoder_core.schemas import CodeResponseSync

    return CodeResponseSync(data=result).model_dump_json(indent=2)


def export_codebook_csv(codebook: Any) -> str:
    """A codebook (``CodebookIn``) as a CSV with category, code, definition, sentiment
    (``io.readers.read_codebook`` reads it back)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["category", "code", "definition", "sentiment"])
    for cat in codebook.categories:
        for code in cat.codes:
            w.writerow([cat.name, code.name, code.definition or "", code.sentiment])
    return buf.getvalue()
