"""Words people use for the same thing. Both backends apply these, so results agree."""

from __future__ import annotations

from functools import cache

from directory import vocab

# Interchangeable terms: searching any finds the others. A term may be several words.
MUTUAL: tuple[tuple[str, ...], ...] = (
    ("abc", "anarchist black cross"),
    ("abcf", "anarchist black cross federation"),
    ("lgbt", "lgbtq", "lgbtqia", "queer"),
    ("prison", "jail", "gaol"),
    ("prisons", "jails", "gaols"),
    ("prisoner", "inmate"),
    ("prisoners", "inmates"),
    ("penpal", "pen pal", "penfriend", "pen friend"),
    ("penpals", "pen pals", "penfriends", "pen friends"),
    ("family", "families"),
    ("reentry", "resettlement"),
)
# One way only: a more specific word also finds the broader one, not the reverse. The words
# people use for what they need (vocab.NEEDS: "son" finds families) are among these.
ONE_WAY: dict[str, tuple[str, ...]] = {
    **vocab.NEEDS,
    "help": ("helpline",),
    **dict.fromkeys(["died", "die", "dying", "death", "killed"], ("deaths",)),
    "mindfulness": ("meditation",),
    "buddhist": ("dharma", "meditation"),
}


@cache
def synonyms() -> dict[str, list[str]]:
    """As Meilisearch's `synonyms` setting wants it: each term to the terms it also finds."""
    mapping: dict[str, list[str]] = {}
    for group in MUTUAL:
        for term in group:
            mapping[term] = [other for other in group if other != term]
    for term, broader in ONE_WAY.items():
        known = mapping.setdefault(term, [])
        known.extend(other for other in broader if other not in known)
    return mapping


def alternatives(word: str) -> list[list[str]]:
    """Other ways to say a single query word, each as a list of words."""
    return [term.split() for term in synonyms().get(word, [])]
