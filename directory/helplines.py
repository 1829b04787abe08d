"""The national helplines for prisoners' families, as the catalogue lists them: where a search
that found nothing can still send a relative.

A national helpline is a listing not known to have closed, for families (its focus), with a
phone of kind "helpline", that serves a whole country: a country's code, "nationwide" (its
own country), or one of the UK's nations, which each have their own prisons and their own
families' helpline.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from directory import catalogue, vocab
from directory.models import Organisation
from directory.search.geo import distance_km

UK_NATIONS = frozenset({"GB-ENG", "GB-NIR", "GB-SCT", "GB-WLS"})
HELPLINE = "helpline"
FAMILIES = "families"


@dataclass(frozen=True, slots=True)
class Helpline:
    slug: str
    name: str
    # The countries and UK nations it serves, as codes ("GB-ENG", "GB-WLS"; "IE").
    areas: tuple[str, ...]
    phones: tuple[dict[str, Any], ...]  # its helpline numbers, as the listing stores them
    # Where the listing is (or another listing of the same number), if known.
    latitude: float | None
    longitude: float | None

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(code[:2] for code in self.areas)


# The helplines of each database, and the catalogue version they were read at: reading them
# looks at every listing (about 170 ms at 100,000 on SQLite), the version costs about 1 ms.
# Weak, so that a disposed engine takes its entry with it.
_read_at: weakref.WeakKeyDictionary[Engine, tuple[Hashable, list[Helpline]]] = (
    weakref.WeakKeyDictionary()
)


def national(session: Session) -> list[Helpline]:
    """Every national helpline for families, by name; read again only when the catalogue
    has changed since the last time."""
    engine = session.get_bind()
    version = catalogue.version(session)
    kept = _read_at.get(engine) if isinstance(engine, Engine) else None
    if kept is not None and kept[0] == version:
        return kept[1]
    found = _national(catalogue.with_phone(session, HELPLINE, FAMILIES))
    if isinstance(engine, Engine):
        _read_at[engine] = (version, found)
    return found


def _national(listings: Sequence[Organisation]) -> list[Helpline]:
    """One entry per number: where listings share one (a charity and the helpline it runs),
    the listing most about families alone (fewest focus tags) names it."""
    candidates = sorted(
        (listing for listing in listings if _whole_countries(listing)),
        key=lambda listing: (len(listing.focus), listing.name.casefold()),
    )
    taken: set[str] = set()
    found = []
    for listing in candidates:
        phones = [phone for phone in _helplines(listing) if phone["number"] not in taken]
        numbers = {phone["number"] for phone in phones}
        if not numbers:
            continue
        taken |= numbers
        located = next(
            (
                other
                for other in (listing, *candidates)
                if other.latitude is not None
                and other.longitude is not None
                and numbers & {phone["number"] for phone in _helplines(other)}
            ),
            listing,
        )
        found.append(
            Helpline(
                slug=listing.slug,
                name=listing.name,
                areas=_whole_countries(listing),
                phones=tuple(phones),
                latitude=located.latitude,
                longitude=located.longitude,
            )
        )
    return sorted(found, key=lambda helpline: helpline.name.casefold())


def _helplines(listing: Organisation) -> list[dict[str, Any]]:
    return [
        phone
        for phone in listing.phones
        if phone.get("kind") == HELPLINE and isinstance(phone.get("number"), str)
    ]


def _whole_countries(listing: Organisation) -> tuple[str, ...]:
    areas = []
    for code in listing.areas_served:
        if code == vocab.NATIONWIDE and vocab.is_country(listing.country):
            code = listing.country
        if (len(code) == 2 and vocab.is_country(code)) or code in UK_NATIONS:
            areas.append(code)
    return tuple(dict.fromkeys(area for area in areas if area != vocab.INTERNATIONAL))


def for_place(
    helplines: Sequence[Helpline],
    areas: Collection[str] = (),
    near: tuple[float, float] | None = None,
) -> list[Helpline]:
    """The helplines in the order that serves a place: those of its nation first (when
    `areas`, the codes of where it is, name one), then those of its country; within each,
    the nearest first (when the place's coordinates are known); then by name."""
    countries = {code[:2] for code in areas}

    def order(helpline: Helpline) -> tuple[int, float, str]:
        if set(areas) & set(helpline.areas) - helpline.countries:
            rank = 0
        elif countries & helpline.countries:
            rank = 1
        else:
            rank = 2
        return (rank, _distance(near, helpline), helpline.name.casefold())

    return sorted(helplines, key=order)


def _distance(near: tuple[float, float] | None, helpline: Helpline) -> float:
    """Kilometres from the place to where the helpline's listing is; infinite when either is
    unknown."""
    if near is None or helpline.latitude is None or helpline.longitude is None:
        return math.inf
    return distance_km(near[0], near[1], helpline.latitude, helpline.longitude)
