"""Files in: verbatim tables (CSV/TSV/TXT, XLSX, SPSS .sav, JSON). Codebook files and request bodies
are read by :mod:`surveycoder_core.io.codebook_files`.

Every bad input raises :class:`~surveycoder_core.errors.ValidationError` with a message that names the
file, the column, the rows or the ids at fault. Row numbers in messages count data rows: row 1 is the
first row under the header.

Reading is forgiving where a researcher's file is merely untidy (a title above the header, blank or repeated
header cells, a BOM, a Windows encoding, semicolons) and strict where guessing could corrupt results
(duplicate respondent ids, more than ``MAX_RESPONSES`` rows).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import pandas as pd

from surveycoder_core.errors import ValidationError
from surveycoder_core.schemas import (
    MAX_RESPONSES,
    MAX_VERBATIM_CHARS,
    ResponseIn,
)

__all__ = ["ImportedTable", "read_table", "guess_columns", "table_to_responses"]

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t", "|")
SHOWN = 10  # how many rows or ids a message lists before "and N more"
DEFAULT_CATEGORY = "General"


@dataclass
class ImportedTable:
    frame: pd.DataFrame  # every column holds strings; an empty cell is ""
    sheets: list[str] = field(default_factory=list)  # XLSX sheet names, [] for other formats
    encoding: str | None = None  # text files only
    delimiter: str | None = None  # text files only
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- small helpers


def list_some(items: list[Any], limit: int = SHOWN) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


def cell_to_text(value: Any) -> str:
    """A spreadsheet/SPSS cell as the text a person sees: 1001.0 → "1001", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def file_kind(data: bytes, filename: str) -> str:
    """csv | xlsx | sav | json | xls, from the extension, else from the first bytes."""
    name = filename.lower()
    if name.endswith(TEXT_SUFFIXES):
        return "csv"
    if name.endswith(XLSX_SUFFIXES):
        return "xlsx"
    for kind in ("sav", "json", "xls"):
        if name.endswith("." + kind):
            return kind
    if data.startswith(b"PK"):
        return "xlsx"
    if data.startswith(b"$FL2") or data.startswith(b"$FL3"):
        return "sav"
    if data.lstrip()[:1] in (b"{", b"["):
        return "json"
    return "csv"


# ---------------------------------------------------------------- header and frame shaping


def find_header_row(rows: list[list[str]]) -> int:
    """Index of the first row that looks like a header: at least half as filled as the widest row.

    A title line ("Customer survey 2026") or a note above the table fills one cell; the header fills most.
    """
    widths = [sum(1 for c in row if c.strip()) for row in rows[:50]]
    # The median, not the maximum: one row broken by stray delimiters must not push the header down.
    typical = sorted(widths)[len(widths) // 2] if widths else 0
    needed = max(min(2, typical), math.ceil(typical / 2))
    for i, width in enumerate(widths):
        if width >= needed:
            return i
    return 0


def clean_headers(raw: list[str], warnings: list[str]) -> list[str]:
    """Whitespace and newlines collapsed; blanks → ``column_<n>``; repeats → ``name_2``, ``name_3``."""
    headers = []
    for n, value in enumerate(raw, start=1):
        text = " ".join(value.split())
        if not text:
            text = f"column_{n}"
            warnings.append(f"column {n} has no header; it is called {text!r}")
        headers.append(text)
    seen: set[str] = set()
    unique = []
    for text in headers:
        name, k = text, 1
        while name in seen:
            k += 1
            name = f"{text}_{k}"
        if name != text:
            warnings.append(f"the header {text!r} appears more than once; the repeat is called {name!r}")
        seen.add(name)
        unique.append(name)
    return unique


def rows_to_frame(rows: list[list[str]], label: str, warnings: list[str]) -> pd.DataFrame:
    """Drop empty rows and columns, find the header, name the columns; every value a string."""
    line_numbers = [n for n, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
    rows = [rows[n - 1] for n in line_numbers]
    if not rows:
        raise ValidationError(f"the file {label} has no rows")
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    start = find_header_row(rows)
    if start:
        line = line_numbers[start]
        warnings.append(f"the header was found on line {line} of the table; the lines above it were skipped")
    header, body = rows[start], rows[start + 1 :]
    keep = [i for i in range(width) if header[i].strip() or any(r[i].strip() for r in body)]
    names = clean_headers([header[i] for i in keep], warnings)
    if not body:
        raise ValidationError(f"the file {label} has a header but no rows")
    data = [[r[i] for i in keep] for r in body]
    return pd.DataFrame(data, columns=names, dtype=object).astype(str)


# ---------------------------------------------------------------- text files


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and encoding name: BOMs first, then utf-8, cp1252, latin-1 (which never fails)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    # UTF-16 without a BOM: every other byte of ASCII text is NUL.
    if data[:200].count(b"\x00") > len(data[:200]) // 4:
        odd_nuls = data[1:200:2].count(b"\x00")
        encoding = "utf-16-le" if odd_nuls >= data[0:200:2].count(b"\x00") else "utf-16-be"
        return data.decode(encoding, errors="replace"), encoding
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def delimiter_score(sample: list[str], delimiter: str) -> tuple[float, int]:
    """(share of lines with the most common field count, that count); 1 field scores nothing."""
    counts = [len(r) for r in csv.reader(sample, delimiter=delimiter) if r]
    if not counts:
        return (0.0, 0)
    mode, freq = Counter(counts).most_common(1)[0]
    return (freq / len(counts), mode) if mode > 1 else (0.0, 1)


def choose_delimiter(text: str, filename: str) -> str:
    """csv.Sniffer's pick when it parses at least as consistently as the best candidate, else the best."""
    sample = text[:20_000].splitlines()[:50]
    scores = {d: delimiter_score(sample, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: scores[d])
    try:
        sniffed = csv.Sniffer().sniff("\n".join(sample), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in scores and scores[sniffed] >= scores[best]:
        return sniffed
    if scores[best][0] == 0.0:  # one column: any delimiter reads it; a .tsv is tab-separated by name
        return "\t" if filename.lower().endswith((".tsv", ".tab")) else ","
    return best


def read_text_table(data: bytes, filename: str) -> ImportedTable:
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise ValidationError(f"the file {filename!r} is not a readable CSV/text file (it contains binary data)")
    # Excel writes a first line "sep=;" to name the delimiter; honour it and drop the line.
    hint = re.match(r"sep=(.)\r?\n", text)
    if hint:
        text = text[hint.end() :]
    delimiter = hint.group(1) if hint else choose_delimiter(text, filename)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ValidationError(f"the file {filename!r} is not a readable CSV file: {exc}") from exc
    warnings: list[str] = []
    if encoding in ("cp1252", "latin-1"):
        warnings.append(f"the file is not UTF-8; it was read as {encoding}")
    frame = rows_to_frame(rows, repr(filename), warnings)
    return ImportedTable(frame=frame, encoding=encoding, delimiter=delimiter, warnings=warnings)


# ---------------------------------------------------------------- xlsx, sav, json


def read_xlsx_table(data: bytes, filename: str, sheet: str | None) -> ImportedTable:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors alike for a broken file
        raise ValidationError(f"the file {filename!r} is not a readable XLSX file ({type(exc).__name__})") from exc
    try:
        names = list(workbook.sheetnames)
        if sheet is not None and sheet not in names:
            raise ValidationError(f"sheet {sheet!r} does not exist in {filename!r}; sheets are {list_some(names)}")
        chosen = sheet if sheet is not None else names[0]
        rows = [[cell_to_text(v) for v in row] for row in workbook[chosen].iter_rows(values_only=True)]
    finally:
        workbook.close()
    warnings: list[str] = []
    if sheet is None and len(names) > 1:
        warnings.append(f"the workbook has {len(names)} sheets; the first, {chosen!r}, was read")
    frame = rows_to_frame(rows, f"{filename!r} (sheet {chosen!r})", warnings)
    return ImportedTable(frame=frame, sheets=names, warnings=warnings)


def read_sav_table(data: bytes, filename: str) -> ImportedTable:
    import pyreadstat

    fd, path = tempfile.mkstemp(suffix=".sav")
    try:  # pyreadstat reads from a path
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        frame, _meta = pyreadstat.read_sav(path, apply_value_formats=True)
    except Exception as exc:
        raise ValidationError(f"the file {filename!r} is not a readable SPSS .sav file ({exc})") from exc
    finally:
        os.unlink(path)
    rows = [[str(c) for c in frame.columns]]
    rows += [[cell_to_text(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    warnings: list[str] = []
    return ImportedTable(frame=rows_to_frame(rows, repr(filename), warnings), warnings=warnings)


def flatten_record(record: dict[str, Any]) -> dict[str, str]:
    """A JSON response object as one table row; its ``attributes`` become their own columns."""
    row: dict[str, str] = {}
    for key, value in record.items():
        if key == "attributes" and isinstance(value, dict):
            for k, v in value.items():
                row.setdefault(str(k), json_cell(v))
        else:
            row[str(key)] = json_cell(value)
    return row


def json_cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return cell_to_text(value)


def read_json_table(data: bytes, filename: str) -> ImportedTable:
    try:
        payload = json.loads(decode_text(data)[0])
    except json.JSONDecodeError as exc:
        raise ValidationError(f"the file {filename!r} is not readable JSON: {exc}") from exc
    records = payload.get("responses") if isinstance(payload, dict) else payload
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValidationError(
            f"the JSON file {filename!r} must be {{\"responses\": [{{\"id\", \"text\"}}, …]}} or a list of objects"
        )
    flat = [flatten_record(r) for r in records]
    columns: dict[str, None] = {}
    for row in flat:
        columns.update(dict.fromkeys(row))
    rows = [list(columns)] + [[row.get(c, "") for c in columns] for row in flat]
    warnings: list[str] = []
    if not flat:
        raise ValidationError(f"the file {filename!r} has no rows")
    return ImportedTable(frame=rows_to_frame(rows, repr(filename), warnings), warnings=warnings)


def read_table(data: bytes, filename: str, sheet: str | None = None) -> ImportedTable:
    """Any supported table as strings: CSV/TSV/TXT, XLSX (``sheet`` or the first), SPSS .sav, JSON."""
    if not data or not data.strip():
        raise ValidationError(f"the file {filename!r} is empty")
    kind = file_kind(data, filename)
    if kind == "xls":
        raise ValidationError(f"the file {filename!r} is an old .xls workbook; save it as .xlsx or .csv")
    if kind == "xlsx":
        return read_xlsx_table(data, filename, sheet)
    if kind == "sav":
        return read_sav_table(data, filename)
    if kind == "json":
        return read_json_table(data, filename)
    return read_text_table(data, filename)


# ---------------------------------------------------------------- columns → responses

ID_NAME = re.compile(
    r"(^|[^a-z])(id|ids|uuid|serial|serialno|record|recordid|respid|respondent|respondentid|responseid"
    r"|resp|case|caseid|userid|participant|participantid)([^a-z]|$)"
)
TEXT_NAME = re.compile(r"text|response|comment|verbatim|answer|feedback|open|remark|opinion|reason")


def average_length(series: pd.Series) -> float:
    values = [str(v) for v in series.tolist() if isinstance(v, str)]
    return sum(len(v) for v in values) / len(values) if values else 0.0


def looks_like_id(frame: pd.DataFrame, column: str) -> bool:
    values = [v.strip() for v in frame[column].tolist() if isinstance(v, str) and v.strip()]
    return bool(values) and len(set(values)) == len(values) and max(len(v) for v in values) <= 64


def guess_columns(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """(id column, text column) by name, uniqueness and length; None where nothing fits."""
    columns = [str(c) for c in frame.columns]
    id_column = next((c for c in columns if ID_NAME.search(c.lower()) and looks_like_id(frame, c)), None)
    lengths = {c: average_length(frame[c]) for c in columns if c != id_column}
    if not lengths or max(lengths.values()) == 0:
        return id_column, None
    longest = max(lengths, key=lambda c: lengths[c])
    named = [c for c in lengths if TEXT_NAME.search(c.lower()) and not ID_NAME.search(c.lower())]
    # A column called "comment" wins unless another column holds clearly longer text.
    named = [c for c in named if lengths[c] >= 0.5 * lengths[longest] and lengths[c] > 0]
    text_column = max(named, key=lambda c: lengths[c]) if named else longest
    return id_column, text_column


def check_columns(frame: pd.DataFrame, *names: str | None) -> None:
    columns = [str(c) for c in frame.columns]
    for name in names:
        if name is not None and name not in columns:
            raise ValidationError(f"column {name!r} is not in the table; columns are {list_some(columns)}")


def plain(value: Any) -> str:
    """A cell as a string; NaN/None → ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return value if isinstance(value, str) else cell_to_text(value)


def assign_ids(raw: list[str], id_column: str | None, warnings: list[str]) -> list[str]:
    """Stripped ids; row numbers without an id column; ``row_<n>`` for empty ids; duplicates refused."""
    if id_column is None:
        return [str(n) for n in range(1, len(raw) + 1)]
    ids = [v.strip() for v in raw]
    rows_by_id: dict[str, list[int]] = {}
    for n, rid in enumerate(ids, start=1):
        if rid:
            rows_by_id.setdefault(rid, []).append(n)
    dupes = [(rid, rows) for rid, rows in rows_by_id.items() if len(rows) > 1]
    if dupes:
        shown = "; ".join(f"{rid!r} (rows {', '.join(map(str, rows))})" for rid, rows in dupes[:SHOWN])
        more = f"; and {len(dupes) - SHOWN} more" if len(dupes) > SHOWN else ""
        raise ValidationError(f"column {id_column!r} must hold unique respondent ids; duplicated: {shown}{more}")
    empty = [n for n, rid in enumerate(ids, start=1) if not rid]
    for n in empty:
        generated, k = f"row_{n}", 1
        while generated in rows_by_id:
            k += 1
            generated = f"row_{n}_{k}"
        ids[n - 1] = generated
        rows_by_id[generated] = [n]
    if empty:
        warnings.append(f"{len(empty)} rows have no id in column {id_column!r} (rows {list_some(empty)}); "
                        "they were given the ids row_<n>")  # fmt: skip
    return ids


def note_texts(texts: list[str], warnings: list[str]) -> None:
    empty = [n for n, t in enumerate(texts, start=1) if not t.strip()]
    if empty:
        warnings.append(f"{len(empty)} responses are empty (rows {list_some(empty)}); they will be marked no_data")
    long = [n for n, t in enumerate(texts, start=1) if len(t) > MAX_VERBATIM_CHARS]
    if long:
        warnings.append(f"{len(long)} responses are longer than {MAX_VERBATIM_CHARS:,} characters "
                        f"(rows {list_some(long)}); each is coded on its first {MAX_VERBATIM_CHARS:,} characters "
                        "and flagged for review, and its whole text is kept and shown")  # fmt: skip


def table_to_responses(
    frame: pd.DataFrame, id_column: str | None, text_column: str, keep_attributes: bool = True
) -> tuple[list[ResponseIn], list[str]]:
    """Responses (id, text, other columns as ``attributes``) and warnings for the person importing."""
    check_columns(frame, id_column, text_column)
    if len(frame) == 0:
        raise ValidationError("the file has no rows")
    if len(frame) > MAX_RESPONSES:
        raise ValidationError(
            f"the file has {len(frame):,} rows; the limit is {MAX_RESPONSES:,} responses per import"
        )
    warnings: list[str] = []
    raw_ids = [plain(v) for v in frame[id_column].tolist()] if id_column else [""] * len(frame)
    ids = assign_ids(raw_ids, id_column, warnings)
    texts = [plain(v) for v in frame[text_column].tolist()]
    note_texts(texts, warnings)
    others = [str(c) for c in frame.columns if str(c) not in (id_column, text_column)]
    records = frame[others].to_dict("records") if keep_attributes else [{}] * len(frame)
    responses = []
    for rid, text, record in zip(ids, texts, records, strict=False):
        attributes = {k: plain(v) for k, v in record.items() if plain(v) != ""} if keep_attributes else None
        responses.append(ResponseIn(id=rid, text=text, attributes=attributes))
    return responses, warnings
