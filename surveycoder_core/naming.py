"""Readable names for generated codes and categories, from class-based TF-IDF keywords.

c-TF-IDF treats each cluster as one document and weights a term by how much more it is used in the
cluster than elsewhere; the top terms become a "Keyword / keyword" title-cased name. When the cluster
is one-sided and its keywords carry no stance themselves, the stance is spelt out ("Praise for ...",
"Complaints about ...") so that agree and disagree never share a theme name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .sentiment import word_polarity
from .textfeatures import STOP

# sklearn tokenises "don't" as "don"; keep those fragments out of names too.
_CONTRACTION_BITS = frozenset({"didn", "don", "isn", "ve", "wasn", "doesn", "couldn", "wouldn", "ll", "re", "aren", "weren", "haven", "hasn", "won", "shouldn", "wouldn"})


_JUNK_RE = re.compile(r"(.)\1\1")
# Words that are frequent in a cluster without saying what it is about (narrative verbs, time words).
# Used for names only; coding still sees them.
NAME_STOP = frozenset(
    {"went", "go", "came", "come", "got", "said", "told", "asked", "took", "take", "gave", "give", "left",
     "tried", "ordered", "seemed", "night", "day", "days", "week", "weeks", "today", "yesterday", "year",
     "years", "ago", "later", "back", "thank", "thanks", "definitely", "highly", "absolutely", "totally",
     "sure", "able", "let", "keep", "kept", "felt", "feel", "actually", "little", "far", "better",
     "extremely", "especially", "completely", "pretty", "super", "quite", "truly", "certainly", "probably"}
)


_TOKEN_RE = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")
_STOP_ALL = STOP | _CONTRACTION_BITS


def _terms(doc: str) -> list[str]:
    """Content words and bigrams of *adjacent* content words ("wine list", never "staff lovely"
    from "staff were lovely")."""
    toks = [t[:-2] if t.endswith("'s") else t for t in _TOKEN_RE.findall(doc.lower().replace("’", "'"))]
    # Contractions ("didn't", "we've") are function words; possessives keep their noun.
    keep = [t if (len(t) > 1 and "'" not in t and t not in _STOP_ALL) else None for t in toks]
    out = [t for t in keep if t]
    out += [f"{a} {b}" for a, b in zip(keep, keep[1:]) if a and b and a != b]
    return out


def _title(term: str) -> str:
    small = {"of", "and", "or", "to", "for", "the", "a", "in", "on", "with"}
    words = term.split()
    return " ".join(w if (i and w in small) else (w[:1].upper() + w[1:]) for i, w in enumerate(words))


def ctfidf_keywords(docs: Sequence[str], labels: Sequence[int], n_labels: int, top: int = 8) -> list[list[str]]:
    """Top c-TF-IDF terms (uni- and bigrams, stop words removed) for each label 0..n_labels-1."""
    from sklearn.feature_extraction.text import CountVectorizer

    labels = np.asarray(labels)
    min_df = 2 if len(docs) >= 200 else 1
    try:
        cv = CountVectorizer(analyzer=_terms, min_df=min_df)
        X = cv.fit_transform(docs)
    except ValueError:  # empty vocabulary (e.g. only stop words)
        return [[] for _ in range(n_labels)]
    vocab = np.array(cv.get_feature_names_out())
    rows = []
    for k in range(n_labels):
        idx = np.where(labels == k)[0]
        rows.append(np.asarray(X[idx].sum(axis=0)).ravel() if len(idx) else np.zeros(X.shape[1]))
    # Document frequency per cluster (share of the cluster's answers that use the term) beats raw
    # counts: one long answer repeating a word should not name a theme. The weight is the share
    # times the log-lift over the whole question, and a term must be used by a fair part of the
    # cluster, so rare names ("Linda", "custody van") never name a theme.
    Xb = (X > 0).astype(float)
    df = np.vstack([np.asarray(Xb[np.where(labels == k)[0]].sum(axis=0)).ravel() for k in range(n_labels)])
    sizes = np.array([max(1, int((labels == k).sum())) for k in range(n_labels)], dtype=float)[:, None]
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


def code_name(
    keywords: Sequence[str], stance: str, used: set[str], with_stance: bool = True, fallback: str | None = None
) -> str:
    """'Keyword / keyword' with stance wording where needed; unique within ``used``.

    ``fallback`` (the cluster's commonest short answer, e.g. "Nothing") names clusters whose words
    are all fillers; "Other comments" is the last resort.
    """
    kws = [k for k in keywords if k]
    if not kws:
        base = fallback or "Other comments"
    else:
        base = " / ".join(_title(k) for k in kws[:2])
    polar = any(is_polar(k) for k in kws[:2])
    name = base
    if not kws:
        # A quoted answer speaks for itself; "Other comments" gets its stance as an adjective.
        if not fallback and with_stance and stance in ("Positive", "Negative"):
            name = f"Other {stance.lower()} comments"
    elif with_stance and not polar:
        if stance == "Positive":
            name = f"Praise for {base.lower()}"
        elif stance == "Negative":
            name = f"Complaints about {base.lower()}"
    i = 2
    while name.casefold() in used:
        # Disambiguate with the next keyword; never with a number (users read "Cluster 3" as noise).
        name = f"{name} ({_title(kws[i])})" if i < len(kws) else f"{name} (more)"
        i += 1
    used.add(name.casefold())
    return name


def category_name(keywords: Sequence[str], used: set[str]) -> str:
    for k in keywords:
        w = _title(k)
        if w.casefold() not in used:
            used.add(w.casefold())
            return w
    # All single words taken: pair two of them ("Wait & Order") before the generic names.
    for i, a in enumerate(keywords):
        for b in keywords[i + 1 :]:
            w = f"{_title(a)} & {_title(b)}"
            if w.casefold() not in used:
                used.add(w.casefold())
                return w
    for name in ("General", "Other themes", "Further themes", "Miscellaneous themes"):
        if name.casefold() not in used:
            used.add(name.casefold())
            return name
    name = "Themes " + "I" * (len(used) + 1)  # unreachable in practice (at most 8 categories)
    used.add(name.casefold())
    return name
