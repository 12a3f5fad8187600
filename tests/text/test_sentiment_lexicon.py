"""The vectorised lexicon gives VADER's own compound score, rule by rule, and feeds polarity()."""

from __future__ import annotations

import pytest

from surveycoder_core.text import sentiment
from surveycoder_core.text.clauses import split_clauses

# One sentence per VADER rule (and the survey rewrites done before scoring).
RULE_SENTENCES = [
    "The staff were helpful.",                        # plain lexicon word
    "The staff were not helpful.",                    # negation right before
    "The staff weren't very helpful at all",          # "n't" two words before, booster between
    "Never so happy with a clinic",                   # "never so" x1.25
    "I was never really that happy",                  # negation three words before
    "Without doubt the best care",                    # "without doubt" keeps the stance
    "The nurses were extremely kind",                 # booster
    "The nurses were slightly rude",                  # dampener
    "The doctor was GREAT but the wait was awful",    # caps emphasis and "but"
    "EVERYTHING WAS GOOD",                            # all caps: no emphasis
    "The food was good but the service was bad but ok",  # only the first "but" counts
    "No problems at all",                             # "no" before a lexicon word
    "no good",                                        # "no" negating the next word
    "no or bad answers",                              # "no" three words before with "or"
    "Great!!!",                                       # exclamation emphasis (up to 4)
    "Why is it so slow??",                            # question emphasis
    "Awful?????",                                     # four or more question marks
    "The app is kind of slow",                        # "kind of": VADER's own path
    "At least the food was good",                     # "least": VADER's own path
    "This place is to die for",                       # idiom: VADER's own path
    "Loved it 😀",                                    # emoji: VADER's own path
    "How do I top up my card?",                       # survey rewrite: "top up" is not praise
    "They cancelled without warning, a disgrace",     # survey rewrite: "without warning"
    "Slow, overpriced and noisy :(",                  # survey lexicon and an emoticon
    "   ",                                            # nothing to score
    "",
]


def _reference(text: str) -> float:
    if not text or not text.strip():
        return 0.0
    return sentiment._vader_compound(sentiment._prepare(text))


@pytest.fixture(autouse=True)
def _fresh_memo():
    sentiment._MEMO.clear()
    yield
    sentiment._MEMO.clear()


def test_each_rule_gives_vaders_compound_score():
    got = sentiment.polarities(RULE_SENTENCES)
    for text, score in zip(RULE_SENTENCES, got.tolist(), strict=True):
        assert score == pytest.approx(_reference(text), abs=1e-9), text


def test_scores_do_not_depend_on_the_batch_they_come_in():
    alone = [float(sentiment.polarities([t])[0]) for t in RULE_SENTENCES]
    sentiment._MEMO.clear()
    together = sentiment.polarities(RULE_SENTENCES[::-1]).tolist()[::-1]
    assert alone == together


def test_bulk_scores_are_remembered_for_polarity(monkeypatch):
    texts = ["The receptionist was rude", "Lovely staff, but parking was a nightmare"]
    bulk = sentiment.polarities(texts).tolist()

    def no_vader(_text):  # polarity() must read the remembered score, not run VADER again
        raise AssertionError("VADER ran again for a text scored in bulk")

    monkeypatch.setattr(sentiment, "_vader_compound", no_vader)
    assert [sentiment.polarity(t) for t in texts] == bulk


def test_priming_covers_every_score_the_coder_reads(monkeypatch):
    texts = ["The nurses were kind but the food was cold.", "Nothing", "Parking was awful, staff lovely"]
    sentiment.prime_for_coding(texts)
    monkeypatch.setattr(sentiment, "_vader_compound", lambda _t: (_ for _ in ()).throw(AssertionError(_t)))
    for t in texts:
        clauses = split_clauses(t)
        sentiment.text_sentiment(clauses)
        for c in clauses:
            sentiment.code_sentiment(c, t)


def test_labels_match_vader_on_survey_answers():
    texts = [
        "Very good service, thank you", "Waited 3 hours, not acceptable", "Nothing could be better",
        "I couldn't fault the care I received", "The parking is a joke!", "Staff are not always friendly",
        "Doctor didn't listen to me at all", "Really really pleased", "hardly any help", "NOT happy",
        "A bit noisy at night but overall very pleased", "No complaints", "It was ok I guess",
    ]
    got = sentiment.polarities(texts).tolist()
    assert [sentiment.label_from_score(s) for s in got] == [
        sentiment.label_from_score(_reference(t)) for t in texts
    ]


def test_bulk_labels_equal_one_by_one_labels():
    texts = ["Please help me, my card is missing", "Too long a wait", "Lovely nurses", "How do I top up?"]
    one_by_one = [sentiment.sentiment_label(t) for t in texts]
    sentiment._MEMO.clear()
    assert sentiment.sentiment_labels(texts) == one_by_one
