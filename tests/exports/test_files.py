"""Exports pinned cell by cell: the four CSV layouts byte-exact, XLSX and .sav read back, formula injection."""

from __future__ import annotations

import csv
import io
import math

import openpyxl
import pyreadstat
import pytest

from surveycoder_core.errors import ValidationError
from surveycoder_core.exports.files import (
    ExportAssignment,
    ExportCode,
    ExportOptions,
    ExportQuestion,
    ExportResponse,
    build_table,
    code_dictionary,
    export_csv,
    export_review_log_csv,
    export_sav,
    export_suggestions_csv,
    export_suggestions_xlsx,
    export_xlsx,
    neutralise_cell,
)

# ---------------------------------------------------------------- fixtures


def engine(code_id: str, sentiment: str, confidence: str, score: float) -> ExportAssignment:
    return ExportAssignment(code_id, sentiment, confidence, score, "engine:embedded")


def make_question() -> ExportQuestion:
    """Four responses: two codes, a human's code flagged for review, no data, and uncoded."""
    codes = [
        ExportCode("c3", "Slow delivery", "Service", 3, "Delivery took too long", "Negative", 1),
        ExportCode("c1", "Price too high", "Price", 1, "Complaints about price", "Negative", 1),
        ExportCode("c2", "Friendly staff", "Service", 2, None, "Positive", 1),
    ]
    responses = [
        ExportResponse(
            "1", "Too expensive, and slow", "coded", {"region": "North"},
            [engine("c1", "Negative", "high", 0.91), engine("c3", "Negative", "medium", 0.6)], False, None, False,
        ),
        ExportResponse(
            "2", "Lovely staff", "coded", {"region": "South"},
            [ExportAssignment("c2", "Positive", None, None, "human:alice")], True, "low_confidence", True, "alice",
        ),
        ExportResponse("3", "", "no_data", {}, [], False, None, False),
        ExportResponse("4", "Nothing to add really", "uncoded", {"region": "North"}, [], False, None, False),
    ]  # fmt: skip
    return ExportQuestion("p1", "Retail 2026", "q1", "What could we do better?", codes, responses)


def make_second_question() -> ExportQuestion:
    codes = [ExportCode("d1", "Would recommend", "Loyalty", 1, None, "Positive", 2)]
    responses = [
        ExportResponse("1", "Yes", "coded", {"region": "North"}, [engine("d1", "Positive", "high", 0.8)],
                       False, None, False),
        ExportResponse("5", "Sure", "coded", {"age": 41}, [engine("d1", "Positive", "low", 0.35)], False, None, False),
    ]  # fmt: skip
    return ExportQuestion("p1", "Retail 2026", "q2", "Would you recommend us?", codes, responses)


def lines(*rows: str) -> str:
    return "".join(row + "\r\n" for row in rows)


# ---------------------------------------------------------------- CSV layouts, byte-exact


def test_wide_by_question_csv_exact() -> None:
    assert export_csv([make_question()], ExportOptions(layout="wide_by_question")) == lines(
        "respondent_id,region,text,status,codes,code_numbers,categories,confidence,needs_review,review_reason,reviewed,"
        "reviewed_by",
        '1,North,"Too expensive, and slow",coded,Price too high; Slow delivery,1; 3,'
        'Price; Service,high; medium,no,,no,',
        "2,South,Lovely staff,coded,Friendly staff,2,Service,manual,yes,low_confidence,yes,alice",
        "3,,,no_data,,,,,no,,no,",
        "4,North,Nothing to add really,uncoded,,,,,no,,no,",
    )


def test_columns_by_mention_csv_exact() -> None:
    assert export_csv([make_question()], ExportOptions(layout="columns_by_mention")) == lines(
        "respondent_id,region,text,status,mention_1,mention_1_category,mention_1_confidence,"
        "mention_2,mention_2_category,mention_2_confidence,needs_review,review_reason,reviewed,reviewed_by",
        '1,North,"Too expensive, and slow",coded,Price too high,Price,high,Slow delivery,Service,medium,no,,no,',
        "2,South,Lovely staff,coded,Friendly staff,Service,,,,,yes,low_confidence,yes,alice",
        "3,,,no_data,,,,,,,no,,no,",
        "4,North,Nothing to add really,uncoded,,,,,,,no,,no,",
    )


def test_binary_dummy_csv_exact() -> None:
    assert export_csv([make_question()], ExportOptions(layout="binary_dummy")) == lines(
        "respondent_id,region,text,status,reviewed,reviewed_by,NET: Price,Price too high,NET: Service,Friendly staff,"
        "Slow delivery",
        '1,North,"Too expensive, and slow",coded,no,,1,1,1,0,1',
        "2,South,Lovely staff,coded,yes,alice,0,0,1,1,0",
        "3,,,no_data,no,,,,,,",
        "4,North,Nothing to add really,uncoded,no,,0,0,0,0,0",
    )


def test_one_row_per_code_csv_exact() -> None:
    assert export_csv([make_question()], ExportOptions(layout="one_row_per_code")) == lines(
        "question,respondent_id,region,text,status,mention,code_number,code,category,confidence,score,source,"
        "needs_review,review_reason,reviewed,reviewed_by",
        'Q1,1,North,"Too expensive, and slow",coded,1,1,Price too high,Price,high,0.91,engine:embedded,no,,no,',
        'Q1,1,North,"Too expensive, and slow",coded,2,3,Slow delivery,Service,medium,0.6,engine:embedded,no,,no,',
        "Q1,2,South,Lovely staff,coded,1,2,Friendly staff,Service,,,human:alice,yes,low_confidence,yes,alice",
        "Q1,3,,,no_data,,,,,,,,no,,no,",
        "Q1,4,North,Nothing to add really,uncoded,,,,,,,,no,,no,",
    )


def test_options_switch_column_groups() -> None:
    bare = ExportOptions(include_categories=False, include_confidence=False, include_demographics=False)
    assert export_csv([make_question()], bare) == lines(
        "respondent_id,text,status,codes,code_numbers,reviewed,reviewed_by",
        '1,"Too expensive, and slow",coded,Price too high; Slow delivery,1; 3,no,',
        "2,Lovely staff,coded,Friendly staff,2,yes,alice",
        "3,,no_data,,,no,",
        "4,Nothing to add really,uncoded,,,no,",
    )
    sentiment = ExportOptions(layout="columns_by_mention", include_sentiment=True, include_confidence=False)
    assert export_csv([make_question()], sentiment).splitlines()[:2] == [
        "respondent_id,region,text,status,mention_1,mention_1_category,mention_1_sentiment,"
        "mention_2,mention_2_category,mention_2_sentiment,reviewed,reviewed_by",
        '1,North,"Too expensive, and slow",coded,Price too high,Price,Negative,Slow delivery,Service,Negative,no,',
    ]
    dummies = ExportOptions(layout="binary_dummy", include_categories=False, include_demographics=False)
    assert export_csv([make_question()], dummies).splitlines()[0] == (
        "respondent_id,text,status,reviewed,reviewed_by,Price too high,Friendly staff,Slow delivery"
    )


def test_csv_bom_is_optional() -> None:
    assert export_csv([make_question()], ExportOptions(), bom=True).startswith("\ufeffrespondent_id,")


def test_several_questions_are_prefixed_and_joined_by_respondent() -> None:
    frame = build_table([make_question(), make_second_question()], ExportOptions(include_confidence=False))
    assert list(frame.columns) == [
        "respondent_id", "region", "age",
        "Q1_text", "Q1_status", "Q1_codes", "Q1_code_numbers", "Q1_categories", "Q1_reviewed", "Q1_reviewed_by",
        "Q2_text", "Q2_status", "Q2_codes", "Q2_code_numbers", "Q2_categories", "Q2_reviewed", "Q2_reviewed_by",
    ]  # fmt: skip
    assert frame["respondent_id"].tolist() == ["1", "2", "3", "4", "5"]
    row5 = frame[frame["respondent_id"] == "5"].iloc[0].tolist()
    assert row5 == ["5", None, 41, *[None] * 7, "Sure", "coded", "Would recommend", "1", "Loyalty", "no", None]
    assert frame.loc[1, "Q2_status"] is None  # respondent 2 did not get question 2


def test_several_questions_long_layout_has_question_column() -> None:
    options = ExportOptions(layout="one_row_per_code", include_demographics=False, include_confidence=False)
    frame = build_table([make_question(), make_second_question()], options)
    assert frame["question"].tolist() == ["Q1"] * 5 + ["Q2"] * 2
    assert frame[frame["question"] == "Q2"]["respondent_id"].tolist() == ["1", "5"]


def test_several_questions_binary_dummy_blank_when_absent() -> None:
    options = ExportOptions(layout="binary_dummy", include_demographics=False, include_categories=False)
    text = export_csv([make_question(), make_second_question()], options)
    assert text.splitlines() == [
        "respondent_id,Q1_text,Q1_status,Q1_reviewed,Q1_reviewed_by,Q1_Price too high,Q1_Friendly staff,"
        "Q1_Slow delivery,Q2_text,Q2_status,Q2_reviewed,Q2_reviewed_by,Q2_Would recommend",
        '1,"Too expensive, and slow",coded,no,,1,0,1,Yes,coded,no,,1',
        "2,Lovely staff,coded,yes,alice,0,1,0,,,,,",
        "3,,no_data,no,,,,,,,,,",
        "4,Nothing to add really,uncoded,no,,0,0,0,,,,,",
        "5,,,,,,,,Sure,coded,no,,1",
    ]


def test_attribute_named_like_a_fixed_column_is_renamed() -> None:
    q = make_question()
    q.responses[0].attributes = {"text": "attr value"}
    frame = build_table([q], ExportOptions(include_confidence=False, include_categories=False))
    assert list(frame.columns) == ["respondent_id", "attr_text", "region", "text", "status", "codes", "code_numbers",
                                   "reviewed", "reviewed_by"]
    assert frame.loc[0, "attr_text"] == "attr value"


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(ValidationError, match="layout 'pivot' is not known"):
        build_table([make_question()], ExportOptions(layout="pivot"))


def test_code_dictionary() -> None:
    frame = code_dictionary([make_question()])
    assert list(frame.columns) == [
        "question", "question_text", "category", "code_number", "code", "definition",
        "expected_sentiment", "frequency", "pct_of_coded_respondents",
    ]  # fmt: skip
    assert frame.values.tolist() == [
        ["Q1", "What could we do better?", "Price", 1, "Price too high", "Complaints about price", "Negative", 1, 50.0],
        ["Q1", "What could we do better?", "Service", 2, "Friendly staff", None, "Positive", 1, 50.0],
        ["Q1", "What could we do better?", "Service", 3, "Slow delivery", "Delivery took too long", "Negative", 1,
         50.0],
    ]


# ---------------------------------------------------------------- XLSX


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(sheet) -> list[list[object]]:  # type: ignore[no-untyped-def]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_sheets_header_and_values() -> None:
    book = load(export_xlsx([make_question()], ExportOptions(layout="binary_dummy")))
    assert book.sheetnames == ["Coded responses", "Code Dictionary"]
    results = book["Coded responses"]
    assert results.freeze_panes == "A2"
    assert results["A1"].font.b is True
    assert sheet_rows(results) == [
        ["respondent_id", "region", "text", "status", "reviewed", "reviewed_by", "NET: Price", "Price too high",
         "NET: Service", "Friendly staff", "Slow delivery"],
        ["1", "North", "Too expensive, and slow", "coded", "no", None, 1, 1, 1, 0, 1],
        ["2", "South", "Lovely staff", "coded", "yes", "alice", 0, 0, 1, 1, 0],
        ["3", None, None, "no_data", "no", None, None, None, None, None, None],
        ["4", "North", "Nothing to add really", "uncoded", "no", None, 0, 0, 0, 0, 0],
    ]  # fmt: skip
    assert results["G2"].data_type == "n"  # dummies are numbers, not text
    assert results.column_dimensions["C"].width >= len("Too expensive, and slow")
    dictionary = sheet_rows(book["Code Dictionary"])
    assert dictionary[0][:5] == ["question", "question_text", "category", "code_number", "code"]
    assert dictionary[1] == ["Q1", "What could we do better?", "Price", 1, "Price too high",
                             "Complaints about price", "Negative", 1, 50]  # fmt: skip


def test_xlsx_without_dictionary_and_long_layout_numbers() -> None:
    options = ExportOptions(layout="one_row_per_code", include_code_dictionary=False, include_demographics=False)
    book = load(export_xlsx([make_question()], options))
    assert book.sheetnames == ["Coded responses"]
    rows = sheet_rows(book["Coded responses"])
    assert rows[0][:8] == ["question", "respondent_id", "text", "status", "mention", "code_number", "code", "category"]
    assert rows[1][:11] == ["Q1", "1", "Too expensive, and slow", "coded", 1, 1, "Price too high", "Price",
                            "high", 0.91, "engine:embedded"]  # fmt: skip


# ---------------------------------------------------------------- SPSS


def read_sav(data: bytes, tmp_path) -> tuple:  # type: ignore[no-untyped-def]
    path = tmp_path / "out.sav"
    path.write_bytes(data)
    return pyreadstat.read_sav(str(path))


def test_sav_variables_labels_and_values(tmp_path) -> None:  # type: ignore[no-untyped-def]
    frame, meta = read_sav(export_sav([make_question()]), tmp_path)
    assert list(frame.columns) == ["respondent_id", "Q1_C01", "Q1_C02", "Q1_C03", "Q1_reviewed", "Q1_reviewer"]
    assert meta.column_names_to_labels == {
        "respondent_id": "Respondent ID",
        "Q1_C01": "Price too high",
        "Q1_C02": "Friendly staff",
        "Q1_C03": "Slow delivery",
        "Q1_reviewed": "Q1 reviewed by a person",
        "Q1_reviewer": "Q1 reviewer",
    }
    assert meta.variable_value_labels == {name: {0.0: "No", 1.0: "Yes"}
                                          for name in ["Q1_C01", "Q1_C02", "Q1_C03", "Q1_reviewed"]}
    # The human decision: respondent 2 was reviewed by alice, no one else was.
    assert frame["Q1_reviewed"].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert frame["Q1_reviewer"].tolist() == ["", "alice", "", ""]
    assert meta.file_label == "Retail 2026"
    assert frame["respondent_id"].tolist() == ["1", "2", "3", "4"]
    values = frame[["Q1_C01", "Q1_C02", "Q1_C03"]].values.tolist()
    assert values[0] == [1.0, 0.0, 1.0]
    assert values[1] == [0.0, 1.0, 0.0]
    assert all(math.isnan(v) for v in values[2])  # no_data → system missing, not 0
    assert values[3] == [0.0, 0.0, 0.0]


def test_sav_several_questions_names_are_valid_and_unique(tmp_path) -> None:  # type: ignore[no-untyped-def]
    q2 = make_second_question()
    q2.codes.append(ExportCode("d2", "x" * 300, "Loyalty", 1, None, "Neutral", 0))  # same number, long name
    frame, meta = read_sav(export_sav([make_question(), q2]), tmp_path)
    assert list(frame.columns) == ["respondent_id", "Q1_C01", "Q1_C02", "Q1_C03", "Q2_C01", "Q2_C01_2",
                                   "Q1_reviewed", "Q1_reviewer", "Q2_reviewed", "Q2_reviewer"]
    assert math.isnan(frame.loc[1, "Q2_reviewed"]) and frame.loc[4, "Q2_reviewed"] == 0.0
    assert len(meta.column_names_to_labels["Q2_C01_2"]) <= 256
    assert frame["respondent_id"].tolist() == ["1", "2", "3", "4", "5"]
    assert math.isnan(frame.loc[1, "Q2_C01"])  # respondent 2 was not asked question 2
    assert frame.loc[4, "Q2_C01"] == 1.0


# ---------------------------------------------------------------- formula injection

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+1", "-2+3", "@SUM(A1:A2)", "\tx", "\r=1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_cell_prefixes_formulas(value: str) -> None:
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", [-5, -2.5, 0, "-5", "-0.25", "plain", "a=b", None])
def test_neutralise_cell_leaves_numbers_and_plain_text(value: object) -> None:
    assert neutralise_cell(value) == value


def hostile_question() -> ExportQuestion:
    codes = [ExportCode("h1", "=cmd|' /C calc'!A0", "@Cat", 1, "-1+1", "Neutral", 1)]
    responses = [
        ExportResponse(str(i), text, "coded", {"delta": -5, "note": "-7"}, [engine("h1", "Neutral", "high", 0.9)],
                       False, None, False)
        for i, text in enumerate(HOSTILE, start=1)
    ]  # fmt: skip
    return ExportQuestion("p", "=proj", "q", "=question", codes, responses)


def test_formula_injection_neutralised_in_csv() -> None:
    for layout in ("wide_by_question", "binary_dummy", "one_row_per_code", "columns_by_mention"):
        rows = list(csv.reader(io.StringIO(export_csv([hostile_question()], ExportOptions(layout=layout)))))
        header, body = rows[0], rows[1:]
        text_col = header.index("text")
        assert [row[text_col] for row in body] == ["'" + v for v in HOSTILE]
        assert body[0][header.index("delta")] == "-5"  # a number stays a number
        assert body[0][header.index("note")] == "-7"  # text holding a plain negative number is harmless
        if layout == "binary_dummy":
            assert "'=cmd|' /C calc'!A0" in header and "'NET: @Cat" not in header
    wide = list(csv.reader(io.StringIO(export_csv([hostile_question()], ExportOptions()))))
    assert wide[1][wide[0].index("codes")] == "'=cmd|' /C calc'!A0"
    assert wide[1][wide[0].index("categories")] == "'@Cat"


def test_formula_injection_neutralised_in_xlsx() -> None:
    book = load(export_xlsx([hostile_question()], ExportOptions()))
    rows = sheet_rows(book["Coded responses"])
    header = rows[0]
    texts = [row[header.index("text")] for row in rows[1:]]
    # xlsxwriter stores a carriage return as "_x000D_" (Excel shows it as CR; openpyxl does not decode it).
    assert texts == ["'" + v.replace("\r", "_x000D_") for v in HOSTILE]
    sheet = book["Coded responses"]
    assert all(cell.data_type == "s" for cell in sheet["D"][1:])  # text column D: strings, never formulas
    score = sheet.cell(row=2, column=header.index("delta") + 1)
    assert score.value == -5 and score.data_type == "n"
    dictionary = sheet_rows(book["Code Dictionary"])
    assert dictionary[1][1:6] == ["'=question", "'@Cat", 1, "'=cmd|' /C calc'!A0", "'-1+1"]


# ---------------------------------------------------------------- refinement audit and review log


def suggestion(sid: str, status: str, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": sid, "type": "new_code", "action": "create_new", "status": status, "confidence": 0.82,
        "name": "Parking", "definition": "Mentions parking", "sentiment": "Negative", "category": "Access",
        "target_code": None, "source_code": None, "affected_count": 3,
        "example_responses": [{"id": "7", "text": "no parking"}, {"id": "9", "text": "=parking"}],
        "rationale": "14 unclassified responses mention parking", "created_at": "2026-11-22T10:00:00Z",
        "resolved_at": None, "resolved_by": None, "dismiss_reason": None,
    }  # fmt: skip
    base.update(extra)
    return base


def sample_suggestions() -> list[dict[str, object]]:
    return [
        suggestion("s1", "pending"),
        suggestion("s2", "applied", resolved_at="2026-11-22T11:00:00Z", resolved_by="alice", affected_count=5),
        suggestion("s3", "dismissed", type="merge", action="merge", dismiss_reason="different things",
                   target_code="Price", source_code="Cost"),
    ]  # fmt: skip


def test_suggestions_csv_exact() -> None:
    text = export_suggestions_csv(sample_suggestions()[:1])
    assert text == lines(
        "suggestion_id,type,action,status,confidence,name,definition,sentiment,category,target_code,source_code,"
        "affected_count,example_responses,rationale,created_at,resolved_at,resolved_by,dismiss_reason",
        "s1,new_code,create_new,pending,0.82,Parking,Mentions parking,Negative,Access,,,3,"
        "7: no parking | 9: =parking,14 unclassified responses mention parking,2026-11-22T10:00:00Z,,,",
    )
    statuses = [row[3] for row in csv.reader(io.StringIO(export_suggestions_csv(sample_suggestions())))][1:]
    assert statuses == ["pending", "applied", "dismissed"]


def test_suggestions_xlsx_sheets() -> None:
    book = load(export_suggestions_xlsx(sample_suggestions()))
    assert book.sheetnames == ["Summary", "Pending", "Applied", "Dismissed"]
    assert sheet_rows(book["Summary"]) == [
        ["status", "suggestions", "affected_responses"],
        ["pending", 1, 3],
        ["applied", 1, 5],
        ["dismissed", 1, 3],
        ["total", 3, 11],
    ]
    applied = sheet_rows(book["Applied"])
    assert len(applied) == 2 and applied[1][0] == "s2" and applied[1][16] == "alice"
    dismissed = sheet_rows(book["Dismissed"])
    assert dismissed[1][9:11] == ["Price", "Cost"] and dismissed[1][17] == "different things"


def test_suggestions_xlsx_empty_sheets_keep_header() -> None:
    book = load(export_suggestions_xlsx([]))
    assert sheet_rows(book["Pending"])[0][0] == "suggestion_id"
    assert sheet_rows(book["Summary"])[-1] == ["total", 0, 0]


def test_review_log_csv_exact() -> None:
    rows = [
        {"created_at": "2026-11-22T12:00:00Z", "actor": "alice", "action": "add_code", "respondent_id": "7",
         "detail": "Parking"},
        {"created_at": "2026-11-22T12:01:00Z", "actor": "bob", "action": "remove_code", "respondent_id": "8",
         "detail": "=2+2"},
    ]  # fmt: skip
    assert export_review_log_csv(rows) == lines(
        "created_at,actor,action,respondent_id,detail",
        "2026-11-22T12:00:00Z,alice,add_code,7,Parking",
        "2026-11-22T12:01:00Z,bob,remove_code,8,'=2+2",
    )
