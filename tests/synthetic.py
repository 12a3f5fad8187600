"""Survey-like verbatims made up for the tests (tests never read the benchmark datasets).

Five themes, praise and complaint for each, combined into one- and two-theme answers with
varied wording, so clustering and coding have real structure to find.
"""

from __future__ import annotations

import random

THEMES: dict[str, dict[str, list[str]]] = {
    "price": {
        "neg": ["the prices are far too high", "it is overpriced for what you get", "the monthly fee keeps going up",
                "too expensive compared to other shops", "I was charged more than I expected"],
        "pos": ["great value for money", "the prices are very reasonable", "cheap and cheerful, good deals",
                "affordable prices and regular discounts", "good value compared to competitors"],
    },
    "staff": {
        "neg": ["the staff were rude and unhelpful", "the assistant ignored me at the counter",
                "staff were impolite when I asked a question", "the manager was dismissive and unfriendly",
                "nobody helped me, staff just chatted"],
        "pos": ["the staff were friendly and helpful", "lovely helpful staff at the till",
                "the assistant was polite and knowledgeable", "staff went out of their way to help me",
                "very kind and welcoming team"],
    },
    "waiting": {
        "neg": ["I waited forty minutes in the queue", "the queues are always too long",
                "waiting times on the phone are terrible", "it took ages to be served",
                "delivery was two weeks late"],
        "pos": ["no waiting at all, served straight away", "quick service and short queues",
                "delivery arrived early", "I was seen quickly", "fast and efficient checkout"],
    },
    "cleanliness": {
        "neg": ["the toilets were dirty", "the store was messy and dirty", "floors were sticky and unclean",
                "rubbish everywhere in the car park", "the changing rooms smelled bad"],
        "pos": ["the shop was spotless", "very clean and tidy store", "always clean and well kept",
                "clean toilets and bright aisles", "tidy shelves and a clean floor"],
    },
    "app": {
        "neg": ["the app keeps crashing", "the website is slow and confusing",
                "I could not log in to the app", "online checkout failed twice", "the app is hard to use"],
        "pos": ["the app is easy to use", "ordering online was simple", "the website works really well",
                "love the new app features", "the online checkout is quick"],
    },
}

JOINERS = [" and ", ", but ", ". Also ", "; "]


def make_texts(n: int, seed: int = 7) -> list[tuple[str, list[tuple[str, str]]]]:
    """``n`` verbatims with the themes (and polarity) each one was built from."""
    rng = random.Random(seed)
    names = sorted(THEMES)
    out = []
    for _ in range(n):
        k = 1 if rng.random() < 0.7 else 2
        chosen = rng.sample(names, k)
        parts, truth = [], []
        for theme in chosen:
            pol = "neg" if rng.random() < 0.55 else "pos"
            parts.append(rng.choice(THEMES[theme][pol]))
            truth.append((theme, "Negative" if pol == "neg" else "Positive"))
        text = parts[0]
        if k == 2:
            text += rng.choice(JOINERS) + parts[1]
        text = text[0].upper() + text[1:] + rng.choice([".", "", "!", "."])
        out.append((text, truth))
    return out


def make_responses(n: int, seed: int = 7, prefix: str = "R") -> list[dict[str, str]]:
    return [{"id": f"{prefix}{i + 1:05d}", "text": t} for i, (t, _truth) in enumerate(make_texts(n, seed))]


SEED_BRAND_EXAMPLE = [
    {"id": "R001", "text": "I love Nike because of their innovation and comfort"},
    {"id": "R002", "text": "Adidas has the best designs, especially the Originals line"},
    {"id": "R003", "text": "Nike is overpriced, I switched to New Balance last year"},
    {"id": "R004", "text": "I don't really care about brands, I just buy whatever is on sale"},
    {"id": "R005", "text": "Puma has great collaborations with designers like Rihanna"},
]

CODEBOOK = {
    "categories": [
        {"name": "Value", "codes": [
            {"name": "Too expensive", "definition": "Prices, fees or charges are too high.", "sentiment": "Negative"},
            {"name": "Good value", "definition": "Prices are fair, cheap or good value.", "sentiment": "Positive"},
        ]},
        {"name": "Service", "codes": [
            {"name": "Rude or unhelpful staff", "definition": "Staff were rude, ignored or did not help.",
             "sentiment": "Negative"},
            {"name": "Friendly helpful staff", "definition": "Staff were friendly, kind and helpful.",
             "sentiment": "Positive"},
            {"name": "Long waits", "definition": "Queues, waiting times or late delivery.", "sentiment": "Negative"},
        ]},
    ]
}
