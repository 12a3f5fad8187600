"""Projects page: list, sample data in one click, open, rename, delete with confirmation."""

from __future__ import annotations

import time

from surveycoder_core.db import projects, store

from .helpers import app, button, plain


def wait_until_coded(at, seconds: float = 60.0) -> None:
    """AppTest never ticks timed fragments: rerun until the background job has finished."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        at.run()
        if any("Every response of this question is coded" in s.value for s in at.success):
            return
        time.sleep(0.3)
    raise AssertionError("the coding job did not finish")


def test_empty_database_invites_to_start(db_path):
    at = app()
    assert at.title[0].value == "Projects"
    assert any("No projects yet" in i.value for i in at.info)
    assert button(at, "Try it with sample data")


def test_sample_data_creates_and_codes_a_project_in_one_click(db_path):
    at = app()
    button(at, "Try it with sample data").click()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Run"  # it switched to the Run page and started a background job (148 > 50)
    wait_until_coded(at)
    assert [m.value for m in at.metric][:2] == ["150", "140"] or at.metric[0].value == "150"
    at.switch_page("pages/1_Projects.py")
    at.run()
    assert any("Northwave Broadband" in plain(s.value) for s in at.subheader)
    assert any("What is the main reason" in t for t in [t.value for t in at.text])


def test_rename_and_delete_with_confirmation(coded_db):
    path, ids = coded_db
    pid = ids["project_id"]
    at = app()
    at.text_input(key=f"rename_{pid}").input("Broadband wave 2 <b>")
    at.button(key=f"save_name_{pid}").click()
    at.run()
    with store.session(path) as db:
        assert projects.get_project(db, pid)["name"] == "Broadband wave 2 <b>"
    assert any("Broadband wave 2 <b>" in plain(s.value) for s in at.subheader)

    at.button(key=f"delete_{pid}").click()
    at.run()
    assert any("cannot be undone" in w.value for w in at.warning)
    at.button(key=f"cancel_delete_{pid}").click()
    at.run()
    with store.session(path) as db:
        assert projects.list_projects(db)  # cancel keeps it
    at.button(key=f"delete_{pid}").click()
    at.run()
    at.button(key=f"confirm_delete_{pid}").click()
    at.run()
    with store.session(path) as db:
        assert projects.list_projects(db) == []
    assert any("No projects yet" in i.value for i in at.info)


def test_open_goes_to_the_dashboard_of_a_coded_question(coded_db):
    path, ids = coded_db
    at = app()
    at.button(key=f"open_{ids['question_id']}").click()
    at.run()
    assert at.title[0].value == "Dashboard"
    assert at.session_state["current_question_id"] == ids["question_id"]


def test_sidebar_question_picker_switches_question(coded_db):
    path, ids = coded_db
    from .conftest import import_sample

    other = import_sample(path, n=5)
    at = app(question_id=ids["question_id"])  # (AppTest drops sidebar elements after switch_page)
    picker = at.selectbox(key=f"question_picker_{ids['question_id']}")
    assert picker.value == ids["question_id"]
    picker.select(other["question_id"]).run()
    assert at.session_state["current_question_id"] == other["question_id"]
    assert at.query_params["q"] in (other["question_id"], [other["question_id"]])  # a refresh keeps it
    at.switch_page("pages/4_Dashboard.py").run()
    assert any("not coded yet" in i.value for i in at.info)
