"""Codebook page: rename, edit, move, merge, split, add, delete; history with undo; import and export."""

from __future__ import annotations

from surveycoder_core.db import codebooks, store
from surveycoder_core.db.responses import code_counts

from .helpers import app, button, plain


def codes(path, qid):
    with store.session(path) as db:
        return codebooks.code_rows(db, qid)


def test_rename_edit_and_undo(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    first = codes(path, qid)[0]
    at = app("7_Codebook", question_id=qid)
    at.text_input(key=f"cb_name_{first['id']}").input("Pricing & value")
    at.text_area(key=f"cb_def_{first['id']}").input("Any mention of price, bills or value for money.")
    at.selectbox(key=f"cb_sent_{first['id']}").select("Negative")
    at.button(key="cb_save").click().run()
    assert not at.exception
    after = codes(path, qid)[0]
    assert (after["name"], after["sentiment"]) == ("Pricing & value", "Negative")
    assert after["definition"].startswith("Any mention of price")
    shown = [t.value for t in at.text if "a code" in t.value]
    assert shown[0] == f"Edited a code: {first['name']} → Pricing & value"
    assert not any("Renamed a code" in t for t in shown)  # one save, one change in the history
    at.button(key="cb_undo_last").click().run()  # one undo takes back the name, definition and sentiment
    back = codes(path, qid)[0]
    assert (back["name"], back["sentiment"], back["definition"]) == (
        first["name"], first["sentiment"], first["definition"])


def test_move_to_a_new_category_merge_and_delete(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    a, b, c = codes(path, qid)[:3]
    at = app("7_Codebook", question_id=qid)
    at.selectbox(key=f"cb_cat_{a['id']}").select("＋ New category…").run()
    at.text_input(key=f"cb_newcat_{a['id']}").input("Money")
    at.button(key="cb_save").click().run()
    assert [x["category"] for x in codes(path, qid) if x["id"] == a["id"]] == ["Money"]
    at.selectbox(key="cb_code").select(b["id"]).run()
    at.selectbox(key="cb_merge_target").select(c["id"]).run()
    at.button(key="cb_merge").click().run()
    assert b["id"] not in {x["id"] for x in codes(path, qid)}
    at.selectbox(key="cb_code").select(c["id"]).run()
    at.checkbox(key=f"cb_sure_{c['id']}").check().run()
    at.button(key="cb_delete").click().run()
    assert c["id"] not in {x["id"] for x in codes(path, qid)}


def test_split_and_add(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    with store.session(path) as db:
        freq = code_counts(db, qid)
    big = max(codes(path, qid), key=lambda c: freq.get(c["id"], 0))
    at = app("7_Codebook", question_id=qid)
    at.selectbox(key="cb_code").select(big["id"]).run()
    ms = at.multiselect(key="cb_split_rows")
    ms.select(ms.options[0]).select(ms.options[1]).run()
    at.text_input(key="cb_split_name").input("Price rises").run()
    at.button(key="cb_split").click().run()
    assert not at.exception
    with store.session(path) as db:
        freq = code_counts(db, qid)
    new = [c for c in codes(path, qid) if c["name"] == "Price rises"][0]
    assert freq[new["id"]] == 2
    at.text_input(key="cb_add_name").input("Moving house").run()
    at.button(key="cb_add").click().run()
    assert "Moving house" in [c["name"] for c in codes(path, qid)]


def test_import_adds_new_codes_and_export_buttons(coded_db):
    path, ids = coded_db
    qid = ids["question_id"]
    n = len(codes(path, qid))
    at = app("7_Codebook", question_id=qid)
    assert {d.proto.label for d in at.get("download_button")} >= {"Codebook (JSON)", "Codebook (CSV)"}
    at.get("file_uploader")[0].set_value(("cb.csv", b"category,code,definition\nService,Hold times,Waiting\n",
                                          "text/csv"))
    at.run()
    button(at, "Import codebook").click()
    at.run()
    assert any("Imported 1 new codes" in plain(s.value) for s in at.success)
    assert len(codes(path, qid)) == n + 1
