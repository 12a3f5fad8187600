"""Code and category naming (surveycoder_core.naming.ThemeNamer) on hand-made clusters."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from surveycoder_core.naming import GENERIC, ThemeNamer

DARREN = [
    "Darren was brilliant",
    "Darren was brilliant, so kind",
    "Darren really helped me a lot",
    "Thanks to Darren for everything",
    "Darren was lovely and caring",
    "Darren made me feel safe",
    "I want to thank Darren",
    "Darren is the best",
    "Darren listened to me",
    "Darren was fantastic",
]
GP = [
    "Could not get a GP appointment",
    "GP appointments are impossible to get",
    "Waited weeks to see my GP",
    "The GP surgery never answers the phone",
    "I can never see a GP when I need one",
    "Trying to book a GP is hopeless",
    "No GP appointments for weeks",
    "My GP is never available",
]
WAIT = [
    "The waiting times are too long",
    "Long waiting times in A&E",
    "Waiting times were awful",
    "The waiting time was four hours",
    "Waiting times need to come down",
    "Huge waiting times again",
    "Waiting times are terrible",
    "The waiting times were far too long",
]
STAFF = [
    "The staff were friendly and helpful",
    "Friendly helpful staff",
    "Staff were so friendly",
    "Really friendly staff on reception",
    "The staff are always friendly and helpful",
    "Helpful and friendly staff",
    "Staff very friendly",
    "Lovely friendly staff",
]
FILLER = ["Great", "Good", "Fine", "Brilliant", "Very good", "Excellent", "Happy with it", "Better than before"]
FOOD = [
    "The food was cold",
    "Food could be better",
    "The food is fine",
    "Food was served at lunch",
    "More choice of food please",
    "Food arrived on time",
    "The food menu changed",
    "Food was okay",
]
GROUPS = [DARREN, GP, WAIT, STAFF, FILLER, FOOD]
STANCES = ["Positive", "Negative", "Negative", "Positive", "Positive", "Neutral"]
DOCS = [t for g in GROUPS for t in g]
LABELS = np.array([k for k, g in enumerate(GROUPS) for _ in g])


@pytest.fixture(scope="module")
def named():
    namer = ThemeNamer(DOCS, LABELS, len(GROUPS))
    used: set[str] = set()
    names = [namer.code_name(k, STANCES[k], used) for k in range(len(GROUPS))]
    defs = [namer.definition(k, STANCES[k], GROUPS[k][0]) for k in range(len(GROUPS))]
    cats = namer.category_names(np.array([0, 1, 1, 0, 0, 2]), 3)
    return namer, names, defs, cats


def _words(name: str) -> list[str]:
    return re.findall(r"[A-Za-z&']+", name.lower())


def test_no_first_names_in_names(named):
    _, names, defs, cats = named
    for text in names + defs + cats:
        assert "darren" not in text.lower()
    assert names[0] == "Praise for named staff"


def test_acronyms_keep_their_case(named):
    _, names, _, _ = named
    assert "GP" in names[1].split()
    assert "gp" not in names[1]


def test_prefers_the_phrase_people_write(named):
    _, names, _, _ = named
    assert "waiting times" in names[2].lower()


def test_descriptors_name_one_sided_clusters(named):
    _, names, _, _ = named
    assert names[3] == "Friendly, helpful staff"


def test_stance_only_for_one_sided_clusters(named):
    _, names, _, _ = named
    assert names[1].startswith("Complaints about")
    assert names[5] == "Food"  # neutral: no "Praise for" / "Complaints about"


def test_evaluative_words_never_head_a_name(named):
    _, names, _, cats = named
    # the filler cluster ("Great", "Fine", ...) has no topic of its own
    assert names[4] == "General praise"
    for n in names + cats:
        topic = re.sub(r"^(Praise for|Complaints about)\s+", "", n)
        assert any(w not in GENERIC for w in _words(topic)), n  # never "Praise for fine", "Better"
        assert _words(topic)[-1] not in {"good", "great", "fine", "better", "brilliant", "happy", "able", "thank"}
        assert not n.strip().isdigit() and not re.search(r"\b\d+\b", n)


def test_definitions_are_one_plain_sentence(named):
    _, names, defs, _ = named
    for d in defs:
        assert d.endswith(".")
        outside_quotes = re.sub(r"“[^”]*”", "", d).replace("e.g.", "eg")
        assert outside_quotes.count(".") == 1, d
        assert not re.search(r"\b\w+, \w+, \w+ (or|and) \w+\b", outside_quotes), d  # no keyword list
        assert "Applies when" not in d and "mainly about" not in d
    assert defs[1].startswith("Complaints about GP")
    assert defs[3].startswith("Comments praising friendly, helpful staff")


def test_category_names_come_from_shared_topics(named):
    _, _, _, cats = named
    assert len(set(cats)) == 3
    assert cats[2] == "Food"
    for c in cats:
        assert c and c[0].isupper() and len(c.split()) <= 4


def test_names_are_unique_and_deterministic(named):
    _, names, _, _ = named
    assert len(set(n.casefold() for n in names)) == len(names)
    again = ThemeNamer(DOCS, LABELS, len(GROUPS))
    used: set[str] = set()
    assert [again.code_name(k, STANCES[k], used) for k in range(len(GROUPS))] == names


def test_mixed_cluster_has_no_stance_prefix():
    docs = GP + ["The GP was great", "Lovely GP", "GP was very kind", "Great GP service"]
    namer = ThemeNamer(docs + WAIT, np.array([0] * len(docs) + [1] * len(WAIT)), 2)
    name = namer.code_name(0, "Mixed", set())
    assert not name.startswith(("Praise", "Complaints")) and "GP" in name
    assert "both praise and criticism" in namer.definition(0, "Mixed")


def test_short_answer_fallback_is_not_an_evaluative_word():
    namer = ThemeNamer(FILLER + FOOD, np.array([0] * 8 + [1] * 8), 2)
    assert namer.code_name(0, "Positive", set(), fallback="Happy") == "General praise"
    assert namer.code_name(0, "Neutral", set(), fallback="Nothing to add") == "Nothing to add"


def test_empty_and_degenerate_input():
    namer = ThemeNamer(["the and", "of it"], np.array([0, 0]), 1)
    assert namer.code_name(0, "Neutral", set()) == "Other comments"
    assert namer.category_names(np.array([0]), 1) == ["General"]
    assert namer.definition(0, "Negative").endswith(".")


def test_naming_is_fast():
    rng = np.random.default_rng(0)
    base = [t for g in GROUPS for t in g]
    docs = [f"{base[i % len(base)]} {w}" for i, w in enumerate(rng.choice(["ward", "nurse", "car", "x"], 10_000))]
    labels = np.arange(10_000) % 40
    t = time.perf_counter()
    namer = ThemeNamer(docs, labels, 40)
    used: set[str] = set()
    for k in range(40):
        namer.code_name(k, "Positive", used)
        namer.definition(k, "Positive", docs[k])
    namer.category_names(np.arange(40) % 6, 6)
    assert time.perf_counter() - t < 3.0  # ~0.5 s here; generous for slow CI machines
