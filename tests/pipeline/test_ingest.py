from __future__ import annotations

import pytest

from surveycoder_core.errors import NoDataError, ValidationError
from surveycoder_core.pipeline.ingest import clean_text, ingest_responses, is_junk
from surveycoder_core.schemas import ResponseIn


def _r(i: int, text: str) -> ResponseIn:
    return ResponseIn(id=f"r{i}", text=text)


@pytest.mark.parametrize("text", ["", "   ", "-", "n/a", "N/A", "...", "???", "x", "asdf", "asdfgh", "1234",
                                  "qwerty", "aaaa", "#N/A", "!!!", "jkjkjk"])
def test_junk_is_recognised(text: str) -> None:
    assert is_junk(text)


@pytest.mark.parametrize("text", ["Nothing", "none", "No", "Don't know", "ok", "Great staff",
                                  "Parking", "I", "Très bien", "Staff 10/10"])
def test_real_answers_are_not_junk(text: str) -> None:
    assert not is_junk(text)


def test_trim_normalise_and_dedupe_keep_every_id_in_order() -> None:
    result = ingest_responses([
        _r(1, "  Great   staff "), _r(2, "great staff!"), _r(3, "-"), _r(4, "Long\nwait"), _r(5, "GREAT STAFF"),
    ])
    assert [i.respondent_id for i in result.items] == ["r1", "r2", "r3", "r4", "r5"]
    assert result.items[0].clean_text == "Great staff"
    assert result.items[3].clean_text == "Long wait"
    assert result.items[1].dedup_of == 0 and result.items[4].dedup_of == 0
    assert result.items[2].status == "no_data"
    assert [u.respondent_id for u in result.unique] == ["r1", "r4"]


def test_all_junk_is_no_data() -> None:
    with pytest.raises(NoDataError) as info:
        ingest_responses([_r(1, "-"), _r(2, "n/a"), _r(3, "")])
    assert info.value.code == "NO_DATA" and info.value.http_status == 422


def test_long_verbatims_refused_by_default_and_truncated_on_request() -> None:
    long = "word " * 500  # 2,500 characters
    with pytest.raises(ValidationError) as info:
        ingest_responses([_r(1, long), _r(2, "fine")])
    assert "'r1'" in info.value.message and "2000" in info.value.message
    result = ingest_responses([_r(1, long), _r(2, "fine")], truncate_long=True)
    first = result.items[0]
    # Coded on its first 2,000 characters; the whole answer is kept for people and exports.
    assert first.truncated and first.text == long and len(first.clean_text) <= 2000
    assert first.clean_text == clean_text(long[:2000]) and not result.items[1].truncated


def test_long_answers_that_differ_after_the_cut_are_not_duplicates() -> None:
    head = "The service was slow and the staff ignored us. " * 50  # 2,350 characters
    result = ingest_responses([_r(1, head + "Never again."), _r(2, head + "But the food was great.")],
                              truncate_long=True)
    assert [i.dedup_of for i in result.items] == [None, None]
    assert result.items[0].clean_text == result.items[1].clean_text  # the engine reads the same first 2,000


def test_clean_text_handles_nbsp_and_zero_width() -> None:
    assert clean_text("a\u00a0b\u200bc  d") == "a bc d"
