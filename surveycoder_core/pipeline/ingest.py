"""Stage 1 — ingest: trim, normalise, deduplicate and pre-filter junk.

Returns every input response (nothing is dropped): codable ones point at the first
response with the same text (``dedup_of``) so it is coded and charged once and its result
is fanned out; junk is marked ``no_data`` (no codes, no charge).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from surveycoder_core.errors import NoDataError, ValidationError
from surveycoder_core.schemas import MAX_VERBATIM_CHARS, ResponseIn
from surveycoder_core.text.markup import strip_markup

_JUNK_WORDS = {
    "", "na", "n/a", "n.a", "n.a.", "nil", "null", "none.", "-", "--", "---", "x", "xx", "xxx", ".", "..", "...",
    "?", "??", "???", "test", "testing", "asdf", "asd", "qwerty", "sdf", "aaa", "blah", "blah blah", "abc",
    "#n/a", "#value!", "nan", "0", "00",
}
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass
class IngestedResponse:
    respondent_id: str
    position: int
    text: str  # what the respondent wrote, whole (shown, searched and exported)
    clean_text: str  # trimmed, whitespace-normalised, at most the cap: what the engine reads
    status: str  # pending | no_data
    dedup_of: int | None = None  # position of the first response with the same text
    truncated: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class IngestResult:
    items: list[IngestedResponse]

    @property
    def unique(self) -> list[IngestedResponse]:
        """The responses that will actually be coded (and charged): codable and not duplicates."""
        return [r for r in self.items if r.status == "pending" and r.dedup_of is None]

    @property
    def codable_count(self) -> int:
        return sum(1 for r in self.items if r.status == "pending")


def clean_text(text: str) -> str:
    """What the engine reads: NFC, no markup (the verbatim as typed is kept apart), whitespace normalised."""
    text = strip_markup(unicodedata.normalize("NFC", text or ""))
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    return " ".join(text.split())


def dedup_key(text: str) -> str:
    return clean_text(text).casefold().strip(" .!?,;:'\"")


def is_junk(text: str) -> bool:
    """Empty, punctuation or digits only, placeholders, and keyboard mashing."""
    t = clean_text(text).casefold()
    if t in _JUNK_WORDS:
        return True
    words = _WORD_RE.findall(t)
    if not words:
        return True  # punctuation, digits or symbols only
    letters = "".join(words)
    if len(letters) == 1 and t not in {"a", "i"}:
        return True
    if len(words) == 1 and len(letters) >= 3:
        # one "word" of a single repeated letter ("aaaa") or a keyboard run ("asdfgh", "jkjkjk")
        if len(set(letters)) == 1:
            return True
        if any(letters in row for row in _KEYBOARD_ROWS) and len(letters) >= 4:
            return True
        if len(set(letters)) <= 2 and len(letters) >= 4:
            return True
        if len(letters) >= 6 and not re.search(r"[aeiouy]", letters) and letters.isascii():
            return True
    return False


def check_lengths(responses: Sequence[ResponseIn]) -> None:
    """The API's rule: a verbatim over the cap is refused, naming the ids."""
    too_long = [r.id for r in responses if len(r.text or "") > MAX_VERBATIM_CHARS]
    if too_long:
        shown = ", ".join(repr(i) for i in too_long[:5])
        more = f" and {len(too_long) - 5} more" if len(too_long) > 5 else ""
        raise ValidationError(
            f"responses[].text must be at most {MAX_VERBATIM_CHARS} characters; too long: {shown}{more}"
        )


def ingest_responses(responses: Sequence[ResponseIn], *, truncate_long: bool = False) -> IngestResult:
    """Clean, dedupe and filter; raises NO_DATA when nothing codable is left.

    ``truncate_long`` (uploaded tables, never the JSON API): a verbatim over the cap is coded on its
    first ``MAX_VERBATIM_CHARS`` characters and marked ``truncated`` (the coder flags it for review),
    while its whole text is kept for people and exports.
    """
    if not truncate_long:
        check_lengths(responses)
    first_by_key: dict[str, int] = {}
    items: list[IngestedResponse] = []
    for position, r in enumerate(responses):
        text = r.text or ""
        truncated = len(text) > MAX_VERBATIM_CHARS
        cleaned = clean_text(text[:MAX_VERBATIM_CHARS])
        item = IngestedResponse(
            respondent_id=r.id, position=position, text=text, clean_text=cleaned,
            status="no_data" if is_junk(cleaned) else "pending", truncated=truncated,
            attributes=dict(r.attributes or {}),
        )
        if item.status == "pending":
            # On the whole text: two long answers that differ only after the cut are two answers.
            key = dedup_key(text) if truncated else dedup_key(cleaned)
            if key in first_by_key:
                item.dedup_of = first_by_key[key]
            else:
                first_by_key[key] = position
        items.append(item)
    result = IngestResult(items)
    if result.codable_count == 0:
        raise NoDataError(
            f"no codable responses: all {len(items)} responses are empty or junk "
            "(placeholders such as 'n/a', '-', punctuation only or keyboard mashing)"
        )
    return result
