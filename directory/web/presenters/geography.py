"""What a search made of the place and words typed, in words for the page, list and API."""

from __future__ import annotations

from typing import Any

from directory import vocab
from directory.search.interface import Hit, SearchResults
from directory.search.understanding import Where

# A need in the words of "Groups for ... first".
_NEED_WORDS = {
    "families": "families",
    "letter writing": "writing to people in prison",
    "pen pals": "writing to people in prison",
    "legal": "legal help",
    "advice": "advice",
    "visiting": "visiting",
    "lgbtq": "LGBTQ+ people",
    "trans": "LGBTQ+ people",
    "women": "women",
    "prisoner funds": "money for people inside",
    "resettlement": "life after release",
    "books": "books",
}

# Countries whose everyday English name takes "the".
_WITH_THE = frozenset(["GB", "US", "NL", "CZ", "PH", "AE", "DO", "CF", "BS", "GM"])


def country_phrase(code: str) -> str:
    """ "the United Kingdom", "Ireland"."""
    name = vocab.country_name(code)
    return f"the {name}" if code in _WITH_THE else name


def served_label(hit: Hit, where: Where | None) -> str | None:
    """Why a group is offered for the place searched: "Works across Scotland", "Sends books
    to prisons across the United States". None where the distance says it (near), or when no
    place was searched."""
    if where is None or hit.served_as in (None, "near"):
        return None
    if hit.served_as == "prison":
        return f"Works with {where.label}"
    if hit.served_as == "international":
        return "Works internationally"
    if hit.served_as == "based":
        return f"Based in {vocab.area_name(where.area) if where.area else ''}".strip()
    if hit.served_as == "region" and where.area:
        across = vocab.area_name(where.area)
    elif hit.served_as == "country" and where.country:
        across = country_phrase(where.country)
    else:
        return None
    if "books" in hit.services:
        return f"Sends books to prisons across {across}"
    if "letter-writing" in hit.services or "pen-pals" in hit.services:
        return f"Writes to people in prisons across {across}"
    return f"Works across {across}"


def where_sentence(where: Where | None) -> str | None:
    """How the results for a place are ordered, in one sentence for the page."""
    if where is None:
        return None
    wider = [vocab.area_name(where.area)] if where.area else []
    if where.country:
        wider.append(f"the whole of {country_phrase(where.country)}")
    across = " or ".join(wider)
    if where.kind == "prison":
        return (
            f"Groups for {where.label}: those that work with it first, then groups near it"
            + (f", then those working across {across}" if across else "")
            + ", then international ones."
        )
    if where.kind == "town":
        if not wider:
            return f"Groups within {where.radius_km:g} km of {where.label}, nearest first."
        return (
            f"Groups within {where.radius_km:g} km of {where.label} first, nearest first; "
            f"then groups that work across {across}; then international ones."
        )
    if where.kind == "area":
        return (
            f"Groups that work across {vocab.area_name(where.area or '')} or are based there, "
            f"then those working across {country_phrase(where.country or '')} "
            "or internationally."
        )
    return (
        f"Groups that work across {country_phrase(where.country or '')} or are based there, "
        "then international ones."
    )


def word_notes(results: SearchResults, q: str) -> list[str]:
    """What the search did with the words typed: those no group mentions, a correction."""
    notes = []
    if results.unmatched:
        missing = ", ".join(f"“{word}”" for word in results.unmatched)
        notes.append(
            f"No group mentions {missing} together with the rest of your search, "
            "so those words were left out."
        )
    if results.corrected:
        notes.append(f"Showing results for “{results.corrected}”.")
    needs = [t for w in results.need_words for t in vocab.NEEDS.get(w, ()) if t in _NEED_WORDS]
    if needs:
        said = " and ".join(dict.fromkeys(_NEED_WORDS[t] for t in needs))
        notes.append(f"Groups for {said} first.")
    return notes


def understood_json(results: SearchResults) -> dict[str, Any]:
    """The same for /api/search: the place or prison read from the query, words left out and
    a correction, each null or empty when there is none."""
    where = results.where
    place = None
    if where is not None:
        place = {
            "kind": where.kind,
            "label": where.label,
            "area": where.area,
            "country": where.country,
            "prison": where.prison,
        }
    return {"place": place, "unmatched": list(results.unmatched), "corrected": results.corrected}


def section_title(served_as: str | None, where: Where | None) -> str:
    """A printed list's heading for the groups offered for a place as `served_as`."""
    if where is None or served_as is None:
        return ""
    if served_as == "prison":
        return f"Working with {where.label}"
    if served_as == "near":
        return f"Near {where.label}" if where.label else "Nearby"
    if served_as == "region" and where.area:
        return f"Across {vocab.area_name(where.area)}"
    if served_as == "country" and where.country:
        return f"Across {country_phrase(where.country)}"
    if served_as == "international":
        return "Working internationally"
    return ""


def list_scope(where: Where) -> str:
    """What a list for a place holds, in words: "groups near Glasgow and those working
    across Scotland or the whole of the United Kingdom"."""
    wider = [vocab.area_name(where.area)] if where.area else []
    if where.country:
        wider.append(f"the whole of {country_phrase(where.country)}")
    across = " or ".join(wider)
    if where.kind in ("town", "prison"):
        near = f"within {where.radius_km:g} km of {where.label}"
        if where.kind == "prison":
            near = f"for {where.label}, and groups {near}"
        return f"groups {near}" + (f" and those working across {across}" if across else "")
    return f"groups working across {across}" if across else f"groups for {where.label}"
