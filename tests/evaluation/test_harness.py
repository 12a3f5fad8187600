from __future__ import annotations

import json
from pathlib import Path

from surveycoder_core.evaluation.harness import evaluate_dataset, format_report

THEMES = {
    ("Staff", "Friendly staff", "Positive"): [
        "The staff were friendly and kind", "Lovely friendly nurses", "Staff were helpful and polite",
        "Very kind and caring staff", "The nurses were friendly and welcoming", "Friendly helpful reception staff",
        "Doctors and nurses were kind", "The staff made me feel welcome", "Kind staff who listened",
        "Friendly team, very caring", "Polite and friendly staff throughout", "The nurses were lovely",
    ],
    ("Access", "Waiting times", "Negative"): [
        "I waited three hours to be seen", "The waiting time was far too long", "Long wait for my appointment",
        "Waited ages in the waiting room", "Too long waiting to see a doctor", "The wait was terrible",
        "Waiting times are awful", "Had to wait for hours", "Wait was over two hours",
        "Appointment was two hours late", "Long queues and waiting", "Kept waiting for ages",
    ],
    ("Facilities", "Parking", "Negative"): [
        "Parking is impossible", "Could not find a parking space", "The car park is always full",
        "Parking charges are far too high", "Not enough parking spaces", "Car parking is a nightmare",
        "Expensive parking and no spaces", "Parking was awful", "No parking available",
        "Paid a fortune for parking", "The car park was full again", "Parking needs improving",
    ],
}


def _write(tmp_path: Path) -> Path:
    d = tmp_path / "toy"
    d.mkdir()
    rows = []
    for (cat, code, sent), texts in THEMES.items():
        for i, t in enumerate(texts):
            rows.append({"id": f"{code}:{i}", "text": t, "codes": [{"code": code, "category": cat, "sentiment": sent}]})
    rows.append(
        {
            "id": "two",
            "text": "The staff were friendly but the waiting time was far too long",
            "codes": [
                {"code": "Friendly staff", "category": "Staff", "sentiment": "Positive"},
                {"code": "Waiting times", "category": "Access", "sentiment": "Negative"},
            ],
        }
    )
    with open(d / "responses.jsonl", "w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    cb = {"categories": []}
    for (cat, code, _), _t in THEMES.items():
        cb["categories"].append({"name": cat, "codes": [{"name": code, "definition": None}]})
    (d / "codebook.json").write_text(json.dumps(cb))
    return d


def test_evaluate_toy_dataset(tmp_path):
    d = _write(tmp_path)
    rep = evaluate_dataset(d, modes=("a", "b", "c"), ks=(3,), seed=0)
    a = rep["modes"]["a"]
    assert rep["n_responses"] == 37 and rep["n_codes"] == 3
    assert a["micro_f1"] >= 0.8 and a["coverage"] >= 0.9
    assert a["sentiment_acc"] is not None and a["sentiment_acc"] >= 0.6
    assert set(a["precision_by_level"]) == {"high", "medium", "low"}
    assert 0.0 <= a["review"]["flagged_share"] <= 1.0
    b = rep["modes"]["b3"]
    assert b["n"] == 37 - 9 and b["micro_f1"] >= 0.8
    c = rep["modes"]["c"]
    assert c["nmi"] >= 0.4 and c["coverage"] == 1.0 and c["n_codes"] >= 2
    text = format_report([rep])
    assert "toy" in text and "NMI" in text
    # deterministic
    rep2 = evaluate_dataset(d, modes=("a", "b", "c"), ks=(3,), seed=0)
    for m in rep["modes"]:
        rep["modes"][m].pop("seconds")
        rep2["modes"][m].pop("seconds")
    assert rep == rep2


def test_limit_caps_responses(tmp_path):
    d = _write(tmp_path)
    rep = evaluate_dataset(d, modes=("a",), limit=10)
    assert rep["n_responses"] == 10 and rep["modes"]["a"]["n"] == 10


def test_sentiment_is_also_scored_per_source_question(tmp_path):
    d = _write(tmp_path)
    lines = (d / "responses.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    for i, r in enumerate(rows):
        r["meta"] = {"question": "Q1" if i % 2 else "Q2"}
    (d / "responses.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    a = evaluate_dataset(d, modes=("a",))["modes"]["a"]
    by_q = a["sentiment_by_question"]
    assert set(by_q) == {"Q1", "Q2"}
    assert sum(v["n"] for v in by_q.values()) == a["sentiment_n"]
    overall = sum(v["accuracy"] * v["n"] for v in by_q.values()) / a["sentiment_n"]
    assert abs(overall - a["sentiment_acc"]) < 1e-9
    assert "sentiment by question: Q1" in format_report({"dataset": "toy", "modes": {"a": a}})


def test_learning_modes_split_open_curve(tmp_path):
    from surveycoder_core.evaluation.learning import plain_baseline, set_scores

    d = _write(tmp_path)
    rep = evaluate_dataset(d, modes=("split", "open", "curve"), seed=0)
    split = rep["modes"]["split"]
    assert split["n_train"] + split["n"] == 37 and split["micro_f1"] >= 0.8
    assert 0.0 <= split["plain"]["micro_f1"] <= 1.0
    for kind in ("open_zs", "open_ex"):
        m = rep["modes"][kind]
        assert m["kept_codes"] == 2 and m["missing_codes"] == 1 and 0 < m["out_of_codebook"] <= 12
        assert m["left_share"] is not None and 0.0 <= m["in_f1"] <= 1.0
    curve = rep["modes"]["curve"]
    assert curve["steps"] == [] or len(curve["teach"]) == len(curve["steps"])
    text = format_report([rep])
    assert "split: half coded" in text and "open: codebook lacks" in text
    # The plain baseline is the issue's: TF-IDF + one-vs-rest LinearSVC, decision > 0.
    got = plain_baseline(["cheap price", "rude staff"] * 5, [{"p"}, {"s"}] * 5, ["cheap price", "rude staff"])
    assert got == [{"p"}, {"s"}]
    assert set_scores([{"a"}, {"b"}], [{"a"}, set()])["micro_f1"] == 2 / 3


def test_curve_compares_the_teach_order_with_random(tmp_path):
    from surveycoder_core.engine_api import CodingContext
    from surveycoder_core.engines.embedded.engine import EmbeddedEngine
    from surveycoder_core.evaluation.harness import load_dataset
    from surveycoder_core.evaluation.learning import run_curve

    rows, specs = load_dataset(_write(tmp_path))
    out = run_curve(EmbeddedEngine(), rows, specs, CodingContext(), 0, steps=(6, 12))
    assert out["steps"] == [6, 12] and len(out["teach"]) == len(out["random"]) == 2
    assert all(0.0 <= f <= 1.0 for f in out["teach"] + out["random"])
