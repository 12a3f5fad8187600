"""Reading coded tables: every layout our exports write, the generic ones, and bad files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from surveycoder_core import service
from surveycoder_core.db import projects
from surveycoder_core.db.store import open_db, session
from surveycoder_core.errors import ValidationError
from surveycoder_core.exports import files as exports
from surveycoder_core.io import readers as imports
from surveycoder_core.io.coded_wave import read_coded_table
from surveycoder_core.schemas import CodebookIn
from tests.factories import make_coded_question


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, dtype=object).fillna("")


@pytest.fixture()
def exported(tmp_path: Path):
    path = tmp_path / "wave1.db"
    db = open_db(path)
    ids = make_coded_question(db)
    db.conn.close()
    questions = service.export_questions(ids["project_id"], db_path=path)
    truth = {r.respondent_id: {a.code_id for a in r.assignments} for r in questions[0].responses
             if r.status != "no_data"}
    names = {c.id: c.name for c in questions[0].codes}
    return questions, {rid: {names[c] for c in codes} for rid, codes in truth.items()}


@pytest.mark.parametrize("layout", ["wide_by_question", "columns_by_mention", "binary_dummy", "one_row_per_code"])
def test_every_export_layout_reads_back_as_the_same_training(exported, layout) -> None:
    questions, truth = exported
    csv = exports.export_csv(questions, exports.ExportOptions(layout=layout, include_categories=True))
    frame = imports.read_table(csv.encode(), f"{layout}.csv").frame
    table = read_coded_table(frame, "respondent_id", "text")
    got = {r.id: set(codes) for r, codes in zip(table.responses, table.codes, strict=False)}
    assert {rid: got[rid] for rid in truth} == truth
    cats = {code.name: cat.name for cat in table.codebook.categories for code in cat.codes}
    assert cats["Friendly staff"] == "Service" and cats["Price too high"] == "Product"
    counts = table.training_counts()
    assert counts["Friendly staff"] == len({r.text for r in questions[0].responses
                                            if any(a.code_id == questions[0].codes[0].id for a in r.assignments)})
    assert counts[""] >= 1  # the answers no code was given teach "fits no code"
    assert all(not set(r.attributes or {}) & {"codes", "mention_1", "Friendly staff", "code", "status"}
               for r in table.responses)


def test_one_column_per_mention_and_zero_one_columns() -> None:
    mentions = _frame([{"id": "1", "answer": "too pricey", "code1": "Price", "code2": ""},
                       {"id": "2", "answer": "rude staff and dear", "code1": "Staff", "code2": "Price"},
                       {"id": "3", "answer": "nothing to add", "code1": "", "code2": ""}])
    t = read_coded_table(mentions, "id", "answer")
    assert t.layout == "mentions" and t.codes == [["Price"], ["Staff", "Price"], []]
    assert t.codebook.no_code_examples == ["nothing to add"]
    dummies = _frame([{"id": "1", "answer": "too pricey", "Price": "1", "Staff": "0", "region": "N"},
                      {"id": "2", "answer": "rude staff and dear", "Price": "yes", "Staff": "yes", "region": "S"}])
    t = read_coded_table(dummies, "id", "answer")
    assert t.layout == "dummies" and t.codes == [["Price"], ["Price", "Staff"]]
    assert t.responses[0].attributes == {"region": "N"}


def test_codes_missing_from_the_codebook_are_listed() -> None:
    frame = _frame([{"id": "1", "text": "x", "codes": "Price; Parking"}, {"id": "2", "text": "y", "codes": "Wifi"}])
    book = CodebookIn.model_validate({"categories": [{"name": "A", "codes": [{"name": "price"}]}]})
    with pytest.raises(ValidationError) as info:
        read_coded_table(frame, "id", "text", codebook=book)
    message = info.value.message
    assert "Parking" in message and "Wifi" in message and "not in the codebook" in message
    ok = read_coded_table(frame.iloc[:1].assign(codes="Price"), "id", "text", codebook=book)
    assert ok.codebook.categories[0].codes[0].examples == ["x"]  # matched regardless of case


def test_bad_coded_files_say_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="unique respondent ids"):
        read_coded_table(_frame([{"id": "1", "text": "a", "codes": "X"}, {"id": "1", "text": "b", "codes": "Y"}]),
                         "id", "text")
    with pytest.raises(ValidationError, match="no code columns"):
        read_coded_table(_frame([{"id": "1", "text": "a", "region": "North"}]), "id", "text")
    with pytest.raises(ValidationError, match="no codes"):
        read_coded_table(_frame([{"id": "1", "text": "a", "codes": ""}]), "id", "text")
    with pytest.raises(ValidationError, match="one text"):
        read_coded_table(_frame([{"respondent_id": "1", "text": "a", "code": "X"},
                                 {"respondent_id": "1", "text": "b", "code": "Y"}]), "respondent_id", "text")
    with pytest.raises(ValidationError, match="0/1"):
        read_coded_table(_frame([{"id": "1", "text": "a", "X": "1", "Y": "0"}, {"id": "2", "text": "b", "X": "1",
                                                                           "Y": "0"}]),
                         "id", "text", layout="dummies", code_columns=["X", "text"])


def test_a_bad_coded_wave_leaves_nothing_behind(tmp_path: Path) -> None:
    from surveycoder_core.errors import EmptyCodebookError
    from surveycoder_core.schemas import ResponseIn

    db_path = tmp_path / "x.db"
    frame = _frame([{"id": "1", "text": "a", "codes": "Parking"}])
    book = CodebookIn.model_validate({"categories": [{"name": "A", "codes": [{"name": "Price"}]}]})
    with pytest.raises(ValidationError):
        read_coded_table(frame, "id", "text", codebook=book)  # refused before anything is stored
    # A codebook the store refuses midway: project, question and responses go with it (one transaction).
    with pytest.raises(EmptyCodebookError):
        service.import_question(db_path=db_path, responses=[ResponseIn(id="1", text="hello there")],
                                project_name="p", codebook=CodebookIn(categories=[]))
    with session(db_path) as db:
        assert projects.list_projects(db) == []
        assert db.conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 0


def test_an_imported_wave_is_stored_as_training(tmp_path: Path) -> None:
    db_path = tmp_path / "x.db"
    frame = _frame([{"id": str(i), "text": t, "codes": c} for i, (t, c) in enumerate(
        [("too pricey", "Price"), ("rude staff", "Staff"), ("rude and pricey", "Staff; Price"), ("meh", "")])])
    wave = read_coded_table(frame, "id", "text").codebook
    from surveycoder_core.schemas import ResponseIn

    out = service.import_question(db_path=db_path, responses=[ResponseIn(id="n1", text="so expensive")],
                                  project_name="wave 2", codebook=wave)
    from surveycoder_core.db.codebooks import code_specs, no_code_examples, training_counts

    with session(db_path) as db:
        specs = {s.name: s.examples for s in code_specs(db, out["question_id"])}
        assert specs == {"Price": ["too pricey", "rude and pricey"], "Staff": ["rude staff", "rude and pricey"]}
        assert no_code_examples(db, out["question_id"]) == ["meh"]
        assert training_counts(db, out["question_id"]) == {"codes": {"Price": 2, "Staff": 2}, "no_code": 1}
