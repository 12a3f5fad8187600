from __future__ import annotations

import re

import pytest

from surveycoder_core.engine_api import CodeSpec, CodingContext, Engine
from surveycoder_core.engines.embedded.engine import EmbeddedEngine
from surveycoder_core.schemas import SENTIMENTS

STAFF_POS = [
    "The staff were friendly and kind",
    "Lovely friendly nurses who really cared",
    "Staff were helpful and polite",
    "Very kind and caring staff on the ward",
    "The nurses were friendly and welcoming",
    "Friendly helpful reception staff",
    "Doctors and nurses were kind and caring",
    "The staff made me feel welcome and were very kind",
]
WAIT_NEG = [
    "I waited three hours to be seen",
    "The waiting time was far too long",
    "Long wait for my appointment, over two hours",
    "Waited ages in the waiting room",
    "Too long waiting to see a doctor",
    "The wait for an appointment was terrible",
    "Waiting times are awful, hours late",
    "Had to wait for hours before anyone saw me",
]
PARK_NEG = [
    "Parking is impossible and expensive",
    "Could not find a parking space",
    "The car park is always full",
    "Parking charges are far too high",
    "Not enough parking spaces at the hospital",
    "Car parking is a nightmare",
    "Expensive parking and no spaces",
    "Parking was awful, drove around for ages",
]
FOOD = [
    "The food was cold and tasteless",
    "Hospital food was bland",
    "Meals were delicious and hot",
    "Lovely food and plenty of choice for meals",
    "The food was awful",
    "Great meals, tasty food",
]
CORPUS = STAFF_POS + WAIT_NEG + PARK_NEG + FOOD

CODEBOOK = [
    CodeSpec(key="staff", name="Friendly staff", category="Staff", sentiment="Positive"),
    CodeSpec(key="wait", name="Waiting times", category="Access", sentiment="Negative"),
    CodeSpec(key="park", name="Parking", category="Facilities", sentiment="Negative"),
    CodeSpec(key="food", name="Food and meals", category="Facilities"),
]


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine()


def test_protocol(engine):
    assert isinstance(engine, Engine)
    assert engine.name == "engine:embedded"
    v = engine.embed(["hello there", "hello there"])
    assert v.shape[0] == 2 and abs(float((v[0] ** 2).sum()) - 1.0) < 1e-4


def test_embedding_cache_is_used(engine):
    class Cache:
        def __init__(self):
            self.store = {}

        def get_many(self, model, texts):
            return {t: self.store[(model, t)] for t in texts if (model, t) in self.store}

        def put_many(self, model, vectors):
            for t, v in vectors.items():
                self.store[(model, t)] = v

    cache = Cache()
    e = EmbeddedEngine(cache=cache)
    a = e.embed(["some text", "other text"])
    assert len(cache.store) == 2
    b = e.embed(["some text", "other text"])
    assert (a == b).all()


def test_codebook_generation_is_deterministic_and_readable(engine):
    ctx = CodingContext()
    d1 = engine.generate_codebook(CORPUS, ctx)
    d2 = engine.generate_codebook(CORPUS, ctx)
    assert [(d.name, d.category, d.member_indices) for d in d1] == [(d.name, d.category, d.member_indices) for d in d2]
    assert 3 <= len(d1) <= 12
    cats = {d.category for d in d1}
    assert 1 <= len(cats) <= 8
    covered = sorted(i for d in d1 for i in d.member_indices)
    assert covered == list(range(len(CORPUS)))  # no outlier bin
    for d in d1 + [type("C", (), {"name": c})() for c in cats]:
        assert not re.search(r"cluster|topic\s*\d", d.name, re.I)
        assert re.search(r"[A-Za-z]{3}", d.name) and not d.name.strip().isdigit()
        assert len(d.name) <= 60
    for d in d1:
        assert d.sentiment in SENTIMENTS and d.definition.endswith(".")
    # stance is explicit: the parking complaints are not coded as Positive
    park = [d for d in d1 if any(CORPUS[i] in PARK_NEG for i in d.member_indices)]
    assert park and all(d.sentiment != "Positive" for d in park)
    assert any(d.sentiment == "Negative" for d in park)
    # topic first: a code holding praise and complaint about one topic (food) carries no stance name
    food = [d for d in d1 if set(d.member_indices) & set(range(24, 30))]
    assert food
    for d in food:
        if d.sentiment == "Mixed":
            assert not d.name.startswith(("Praise for", "Complaints about"))


def test_tiny_input_gives_small_codebook(engine):
    texts = ["Nike and addidas", "Adidas Originals", "I like Puma", "Cheap shoes", "Whatever is on sale"]
    d = engine.generate_codebook(texts, CodingContext())
    assert 1 <= len(d) <= 5


def test_topics_are_neutral(engine):
    ctx = CodingContext(coding_type="qualitative_topics")
    drafts = engine.generate_codebook(CORPUS, ctx)
    assert all(d.sentiment == "Neutral" for d in drafts)
    assert not any(d.name.startswith(("Praise", "Complaints")) for d in drafts)
    coder = engine.prepare(CODEBOOK, CORPUS, ctx)
    for tc in coder.code(CORPUS):
        assert all(a.sentiment == "Neutral" for a in tc.assignments)


def test_coding_zero_shot_multilabel_and_sentiment(engine):
    coder = engine.prepare(CODEBOOK, CORPUS, CodingContext())
    out = coder.code(CORPUS)
    top = [tc.assignments[0].code_key if tc.assignments else None for tc in out]
    truth = ["staff"] * 8 + ["wait"] * 8 + ["park"] * 8 + ["food"] * 6
    acc = sum(a == b for a, b in zip(top, truth, strict=False)) / len(truth)
    assert acc >= 0.8, (acc, top)
    (two,) = coder.code(["The staff were friendly and kind, but the waiting time was far too long"])
    keys = [a.code_key for a in two.assignments]
    assert set(keys) >= {"staff", "wait"}
    sent = {a.code_key: a.sentiment for a in two.assignments}
    assert sent["staff"] == "Positive" and sent["wait"] == "Negative"
    for tc in out:
        for a in tc.assignments:
            assert 0.0 <= a.score <= 1.0 and a.confidence in ("high", "medium", "low")
        assert tc.candidates and len(tc.candidates) <= 4


def test_determinism_of_coding(engine):
    a = engine.prepare(CODEBOOK, CORPUS, CodingContext()).code(CORPUS)
    b = engine.prepare(CODEBOOK, CORPUS, CodingContext()).code(CORPUS)
    assert a == b


def test_no_fit_gets_no_codes(engine):
    coder = engine.prepare(CODEBOOK, CORPUS, CodingContext())
    out = coder.code(["", "???", "   "])
    assert all(tc.assignments == [] for tc in out)


def test_examples_change_the_outcome(engine):
    # Opaque code names: only the examples say what they mean.
    opaque = [CodeSpec(key=k, name=n, category="Misc") for k, n in [("a", "Code A"), ("b", "Code B"), ("c", "Code C")]]
    with_ex = [
        CodeSpec(key="a", name="Code A", category="Misc", examples=STAFF_POS[:4]),
        CodeSpec(key="b", name="Code B", category="Misc", examples=WAIT_NEG[:4]),
        CodeSpec(key="c", name="Code C", category="Misc", examples=PARK_NEG[:4]),
    ]
    texts = STAFF_POS[4:] + WAIT_NEG[4:] + PARK_NEG[4:]
    truth = ["a"] * 4 + ["b"] * 4 + ["c"] * 4
    plain = engine.prepare(opaque, texts, CodingContext()).code(texts)
    learned = engine.prepare(with_ex, texts, CodingContext()).code(texts)
    top = lambda out: [tc.assignments[0].code_key if tc.assignments else None for tc in out]  # noqa: E731
    acc_plain = sum(x == y for x, y in zip(top(plain), truth, strict=False)) / len(truth)
    acc_learned = sum(x == y for x, y in zip(top(learned), truth, strict=False)) / len(truth)
    assert acc_learned >= 0.9 and acc_learned > acc_plain


def test_empty_codebook_codes_nothing(engine):
    coder = engine.prepare([], CORPUS, CodingContext())
    assert all(tc.assignments == [] for tc in coder.code(CORPUS[:3]))


def test_alternative_embedder_fails_clearly(tmp_path):
    from surveycoder_core.errors import EngineError

    e = EmbeddedEngine(embedder=str(tmp_path / "no-such-model"))
    with pytest.raises(EngineError) as err:
        e.embed(["hello"])
    assert "SURVEYCODER_EMBEDDER" in str(err.value)


def test_empty_input_codebook(engine):
    assert engine.generate_codebook([], CodingContext()) == []
    assert engine.generate_codebook(["", "  "], CodingContext()) == []


def test_homogeneous_answers_give_few_codes(engine):
    # 400 answers that say five things: the codebook follows the diversity, not the count.
    base = ["The staff were lovely", "Staff were kind and friendly", "Nice friendly staff",
            "Lovely caring staff", "The nurses were kind"]
    tails = ["", ".", " overall", " today", "!", " as always", " thanks", " again"]
    texts = [b + t for i, b in enumerate(base) for t in tails for _ in range(10)]
    drafts = engine.generate_codebook(texts, CodingContext())
    assert len(drafts) <= 8
    names = [d.name for d in drafts]
    assert len(set(names)) == len(names) and not any("(more)" in n for n in names)


def test_review_flags_the_least_certain_minority(engine):
    # The coder ranks a question's answers (weakest calibrated score, less a penalty per extra code)
    # and hands review.py a per-question cut, so the review queue is a minority whatever its accuracy.
    from surveycoder_core.engines.flags import flag_for_review, review_priority

    texts = [f"{t}{tail}" for t in CORPUS for tail in ("", " today", " this time", " again")]
    coder = engine.prepare(CODEBOOK, texts, CodingContext())
    assert coder.review_cut is not None
    out = coder.code(texts)
    assert all(getattr(tc, "review_cut", None) == coder.review_cut for tc in out)
    flags = [flag_for_review(tc)[0] for tc in out]
    assert 0 < sum(flags) <= 0.4 * len(texts)
    prio = [review_priority(tc) for tc in out if tc.assignments]
    flagged_p = [review_priority(tc) for tc, f in zip(out, flags, strict=False) if f and tc.assignments]
    assert all(p < coder.review_cut for p in flagged_p) and min(prio) in flagged_p


def test_broad_code_competes_for_its_category(engine):
    from surveycoder_core.engines.embedded.engine import GENERAL_GAP

    book = [
        CodeSpec(key="sg", name="Staff: General", category="Staff"),
        CodeSpec(key="sa", name="Attitude of staff", category="Staff"),
        CodeSpec(key="wait", name="Waiting times", category="Access"),
        CodeSpec(key="park", name="Parking", category="Access"),
    ]
    coder = engine.prepare(book, CORPUS, CodingContext())
    assert [g for g, _ in coder.rep.general_groups] == [0]
    texts = STAFF_POS[:3]
    S = coder._zs_scores(texts, engine.embed(texts))
    assert (S[:, 0] >= S[:, 1] - GENERAL_GAP - 1e-9).all()


# ---- naming of generated codes (see also tests/engines/embedded/test_theme_naming.py)
_EVALUATIVE = {"good", "great", "fine", "better", "brilliant", "happy", "able", "thank", "thanks", "week", "months"}


def test_generated_names_read_like_a_researchers_draft(engine):
    named_person = [
        "Darren was brilliant", "Darren was so kind to me", "Darren really helped", "Thanks to Darren",
        "Darren was lovely", "Darren made me feel safe", "I want to thank Darren", "Darren is the best",
        "Darren listened to me", "Darren was fantastic",
    ]
    gp = [
        "Could not get a GP appointment", "GP appointments are impossible to get", "Waited weeks to see my GP",
        "The GP surgery never answers the phone", "No GP appointments for weeks", "My GP is never available",
    ]
    texts = CORPUS + named_person + gp
    drafts = engine.generate_codebook(texts, CodingContext())
    assert [d.name for d in drafts] == [d.name for d in engine.generate_codebook(texts, CodingContext())]
    names = [d.name for d in drafts] + list({d.category for d in drafts})
    for n in names:
        assert "darren" not in n.lower()  # never a person's name
        assert not re.search(r"\d", n)
        topic = re.sub(r"^(Praise for|Complaints about)\s+", "", n)
        assert topic.split()[-1].lower() not in _EVALUATIVE, n
        assert not re.search(r"\b(cluster|topic)\b", n, re.I)
    for d in drafts:
        assert "darren" not in d.definition.lower()
        plain = re.sub(r"“[^”]*”", "", d.definition).replace("e.g.", "eg")
        assert plain.count(".") == 1 and "mainly about" not in plain  # one sentence, no keyword list
    gp_codes = [d for d in drafts if any(texts[i] in gp for i in d.member_indices)]
    assert any("GP" in d.name.split() for d in gp_codes)  # acronym keeps its case
    park = [d for d in drafts if any(texts[i] in PARK_NEG for i in d.member_indices)]
    assert any("parking" in d.name.lower() for d in park)
    # stance wording only where the code is one-sided
    for d in drafts:
        if d.name.startswith("Praise for"):
            assert d.sentiment == "Positive"
        if d.name.startswith("Complaints about"):
            assert d.sentiment == "Negative"
