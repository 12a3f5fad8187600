"""Naming generated themes (theme_naming.name_themes over naming.ThemeNamer) on hand-made clusters."""

from __future__ import annotations

import re

import numpy as np
import pytest

from surveycoder_core.engines.embedded.theme_naming import Theme, name_themes
from surveycoder_core.engines.embedded.topic_phrases import GENERIC
from surveycoder_core.text.sentiment import sentiment_label
from surveycoder_core.text.words import mask_names, proper_nouns

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


def _named(groups, kinds=None):
    docs = [t for g in groups for t in g]
    themes, at = [], 0
    for k, g in enumerate(groups):
        themes.append(Theme(kind=(kinds or {}).get(k, "topic"), members=list(range(at, at + len(g))), pole="Positive"))
        at += len(g)
    stance = np.array([sentiment_label(d) for d in docs])
    name_themes(themes, docs, mask_names(docs, proper_nouns(docs)), np.ones(len(docs)), stance,
                merge_same_topic=False)
    return themes


@pytest.fixture(scope="module")
def named():
    themes = _named(GROUPS, {4: "verdict"})
    return themes, [t.name for t in themes], [t.definition for t in themes]


def _words(name: str) -> list[str]:
    return re.findall(r"[A-Za-z&']+", name.lower())


def test_no_first_names_in_names_definitions_or_examples(named):
    themes, names, defs = named
    for text in names + defs:
        assert "darren" not in text.lower()
    # praise for a person the answers name, with no other shared word, is not a theme of its own
    assert names[0] == "Other"


def test_acronyms_keep_their_case(named):
    _, names, _ = named
    assert "GP" in names[1].split()
    assert "gp" not in names[1]


def test_prefers_the_phrase_people_write(named):
    _, names, _ = named
    assert "waiting times" in names[2].lower()


def test_descriptors_name_one_sided_clusters(named):
    _, names, _ = named
    assert names[3] == "Friendly, helpful staff"
    assert names[2] == "Long waiting times"


def test_stance_only_for_one_sided_clusters(named):
    themes, names, _ = named
    assert themes[5].sentiment == "Mixed" and names[5] == "Food"  # no "Praise for" / "Complaints about"


def test_evaluative_words_never_head_a_name(named):
    _, names, _ = named
    assert names[4] == "General satisfaction"  # the filler answers ("Great", "Fine") name no topic
    for n in names:
        topic = re.sub(r"^(Praise for|Complaints about)\s+", "", n)
        assert any(w not in GENERIC for w in _words(topic)), n  # never "Praise for fine", "Better"
        assert _words(topic)[-1] not in {"good", "great", "fine", "better", "brilliant", "happy", "able", "thank"}
        assert not n.strip().isdigit() and not re.search(r"\b\d+\b", n)


def test_definitions_are_one_plain_sentence(named):
    themes, _, defs = named
    for d in defs:
        assert d.endswith(".")
        outside_quotes = re.sub(r"“[^”]*”", "", d)
        assert outside_quotes.count(".") == 1, d
    assert defs[2].startswith("Complaints about waiting times")
    assert defs[3].startswith("Praise for staff")
    for t in themes:
        assert 1 <= len(t.examples) <= 3


def test_names_are_unique_and_deterministic(named):
    _, names, _ = named
    assert len(set(n.casefold() for n in names)) == len(names)
    assert [t.name for t in _named(GROUPS, {4: "verdict"})] == names


def test_mixed_cluster_has_no_stance_prefix():
    docs = GP + ["The GP was great", "Lovely GP", "GP was very kind", "Great GP service"]
    themes = _named([docs, WAIT])
    assert not themes[0].name.startswith(("Praise", "Complaints")) and "GP" in themes[0].name


def test_a_lone_verb_never_heads_a_stance_name():
    expire = ["My loyalty points expire too fast", "the points expire before I can use them",
              "points expire after 3 months, annoying", "Why do my points expire so quickly"]
    themes = _named([expire, FOOD])
    assert "points" in themes[0].name.lower()
    assert not re.match(r"(Praise for|Complaints about) expire", themes[0].name)


def test_empty_and_degenerate_input():
    themes = _named([["the and", "of it"], FOOD])
    assert themes[0].name == "Other" and themes[0].definition.endswith(".")
