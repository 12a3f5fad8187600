"""Reading a table that is already coded (an earlier wave): its codebook and its training answers.

Layouts read (each one our own exports write, see ``export_frames``; the generic forms too):

* ``codes_list``: one column of code names joined by ``;`` (``wide_by_question``'s ``codes``; with
  ``categories`` beside it, aligned, the categories are taken too);
* ``mentions``: one column per mention (``mention_1``, ``mention_2`` … as ``columns_by_mention`` writes,
  or ``code1``/``Code 2``/``theme_3``), with ``mention_n_category`` when present;
* ``dummies``: 0/1 per code (``binary_dummy``: its ``NET: <category>`` columns give the categories of
  the codes after them; ``yes``/``no`` and ``1.0``/``0.0`` read as 1/0);
* ``long``: one row per answer x code (``one_row_per_code``: ``respondent_id``, ``text``, ``code``
  [, ``category``]).

Rules: a blank code cell is not a code; an answer with no code at all was coded as fitting none (it
teaches the engine what fits no code: ``CodebookIn.no_code_examples``), unless its ``status`` says
``no_data``; duplicate respondent ids are refused (except in the long layout, where an id repeats once
per code and must keep one text); with a given codebook, codes it does not have are refused, all
listed. Nothing is stored here: the caller stores everything in one transaction, or nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from surveycoder_core.errors import ValidationError
from surveycoder_core.io.readers import DEFAULT_CATEGORY, assign_ids, check_columns, list_some, plain
from surveycoder_core.schemas import MAX_RESPONSES, CategoryIn, CodebookIn, CodeIn, ResponseIn

__all__ = ["CodedTable", "LAYOUTS", "detect_layout", "read_coded_table"]

LAYOUTS = ("codes_list", "mentions", "dummies", "long")
SPLIT = re.compile(r"\s*[;|]\s*")
_MENTION = re.compile(r"^(?P<prefix>.*?)(?:mention|code|codes|theme|category_code)[ _]?(?P<n>\d+)$", re.IGNORECASE)
_CODES_LIST = re.compile(r"^(?P<prefix>.*?)(?:codes|code_list|code list|themes)$", re.IGNORECASE)
_NET = re.compile(r"^(?P<prefix>.*?)NET: (?P<category>.+)$")
# Columns our exports write beside the codes: never codes themselves.
_BOOKKEEPING = re.compile(
    r"(^|_)(status|text|code_numbers|categories|sentiments?|confidence|needs_review|review_reason|reviewed"
    r"|score|source|question|mention|code_number|category)$", re.IGNORECASE)
YES = {"1", "1.0", "yes", "y", "true", "x"}
NO = {"0", "0.0", "no", "n", "false", ""}


@dataclass
class CodedTable:
    """What a coded table holds, ready to become a codebook with training answers."""

    codebook: CodebookIn  # codes in first-seen order, each with its answers as examples
    responses: list[ResponseIn]  # the answers (attributes without the code columns)
    codes: list[list[str]]  # each answer's code names, in mention order
    layout: str
    code_columns: list[str]
    warnings: list[str] = field(default_factory=list)

    def training_counts(self) -> dict[str, int]:
        """Training answers per code (codebook order), and ``""`` for answers that fit no code."""
        counts = {code.name: len(code.examples) for cat in self.codebook.categories for code in cat.codes}
        counts[""] = len(self.codebook.no_code_examples)
        return counts


def _mention_number(column: str) -> int:
    """1 for "Q1_code1", 2 for "Q1_code2": the mention a column holds."""
    found = _MENTION.match(column.strip())
    return int(found.group("n")) if found else 0


def _lower(columns: list[str]) -> dict[str, str]:
    return {c.strip().lower(): c for c in columns}


def _text_prefix(text_column: str) -> str:
    m = re.match(r"^(Q\d+_)", text_column)
    return m.group(1) if m else ""


def _is_binary(series: pd.Series) -> bool:
    values = {plain(v).strip().lower() for v in series.tolist()}
    return bool(values & YES) and values <= YES | NO


def detect_layout(frame: pd.DataFrame, id_column: str | None, text_column: str) -> tuple[str, list[str]]:
    """The layout and its code columns, or a ValidationError saying what a coded table needs."""
    columns = [str(c) for c in frame.columns if str(c) not in (id_column, text_column)]
    prefix = _text_prefix(text_column)
    lowered = _lower(columns)
    if "code" in lowered and id_column is not None and frame[id_column].duplicated().any():
        return "long", [lowered["code"]]
    mentions = [c for c in columns if (m := _MENTION.match(c.strip())) and m.group("prefix") == prefix]
    if mentions:
        return "mentions", sorted(mentions, key=_mention_number)
    listed = [c for c in columns if (m := _CODES_LIST.match(c.strip())) and m.group("prefix") == prefix]
    if listed:
        return "codes_list", listed[:1]
    if "code" in lowered:
        return "long", [lowered["code"]]
    dummies = [c for c in columns if c.startswith(prefix) and not _BOOKKEEPING.search(c)
               and (_NET.match(c) or _is_binary(frame[c]))]
    if [c for c in dummies if not _NET.match(c)]:
        return "dummies", dummies
    raise ValidationError(
        "the table has no code columns: give one column per mention (mention_1, mention_2 …), one column of "
        "codes joined by ';', 0/1 columns per code, or one row per answer and code (a 'code' column); "
        f"columns are {list_some(columns)}")


def _codes_of_row(record: dict, layout: str, code_columns: list[str], frame_columns: list[str],
                  categories: dict[str, str]) -> list[str]:
    names: list[str] = []
    if layout == "codes_list":
        col = code_columns[0]
        names = [n for n in SPLIT.split(plain(record[col]).strip()) if n]
        cat_col = next((c for c in frame_columns if c.lower() == col.lower().replace("codes", "categories")), None)
        if cat_col and cat_col != col:
            cats = SPLIT.split(plain(record[cat_col]).strip())
            for name, cat in zip(names, cats, strict=False):
                if cat:
                    categories.setdefault(name.casefold(), cat)
    elif layout == "mentions":
        for col in code_columns:
            name = plain(record[col]).strip()
            if name:
                names.append(name)
                cat = plain(record.get(f"{col}_category", "")).strip()
                if cat:
                    categories.setdefault(name.casefold(), cat)
    elif layout == "dummies":
        category = None
        for col in code_columns:
            net = _NET.match(col)
            if net:
                category = net.group("category")
                continue
            value = plain(record[col]).strip().lower()
            if value not in YES | NO:
                raise ValidationError(f"column {col!r} must hold 0/1 (or yes/no) per answer; found {value!r}")
            name = col[len(_text_prefix(col)):]
            if value in YES:
                names.append(name)
            if category:
                categories.setdefault(name.casefold(), category)
    return list(dict.fromkeys(names))


def _group_long(frame: pd.DataFrame, id_column: str, text_column: str, code_column: str,
                categories: dict[str, str]) -> tuple[pd.DataFrame, list[list[str]]]:
    """One row per answer from one row per answer x code; an id must keep one text."""
    questions = {plain(v) for v in frame["question"].tolist()} if "question" in frame.columns else set()
    if len(questions - {""}) > 1:
        raise ValidationError(f"the table holds several questions ({list_some(sorted(questions))}); keep the rows "
                              "of one question")
    order: dict[str, int] = {}
    texts: dict[str, str] = {}
    codes: dict[str, list[str]] = {}
    clash: list[str] = []
    cat_col = next((c for c in frame.columns if str(c).strip().lower() == "category"), None)
    for record in frame.to_dict("records"):
        rid, text = plain(record[id_column]).strip(), plain(record[text_column])
        if not rid:
            raise ValidationError(f"every row needs a respondent id in column {id_column!r}")
        if rid in texts and texts[rid] != text and rid not in clash:
            clash.append(rid)
        order.setdefault(rid, len(order))
        texts.setdefault(rid, text)
        name = plain(record[code_column]).strip()
        if name:
            codes.setdefault(rid, []).append(name)
            if cat_col is not None and plain(record[cat_col]).strip():
                categories.setdefault(name.casefold(), plain(record[cat_col]).strip())
    if clash:
        raise ValidationError(f"respondent ids must keep one text across their rows; these have several: "
                              f"{list_some(clash)}")
    ids = sorted(order, key=order.__getitem__)
    first_rows = frame.drop_duplicates(subset=[id_column], keep="first").set_index(id_column, drop=False)
    return first_rows.loc[ids].reset_index(drop=True), [list(dict.fromkeys(codes.get(i, []))) for i in ids]


def read_coded_table(frame: pd.DataFrame, id_column: str | None, text_column: str, *,
                     codebook: CodebookIn | None = None, layout: str | None = None,
                     code_columns: list[str] | None = None) -> CodedTable:
    """The coded answers of ``frame`` and the codebook they imply (or ``codebook``, checked against them)."""
    check_columns(frame, id_column, text_column, *(code_columns or []))
    if len(frame) == 0:
        raise ValidationError("the coded table has no rows")
    if len(frame) > MAX_RESPONSES:
        raise ValidationError(f"the coded table has {len(frame):,} rows; the limit is {MAX_RESPONSES:,}")
    if layout is None or not code_columns:
        layout, code_columns = detect_layout(frame, id_column, text_column)
    elif layout not in LAYOUTS:
        raise ValidationError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    warnings: list[str] = []
    categories: dict[str, str] = {}
    columns = [str(c) for c in frame.columns]
    if layout == "long":
        if id_column is None:
            raise ValidationError("a table with one row per answer and code needs a respondent id column")
        frame, per_answer = _group_long(frame, id_column, text_column, code_columns[0], categories)
    else:
        per_answer = [_codes_of_row(r, layout, code_columns, columns, categories) for r in frame.to_dict("records")]
    raw_ids = [plain(v) for v in frame[id_column].tolist()] if id_column else [""] * len(frame)
    ids = assign_ids(raw_ids, id_column, warnings)  # duplicate ids: a ValidationError naming them
    texts = [" ".join(plain(v).split()) for v in frame[text_column].tolist()]
    status_col = next((c for c in columns if c.lower().endswith("status") and c.startswith(_text_prefix(text_column))),
                      None)
    skip = {n for n, r in enumerate(frame.to_dict("records")) if status_col and plain(r[status_col]) == "no_data"}
    skip |= {n for n, t in enumerate(texts) if not t.strip()}
    book = _build_codebook(codebook, per_answer, texts, skip, categories)
    # What is not a code nor the export's bookkeeping stays with the answer as a respondent attribute.
    kept_out = set(code_columns) | {c for c in columns if _BOOKKEEPING.search(c)}
    if layout == "mentions":
        kept_out |= {f"{c}_{s}" for c in code_columns for s in ("category", "sentiment", "confidence")}
    attributes = [c for c in columns if c not in kept_out and c not in (id_column, text_column)]
    responses = []
    records = frame[attributes].to_dict("records") if attributes else [{}] * len(ids)
    for rid, text, record in zip(ids, texts, records, strict=False):
        attrs = {k: plain(v) for k, v in record.items() if plain(v) != ""}
        responses.append(ResponseIn(id=rid, text=text, attributes=attrs or None))
    if skip:
        warnings.append(f"{len(skip)} rows have no answer text; they do not teach")
    return CodedTable(codebook=book, responses=responses, codes=per_answer, layout=layout,
                      code_columns=list(code_columns), warnings=warnings)


def _build_codebook(given: CodebookIn | None, per_answer: list[list[str]], texts: list[str], skip: set[int],
                    categories: dict[str, str]) -> CodebookIn:
    used = Counter(n for i, names in enumerate(per_answer) if i not in skip for n in names)
    if not used:
        raise ValidationError("the coded table has no codes in its code columns")
    if given is not None:
        known = {code.name.casefold(): code for cat in given.categories for code in cat.codes}
        unknown = sorted({n for n in used if n.casefold() not in known})
        if unknown:
            raise ValidationError(f"{len(unknown)} codes of the coded table are not in the codebook: "
                                  f"{list_some(unknown, 20)}; add them to the codebook or correct the table")
        book = given.model_copy(deep=True)
        by_name = {code.name.casefold(): code for cat in book.categories for code in cat.codes}
    else:
        order: dict[str, tuple[str, str]] = {}  # casefold -> (shown name, category)
        for names in per_answer:
            for n in names:
                order.setdefault(n.casefold(), (n, categories.get(n.casefold(), DEFAULT_CATEGORY)))
        cats: dict[str, list[CodeIn]] = {}
        for name, cat in order.values():
            cats.setdefault(cat, []).append(CodeIn(name=name))
        book = CodebookIn(categories=[CategoryIn(name=c, codes=codes) for c, codes in cats.items()])
        by_name = {code.name.casefold(): code for cat in book.categories for code in cat.codes}
    none: list[str] = []
    for i, (names, text) in enumerate(zip(per_answer, texts, strict=False)):
        if i in skip:
            continue
        if not names:
            none.append(text)
        for n in names:
            code = by_name[n.casefold()]
            code.examples = list(dict.fromkeys([*code.examples, text]))
    book.no_code_examples = list(dict.fromkeys([*book.no_code_examples, *none]))
    return book
