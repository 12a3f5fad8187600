"""The whole flow in real Chromium against `streamlit run` (Playwright; /usr/bin/chromium, never `playwright install`).

upload a CSV → code it → charts → resolve a flagged response (shown as plain text) → delete a code →
apply the suggestion →
rename a code → export XLSX and read it back → restart the server and refresh: decisions are kept.
Two browser sessions reviewing the same response: the second is refused, nothing is overwritten.
Screenshots of the main screens go to docs/screenshots/.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from surveycoder_core.db import store
from surveycoder_core.db.responses import response_rows
from surveycoder_core.human_review import queue as reviews
from surveycoder_core.io import sample

from .conftest import copy_db
from .helpers import APP

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(APP).parent
SHOTS = ROOT / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
TIMEOUT = 30_000
HTML_VERBATIM = "<b>bold</b> **x** [link](http://example.com)"
PROJECT_NAME = "Wave **1** <i>NPS</i> [site](http://example.org) :smile:"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="needs Debian's /usr/bin/chromium (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`streamlit run app.py` on a free port with the given database."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.port = free_port()
        env = dict(os.environ, SURVEYCODER_DB=db_path)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", APP, f"--server.port={self.port}",
             "--server.headless=true", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=1).read() == b"ok":
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("streamlit did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield b
    b.close()
    pw.stop()


def new_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    idle(page)
    return page


def idle(page, settle: float = 0.35) -> None:
    """Wait until the script run triggered by the last action has finished."""
    time.sleep(settle)
    page.wait_for_selector(IDLE, timeout=TIMEOUT)
    page.wait_for_selector(IDLE, timeout=TIMEOUT)


def nav(page, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=re.compile(rf"{name}\s*$")).first.click()
    idle(page, 0.6)
    page.get_by_role("heading", name=name).first.wait_for()


def click(page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).first.click()
    idle(page)


def fill(page, key: str, value: str, widget: str = "input") -> None:
    box = page.locator(f".st-key-{key} {widget}").first
    box.fill(value)
    box.press("Tab" if widget == "textarea" else "Enter")
    idle(page)


def wait_text(page, text: str, timeout: int = TIMEOUT) -> None:
    page.get_by_text(text).first.wait_for(timeout=timeout)


def survey_csv() -> bytes:
    rows = [(r.id, r.text, r.attributes["region"], r.attributes["nps_group"])
            for r in sample.sample_responses()[:39]]
    # Over the 2,000-character cap: kept, cut and flagged "too long", so it is surely in the review queue.
    rows.append(("HTML1", HTML_VERBATIM + " The line keeps dropping." * 90, "London", "Passive"))
    frame = pd.DataFrame(rows, columns=["respondent", "comment", "region", "nps_group"])
    return frame.to_csv(index=False).encode("utf-8")


def review_text(page) -> str:
    return page.locator(".st-key-review_verbatim").inner_text()


def find_in_review_queue(page, needle: str, tries: int = 40) -> None:
    for _ in range(tries):
        if needle in review_text(page):
            return
        click(page, "Next")
    raise AssertionError(f"{needle!r} is not in the review queue")


def test_full_flow_upload_code_review_refine_rename_export_restart(browser, tmp_path):
    db = str(tmp_path / "flow.db")
    server = Server(db)
    try:
        page = new_page(browser, server.url)
        nav(page, "Upload")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
            files=[{"name": "wave1.csv", "mimeType": "text/csv", "buffer": survey_csv()}])
        idle(page, 1.0)
        wait_text(page, "Kept as respondent attributes")
        fill(page, "upload_question", "What is the main reason for your score?")
        fill(page, "upload_project", PROJECT_NAME)
        click(page, "Import responses")
        wait_text(page, "Imported 40 responses")
        click(page, "Start coding")
        wait_text(page, "Every response of this question is coded.")

        nav(page, "Dashboard")
        page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1

        # A verbatim with HTML and markdown is shown literally: no <b>, no link is created.
        nav(page, "Review")
        reasons = page.locator(".st-key-review_reasons input").first
        reasons.fill("Too long")
        reasons.press("Enter")
        idle(page)
        page.keyboard.press("Escape")
        find_in_review_queue(page, HTML_VERBATIM)
        card = page.locator(".st-key-review_verbatim")
        assert HTML_VERBATIM in card.inner_text()
        assert card.locator("b, strong, a").count() == 0
        assert page.locator('a[href="http://example.com"]').count() == 0
        click(page, "Save & mark reviewed")
        wait_text(page, "Saved the review of respondent HTML1")
        page.get_by_text(re.compile(r"1 of \d+ flagged reviewed")).first.wait_for()

        # The researcher drops the largest code; its answers are left uncoded, and the refinement
        # agent proposes a code for them again.
        nav(page, "Codebook")
        page.get_by_role("tab", name="Delete").click()
        idle(page)
        page.get_by_text("Yes, delete this code").click()
        idle(page)
        click(page, "Delete code")
        wait_text(page, "Deleted.")

        nav(page, "Refine")
        if page.locator('[class*="st-key-suggestion_"]').count() == 0:
            page.locator(".st-key-refine_find button").first.click()  # its label carries an icon's name
            idle(page)
        first = page.locator('[class*="st-key-suggestion_"]').first
        first.locator('[data-testid="stBaseButton-primary"]').first.click()
        idle(page)
        wait_text(page, "Applied")

        nav(page, "Codebook")
        name_box = page.locator('[class*="st-key-cb_name_"] input').first
        name_box.fill("Renamed by the browser test")
        name_box.press("Enter")
        idle(page)
        click(page, "Save changes")
        wait_text(page, "Renamed to")

        nav(page, "Export")
        with page.expect_download() as dl:
            page.get_by_role("button", name="Excel (.xlsx)").click()
        book = pd.read_excel(io.BytesIO(Path(dl.value.path()).read_bytes()), sheet_name=None)
        assert len(book["Coded responses"]) == 40
        assert any("Renamed by the browser test" in df.to_string() for df in book.values())

        # Names from uploads are plain text in headings too (escaped markdown, no auto-links).
        nav(page, "Projects")
        heading = page.locator('[data-testid="stHeading"]').filter(has_text="Wave").first
        assert heading.inner_text().replace("\u2060", "") == PROJECT_NAME
        assert heading.locator("a, strong, i").count() == 0
        assert page.locator('a[href="http://example.org"]').count() == 0

        # A refresh keeps the question open (?q=…) and the decisions.
        page.reload()
        idle(page, 1.0)
        nav(page, "Review")
        page.get_by_text(re.compile(r"1 of \d+ flagged reviewed")).first.wait_for()
    finally:
        server.stop()

    # Restart the server on the same database: a new session sees every decision.
    server = Server(db)
    try:
        page = new_page(browser, server.url)
        nav(page, "Review")
        page.get_by_text(re.compile(r"1 of \d+ flagged reviewed")).first.wait_for()
        nav(page, "Codebook")  # the renamed code is still the first one, under its new name
        name = page.locator('[class*="st-key-cb_name_"] input').first
        assert name.input_value() == "Renamed by the browser test"
    finally:
        server.stop()


def set_reviewer(page, name: str) -> None:
    nav(page, "Settings")
    fill(page, "settings_name", name)


def test_two_reviewers_never_overwrite_each_other_and_screenshots(browser, coded_template):
    folder = tempfile.mkdtemp(prefix="surveycoder-")  # a short path: it shows in the screenshots' sidebar
    db = str(Path(folder) / "surveycoder.db")
    copy_db(coded_template[0], db)
    qid = coded_template[1]["question_id"]
    server = Server(db)
    try:
        alice = new_page(browser, f"{server.url}/?q={qid}")
        bob = new_page(browser, f"{server.url}/?q={qid}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        alice.screenshot(path=str(SHOTS / "projects.png"))
        set_reviewer(alice, "Alice")
        set_reviewer(bob, "Bob")
        nav(alice, "Review")
        nav(bob, "Review")
        shown = review_text(alice)
        assert review_text(bob) == shown  # both look at the same response

        click(alice, "Accept as coded")
        wait_text(alice, "Saved the review")
        alice.set_viewport_size({"width": 1440, "height": 1240})  # the app scrolls inside: show it all
        alice.screenshot(path=str(SHOTS / "review.png"), full_page=True)
        click(bob, "Save & mark reviewed")
        wait_text(bob, "Someone else changed this response")
        with store.session(db) as conn:
            rows = {r["text"]: r for r in response_rows(conn, qid)}
            assert rows[shown]["reviewed_by"] == "Alice"
            log = reviews.review_log(conn, qid)
        assert [e["actor"] for e in log] == ["Alice"]  # Bob's stale click wrote nothing

        nav(alice, "Dashboard")
        alice.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()
        time.sleep(1.0)
        alice.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
        alice.get_by_role("tab", name="By segment").click()
        time.sleep(1.0)
        alice.screenshot(path=str(SHOTS / "dashboard-segments.png"), full_page=True)
        nav(alice, "Refine")
        alice.screenshot(path=str(SHOTS / "refine.png"), full_page=True)
        nav(alice, "Codebook")
        alice.screenshot(path=str(SHOTS / "codebook.png"), full_page=True)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_sample_job_runs_in_the_background_through_refreshes_and_tabs(browser, tmp_path):
    server = Server(str(tmp_path / "job.db"))
    try:
        page = new_page(browser, server.url)
        click(page, "Try it with sample data")  # 148 distinct responses: a background job
        page.get_by_role("heading", name="Run").first.wait_for()
        page.reload()  # a refresh mid-job: the page finds the job again (state is in SQLite)
        idle(page, 1.0)
        other = new_page(browser, page.url)  # and a second tab on the same question
        for tab in (page, other):
            wait_text(tab, "Every response of this question is coded.", timeout=90_000)
        assert page.get_by_text("Credits used").count() == 1
    finally:
        server.stop()
