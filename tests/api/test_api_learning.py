"""Over HTTP (the official SDK against `surveycoder serve`): abstention, new-code suggestions with a
given codebook, and a codebook's `examples` (no cap) and `no_code_examples` teaching the engine."""

from __future__ import annotations

from typing import Any

from ..engines.embedded.test_abstention import ANSWERS, CODEBOOK
from ..synthetic import make_texts


def test_unfitted_answers_are_flagged_and_proposed_as_new_codes(sdk: Any) -> None:
    responses = [{"id": f"r{i}", "text": t} for i, t in enumerate(ANSWERS)]
    coded = sdk.code(responses, codebook=CODEBOOK, question_text="Why did you give that score?")
    by_id = {r["id"]: r for r in coded["results"]}
    assert by_id["r9"]["codes"] == []
    assert by_id["r9"]["needs_review"] is True and by_id["r9"]["review_reason"] == "no_code_fit"
    assert [c["name"] for c in by_id["r0"]["codes"]] == ["Price"]
    found = sdk.refinement_suggestions(coded["project_id"], coded["question_id"])["suggestions"]
    new_codes = [s for s in found if s["type"] == "new_code"]
    assert new_codes and all(s["name"] and s["definition"] for s in new_codes)
    proposed = {r for s in new_codes for r in s["affected_response_ids"]}
    assert {"r6", "r7", "r8"} <= proposed or {"r9", "r10"} <= proposed


def test_codebook_examples_have_no_cap_and_teach(sdk: Any) -> None:
    train = make_texts(400, seed=11)
    themes = ["price", "staff", "waiting", "cleanliness"]
    codes = [{"name": f"Code {chr(65 + i)}", "examples": [t for t, truth in train if theme in {x for x, _ in truth}]}
             for i, theme in enumerate(themes)]
    assert max(len(c["examples"]) for c in codes) > 100
    outside = [t for t, truth in train if {x for x, _ in truth} == {"app"}]
    book = {"categories": [{"name": "Topics", "codes": codes}], "no_code_examples": outside}
    test = [(t, {x for x, _ in truth}) for t, truth in make_texts(45, seed=12)]
    coded = sdk.code([{"id": f"t{i}", "text": t} for i, (t, _) in enumerate(test)], codebook=book)
    name = {f"Code {chr(65 + i)}": theme for i, theme in enumerate(themes)}
    right = 0
    for r, (_, gold) in zip(coded["results"], test, strict=False):
        got = {name[c["name"]] for c in r["codes"]}
        right += got == (gold - {"app"})
    assert right >= 0.8 * len(test), right

