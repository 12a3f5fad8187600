"""Markup out of the words: HTML tags and entities, markdown emphasis, links and bare URLs.

Survey exports carry stray formatting ("the <b>bakery</b> bread", "**really** dirty", a pasted link).
The engine must read the words people wrote, never the formatting: a code was once named
"Complaints about bold". The verbatim as typed is kept and shown; only the text the engine reads
(``responses.clean_text``) goes through :func:`strip_markup`.
"""

from __future__ import annotations

import html
import re

__all__ = ["strip_markup"]

# An HTML/XML tag or comment: "<b>", "</span>", "<br/>", "<a href='…'>", "<!-- … -->". A lone "<" in
# prose ("price < 5 pounds", "<3") is not a tag: a tag name starts right after "<" or "</".
_TAG_RE = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9:-]*(?:\s+[^<>]*?)?\s*/?>", re.DOTALL)
_MD_LINK_RE = re.compile(r"!?\[([^\]]*)\]\((?:[^()\s]+)(?:\s+\"[^\"]*\")?\)")
_URL_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Emphasis markers around words: **bold**, __bold__, *it*, _it_, ~~struck~~, `code`.
_EMPHASIS_RE = re.compile(r"(\*\*|__|~~|`)(?=\S)(.+?)(?<=\S)\1|(?<!\w)([*_])(?=\S)(.+?)(?<=\S)\3(?!\w)")
_HEADING_RE = re.compile(r"(?m)^\s{0,3}(?:#{1,6}\s+|>\s+|[-*+]\s+(?=\S))")
_STRAY_MARKERS_RE = re.compile(r"(?<!\w)(?:\*\*|__|~~|`)|(?:\*\*|__|~~|`)(?!\w)")


def strip_markup(text: str) -> str:
    """The words of ``text`` without HTML or markdown formatting, whitespace normalised.

    >>> strip_markup("the <b>bakery</b> bread was **really** stale, see https://x.example/p")
    'the bakery bread was really stale, see'
    """
    if not text or not any(ch in text for ch in "<&*_`~#[>") and "http" not in text and "www." not in text:
        return " ".join((text or "").split())
    out = _TAG_RE.sub(" ", text)
    out = html.unescape(out)
    out = _TAG_RE.sub(" ", out)  # entities may have encoded a tag ("&lt;b&gt;")
    out = _MD_LINK_RE.sub(r"\1", out)
    out = _URL_RE.sub(" ", out)
    for _ in range(2):  # nested emphasis ("***word***")
        out = _EMPHASIS_RE.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(4), out)
    out = _HEADING_RE.sub("", out)
    out = _STRAY_MARKERS_RE.sub(" ", out)
    out = " ".join(out.split())
    return re.sub(r"\s+([,.;!?])(?=\s|$)", r"\1", out)
