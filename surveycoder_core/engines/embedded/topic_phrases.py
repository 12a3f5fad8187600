"""Topic phrases for generated codes, as the answers write them.

:func:`ctfidf_keywords` gives each cluster its class-based TF-IDF terms (stored on the code as its
keywords). :class:`ThemeNamer` finds the topic phrases a cluster's answers write, which
``theme_naming`` turns into names, definitions and examples:

* the head topic phrase as people write it ("waiting times", "mental health", "face to face"),
  forms of a word counted together ("bill", "bills", "billing"), sentence case, acronyms as
  written (GP, NHS, SEPA);
* for a one-sided cluster, the adjectives people used of the topic ("friendly, helpful staff");
* evaluative and filler words (good, fine, better, able, thank, week ...) never head a phrase;
  people's names never appear.

All of it is deterministic and costs well under a second for 10,000 answers.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from surveycoder_core.engines.embedded.name_words import (
    _ADJ_SUFFIXES,
    _CALENDAR,
    _CONTRACTION_BITS,
    _DESCRIPTORS,
    _DETERMINERS,
    _PARTICIPLES,
    _PHRASE_ENDS,
    _ROLES,
    _TITLES,
    _TOPIC_WORDS,
    _VERBISH,
    GENERIC,
    NAME_STOP,
)
from surveycoder_core.engines.embedded.surface_forms import _Surface
from surveycoder_core.text.sentiment import word_polarity
from surveycoder_core.text.words import STOP, WORD_RE, stem

_JUNK_RE = re.compile(r"(.)\1\1")
_STOP_ALL = STOP | _CONTRACTION_BITS


def _terms(doc: str, stop: frozenset = _STOP_ALL, compounds: bool = False) -> list[str]:
    """Content words and bigrams of *adjacent* content words ("wine list", never "staff lovely"
    from "staff were lovely"); a hyphenated compound is one word only with ``compounds``."""
    toks = WORD_RE.findall(doc.lower().replace("’", "'"))
    if not compounds:
        toks = [p for t in toks for p in t.split("-")]
    toks = [t[:-2] if t.endswith("'s") else t for t in toks]
    # Contractions ("didn't", "we've") are function words; possessives keep their noun.
    keep = [t if (len(t) > 1 and "'" not in t and t not in stop) else None for t in toks]
    out = [t for t in keep if t]
    out += [f"{a} {b}" for a, b in zip(keep, keep[1:], strict=False) if a and b and a != b]
    return out


def ctfidf_keywords(docs: Sequence[str], labels: Sequence[int] | np.ndarray, n_labels: int,
                    top: int = 8) -> list[list[str]]:
    """Top c-TF-IDF terms (uni- and bigrams, stop words removed) for each label 0..n_labels-1."""
    from sklearn.feature_extraction.text import CountVectorizer

    lab = np.asarray(labels)
    min_df = 2 if len(docs) >= 200 else 1
    try:
        cv = CountVectorizer(analyzer=_terms, min_df=min_df)
        X = cv.fit_transform(docs)
    except ValueError:  # empty vocabulary (e.g. only stop words)
        return [[] for _ in range(n_labels)]
    vocab = np.array(cv.get_feature_names_out())
    rows = []
    for k in range(n_labels):
        idx = np.where(lab == k)[0]
        rows.append(np.asarray(X[idx].sum(axis=0)).ravel() if len(idx) else np.zeros(X.shape[1]))
    # Document frequency per cluster (share of the cluster's answers that use the term) beats raw
    # counts: one long answer repeating a word should not name a theme. The weight is the share
    # times the log-lift over the whole question, and a term must be used by a fair part of the
    # cluster, so rare names ("Linda", "custody van") never name a theme.
    Xb = (X > 0).astype(float)
    df = np.vstack([np.asarray(Xb[np.where(lab == k)[0]].sum(axis=0)).ravel() for k in range(n_labels)])
    sizes = np.array([max(1, int((lab == k).sum())) for k in range(n_labels)], dtype=float)[:, None]
    share = df / sizes
    global_share = np.asarray(Xb.sum(axis=0)).ravel() / max(1, X.shape[0])
    lift = np.log(np.maximum(share / np.maximum(global_share, 1e-9), 1.0))
    score = share * (lift + 0.1)
    min_docs = np.minimum(3.0, np.maximum(1.0, np.ceil(0.5 * sizes)))
    score[(df < min_docs) | (share < 0.04)] = 0.0
    # Redaction marks ("xxxx") and letter runs are not words.
    junk = np.array([bool(_JUNK_RE.search(v)) or any(w in NAME_STOP for w in v.split()) for v in vocab])
    score[:, junk] = 0.0
    is_bi = np.array([" " in v for v in vocab])
    score[:, is_bi] *= 0.9  # short names read better; a bigram must be clearly better
    # On ties, a topic word ("parking") names a theme better than a stance word ("awful"); the
    # stance is spelt out separately.
    polar = np.array([is_polar(v) for v in vocab])
    score[:, polar] *= 0.97
    index = {v: j for j, v in enumerate(vocab)}
    out = []
    for k in range(n_labels):
        order = np.argsort(-score[k], kind="stable")
        terms: list[str] = []
        for j in order:
            if score[k, j] <= 0 or len(terms) >= top:
                break
            t = vocab[j]
            # Skip a term that repeats a word of a better term ("staff" after "friendly staff").
            stems = {w[:4] for w in t.split()}
            if any(stems & {w[:4] for w in u.split()} for u in terms):  # "listen" after "listened"
                continue
            terms.append(t)
        # Two top words that mostly occur together read better as their phrase ("Wine list",
        # "Hot dogs") than as "Wine / List".
        if len(terms) >= 2 and " " not in terms[0] and " " not in terms[1]:
            for phrase in (f"{terms[0]} {terms[1]}", f"{terms[1]} {terms[0]}"):
                j = index.get(phrase)
                if j is not None and share[k, j] >= 0.6 * min(share[k, index[terms[0]]], share[k, index[terms[1]]]):
                    terms = [phrase] + terms[2:]
                    break
        out.append(terms)
    return out


def is_polar(term: str) -> bool:
    return any(abs(word_polarity(w)) >= 1.0 for w in term.split())


# ---------------------------------------------------------------------------------------------
# Researcher-style names: head topic phrase + stance, sentence case, acronyms kept, no people.
# ---------------------------------------------------------------------------------------------

_BE = r"(?:is|are|was|were|been|be|seems?|felt|always|very|so|too|really|extremely|quite|not|and|,|\s)*"



_NAME_STOP_ALL = _STOP_ALL - _TOPIC_WORDS




def _name_terms(doc: str) -> list[str]:
    return _terms(doc, _NAME_STOP_ALL, compounds=True)  # names keep "top-up", "face-to-face" whole


def _is_past(w: str) -> bool:
    return len(w) > 4 and w.endswith("ed") and not w.endswith("eed")


class ThemeNamer:
    """Names, definitions and category names for clusters; computed once per codebook.

    Uses the same c-TF-IDF weighting as :func:`ctfidf_keywords` (the keywords stored on each code
    are unchanged); only the wording differs: the head topic phrase as people write it, sentence
    case with acronyms kept, stance only on one-sided clusters, no people's names.
    """

    def __init__(self, docs: Sequence[str], labels: Sequence[int] | np.ndarray, n_labels: int):
        from scipy import sparse
        from sklearn.feature_extraction.text import CountVectorizer

        self.docs = list(docs)
        self.surface = _Surface(self.docs)
        self._M = None
        min_df = 2 if len(docs) >= 200 else 1
        try:
            cv = CountVectorizer(analyzer=_name_terms, min_df=min_df)
            X = cv.fit_transform(self.docs)
        except ValueError:
            self.vocab = np.array([], dtype=object)
            self.index: dict[str, int] = {}
            self._set_labels(labels, n_labels)
            return
        # Word level (descriptors, phrase checks) ...
        self.wvocab = np.array(cv.get_feature_names_out())
        self.windex = {v: j for j, v in enumerate(self.wvocab)}
        self.Xb = (X > 0).astype(np.float32).tocsc()
        self.wglobal = np.asarray(self.Xb.sum(axis=0)).ravel() / max(1, X.shape[0])
        self.wvalid = np.array([self._topic_ok(v) for v in self.wvocab], dtype=bool)
        # ... and term level, where the forms of a word count together ("bill", "bills", "billing"),
        # so a theme is not named after a rarer word just because its main word is spelt three ways.
        groups: dict[str, list[int]] = {}
        for j, v in enumerate(self.wvocab):
            key = v if " " in v else "#" + stem(v)
            groups.setdefault(key, []).append(j)
        cols, rows, names, members = [], [], [], []
        for gi, js in enumerate(groups.values()):
            rep = max(js, key=lambda j: (self.wglobal[j], -len(self.wvocab[j])))
            names.append(str(self.wvocab[rep]))
            members.append(js)
            for j in js:
                rows.append(j)
                cols.append(gi)
        G = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(self.wvocab), len(names)))
        M = ((self.Xb @ G) > 0).astype(np.float32)
        self._M = M
        self.vocab = np.array(names, dtype=object)
        self.index = {v: j for j, v in enumerate(names)}
        self.group_members = members
        self.global_share = np.asarray(M.sum(axis=0)).ravel() / max(1, X.shape[0])
        # A word group is a topic only if its commonest form is ("better"/"bettered" is not).
        self.valid = np.array([bool(self.wvalid[self.windex[n]]) for n in names], dtype=bool)
        self.desc = np.array([v in _DESCRIPTORS for v in self.wvocab], dtype=bool)
        self._set_labels(labels, n_labels)

    def relabel(self, labels: Sequence[int] | np.ndarray, n_labels: int) -> ThemeNamer:
        """The namer of the same answers grouped differently (after themes merged): what depends on
        the answers alone (how words are written, the vocabulary) is shared, not computed again."""
        import copy

        other = copy.copy(self)
        other._set_labels(labels, n_labels)
        return other

    def _set_labels(self, labels: Sequence[int] | np.ndarray, n_labels: int) -> None:
        from scipy import sparse

        self.labels = np.asarray(labels)
        self.n = n_labels
        self.members = [np.where(self.labels == k)[0] for k in range(n_labels)]
        self.sizes = np.maximum(1, np.bincount(self.labels, minlength=n_labels)[:n_labels]).astype(float)
        self._terms_cache: dict[int, list[tuple[str, float, float]]] = {}
        self._phrase_cache: dict[tuple[int, str], tuple[str | None, str | None]] = {}
        self._contig_cache: dict[str, bool] = {}
        self.named_topics: dict[int, str] = {}
        if self._M is None:
            return
        onehot = sparse.csr_matrix(
            (np.ones(len(self.labels)), (self.labels, np.arange(len(self.labels)))), shape=(n_labels, len(self.labels))
        )
        self.wdf = np.asarray((onehot @ self.Xb).todense())
        self.df = np.asarray((onehot @ self._M).todense())

    def _rep(self, k: int, term: str) -> str:
        """How cluster ``k`` mostly writes a term ("waiting" rather than "wait")."""
        j = self.index.get(term)
        if j is None or " " in term:
            return term
        js = [i for i in self.group_members[j] if self.wvalid[i]] or self.group_members[j]
        freq = self.wdf[k] if 0 <= k < self.n else self.wglobal
        best = max(js, key=lambda i: (freq[i], self.wglobal[i], -len(self.wvocab[i])))
        if _is_past(str(self.wvocab[best])) or str(self.wvocab[best]) in _VERBISH:  # "listening" over "listened"
            alt = [i for i in js if str(self.wvocab[i]).endswith("ing") and freq[i] > 0]
            if alt:
                best = max(alt, key=lambda i: (freq[i], self.wglobal[i]))
        return str(self.wvocab[best])

    # -- what may head a name
    def _topic_ok(self, term: str) -> bool:
        words = term.split()
        weak_end = _JUNK_RE.search(term) or any(w in NAME_STOP or w in _CALENDAR or w in GENERIC for w in words[-1:])
        if weak_end and not (len(words) == 2 and words[-1] in _PHRASE_ENDS and words[0] not in GENERIC):
            return False  # "waiting times" is a topic; "times" alone is not
        if any(w in _CALENDAR or w in NAME_STOP or self.surface.is_person(w) for w in words):
            return False
        if words[-1] in _TITLES - {"doctor", "nurse", "consultant", "therapist", "psychiatrist", "worker", "matron"}:
            return False
        last = words[-1]
        if len(words) == 1 and (last in _PARTICIPLES or _is_past(last)):
            return False  # "Praise for given", "Praise for looked": a verb form is not a topic
        if last in _DESCRIPTORS or last.endswith("ly"):
            return False
        if abs(word_polarity(last)) >= 1.0 and last.endswith(_ADJ_SUFFIXES):
            return False  # evaluative adjectives ("wonderful", "disappointed") are stance, not topic
        first = words[0]
        stance_first = first in GENERIC or (
            abs(word_polarity(first)) >= 1.0 and first not in _DESCRIPTORS and first.endswith(_ADJ_SUFFIXES[:-2])
        )
        # "great service" is "service" with a stance; the stance is worded apart
        return not (len(words) == 2 and stance_first)

    def _scores(self, df_row: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
        share = df_row / size
        lift = np.log(np.maximum(share / np.maximum(self.global_share, 1e-9), 1.0))
        score = share * (lift + 0.1)
        if size < 3:
            # One or two answers: their rarest word ("bereavement") is not their theme; a word the
            # question's answers use often ("bill") is.
            score = share * (0.1 + np.sqrt(self.global_share)) * (lift > 0)
        # A name must be used by more than one answer (a word from one answer is not a theme).
        min_docs = min(3.0, max(2.0 if size >= 2 else 1.0, math.ceil(0.5 * size)))
        score[(df_row < min_docs) | (share < 0.04)] = 0.0
        return score, share

    def _contiguous(self, term: str, rows: np.ndarray | None = None) -> bool:
        """Is a bigram written as a phrase ("waiting times"), not across punctuation ("support, advice")?"""
        if " " not in term:
            return True
        if term in self._contig_cache:
            return self._contig_cache[term]
        j = self.windex.get(term)
        ok = False
        if j is not None:
            col = self.Xb[:, j]
            rows_with = col.nonzero()[0][:60]
            a, b = term.split()
            pat = re.compile(rf"\b{re.escape(a)}(?:'s)?\s+{re.escape(b)}\b", re.I)
            hits = sum(1 for i in rows_with if pat.search(self.docs[i].replace("’", "'")))
            ok = hits >= 0.5 * max(1, len(rows_with))
        self._contig_cache[term] = ok
        return ok

    def topic_terms(self, k: int) -> list[tuple[str, float, float]]:
        """Ranked (term, score, share) of topic phrases for cluster ``k``, as the cluster writes them."""
        if not 0 <= k < self.n or not len(self.vocab):
            return []
        if k in self._terms_cache:
            return self._terms_cache[k]
        score, share = self._scores(self.df[k].copy(), self.sizes[k])
        score = np.where(self.valid, score, 0.0)
        out: list[tuple[str, float, float]] = []
        for j in np.argsort(-score, kind="stable")[:40]:
            if score[j] <= 0:
                break
            v = self._rep(k, str(self.vocab[j]))
            if not self._contiguous(v):
                continue
            sc = float(score[j])
            if " " not in v and _is_past(v):
                sc *= 0.6  # "explained" names a theme worse than a noun does
            out.append((v, sc, float(share[j])))
        out.sort(key=lambda t: -t[1])
        self._terms_cache[k] = out
        return out

    def _person_role(self, k: int) -> str:
        """'named staff', or the role most named people have in this cluster ('named nurses')."""
        texts = [self.docs[i].lower() for i in self.members[k][:300] if self.surface.names_person[i]]
        counts = {r: sum(1 for t in texts if re.search(rf"\b{r}s?\b", t)) for r in _ROLES}
        role, n = max(counts.items(), key=lambda kv: (kv[1], kv[0])) if counts else ("", 0)
        if n >= max(2, 0.4 * len(texts)):
            return "named " + _ROLES[role]
        return "named staff"

    def _expand(self, k: int, word: str) -> str:
        """The phrase a word is mostly used in ("face" -> "face to face", "value" -> "value for money")."""
        from collections import Counter

        texts = [self.docs[i] for i in self.members[k][:400]]
        with_word = 0
        grams: Counter = Counter()
        for t in texts:
            toks = WORD_RE.findall(t.lower().replace("’", "'"))
            if word not in toks:
                continue
            with_word += 1
            seen = set()
            for i, tok in enumerate(toks):
                if tok != word:
                    continue
                for a, b in ((i - 2, i + 1), (i, i + 3), (i - 1, i + 1), (i, i + 2)):
                    if a < 0 or b > len(toks):
                        continue
                    g = toks[a:b]
                    bad_edge = g[0] in _STOP_ALL or (g[-1] in _STOP_ALL and g[-1] not in _PHRASE_ENDS)
                    if bad_edge or any((w in GENERIC and w not in _PHRASE_ENDS) or w in NAME_STOP
                                       for w in g if w != word):
                        continue
                    if len(g) == 3 and g[1] in _DETERMINERS:
                        g = [g[0], g[2]]  # "lost my card" -> "lost card"
                    elif len(g) == 3 and g[1] not in {"to", "for", "of", "and", "&"}:
                        continue
                    if any(self.surface.is_person(w) for w in g) or len(set(g)) < len(g) - (g[0] == g[-1]):
                        continue
                    seen.add(" ".join(g))
            grams.update(seen)
        if not with_word or not grams:
            return word
        best, n = max(grams.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))
        return best if n >= max(2, 0.45 * with_word) else word

    def _head(self, k: int) -> tuple[str | None, str | None]:
        """The best topic phrase and, when it is also strongly distinctive, a second one."""
        terms = self.topic_terms(k)
        person_share = float(self.surface.names_person[self.members[k]].mean()) if len(self.members[k]) else 0.0
        if not terms or terms[0][2] < 0.1:
            if person_share >= 0.25:
                return self._person_role(k), None
            # Nothing distinctive: the most used topic word of the cluster, if it is used enough.
            share = self.df[k] / self.sizes[k]
            cand = np.where(self.valid & np.array([" " not in v for v in self.vocab]), share, 0.0)
            j = int(np.argmax(cand))
            return (self._rep(k, str(self.vocab[j])), None) if cand[j] >= 0.15 else (None, None)
        head, hs, hshare = terms[0]
        if person_share >= max(0.25, hshare):
            return self._person_role(k), None
        # Prefer the phrase people write ("waiting times", "mental health") over one of its words.
        if " " not in head:
            best = None
            hstem = stem(head)
            for t, _s, sh in terms[1:]:
                wider = " " in t and hstem in {stem(w) for w in t.split()} and sh >= 0.45 * hshare
                if wider and (best is None or sh > best[1]):
                    best = (t, sh)
            if best:
                head, hshare = best
            else:
                head = self._expand(k, head)
        second = None
        hw = {stem(w)[:5] for w in head.split()}
        for t, s, sh in terms[1:6]:
            if {stem(w)[:5] for w in t.split()} & hw:
                continue
            if s >= 0.6 * hs and sh >= 0.2 and sh >= 0.5 * hshare and not _is_past(t) and not t.endswith("ing"):
                second = t
            break
        return head, second

    def _desc_candidates(self, k: int, stance: str, min_share: float) -> list[str]:
        share = self.wdf[k] / self.sizes[k]
        lift = share / np.maximum(self.wglobal, 1e-9)
        out = []
        for j in np.argsort(-np.where(self.desc, share, 0.0), kind="stable")[:8]:
            v = str(self.wvocab[j])
            if not self.desc[j] or share[j] < min_share or lift[j] < 1.2:
                continue
            p = word_polarity(v)
            if (stance == "Positive" and p < 0) or (stance == "Negative" and p > 0):
                continue
            if stance not in ("Positive", "Negative") and abs(p) >= 1.0:
                continue
            out.append(v)
        return out

    def _descriptors(self, k: int, stance: str, head: str) -> list[str]:
        """Adjectives people use of the head in this cluster ("friendly", "helpful" staff)."""
        last = head.split()[-1]
        texts = [self.docs[i].lower().replace("’", "'") for i in self.members[k][:300]]
        out = []
        for v in self._desc_candidates(k, stance, 0.15):
            if v[:4] in {w[:4] for w in head.split()}:
                continue  # not "Helpful help"
            # Said of the head: "friendly staff" or "staff were very friendly".
            pat = re.compile(rf"\b{v}\s+(?:\w+\s+)?{re.escape(last)}|\b{re.escape(last)}\w*\s+{_BE}{v}\b")
            with_head = sum(1 for t in texts if pat.search(t))
            common = self.sizes[k] >= 8 and self.wdf[k, self.windex[v]] >= 0.3 * self.sizes[k]
            if with_head < max(2, 0.1 * len(texts)) and not common:
                continue
            out.append(v)
            if len(out) == 2:
                break
        return out

    def _descriptors_alone(self, k: int, stance: str) -> list[str]:
        return self._desc_candidates(k, stance, 0.25)[:2]

    def topic_phrase(self, k: int, stance: str) -> tuple[str | None, str | None]:
        """(name body, stance-free topic): ("friendly, helpful staff", "staff"); (None, None) if nothing fits."""
        key = (k, stance)
        if key in self._phrase_cache:
            return self._phrase_cache[key]
        res: tuple[str | None, str | None] = (None, None)
        if 0 <= k < self.n and len(self.vocab):
            head, second = self._head(k)
            if head is not None:
                topic = self.surface.phrase(head)
                if second:
                    topic = f"{topic} / {self.surface.phrase(second)}"
                    res = (topic, topic)
                else:
                    last = head.split()[-1]
                    nounish = not (_is_past(last) or last.endswith(("ing", "ly"))) and not head.startswith("named ")
                    desc = self._descriptors(k, stance, head) if nounish and head.split()[0] not in _DESCRIPTORS else []
                    res = (f"{', '.join(desc)} {topic}", topic) if desc else (topic, topic)
            else:
                desc = self._descriptors_alone(k, stance)
                if desc:
                    # "Helpful staff": the adjectives with the cluster's commonest topic noun, if any.
                    share = self.df[k] / self.sizes[k]
                    cand = np.where(self.valid & np.array([" " not in v for v in self.vocab]), share, 0.0)
                    j = int(np.argmax(cand))
                    noun = self._rep(k, str(self.vocab[j])) if cand[j] >= 0.1 else None
                    if noun and not (_is_past(noun) or noun.endswith(("ing", "ly")) or noun in _VERBISH):
                        topic = self.surface.phrase(noun)
                        res = (f"{', '.join(desc)} {topic}", topic)
                    else:
                        res = (" and ".join(desc), None)
        self._phrase_cache[key] = res
        return res
