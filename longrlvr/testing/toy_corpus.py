"""A generated corpus of topical documents: smoke runs of the pipeline, its tests and its benchmark.

Each document interleaves paragraphs on several topics (astronomy, cooking, sailing, ...), so the chunks of
one topic are spread over the document and cluster together by meaning. Every paragraph states facts about a
named entity with a number, so questions over a cluster have checkable answers. Deterministic given the seed.
"""

from __future__ import annotations

import random
from pathlib import Path

from longrlvr import jsonl

TOPICS: dict[str, tuple[str, ...]] = {
    "astronomy": (
        "Astronomers at the {place} observatory tracked a comet for {number} nights through the big telescope.",
        "In {year} the {place} planetarium mapped {number} faint stars of a distant nebula and galaxy cluster.",
        "A meteor shower over {place} in {year} let the telescope crew photograph {number} bright fireballs.",
    ),
    "cooking": (
        "The bakers of {place} knead {number} loaves of sourdough bread every morning before the ovens heat.",
        "A {year} recipe book from {place} tells cooks to simmer the spicy stew with {number} grams of pepper.",
        "Chefs in {place} roast garlic, butter and fresh herbs for {number} dinner guests in the kitchen.",
    ),
    "sailing": (
        "Sailors left the harbor of {place} on a schooner, steering by the lighthouse for {number} nautical miles.",
        "In {year} the {place} regatta drew {number} sailboats racing before the trade winds across the bay.",
        "The crew of {place} reefed the mainsail and dropped anchor after {number} hours of rough sea and waves.",
    ),
    "medicine": (
        "Physicians at the {place} hospital treated {number} patients with fever and prescribed antibiotics.",
        "In {year} the {place} clinic ran a vaccine trial in which nurses gave {number} injections.",
        "Surgeons in {place} performed {number} heart operations while pharmacists prepared the medicine.",
    ),
    "geology": (
        "Geologists near {place} dated the volcanic basalt and granite layers to {number} million years.",
        "The {year} earthquake along the {place} fault line shifted limestone cliffs by {number} centimetres.",
        "Glaciers above {place} carved valleys and deposited {number} tonnes of sediment and boulders.",
    ),
    "music": (
        "The {place} symphony orchestra rehearsed the violin concerto {number} times before the premiere.",
        "In {year} the choir of {place} sang a requiem while the conductor led {number} musicians.",
        "Jazz pianists in {place} improvised melodies and chords for {number} listeners at the concert hall.",
    ),
}
PLACES = ("Velmora", "Ostrana", "Kettlebay", "Larkspur", "Duneholm", "Brightwater", "Cinderfall", "Maplecross")


def make_paragraph(topic: str, rng: random.Random) -> str:
    """Two sentences about one topic."""
    templates = rng.sample(TOPICS[topic], 2)
    return " ".join(
        t.format(place=rng.choice(PLACES), year=rng.randint(1850, 2020), number=rng.randint(10, 9999))
        for t in templates
    )


def make_document(doc_id: str, rng: random.Random, topics: int = 4, paragraphs_per_topic: int = 5) -> dict:
    """``{"id", "text", "title"}``: ``topics`` random topics, their paragraphs interleaved at random."""
    chosen = rng.sample(sorted(TOPICS), topics)
    order = [t for t in chosen for _ in range(paragraphs_per_topic)]
    rng.shuffle(order)
    text = "\n\n".join(make_paragraph(topic, rng) for topic in order)
    return {"id": doc_id, "title": f"Chronicle {doc_id}: {', '.join(chosen)}", "text": text}


def make_corpus(num_docs: int, seed: int = 0, topics: int = 4, paragraphs_per_topic: int = 5) -> list[dict]:
    """``num_docs`` documents with ids ``doc000``, ``doc001``, ..."""
    rng = random.Random(seed)
    return [make_document(f"doc{i:03d}", rng, topics, paragraphs_per_topic) for i in range(num_docs)]


def write_corpus(path: str | Path, num_docs: int, seed: int = 0, **kwargs: int) -> Path:
    """Write :func:`make_corpus` as jsonl (the pipeline's input format)."""
    jsonl.rewrite(path, make_corpus(num_docs, seed, **kwargs))
    return Path(path)
