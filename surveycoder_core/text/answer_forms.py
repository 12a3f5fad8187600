"""What kind of answer a verbatim is, before any theme is looked for: about a topic, or only a verdict.

Human codebooks put the topic first: "Staff", "Delivery", "Waiting times", with praise or complaint as
an attribute of each assignment. Answers that name no topic ("Great", "All fine", "Terrible",
"Nothing to improve") are not a topic of their own; researchers give them plain codes ("General
satisfaction", "Nothing to improve"). This module tells the two apart and strips the verdict words
from a topical answer so that themes form around what the answer is about:

* ``TONE_WORDS``: evaluative and filler words that say how someone felt, never what about ("great",
  "terrible", "love", "really", "overall"). General English, not one survey's vocabulary. Words that
  describe an attribute of a topic ("slow", "rude", "expensive", "friendly", "dirty") are NOT here: they
  carry the topic ("slow" is about speed) and stay in the topic view.
* :func:`answer_form`: "nothing" (no answer to give), "verdict" (only evaluates), or "topic".
* :func:`topic_view`: the answer without its verdict words, for embedding and clustering.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from surveycoder_core.text.sentiment import nothing_answer

__all__ = ["TONE_WORDS", "NON_TOPIC_WORDS", "AnswerForm", "answer_form", "subject_words", "topic_view", "topic_words",
           "GENERAL_CODE_NAMES", "is_general_code", "CATCH_ALL", "is_catch_all", "STANCE_PREFIXES"]

AnswerForm = Literal["nothing", "verdict", "topic"]

TONE_WORDS = frozenset(
    """good great excellent amazing brilliant fantastic wonderful perfect awesome superb outstanding fine ok okay
    alright decent nice lovely bad poor terrible awful horrible dreadful rubbish appalling shocking worst best better
    worse love loved loves loving like liked likes enjoy enjoyed enjoying hate hated hates happy unhappy pleased
    satisfied dissatisfied unsatisfied disappointed disappointing disappointment impressed impressive glad thanks thank
    thankyou recommend recommended recommending fab fabulous marvellous marvelous incredible exceptional
    satisfactory unsatisfactory acceptable unacceptable mediocre first-class 10/10
    very really so extremely absolutely overall quite pretty super totally truly highly incredibly genuinely
    definitely certainly simply generally mostly wow omg lol pleasure joy delight delighted""".split()
)
# Words that name no topic either, though they are not verdicts: an answer made only of these and the
# verdict words ("Keep up the good work", "All fine, no complaints") is a verdict, not a topic.
NON_TOPIC_WORDS = TONE_WORDS | frozenset(
    """just always never ever still also too much many lot lots bit everything anything nothing something all
    whole experience experiences thing things stuff way well done keep up going keeping carry continue job work
    everyone everybody yes no not none nope yeah yep please cheers fault faults complaint complaints complain
    improve improved improvement improvements change changes changed thanks thank""".split()
)
# Words that do not name a topic even though they are not verdicts (pronouns, auxiliaries, fillers).
_FUNCTION_WORDS = frozenset(
    """a an the and or but if then than as at by for from in into of on onto to with without about
    i me my mine we us our ours you your yours he him his she her hers it its they them their theirs this that these
    those there here is am are was were be been being do does did doing done have has had having will would shall
    should can could may might must ought get got getting gets make made makes let lets go went gone come came say
    said think thought feel felt found find know knew see seen saw what which who whom whose when where why how
    any some each every both either neither other others such same own more most less least few one two three
    again once today yesterday now time times day days year years week weeks month months""".split()
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]|\d+/\d+")


def _tokens(text: str) -> list[str]:
    return [t.lower().replace("’", "'") for t in _WORD_RE.findall(text or "")]


def topic_words(text: str) -> list[str]:
    """The words of ``text`` that can say what it is about: neither verdict nor function words."""
    out = []
    for t in _tokens(text):
        base = t[:-2] if t.endswith("'s") else t
        if "'" in base or base in NON_TOPIC_WORDS or base in _FUNCTION_WORDS or len(base) < 2:
            continue
        out.append(base)
    return out


def subject_words(question: str | None) -> frozenset[str]:
    """The words of the question itself ("What did you think of the *course*?"): what every answer is
    about, so naming it is no topic ("Great course" only evaluates)."""
    from surveycoder_core.text.words import stem

    return frozenset(stem(w) for w in topic_words(question or "") if len(w) > 2)


@lru_cache(maxsize=65536)  # pure in its arguments; codebook generation and coding both ask for every answer
def answer_form(text: str, subject: frozenset[str] = frozenset()) -> AnswerForm:
    """"nothing", "verdict" or "topic" (see the module docstring); ``subject``: stems of the question's
    own words (:func:`subject_words`), which name no topic of their own."""
    from surveycoder_core.text.words import stem

    kind = nothing_answer(text)
    if kind == "bare":
        return "nothing"
    words = topic_words(text)
    if subject:
        words = [w for w in words if stem(w) not in subject]
    if not words:
        # "No complaints", "Can't fault anything", "Nothing to improve, all good": no topic named.
        return "nothing" if kind == "praise" else "verdict"
    return "topic"


def topic_view(text: str) -> str:
    """``text`` without verdict words ("The staff were really lovely" -> "The staff were"), or the text
    itself when nothing would be left. Function words stay: intents such as "how do I" need them."""
    text = text or ""
    if not any(w.lower().replace("’", "'") in TONE_WORDS for w in _WORD_RE.findall(text)):
        return text  # most answers: unchanged (and their embeddings cached as they are)
    kept = [w for w in _WORD_RE.findall(text) if w.lower().replace("’", "'") not in TONE_WORDS]
    if not any(w.lower() not in _FUNCTION_WORDS for w in kept):
        return text
    stripped = _WORD_RE.sub(lambda m: "" if m.group(0).lower().replace("’", "'") in TONE_WORDS else m.group(0), text)
    return " ".join(stripped.split())


# The plain codes generated for answers that name no topic (theme_naming). A codebook's code with one
# of these names only takes answers that name no topic, and such answers only take such codes.
GENERAL_CODE_NAMES = frozenset({"general satisfaction", "general dissatisfaction", "general comments",
                                "nothing to improve", "nothing / no comment"})


# The two stance templates a generated name may carry ("Praise for lockers", "Complaints about parking").
STANCE_PREFIXES = ("Praise for ", "Complaints about ")

CATCH_ALL = re.compile(r"^(other|miscellaneous|various|further)\b|\bother comments\b", re.IGNORECASE)


def is_catch_all(name: str) -> bool:
    """"Other", "Miscellaneous", "Other comments": the code of answers no code of their own fits."""
    return bool(CATCH_ALL.search(name or ""))


def is_general_code(name: str) -> bool:
    return " ".join((name or "").casefold().split()) in GENERAL_CODE_NAMES
