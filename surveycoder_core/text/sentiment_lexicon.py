"""VADER's compound score for many texts at once, as arrays over the texts' tokens.

``vaderSentiment`` scores one text at a time in pure Python (about 0.35 ms a text, and its negation
check lower-cases the whole sentence again for every word). Coding 10,000 answers scores some
14,000 clauses and texts, so this module applies the same rules to all of them in one pass:

* tokens exactly as VADER makes them (whitespace split, punctuation stripped unless that leaves
  two characters or fewer), each distinct token looked up once in the lexicon;
* a lexicon word's valence, "no" before a lexicon word (which then counts 0 itself and negates
  the next two words), ALL-CAPS emphasis when only some words are capitals;
* for the three words before it (when they are not lexicon words themselves): booster and
  dampener words (x1, x0.95, x0.9 by distance), negation ("not", "n't", "never", ... scaled by
  -0.74), "never so"/"never this" (x1.25) and "without doubt";
* the first "but": words before it count half, words after it one and a half times;
* "!" (up to four) and "?" (two or more) emphasis, normalised as VADER's compound and rounded
  to four places.

The rare texts with a rule not written here as arrays — VADER's idioms ("to die for", "yeah
right"), the "kind of"/"sort of" dampeners, "least", emojis — are scored by VADER itself, so the
scores agree exactly with the per-text path except for one quirk: VADER's "but" rule finds each
score by value (``list.index``), so two equal scores either side of "but" can be scaled wrongly
there; here they never are.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence

import numpy as np

# Constants of vaderSentiment 3.3.2, whose rules this module reproduces.
B_INCR = 0.293
C_INCR = 0.733
N_SCALAR = -0.74
ALPHA = 15.0

# Phrases whose rules live only in VADER's per-text path (idioms, two-word dampeners).
_PER_TEXT_PHRASES = (
    "the shit", "the bomb", "bad ass", "badass", "bus stop", "yeah right", "kiss of death", "to die for",
    "beating heart", "kind of", "sort of", "just enough",
)
_PER_TEXT_WORDS = frozenset({"least"})
_PER_TEXT_RE = re.compile("|".join(re.escape(p) for p in _PER_TEXT_PHRASES))


class LexiconScorer:
    """Compound scores for a batch of texts from one VADER analyzer's lexicon and rules."""

    def __init__(self, analyzer, fallback: Callable[[str], float]) -> None:
        from vaderSentiment import vaderSentiment as vs

        self.lexicon: dict[str, float] = analyzer.lexicon
        self.emojis = frozenset(analyzer.emojis)
        self.boosters: dict[str, float] = {w: v for w, v in vs.BOOSTER_DICT.items() if " " not in w}
        self.negations = frozenset(vs.NEGATE)
        self.fallback = fallback  # exact per-text VADER compound, for the rare texts above
        self._vocab: dict[str, int] = {}
        self._props: list[tuple] = []
        self._table: np.ndarray | None = None  # _props as an array, rebuilt when the vocabulary grows

    # One row of token properties per distinct token (original case), computed once per process.
    def _token_id(self, token: str) -> int:
        idx = self._vocab.get(token)
        if idx is None:
            low = token.lower()
            in_lex = low in self.lexicon
            self._props.append((
                self.lexicon.get(low, 0.0),
                in_lex,
                self.boosters.get(low, 0.0),
                low in self.boosters,
                low in self.negations or "n't" in low,
                token.isupper(),
                low == "no",
                low in ("or", "nor"),
                low in ("so", "this"),
                low == "never",
                low == "without",
                low == "doubt",
                low == "but",
            ))
            idx = len(self._props) - 1
            self._vocab[token] = idx
        return idx

    def _needs_vader(self, text: str) -> bool:
        low = text.lower()
        if _PER_TEXT_RE.search(low):
            return True
        if "least" in low and _PER_TEXT_WORDS.intersection(w.strip(string.punctuation) for w in low.split()):
            return True
        return not text.isascii() and any(ch in self.emojis for ch in text)

    def compound(self, texts: Sequence[str]) -> np.ndarray:
        """VADER's compound score of each text (texts already prepared, e.g. "top up" rewritten)."""
        out = np.zeros(len(texts), dtype=np.float64)
        punct = string.punctuation
        tokens: list[str] = []
        lengths = np.zeros(len(texts), dtype=np.int64)
        bangs = np.zeros(len(texts), dtype=np.float64)
        quests = np.zeros(len(texts), dtype=np.float64)
        per_text: list[int] = []
        for t, text in enumerate(texts):
            text = text.strip()
            if not text:
                continue
            if self._needs_vader(text):
                per_text.append(t)
                continue
            words = text.split()
            tokens.extend([s if len(s := w.strip(punct)) > 2 else w for w in words])
            lengths[t] = len(words)
            bangs[t] = min(text.count("!"), 4) * 0.292
            q = text.count("?")
            quests[t] = 0.0 if q <= 1 else (q * 0.18 if q <= 3 else 0.96)
        if tokens:
            for token in dict.fromkeys(tokens):
                if token not in self._vocab:
                    self._token_id(token)
            ids = np.fromiter(map(self._vocab.__getitem__, tokens), dtype=np.int64, count=len(tokens))
            text_of = np.repeat(np.arange(len(texts)), lengths)
            starts = np.cumsum(lengths) - lengths
            pos = np.arange(len(tokens)) - starts[text_of]
            out += self._score_tokens(ids, text_of, pos, lengths,
                                      bangs + quests, len(texts))
        for t in per_text:
            out[t] = self.fallback(texts[t])
        return out

    def _score_tokens(self, ids, text_of, pos, lengths, emphasis, n_texts) -> np.ndarray:
        if self._table is None or len(self._table) != len(self._props):
            self._table = np.array(self._props, dtype=np.float64)
        props = self._table[ids]
        lex, in_lex, boost, is_boost, neg, upper, is_no, or_nor, so_this, never, without, doubt, is_but = (
            props[:, j] for j in range(props.shape[1])
        )
        in_lex, is_boost, neg, upper = in_lex > 0, is_boost > 0, neg > 0, upper > 0
        is_no, or_nor, so_this, never, without, doubt, is_but = (
            a > 0 for a in (is_no, or_nor, so_this, never, without, doubt, is_but)
        )
        m = len(ids)
        last = pos == lengths[text_of] - 1

        def prev(a: np.ndarray, k: int, fill=False) -> np.ndarray:
            """a at the token k places earlier in the same text (fill where there is none)."""
            out = np.full(m, fill, dtype=a.dtype)
            if k < m:
                out[k:] = a[:-k]
            out[pos < k] = fill
            return out

        def nxt(a: np.ndarray) -> np.ndarray:
            out = np.zeros(m, dtype=a.dtype)
            out[:-1] = a[1:]
            out[last] = 0
            return out

        # Share of words in capitals: emphasis only when some, not all, are capitals.
        n_upper = np.bincount(text_of, weights=upper.astype(np.float64), minlength=n_texts)
        cap_diff = ((lengths - n_upper) > 0) & (n_upper > 0)
        cap_diff_tok = cap_diff[text_of]

        scored = in_lex & ~is_boost  # the words VADER gives a valence to
        v = lex.copy()
        v[is_no & ~last & nxt(in_lex)] = 0.0
        no_before = prev(is_no, 1) | prev(is_no, 2) | (prev(is_no, 3) & prev(or_nor, 1))
        v = np.where(no_before, lex * N_SCALAR, v)
        caps = upper & cap_diff_tok
        v = np.where(caps, np.where(v > 0, v + C_INCR, v - C_INCR), v)

        p_in_lex = [prev(in_lex, k, fill=True) for k in (1, 2, 3)]
        for k, decay in ((1, 1.0), (2, 0.95), (3, 0.9)):
            active = (pos >= k) & ~p_in_lex[k - 1]
            b = prev(boost, k, fill=0.0)
            s = np.where(v < 0, -b, b)
            b_caps = prev(is_boost, k) & prev(upper, k) & cap_diff_tok
            s = np.where(b_caps, np.where(v > 0, s + C_INCR, s - C_INCR), s)
            v = np.where(active, v + s * decay, v)
            if k == 1:
                factor = np.where(prev(neg, 1), N_SCALAR, 1.0)
            elif k == 2:
                never_so = prev(never, 2) & prev(so_this, 1)
                without_doubt = prev(without, 2) & prev(doubt, 1)
                factor = np.where(never_so, 1.25, np.where(~without_doubt & prev(neg, 2), N_SCALAR, 1.0))
            else:
                never_so = (prev(never, 3) & prev(so_this, 2)) | prev(so_this, 1)
                without_doubt = prev(without, 3) & (prev(doubt, 2) | prev(doubt, 1))
                factor = np.where(never_so, 1.25, np.where(~without_doubt & prev(neg, 3), N_SCALAR, 1.0))
            v = np.where(active, v * factor, v)
        v = np.where(scored, v, 0.0)

        # The first "but" of each text: half weight before, one and a half after.
        but_pos = np.full(n_texts, np.iinfo(np.int64).max)
        np.minimum.at(but_pos, text_of[is_but], pos[is_but])
        has_but = but_pos[text_of] < np.iinfo(np.int64).max
        bp = but_pos[text_of]
        v = np.where(has_but & (pos < bp), v * 0.5, np.where(has_but & (pos > bp), v * 1.5, v))

        total = np.bincount(text_of, weights=v, minlength=n_texts)
        total = np.where(total > 0, total + emphasis, np.where(total < 0, total - emphasis, total))
        comp = np.clip(total / np.sqrt(total * total + ALPHA), -1.0, 1.0)
        return np.array([round(float(c), 4) for c in comp])
