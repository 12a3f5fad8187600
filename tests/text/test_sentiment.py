from __future__ import annotations

from surveycoder_core.text.clauses import split_clauses
from surveycoder_core.text.sentiment import code_sentiment, sentiment_label, text_sentiment


def test_labels_basic():
    assert sentiment_label("The staff were lovely and kind") == "Positive"
    assert sentiment_label("The nurse was rude and unhelpful") == "Negative"
    assert sentiment_label("I went on Tuesday") == "Neutral"


def test_survey_words_and_suggestions_are_criticism():
    assert sentiment_label("The service was slow") == "Negative"
    assert sentiment_label("Way overpriced for what you get") == "Negative"
    assert sentiment_label("There should be more parking spaces") == "Negative"


def test_sentiment_comes_from_the_carrying_clause():
    text = "The food was delicious but the waiter was rude."
    clauses = split_clauses(text)
    assert len(clauses) == 2
    assert code_sentiment(clauses[0], text) == "Positive"
    assert code_sentiment(clauses[1], text) == "Negative"
    label, mixed = text_sentiment(clauses)
    assert mixed and label == "Mixed"


def test_topics_are_always_neutral():
    text = "Awful, terrible staff"
    assert code_sentiment(text, text, coding_type="qualitative_topics") == "Neutral"


def test_neutral_clause_falls_back_to_expected_polarity():
    assert code_sentiment("Nothing", "Nothing", expected="Positive") == "Positive"
    assert code_sentiment("Nothing", "Nothing") == "Neutral"


def test_clause_splitting():
    assert split_clauses("") == []
    assert split_clauses("Great staff; long waits. Also parking was hard") == [
        "Great staff;",
        "long waits.",
        "parking was hard",
    ]
    # a one-word fragment is glued to its neighbour, never a clause of its own
    assert all(len(c.split()) >= 2 for c in split_clauses("Good. But slow service and also noisy rooms"))


def test_nothing_answers():
    from surveycoder_core.text.sentiment import nothing_answer

    for t in ("Nothing, everything was perfect", "No complaints at all", "Can't fault anything",
              "Nothing to improve", "None - great service"):
        assert nothing_answer(t) == "praise", t
        assert code_sentiment(t, t) == "Positive", t
    for t in ("Nothing", "Nothing really.", "None", "Nothing that I can think of"):
        assert nothing_answer(t) == "bare", t
        assert code_sentiment(t, t) == "Neutral", t
        assert code_sentiment(t, t, question="What could we improve?") == "Positive"
        assert code_sentiment(t, t, question="What did you like about the service?") == "Negative"
    for t in ("Nothing special about the food", "The food was nothing special", "No one answered the phone"):
        assert nothing_answer(t) is None, t


def test_complaint_idioms_and_suggestions():
    assert sentiment_label("I definitely wouldn't go back.") == "Negative"
    assert sentiment_label("Never again!") == "Negative"
    assert sentiment_label("Don't waste your money") == "Negative"
    assert sentiment_label("More therapy choices.") == "Negative"
    assert sentiment_label("Better than I expected, lovely") == "Positive"
    # negated complaints are praise
    t = "There is nothing that could have been better, everything was exceptional."
    assert code_sentiment(t, t) == "Positive"


def test_bare_nothing_takes_its_stance_from_the_code_name():
    assert code_sentiment("Nothing", "Nothing", code_name="Nothing to improve") == "Positive"
    assert code_sentiment("Nothing", "Nothing", code_name="Nothing was good") == "Negative"
    t = "I can’t think of anything"
    assert code_sentiment(t, t, code_name="Couldn't be improved") == "Positive"
    t = "I don’t feel there has been anything to improve"
    assert code_sentiment(t, t) == "Positive"


def test_requests_are_suggestions():
    assert sentiment_label("Provide someone to talk to in the evenings") == "Negative"
    assert sentiment_label("A few more cups of tea.") == "Negative"


def test_questions_and_requests_are_not_praise():
    # VADER reads "please", "help", "accept" and "top" as positive words.
    for text in ["Please help me. My card is missing.", "What places accept my card?",
                 "How do I top up my account by bank transfer?", "I need help finding the code on the top up card",
                 "I topped up yesterday but it's still pending"]:
        assert sentiment_label(text) == "Neutral", text
    # A clearly negative question is still a complaint; opinions that merely open with such words keep theirs.
    assert sentiment_label("Why is the wait always so long and awful?") == "Negative"
    assert sentiment_label("Would definitely visit again, lovely food.") == "Positive"
    assert sentiment_label("What a wonderful, caring team!") == "Positive"
    assert code_sentiment("Can I change my PIN?", "Can I change my PIN?") == "Neutral"


def test_service_complaints_vader_misreads():
    # "without" negates the next words in VADER ("without warning, a disgrace" scored +0.57);
    # "increase" is a positive word to it; app and network failures are missing from its lexicon.
    for text in ["My bill doubled without warning, a disgrace", "App keeps crashing", "Prices went up again",
                 "The price increase is too much", "Unreliable connection, constant outages"]:
        assert sentiment_label(text) == "Negative", text
    assert sentiment_label("Price went up but the service is still great") == "Positive"
    assert sentiment_label("Increase the number of staff") == "Negative"  # a suggestion
