from __future__ import annotations

from surveycoder_core.engine_api import CodeSpec, CodingContext
from surveycoder_core.engines.embedded.engine import EmbeddedEngine
from surveycoder_core.engines.embedded.entities import entity_codebook, fold_entities

BRANDS = [
    "Nike and addidas",
    "I love Adidas Originals, they look great",
    "adidas",
    "New Balance are comfy but pricey",
    "Puma, nike",
    "Comfortable shoes are what I buy",
    "Nike is the best. I think Reebok is awful.",
]


def test_variants_fold_into_one_entity():
    names, _, mentioned = fold_entities(BRANDS)
    assert "Adidas" in names
    assert not any(n.lower() in {"addidas", "adidas originals"} for n in names)
    assert "New Balance" in names  # a two-word name stays one entity
    assert "Nike" in names and "NIKE" not in names
    assert "Comfortable" not in names  # a capitalised sentence start is not a brand
    assert mentioned[0] == ["Nike", "Adidas"]


def test_entity_codebook_is_one_category_and_neutral():
    drafts = entity_codebook(BRANDS)
    assert {d.category for d in drafts} == {"Brands"}
    assert all(d.sentiment == "Neutral" for d in drafts)
    adidas = next(d for d in drafts if d.name == "Adidas")
    assert adidas.member_indices == [0, 1, 2]
    assert 3 <= len(drafts) <= 7


def test_entity_coding_with_clause_sentiment():
    engine = EmbeddedEngine()
    ctx = CodingContext(coding_type="entity")
    drafts = engine.generate_codebook(BRANDS, ctx)
    specs = [CodeSpec(key=d.name, name=d.name, category=d.category) for d in drafts]
    coder = engine.prepare(specs, BRANDS, ctx)
    out = coder.code(BRANDS + ["I buy whatever is cheapest"])
    assert [a.code_key for a in out[1].assignments] == ["Adidas"]
    last = {a.code_key: a.sentiment for a in out[6].assignments}
    assert last == {"Nike": "Positive", "Reebok": "Negative"}
    assert out[-1].assignments == []
