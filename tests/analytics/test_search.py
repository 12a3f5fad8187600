"""Answer search: every word (any order, any case), or nearest in meaning with the real embedder."""

from __future__ import annotations

import pytest

from surveycoder_core.analytics import search
from surveycoder_core.analytics import tables as analytics

ANSWERS = [
    "The engineer arrived late and left a mess",
    "Broadband keeps dropping out every evening",
    "Great price for the speed",
    "Engineers were polite; the installation went fine",
    "Connection is unreliable, it cuts out all the time",
]


@pytest.fixture()
def frames():
    responses = [{"id": i, "respondent_id": f"r{i}", "text": t, "assignments": []} for i, t in enumerate(ANSWERS)]
    return analytics.build_frames(responses, [])


def test_words_match_every_word_in_any_order_and_case(frames):
    assert list(search.word_matches(ANSWERS, "ENGINEER")) == [True, False, False, True, False]
    assert list(search.word_matches(ANSWERS, "late engineer")) == [True, False, False, False, False]
    assert not search.word_matches(ANSWERS, "   ").any()
    table = search.search_verbatims(frames, "engineer")
    assert list(table["respondent"]) == ["r0", "r3"]
    assert search.search_verbatims(frames, "nothing like this").empty
    assert len(search.search_verbatims(frames, "")) == len(ANSWERS)  # no query: everything


def test_meaning_ranks_the_nearest_answers_first(frames, engine):
    table = search.search_verbatims(frames, "the internet connection is unstable", mode="meaning", embed=engine.embed,
                                    limit=2)
    assert set(table["respondent"]) == {"r1", "r4"}
    assert list(table["similarity"]) == sorted(table["similarity"], reverse=True)
    with pytest.raises(ValueError, match="embed"):
        search.search_verbatims(frames, "x", mode="meaning")
    with pytest.raises(ValueError, match="mode"):
        search.search_verbatims(frames, "x", mode="regex")
