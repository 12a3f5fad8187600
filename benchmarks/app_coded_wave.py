"""Import a coded earlier wave in the app (real Chromium against `streamlit run`) and code the next wave.

    python benchmarks/app_coded_wave.py [DATASET_DIR] [--limit 0] [--db FILE]

Splits the dataset's answers in two halves (seeded): the first becomes a coded wave in the
``columns_by_mention`` layout the Export page writes, the second a plain table of new answers. In the
browser: Upload the new wave, choose "Learn from a coded earlier wave", upload the coded one, import,
start coding, wait until every answer is coded. Prints the seconds of each step, what the page showed,
and the micro-F1 of the coded new wave against its human codes. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def halves(folder: Path, limit: int | None) -> tuple[list[dict], list[dict]]:
    from surveycoder_core.evaluation.harness import load_dataset

    rows, _ = load_dataset(folder, limit=limit, seed=0)
    perm = np.random.default_rng(7).permutation(len(rows))
    half = len(rows) // 2
    return [rows[i] for i in sorted(perm[:half])], [rows[i] for i in sorted(perm[half:])]


def coded_csv(rows: list[dict]) -> bytes:
    width = max(len(r["codes"]) for r in rows)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["respondent_id", "text"] + [c for i in range(1, width + 1)
                                             for c in (f"mention_{i}", f"mention_{i}_category")])
    for n, r in enumerate(rows):
        cells = [x for c in r["codes"] for x in (c["code"], c.get("category") or "")]
        w.writerow([f"W1-{n}", r["text"], *cells, *[""] * (2 * width - len(cells))])
    return buf.getvalue().encode("utf-8")


def plain_csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "comment"])
    for n, r in enumerate(rows):
        w.writerow([f"W2-{n}", r["text"]])
    return buf.getvalue().encode("utf-8")


def start_server(db: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), f"--server.port={port}",
                             "--server.headless=true", "--browser.gatherUsageStats=false",
                             "--server.fileWatcherType=none"], cwd=ROOT, env=dict(os.environ, SURVEYCODER_DB=db),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("streamlit did not start")


def idle(page, settle: float = 0.4) -> None:
    time.sleep(settle)
    page.wait_for_selector(IDLE, timeout=600_000)
    page.wait_for_selector(IDLE, timeout=600_000)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", nargs="?", type=Path,
                    default=ROOT.parent / "shared" / "data" / "nhs_fft_patient_feedback_phase1")
    ap.add_argument("--limit", type=int, default=0, help="answers used from the dataset (0 = all)")
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    wave1, wave2 = halves(args.dataset, args.limit or None)
    db = args.db or str(Path(tempfile.mkdtemp()) / "wave.db")
    proc, url = start_server(db)
    shown: dict[str, str] = {}
    seconds: dict[str, float] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(600_000)
            page.goto(url)
            idle(page, 1.0)
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text=re.compile(r"Upload\s*$")).first.click()
            idle(page, 0.8)
            page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
                files=[{"name": "wave2.csv", "mimeType": "text/csv", "buffer": plain_csv(wave2)}])
            idle(page, 1.0)
            page.get_by_text("Learn from a coded earlier wave").first.click()
            idle(page)
            t0 = time.perf_counter()
            page.locator('[data-testid="stFileUploader"] input[type="file"]').nth(1).set_input_files(
                files=[{"name": "wave1_coded.csv", "mimeType": "text/csv", "buffer": coded_csv(wave1)}])
            idle(page, 1.0)
            page.get_by_text("coded answers (").first.wait_for()
            seconds["read the coded wave, show its codes"] = time.perf_counter() - t0
            shown["upload"] = page.locator('[data-testid="stAlertContentSuccess"]').first.inner_text()
            shown["codebook caption"] = page.get_by_text("training examples").first.inner_text()
            t0 = time.perf_counter()
            page.get_by_role("button", name="Import responses", exact=True).click()
            idle(page, 1.0)
            page.get_by_text(re.compile(r"Imported [\d,]+ responses")).first.wait_for()
            seconds["import the new wave with the codebook"] = time.perf_counter() - t0
            shown["run"] = page.get_by_text(re.compile(r"Imported [\d,]+ responses")).first.inner_text()
            t0 = time.perf_counter()
            page.get_by_role("button", name="Start coding", exact=True).click()
            page.get_by_text("Every response of this question is coded.").first.wait_for(timeout=900_000)
            seconds["code the new wave (background job)"] = time.perf_counter() - t0
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text=re.compile(r"Review\s*$")).first.click()
            idle(page, 1.0)
            metric = page.locator('[data-testid="stMetric"]').filter(has_text="Estimated agreement").first
            shown["review: estimated agreement"] = " ".join(metric.inner_text().split())
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    from surveycoder_core.db import projects, store
    from surveycoder_core.db.codebooks import training_counts
    from surveycoder_core.db.responses import response_rows

    with store.session(db) as conn:
        q = projects.list_projects(conn)[0]["questions"][0]
        names = {c["id"]: c["name"] for c in conn.execute("SELECT id, name FROM codes").fetchall()}
        got = {r["respondent_id"]: {names[a["code_id"]] for a in r["assignments"]}
               for r in response_rows(conn, q["id"])}
        counts = training_counts(conn, q["id"])
    gold = {f"W2-{n}": {c["code"] for c in r["codes"]} for n, r in enumerate(wave2)}
    tp = sum(len(gold[k] & got.get(k, set())) for k in gold)
    f1 = 2 * tp / (sum(map(len, gold.values())) + sum(len(got.get(k, set())) for k in gold))
    print(f"{args.dataset.name}: coded wave {len(wave1):,} answers, new wave {len(wave2):,} answers, "
          f"{len(counts['codes'])} codes, {sum(counts['codes'].values()):,} training examples "
          f"({counts['no_code']} with no code)")
    for step, s in seconds.items():
        print(f"  {step:42} {s:6.1f} s")
    for where, text in shown.items():
        print(f"  page ({where}): {' '.join(text.split())}")
    print(f"  micro-F1 of the coded new wave against its human codes: {f1:.3f}")
    print(json.dumps({"seconds": seconds, "f1": f1}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
