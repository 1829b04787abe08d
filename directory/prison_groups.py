"""The published listings that serve one prison, in the sections its page shows: the
visitors' centre or family service there, groups nearby, groups across its region, and
national groups by kind. Read in one query; never sees a request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, cast, func, or_
from sqlmodel import Session, select

from directory import catalogue, vocab
from directory.models import Organisation
from directory.prisons import Prison, name_keys, without_prefix
from directory.search.geo import distance_km
from directory.search.text import STOP_WORDS, normalised

LOCAL_RADIUS_KM = 50
_KM_PER_DEGREE = 111.2


@dataclass(frozen=True, slots=True)
class Group:
    organisation: Organisation
    distance_km: float | None = None


@dataclass(frozen=True, slots=True)
class PrisonGroups:
    """Each listing once, in the first section it belongs to."""

    visitors: tuple[Group, ...]  # the visitors' centre or family service at the prison
    local: tuple[Group, ...]  # within LOCAL_RADIUS_KM, nearest first
    area: tuple[Group, ...]  # serving the prison's subdivision (Scotland, California)
    national: tuple[tuple[str, tuple[Group, ...]], ...]  # serving its country, by kind

    @property
    def total(self) -> int:
        national = sum(len(groups) for _, groups in self.national)
        return len(self.visitors) + len(self.local) + len(self.area) + national


def groups_for(session: Session, prison: Prison) -> PrisonGroups:
    """The listings that serve the prison; those no longer active are left out, and so are
    those that name the prisons they serve when this one is not among them."""
    keys = name_keys(prison)
    visitors, local, area, national = [], [], [], []
    for organisation in _candidates(session, prison):
        distance = _distance(prison, organisation)
        if _at_the_prison(organisation, prison, keys):
            visitors.append(Group(organisation, distance))
        elif organisation.prisons_served:
            continue  # the service of other prisons (a visitors' centre): not of this one
        elif distance is not None and distance <= LOCAL_RADIUS_KM:
            local.append(Group(organisation, distance))
        elif prison.area != prison.country and prison.area in organisation.areas_served:
            area.append(Group(organisation, distance))
        elif _national(organisation, prison):
            national.append(Group(organisation, distance))
    local.sort(key=lambda g: (g.distance_km or 0.0, g.organisation.name.casefold()))
    return PrisonGroups(
        visitors=_by_name(visitors),
        local=tuple(local),
        area=_by_name(area),
        national=_by_kind(national),
    )


def _candidates(session: Session, prison: Prison) -> Sequence[Organisation]:
    """Every listing that may belong to a section, in one query; the sections are sorted
    out from there, as matching names needs the names normalised."""
    areas = [prison.area, prison.country] if prison.area != prison.country else [prison.country]
    columns = Organisation.__table__.c  # type: ignore[attr-defined]
    may_serve: list[Any] = [
        catalogue._json_list_has_any(session, columns.areas_served, areas),
        and_(
            columns.country == prison.country,
            catalogue._json_list_has_any(session, columns.areas_served, [vocab.NATIONWIDE]),
        ),
        func.json_array_length(columns.prisons_served) > 0,
    ]
    if prison.latitude is not None and prison.longitude is not None:
        may_serve.append(_near(prison.latitude, prison.longitude))
    word = _longest_word(prison.visitors_centre or "")
    if word:
        pattern = f"%{word}%"
        may_serve += [
            columns.name.ilike(pattern),
            cast(columns.alternate_names, String).ilike(pattern),
        ]
    query = select(Organisation).where(columns.status != "inactive", or_(*may_serve))
    return session.exec(query).all()


def _near(latitude: float, longitude: float) -> Any:
    """The box around a point that holds every place within LOCAL_RADIUS_KM of it."""
    rise = LOCAL_RADIUS_KM / _KM_PER_DEGREE
    run = rise / max(math.cos(math.radians(latitude)), 0.01)
    columns = Organisation.__table__.c  # type: ignore[attr-defined]
    return and_(
        columns.latitude.between(latitude - rise, latitude + rise),
        columns.longitude.between(longitude - run, longitude + run),
    )


def _longest_word(text: str) -> str:
    """The most telling word of a name, to look for in listings' names ("croft")."""
    words = [w for w in normalised(text).split() if w not in STOP_WORDS and w.isalnum()]
    return max(words, key=len, default="")


def _at_the_prison(organisation: Organisation, prison: Prison, keys: frozenset[str]) -> bool:
    """Whether the listing is the prison's visitors' centre or family service: it is the one
    the register names, or its prisons served name this prison."""
    for served in organisation.prisons_served:
        key = normalised(served)
        if key in keys or without_prefix(key) in keys:
            return True
    if not prison.visitors_centre:
        return False
    centre = normalised(prison.visitors_centre)
    names = (organisation.name, *organisation.alternate_names)
    return any(_same_name(centre, normalised(name)) for name in names)


def _same_name(one: str, other: str) -> bool:
    """Equal, or one holds the other as whole words ("the croft" in "the croft visitors
    centre"), where the shorter says enough on its own (two words, or a long one)."""
    if not one or not other:
        return False
    if one == other:
        return True
    shorter, longer = sorted((one, other), key=len)
    if " " not in shorter and len(shorter) < 8:
        return False
    return f" {shorter} " in f" {longer} "


def _national(organisation: Organisation, prison: Prison) -> bool:
    served = organisation.areas_served
    if prison.country in served:
        return True
    return vocab.NATIONWIDE in served and organisation.country == prison.country


def _distance(prison: Prison, organisation: Organisation) -> float | None:
    if None in (prison.latitude, prison.longitude, organisation.latitude, organisation.longitude):
        return None
    return distance_km(
        prison.latitude,  # type: ignore[arg-type]
        prison.longitude,  # type: ignore[arg-type]
        organisation.latitude,  # type: ignore[arg-type]
        organisation.longitude,  # type: ignore[arg-type]
    )


def _ranked(group: Group) -> tuple[bool, str]:
    """Active groups first, then those not confirmed recently; each by name."""
    return group.organisation.status != "active", group.organisation.name.casefold()


def _by_name(groups: Iterable[Group]) -> tuple[Group, ...]:
    return tuple(sorted(groups, key=_ranked))


def _by_kind(groups: Iterable[Group]) -> tuple[tuple[str, tuple[Group, ...]], ...]:
    by_kind: dict[str, list[Group]] = {}
    for group in groups:
        by_kind.setdefault(group.organisation.kind, []).append(group)
    order = list(vocab.KINDS)
    kinds = sorted(by_kind, key=lambda k: order.index(k) if k in order else len(order))
    return tuple((kind, _by_name(by_kind[kind])) for kind in kinds)
