from __future__ import annotations

from surveycoder_core.engine_api import Assignment, TextCoding, confidence_label
from surveycoder_core.engines.flags import flag_for_review
from surveycoder_core.schemas import REVIEW_REASONS


def _a(key: str, score: float, sent: str = "Neutral") -> Assignment:
    return Assignment(key, sent, score, confidence_label(score))


def test_confident_single_code_is_not_flagged():
    c = TextCoding([_a("x", 0.9, "Positive")], candidates=[("x", 0.9), ("y", 0.05)])
    assert flag_for_review(c) == (False, None, None)


def test_reasons():
    cases = {
        "no_code_fit": TextCoding([]),
        "low_confidence": TextCoding([_a("x", 0.3)], candidates=[("x", 0.3), ("y", 0.1)]),
        "competing_aspects": TextCoding([_a("x", 0.55)], candidates=[("x", 0.55), ("y", 0.5)]),
        "mixed_sentiment": TextCoding([_a("x", 0.9)], candidates=[("x", 0.9)], sentiment_mixed=True),
    }
    for reason, coding in cases.items():
        needs, token, note = flag_for_review(coding)
        assert needs and token == reason and token in REVIEW_REASONS and note
    needs, token, _ = flag_for_review(TextCoding([_a("x", 0.9)]), truncated=True)
    assert needs and token == "too_long_truncated"


def test_opposite_sentiments_compete():
    c = TextCoding([_a("x", 0.9, "Positive"), _a("y", 0.85, "Negative")], candidates=[("x", 0.9), ("y", 0.85)])
    needs, token, _ = flag_for_review(c)
    assert needs and token == "competing_aspects"


def test_notes_name_codes_by_their_names() -> None:
    from surveycoder_core.engine_api import Assignment, TextCoding
    from surveycoder_core.engines.flags import flag_for_review

    coding = TextCoding(assignments=[Assignment("k1", "Positive", 0.2, "low")], candidates=[("k1", 0.2)])
    flagged, reason, note = flag_for_review(coding, names={"k1": "Friendly staff"})
    assert flagged and reason == "low_confidence" and "“Friendly staff”" in note and "k1" not in note


def _rel(assignments, cut, candidates=None, mixed=False):
    c = TextCoding(assignments, candidates=candidates or [(a.code_key, a.score) for a in assignments],
                   sentiment_mixed=mixed)
    c.review_cut = cut  # set by the embedded coder: the question's least certain share
    return c


def test_relative_cut_flags_only_the_least_certain():
    # Below the question's cut: flagged, whatever the absolute score.
    needs, token, note = flag_for_review(_rel([_a("x", 0.62)], 0.65), names={"x": "Parking"})
    assert needs and token == "low_confidence" and "“Parking”" in note
    # Above the cut: not flagged, even with a low absolute score or opposite sentiments.
    assert flag_for_review(_rel([_a("x", 0.3)], 0.2))[0] is False
    opp = _rel([_a("x", 0.9, "Positive"), _a("y", 0.8, "Negative")], 0.5)
    assert flag_for_review(opp)[0] is False
    assert flag_for_review(_rel([_a("x", 0.9)], 0.5, mixed=True))[0] is False
    # The weakest assignment decides; the reason says what else is going on.
    needs, token, _ = flag_for_review(_rel([_a("x", 0.9, "Positive"), _a("y", 0.3, "Negative")], 0.5))
    assert needs and token == "competing_aspects"
    needs, token, _ = flag_for_review(_rel([_a("x", 0.4)], 0.5, candidates=[("x", 0.4), ("y", 0.35)]))
    assert needs and token == "competing_aspects"
    # Hard reasons always flag; a confident answer is never flagged by a high cut.
    assert flag_for_review(_rel([], 0.5))[1] == "no_code_fit"
    assert flag_for_review(_rel([_a("x", 0.9)], 0.5), truncated=True)[1] == "too_long_truncated"
    assert flag_for_review(_rel([_a("x", 0.8)], 0.95))[0] is False


def test_extra_codes_rank_first_for_review():
    from surveycoder_core.engines.flags import review_priority

    one = TextCoding([_a("x", 0.7)])
    two = TextCoding([_a("x", 0.8), _a("y", 0.7)])
    assert review_priority(two) < review_priority(one)
    assert flag_for_review(_rel([_a("x", 0.7)], 0.6))[0] is False
    assert flag_for_review(_rel([_a("x", 0.8), _a("y", 0.7)], 0.6))[0] is True


def test_an_answer_coded_only_other_is_flagged_as_fitting_no_code() -> None:
    coding = TextCoding(assignments=[Assignment("k9", "Neutral", 0.95, "high")])
    assert flag_for_review(coding, names={"k9": "Other"})[:2] == (True, "no_code_fit")
    assert flag_for_review(coding, names={"k9": "Delivery"})[0] is False
