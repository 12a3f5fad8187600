"""Codebooks in (JSON, or a table with code / category / definition / sentiment columns) and /v2/code
request bodies from a file.

Every bad input raises :class:`~surveycoder_core.errors.ValidationError` naming the file and what is wrong.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pydantic

from surveycoder_core.errors import ValidationError, from_pydantic
from surveycoder_core.io.readers import DEFAULT_CATEGORY, decode_text, file_kind, list_some, plain, read_table
from surveycoder_core.schemas import CategoryIn, CodebookIn, CodeIn, CodeRequest

__all__ = ["read_codebook", "read_request_json", "codebook_preview", "validate_codebook"]


CODEBOOK_ALIASES = {
    "category": ("category", "category name", "group", "theme group", "net"),
    "code": ("code", "name", "code name", "label", "theme"),
    "definition": ("definition", "description", "desc"),
    "sentiment": ("sentiment", "expected sentiment", "expected_sentiment"),
}


def find_column(columns: list[str], role: str) -> str | None:
    lowered = {c.strip().lower().replace("_", " "): c for c in columns}
    for alias in CODEBOOK_ALIASES[role]:
        if alias.replace("_", " ") in lowered:
            return lowered[alias.replace("_", " ")]
    return None


def validate_codebook(payload: Any, filename: str) -> CodebookIn:
    try:
        return CodebookIn.model_validate(payload)
    except pydantic.ValidationError as exc:
        err = from_pydantic(exc)
        raise ValidationError(f"the codebook {filename!r} is not valid: {err.message}") from exc


def read_codebook_json(data: bytes, filename: str) -> CodebookIn:
    try:
        payload = json.loads(decode_text(data)[0])
    except json.JSONDecodeError as exc:
        raise ValidationError(f"the codebook {filename!r} is not readable JSON: {exc}") from exc
    if isinstance(payload, dict) and isinstance(payload.get("codebook"), (dict, list)):
        payload = payload["codebook"]  # a whole /v2/code request or an exported result
    if isinstance(payload, list):
        payload = {"categories": payload}
    if not isinstance(payload, dict) or "categories" not in payload:
        raise ValidationError(
            f"the codebook {filename!r} must be {{\"categories\": [{{\"name\", \"codes\": […]}}]}}"
            " or a list of categories"
        )
    return validate_codebook(payload, filename)


def read_codebook_table(data: bytes, filename: str) -> CodebookIn:
    frame = read_table(data, filename).frame
    columns = [str(c) for c in frame.columns]
    roles = {role: find_column(columns, role) for role in CODEBOOK_ALIASES}
    if roles["code"] is None:
        raise ValidationError(
            f"the codebook {filename!r} has no 'code' (or 'name') column; columns are {list_some(columns)}"
        )
    categories: dict[str, list[CodeIn]] = {}
    for n, record in enumerate(frame.to_dict("records"), start=1):
        def get(role: str, record: dict[str, Any] = record) -> str:
            column = roles[role]
            return plain(record[column]).strip() if column else ""

        name = get("code")
        if not name:
            continue  # a spacer row between categories
        try:
            code = CodeIn.model_validate({"name": name, "definition": get("definition") or None,
                                          "sentiment": get("sentiment") or "Neutral"})
        except pydantic.ValidationError as exc:
            raise ValidationError(f"the codebook {filename!r}, row {n}: {from_pydantic(exc).message}") from exc
        categories.setdefault(get("category") or DEFAULT_CATEGORY, []).append(code)
    # A name on several rows is one code (CodebookIn folds repeats, as for JSON codebooks).
    if not categories:
        raise ValidationError(f"the codebook {filename!r} has no codes")
    return CodebookIn(categories=[CategoryIn(name=cat, codes=codes) for cat, codes in categories.items()])


def read_codebook(data: bytes, filename: str) -> CodebookIn:
    """A codebook from JSON (seed shape or a list of categories) or a CSV/XLSX with category/code columns."""
    if not data or not data.strip():
        raise ValidationError(f"the codebook file {filename!r} is empty")
    if file_kind(data, filename) == "json":
        return read_codebook_json(data, filename)
    return read_codebook_table(data, filename)


def read_request_json(data: bytes) -> CodeRequest:
    """A POST /v2/code body from bytes; pydantic's complaints become one ValidationError."""
    try:
        payload = json.loads(decode_text(data)[0])
    except json.JSONDecodeError as exc:
        raise ValidationError(f"the request is not valid JSON: {exc}") from exc
    try:
        return CodeRequest.model_validate(payload)
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc) from exc


def codebook_preview(codebook: CodebookIn) -> pd.DataFrame:
    """One row per code, in order, for a look before the codebook is used (plain values only)."""
    return pd.DataFrame(
        [{"category": cat.name, "code": code.name, "sentiment": code.sentiment, "definition": code.definition or "",
          "examples": len(code.examples)}
         for cat in codebook.categories for code in cat.codes],
        columns=["category", "code", "sentiment", "definition", "examples"],
    )
