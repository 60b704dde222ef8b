"""A small news corpus written for the scan tests: wire stories, their rewrites, and distractors."""

from __future__ import annotations

import json
import random
from pathlib import Path

STORIES = {
    "wire-floods": (
        "2024-05-02",
        "Floods swept through the northern province of Kandor on Thursday, killing at least 14 people "
        "and forcing 9,000 residents from their homes, the regional governor said. "
        "Rivers burst their banks after five days of torrential rain, and rescue teams used boats to "
        "reach villages cut off by the water. "
        "Governor Elena Marsh said the army had sent 600 soldiers and three helicopters to help with "
        "evacuations. "
        "The weather service warned that more heavy rain was expected over the weekend and urged people "
        "living near the Teva river to move to higher ground. "
        "Damage to farmland was estimated at 45 million dollars, with wheat and barley fields under water.",
    ),
    "wire-election": (
        "2024-06-10",
        "Voters in the island nation of Peloria elected opposition leader Marcus Hale as president on "
        "Sunday, ending two decades of rule by the Unity Party, official results showed. "
        "Hale won 54.2 percent of the vote against 41.8 percent for Prime Minister Anna Virel, the "
        "electoral commission said on Monday. "
        "Turnout was 71 percent, the highest since independence in 1978. "
        "In a victory speech in the capital Port Sael, Hale promised to fight corruption and to raise "
        "the minimum wage within his first hundred days. "
        "Virel conceded defeat and said her party would be a constructive opposition.",
    ),
    "wire-airline": (
        "2024-03-15",
        "Skyward Airlines said on Friday it would buy 40 new narrow-body jets from Aerovia in a deal "
        "worth about 4.8 billion dollars at list prices. "
        "The carrier plans to use the aircraft to replace older planes on its European routes from 2026. "
        "Chief executive Paul Idris told reporters the new jets burn 20 percent less fuel per seat. "
        "Shares in Skyward rose 3.1 percent in early trading in Frankfurt after the announcement. "
        "Aerovia has struggled with delivery delays at its factory in Toulouse this year.",
    ),
}

REWRITES = {
    "paper-floods": (
        "2024-05-03",
        "wire-floods",
        "Deadly floods in Kandor\n\n"
        "At least 14 people were killed when floods swept through the northern province of Kandor on "
        "Thursday, and 9,000 residents were forced from their homes, the regional governor said. "
        "Rivers burst their banks after five days of torrential rain. "
        "The army sent 600 soldiers and three helicopters to help with evacuations, Governor Elena Marsh said. "
        "Forecasters warned that more heavy rain was expected over the weekend.",
    ),
    "site-floods": (
        "2024-05-04",
        "wire-floods",
        "Rescue teams used boats to reach villages cut off by the water after rivers burst their banks in "
        "Kandor following five days of torrential rain. "
        "Floods killed at least 14 people on Thursday and forced 9,000 residents from their homes. "
        "Damage to farmland was estimated at 45 million dollars, with wheat and barley fields under water. "
        "Our reporter adds that local schools have been closed until further notice.",
    ),
    "paper-election": (
        "2024-06-11",
        "wire-election",
        "Opposition leader Marcus Hale was elected president of Peloria on Sunday, ending two decades of "
        "rule by the Unity Party. "
        "Hale won 54.2 percent of the vote against 41.8 percent for Prime Minister Anna Virel, the "
        "electoral commission said. "
        "Turnout was 71 percent, the highest since independence in 1978. "
        "Hale promised to fight corruption and to raise the minimum wage within his first hundred days.",
    ),
    "blog-airline": (
        "2024-03-16",
        "wire-airline",
        "Skyward Airlines will buy 40 new narrow-body jets from Aerovia in a deal worth about 4.8 billion "
        "dollars at list prices, the carrier said on Friday. "
        "It plans to use the aircraft to replace older planes on its European routes from 2026. "
        "Chief executive Paul Idris said the new jets burn 20 percent less fuel per seat. "
        "We think this is a smart move for the airline.",
    ),
}

#: A stock formula of the kind agencies append to unrelated stories.
BOILERPLATE = (
    "This story has not been edited by our staff and is published from a syndicated feed, "
    "all rights reserved, reproduction prohibited without written permission of the publisher."
)

_SYLLABLES = "ka lo mi ne ru sa te vo zi pa do fe gu hi jo".split()


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


def distractors(count: int, seed: int = 3) -> list[tuple[str, str]]:
    """Unrelated short texts, in made-up words, that all end with the same boilerplate formula."""
    rng = random.Random(seed)
    docs = []
    for k in range(count):
        sentences = [" ".join(_word(rng) for _ in range(12)).capitalize() + "." for _ in range(4)]
        docs.append((f"other-{k:03d}", " ".join(sentences) + " " + BOILERPLATE))
    return docs


def write_corpus(path: Path, distractor_count: int = 12) -> dict[str, str]:
    """Write the corpus as JSON Lines; return ``{rewrite id: its source id}``."""
    with path.open("w", encoding="utf-8") as handle:
        for doc_id, (date, text) in STORIES.items():
            handle.write(json.dumps({"id": doc_id, "text": text, "date": date}) + "\n")
        for doc_id, (date, _, text) in REWRITES.items():
            handle.write(json.dumps({"id": doc_id, "text": text, "date": date}) + "\n")
        for doc_id, text in distractors(distractor_count):
            handle.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    return {doc_id: source for doc_id, (_, source, _) in REWRITES.items()}
