"""Imports: encodings, delimiters, untidy spreadsheets, SPSS, JSON, id rules and codebooks."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from surveycoder_core.errors import ValidationError
from surveycoder_core.io.codebook_files import read_codebook, read_request_json
from surveycoder_core.io.readers import guess_columns, read_table, table_to_responses

ROWS = [
    ["id", "comment", "region"],
    ["101", "Café was great, but slow", "Nord"],
    ["102", "Trop cher — 5 € de plus", "Süd"],
    ["103", "", "Nord"],
]


def csv_bytes(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def frame_of(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows[1:], columns=rows[0], dtype=object).astype(str)


# ---------------------------------------------------------------- text files


@pytest.mark.parametrize(
    ("encoding", "delimiter", "reported"),
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ";", "utf-8-sig"),
        ("cp1252", ";", "cp1252"),
        ("cp1252", ",", "cp1252"),
        ("utf-16", "\t", "utf-16"),
        ("utf-8", "\t", "utf-8"),
        ("utf-8", "|", "utf-8"),
    ],
)
def test_csv_encodings_and_delimiters(encoding: str, delimiter: str, reported: str) -> None:
    table = read_table(csv_bytes(ROWS, delimiter, encoding), "survey.csv")
    assert table.encoding == reported
    assert table.delimiter == delimiter
    assert table.frame.columns.tolist() == ROWS[0]
    assert table.frame.values.tolist() == ROWS[1:]


def test_tab_separated_txt_and_newlines_inside_quotes() -> None:
    rows = [["ID", "Answer"], ["1", "line one\nline two"], ["2", "x"]]
    table = read_table(csv_bytes(rows, "\t", "utf-8"), "export.txt")
    assert table.delimiter == "\t"
    assert table.frame["Answer"].tolist() == ["line one\nline two", "x"]


def test_excel_sep_hint_and_title_line() -> None:
    table = read_table(b"sep=;\r\nid;text\r\n1;a, b\r\n", "excel.csv")
    assert table.delimiter == ";"
    assert table.frame.values.tolist() == [["1", "a, b"]]
    titled = read_table(b"Survey export 2026\r\nid,text,region\r\n1,fine,N\r\n2,bad,S\r\n", "t.csv")
    assert titled.frame.columns.tolist() == ["id", "text", "region"]
    assert titled.warnings == ["the header was found on line 2 of the table; the lines above it were skipped"]


def test_single_column_csv() -> None:
    table = read_table(b"text\nhello\nworld\n", "one.csv")
    assert table.frame.columns.tolist() == ["text"]
    assert table.frame["text"].tolist() == ["hello", "world"]


def test_cp1252_is_reported_as_warning() -> None:
    table = read_table(csv_bytes(ROWS, ",", "cp1252"), "legacy.csv")
    assert any("cp1252" in w for w in table.warnings)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file 'x.csv' is empty"),
        (b"id,text\r\n", "has a header but no rows"),
        (b",,\r\n,,\r\n", "has no rows"),
    ],
)
def test_bad_csv_files(data: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        read_table(data, "x.csv")


# ---------------------------------------------------------------- xlsx


def untidy_workbook() -> bytes:
    """A title on row 1, blank row 2, the header on row 3 with a blank and a repeated cell, an empty column."""
    return xlsx_bytes(
        {
            "Data": [
                ["Customer survey 2026"],
                [],
                [" Resp\nID ", None, "Comment", "Region", "Region", None],
                [1001, "x1", "Great service", "North", "N", None],
                [],
                [1002, "x2", "Too slow", "South", "S", None],
                [1003.0, None, "+1 stays text", None, "S", None],
            ],
            "Other": [["id", "text"], ["a", "b"]],
        }
    )


def test_xlsx_header_on_row_three_with_blank_and_duplicate() -> None:
    table = read_table(untidy_workbook(), "survey.xlsx")
    assert table.sheets == ["Data", "Other"]
    assert table.frame.columns.tolist() == ["Resp ID", "column_2", "Comment", "Region", "Region_2"]
    assert table.frame.values.tolist() == [
        ["1001", "x1", "Great service", "North", "N"],
        ["1002", "x2", "Too slow", "South", "S"],
        ["1003", "", "+1 stays text", "", "S"],
    ]
    joined = " ".join(table.warnings)
    assert "line 3" in joined and "column_2" in joined and "Region_2" in joined and "2 sheets" in joined
    assert table.encoding is None and table.delimiter is None


def test_xlsx_pick_sheet_and_missing_sheet() -> None:
    table = read_table(untidy_workbook(), "survey.xlsx", sheet="Other")
    assert table.frame.values.tolist() == [["a", "b"]]
    with pytest.raises(ValidationError, match=r"sheet 'Nope' does not exist in 'survey.xlsx'; sheets are Data, Other"):
        read_table(untidy_workbook(), "survey.xlsx", sheet="Nope")


def test_broken_xlsx() -> None:
    with pytest.raises(ValidationError, match="'bad.xlsx' is not a readable XLSX file"):
        read_table(b"PK\x03\x04 not really a zip", "bad.xlsx")
    with pytest.raises(ValidationError, match="old .xls workbook"):
        read_table(b"\xd0\xcf\x11\xe0", "old.xls")


# ---------------------------------------------------------------- sav and json


def test_sav_written_by_pyreadstat(tmp_path) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame({"serial": [1.0, 2.0], "q5": ["Too slow", "Fine"], "gender": [1.0, 2.0]})
    path = tmp_path / "in.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"gender": {1.0: "Male", 2.0: "Female"}})
    table = read_table(path.read_bytes(), "in.sav")
    assert table.frame.columns.tolist() == ["serial", "q5", "gender"]
    assert table.frame.values.tolist() == [["1", "Too slow", "Male"], ["2", "Fine", "Female"]]
    with pytest.raises(ValidationError, match="'bad.sav' is not a readable SPSS .sav file"):
        read_table(b"$FL2 garbage", "bad.sav")


def test_json_request_format_flattens_attributes() -> None:
    body = {"responses": [{"id": "a", "text": "hi", "attributes": {"age": 30}}, {"id": 2, "text": "yo"}]}
    table = read_table(json.dumps(body).encode(), "req.json")
    assert table.frame.columns.tolist() == ["id", "text", "age"]
    assert table.frame.values.tolist() == [["a", "hi", "30"], ["2", "yo", ""]]
    listed = read_table(json.dumps([{"id": "x", "text": "t"}]).encode(), "list.json")
    assert listed.frame.values.tolist() == [["x", "t"]]
    with pytest.raises(ValidationError, match="must be"):
        read_table(b'{"rows": []}', "r.json")
    with pytest.raises(ValidationError, match="not readable JSON"):
        read_table(b"{nope", "r.json")


def test_read_request_json() -> None:
    body = {"responses": [{"id": 1, "text": "slow", "attributes": {"segment": "B2B"}}], "language": "de"}
    request = read_request_json(json.dumps(body).encode())
    assert request.responses[0].id == "1"
    assert request.responses[0].attributes == {"segment": "B2B"}
    assert request.language == "de"
    dupes = {"responses": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}
    with pytest.raises(ValidationError, match="duplicated: 'a'"):
        read_request_json(json.dumps(dupes).encode())
    with pytest.raises(ValidationError, match="responses"):
        read_request_json(b'{"responses": []}')
    with pytest.raises(ValidationError, match="not valid JSON"):
        read_request_json(b"{")


# ---------------------------------------------------------------- guessing columns and building responses


def test_guess_columns_by_name() -> None:
    frame = frame_of([["Resp ID", "Region", "Comment"], ["1", "North", "good"], ["2", "South", "bad service"]])
    assert guess_columns(frame) == ("Resp ID", "Comment")


def test_guess_columns_by_length_and_no_unique_id() -> None:
    frame = frame_of(
        [["id", "valid", "Q5 what did you like"], ["1", "yes", "The staff were very kind"], ["1", "no", "Parking"]]
    )
    assert guess_columns(frame) == (None, "Q5 what did you like")


def test_table_to_responses_with_attributes() -> None:
    frame = frame_of(ROWS)
    responses, warnings = table_to_responses(frame, "id", "comment")
    assert [(r.id, r.text, r.attributes) for r in responses] == [
        ("101", "Café was great, but slow", {"region": "Nord"}),
        ("102", "Trop cher — 5 € de plus", {"region": "Süd"}),
        ("103", "", {"region": "Nord"}),
    ]
    assert warnings == ["1 responses are empty (rows 3); they will be marked no_data"]
    bare, _ = table_to_responses(frame, None, "comment", keep_attributes=False)
    assert [(r.id, r.attributes) for r in bare] == [("1", None), ("2", None), ("3", None)]


def test_nan_attributes_are_omitted() -> None:
    frame = pd.DataFrame({"id": ["1", "2"], "text": ["a", "b"], "age": [float("nan"), "40"]}, dtype=object)
    responses, _ = table_to_responses(frame, "id", "text")
    assert [r.attributes for r in responses] == [{}, {"age": "40"}]


def test_duplicate_ids_are_named_with_rows() -> None:
    frame = frame_of([["id", "text"], ["7", "a"], ["8", "b"], ["7", "c"], ["9", "d"], ["8", "e"], ["7", "f"]])
    with pytest.raises(ValidationError) as info:
        table_to_responses(frame, "id", "text")
    assert info.value.message == (
        "column 'id' must hold unique respondent ids; duplicated: '7' (rows 1, 3, 6); '8' (rows 2, 5)"
    )


def test_empty_ids_get_row_ids_and_a_warning() -> None:
    frame = frame_of([["id", "text"], ["a", "x"], ["", "y"], ["  ", "z"], ["row_2", "w"]])
    responses, warnings = table_to_responses(frame, "id", "text")
    assert [r.id for r in responses] == ["a", "row_2_2", "row_3", "row_2"]
    assert warnings == ["2 rows have no id in column 'id' (rows 2, 3); they were given the ids row_<n>"]


def test_more_than_the_limit_is_refused() -> None:
    frame = pd.DataFrame({"id": [str(i) for i in range(10_001)], "text": ["x"] * 10_001}, dtype=object)
    with pytest.raises(ValidationError, match="the file has 10,001 rows; the limit is 10,000 responses"):
        table_to_responses(frame, "id", "text")
    ok, _ = table_to_responses(frame.iloc[:10_000], "id", "text")
    assert len(ok) == 10_000


def test_long_verbatim_is_kept_intact() -> None:
    long_text = ("word " * 500).strip()[:2_500].ljust(2_500, "x")
    data = csv_bytes([["id", "text"], ["1", long_text], ["2", "short"]], ",", "utf-8")
    table = read_table(data, "long.csv")
    responses, warnings = table_to_responses(table.frame, "id", "text")
    assert len(responses[0].text) == 2_500 and responses[0].text == long_text
    assert warnings == [
        "1 responses are longer than 2,000 characters (rows 1); each is coded on its first 2,000 characters and"
        " flagged for review, and its whole text is kept and shown"
    ]


def test_unknown_column_and_empty_frame() -> None:
    with pytest.raises(ValidationError, match="column 'txt' is not in the table; columns are id, comment, region"):
        table_to_responses(frame_of(ROWS), "id", "txt")
    with pytest.raises(ValidationError, match="the file has no rows"):
        table_to_responses(frame_of([["id", "text"]]), "id", "text")


# ---------------------------------------------------------------- codebooks


def summarise(codebook) -> list[tuple[str, list[tuple[str, str | None, str]]]]:  # type: ignore[no-untyped-def]
    return [(c.name, [(k.name, k.definition, k.sentiment) for k in c.codes]) for c in codebook.categories]


def test_codebook_json_seed_shape_and_list() -> None:
    seed = {"categories": [{"name": "Service", "codes": [
        {"name": "Friendly staff", "definition": "Praise for staff", "sentiment": "positive", "examples": ["nice"]},
        {"name": "Slow", "sentiment": "NEGATIVE"},
    ]}]}  # fmt: skip
    book = read_codebook(json.dumps(seed).encode(), "codebook.json")
    assert summarise(book) == [
        ("Service", [("Friendly staff", "Praise for staff", "Positive"), ("Slow", None, "Negative")])
    ]
    assert book.categories[0].codes[0].examples == ["nice"]
    listed = read_codebook(json.dumps(seed["categories"]).encode(), "codebook.json")
    assert summarise(listed) == summarise(book)


def test_codebook_json_errors() -> None:
    dupes = [{"name": "A", "codes": [{"name": "X"}]}, {"name": "B", "codes": [{"name": "x"}, {"name": "Y"}]}]
    assert summarise(read_codebook(json.dumps(dupes).encode(), "cb.json")) == [
        ("A", [("X", None, "Neutral")]), ("B", [("Y", None, "Neutral")])]
    with pytest.raises(ValidationError, match="must be"):
        read_codebook(b'{"codes": []}', "cb.json")


def test_codebook_csv_any_case_and_general_category() -> None:
    rows = [
        ["Category", "Name", "Definition", "SENTIMENT"],
        ["Price", "Too expensive", "Price complaints", "negative"],
        ["", "Other", "", ""],
        ["Service", "Friendly staff", "Praise", "Positive"],
        ["Price", "Good value", "", "positive"],
    ]
    book = read_codebook(csv_bytes(rows, ";", "utf-8"), "codebook.csv")
    assert summarise(book) == [
        ("Price", [("Too expensive", "Price complaints", "Negative"), ("Good value", None, "Positive")]),
        ("General", [("Other", None, "Neutral")]),
        ("Service", [("Friendly staff", "Praise", "Positive")]),
    ]


def test_codebook_xlsx() -> None:
    data = xlsx_bytes({"Codes": [["code", "definition"], ["Parking", "Mentions parking"], ["Queues", None]]})
    assert summarise(read_codebook(data, "codes.xlsx")) == [
        ("General", [("Parking", "Mentions parking", "Neutral"), ("Queues", None, "Neutral")])
    ]


def test_codebook_table_errors() -> None:
    with pytest.raises(ValidationError, match="has no 'code' \\(or 'name'\\) column; columns are category, label_x"):
        read_codebook(b"category,label_x\r\nA,B\r\n", "cb.csv")
    folded = read_codebook(b"code\r\nParking\r\nQueues\r\nparking\r\n", "cb.csv")
    assert summarise(folded) == [("General", [("Parking", None, "Neutral"), ("Queues", None, "Neutral")])]
    with pytest.raises(ValidationError, match="row 2: sentiment: sentiment must be one of"):
        read_codebook(b"code,sentiment\r\nA,Positive\r\nB,angry\r\n", "cb.csv")
