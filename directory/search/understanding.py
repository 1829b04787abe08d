"""What a search asks for: the places and prisons in its words, and the words left to match.

Both backends search what this module makes of a query, so they agree on it. A town ("leeds"),
a country or one of its nations or states ("scotland", "texas", "US") or a prison ("HMP
Barlinnie", "barlinnie") typed into a search is geography: it says where help is wanted, not a
word a listing's description must hold. What is left are the words to match: folded, without
the little words of a sentence ("my son is in prison" -> son, prison).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Protocol

import pycountry

from directory import vocab
from directory.caches import Caches, Pickled
from directory.places import Gazetteer, Place, Town
from directory.search.text import MAX_QUERY_CHARS, MAX_WORDS, STOP_WORDS, WORD, fold

# The longest run of words read as one name ("united states of america", "hmp and yoi ...").
_LONGEST_NAME = 6
# A town whose name is one of its other names (another language's, an old one) is taken as
# meant only when it is a large one: "wien" is Vienna; a small town's alias is more often a
# word.
_ALIAS_POPULATION = 250_000
# Places are looked for among the first words of a query only; the rest are words.
_MOST_TOKENS = 40

# How far "near a town" reaches when the town was typed into the search rather than chosen.
TYPED_PLACE_RADIUS_KM = 50.0


class PrisonLike(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def area(self) -> str: ...
    @property
    def latitude(self) -> float | None: ...
    @property
    def longitude(self) -> float | None: ...


class PrisonNames(Protocol):
    """The prison register, as far as reading queries needs it."""

    def names(self) -> Mapping[str, str]: ...  # normalised name -> slug

    def get(self, slug: str) -> PrisonLike | None: ...


@dataclass(frozen=True)
class Where:
    """Where help is wanted: the groups that can help are near it or serve it."""

    label: str  # as the page says it: "Glasgow", "Scotland", "HMP Barlinnie"
    kind: str  # "prison", "town", "area" (a nation, state or province) or "country"
    point: tuple[float, float] | None = None  # latitude, longitude: for "near"
    radius_km: float = TYPED_PLACE_RADIUS_KM
    area: str | None = None  # the ISO 3166-2 first-level division it is in: "GB-SCT"
    country: str | None = None  # ISO 3166-1 alpha-2
    prison: str | None = None  # the register's slug
    prison_names: tuple[str, ...] = ()  # normalised, as listings name prisons they serve


@dataclass(frozen=True)
class Understood:
    words: tuple[str, ...]  # to match, folded, at most MAX_WORDS
    where: Where | None = None
    # What the person needs, said in their words ("son", "write"), as the vocabulary tags it:
    # for each need, (field, value) pairs. Listings with every pair of a need come first,
    # then those with any. A boost: the words themselves need not be matched.
    needs: tuple[tuple[tuple[str, str], ...], ...] = ()
    need_words: tuple[str, ...] = ()
    place_words: tuple[str, ...] = ()  # the words read as the place, as typed
    # Whether the last word to match is the last typed, so it may be a word being typed.
    last_word_typed_last: bool = True
    # Words the index holds as typed (or by their stem): never also matched as typos of
    # others ("vegan" is not "began"). Filled in by the service from the embedded index,
    # for a backend that cannot tell (Meilisearch).
    known: tuple[str, ...] = ()
    by_stem: tuple[str, ...] = ()  # words the index holds only by their stem


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    where: Where
    towns: tuple[Town, ...] = ()  # every town the words may name, for a town

    @property
    def rank(self) -> int:
        """More specific first: a prison, a town, an area, a country."""
        return ("prison", "town", "area", "country").index(self.where.kind)


@dataclass
class Understanding:
    """Reads queries against the gazetteer and the prison register, remembering recent ones
    (the same few searches come again and again)."""

    gazetteer: Gazetteer | None = None
    # The register, or what loads it (at the first query, not at start-up).
    prisons: PrisonNames | Callable[[], PrisonNames] | None = None
    # Where queries read lately are kept (as bytes: see caches.py).
    caches: Caches = field(default_factory=Caches)
    _generation: int = 0  # what forget() moves on, so that nothing read before is found
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _register: tuple[PrisonNames, Mapping[str, str], Mapping[str, tuple[str, ...]]] | None = None

    def _prison_names(
        self,
    ) -> tuple[PrisonNames, Mapping[str, str], Mapping[str, tuple[str, ...]]] | None:
        """The register, its names (normalised -> slug) and each prison's names, read once."""
        if self._register is None and self.prisons is not None:
            register = self.prisons() if callable(self.prisons) else self.prisons
            names = register.names()
            by_slug: dict[str, list[str]] = {}
            for name, slug in names.items():
                by_slug.setdefault(slug, []).append(name)
            self._register = (register, names, {s: tuple(n) for s, n in by_slug.items()})
        return self._register

    def __post_init__(self) -> None:
        self._read: Pickled[Understood] = Pickled(self.caches.shelf("queries read"))

    def understand(self, query: str) -> Understood:
        found = self.remembered(query)
        if found is None:
            found = self._understand(query)
            self._read.put((self._generation, query), found)
        return found

    def warm(self) -> None:
        """Read the register now, not at the first visitor's search. (The gazetteer's
        connections are per thread: each search thread opens its own when it first reads.)"""
        self._prison_names()

    def warm_names(self) -> None:
        """Read the names of countries and areas, and make the stemmer, now rather than at
        the first search (together about 100 ms)."""
        _country_names()
        _area_names()
        ordinary_words()
        self.understand("families near london")

    def forget(self) -> None:
        """Forget every query read (for measuring how long reading one takes)."""
        with self._lock:
            self._generation += 1

    def remembered(self, query: str) -> Understood | None:
        """What a recent query was read as, without reading it again (no I/O)."""
        return self._read.get((self._generation, query))

    def _understand(self, query: str) -> Understood:
        raw = WORD.findall(query[:MAX_QUERY_CHARS])[:_MOST_TOKENS]
        folded = [fold(token) for token in raw]
        spans = self._places(raw, folded)
        if not spans:
            meaningful = [i for i, word in enumerate(folded) if word not in STOP_WORDS]
            return _with_needs(folded, meaningful or list(range(len(folded))), None, ())
        best = min(spans, key=lambda span: (span.rank, span.start))
        where = _narrowed(best, spans)
        taken = {i for span in spans for i in range(span.start, span.end)}
        rest = [i for i in range(len(folded)) if i not in taken]
        if where.kind == "prison":  # "barlinnie prison": the prison is the place already
            rest = [i for i in rest if folded[i] not in vocab.PRISON_WORDS]
        meaningful = [i for i in rest if folded[i] not in STOP_WORDS]
        place_words = tuple(raw[i] for i in sorted(taken))
        understood = _with_needs(folded, meaningful, where, place_words)
        if where.kind == "prison" and not understood.needs:
            understood = replace(understood, needs=self._prison_needs(where))
        return understood

    def _prison_needs(self, where: Where) -> tuple[tuple[tuple[str, str], ...], ...]:
        """What a search for a prison alone is most likely for: a relative's (its family
        services), and for a prison of women or young people, groups for them too."""
        loaded = self._prison_names()
        prison = loaded[0].get(where.prison) if loaded and where.prison else None
        held = fold(getattr(prison, "population", None) or "")
        targets = ["families"]
        targets += [t for word, t in vocab.PRISON_POPULATION_NEEDS.items() if word in held]
        return tuple(dict.fromkeys(vocab.NEED_FACETS[t] for t in targets))

    def _places(self, raw: Sequence[str], folded: Sequence[str]) -> list[_Span]:
        """Every run of words that names a place, longest first, none overlapping."""
        runs = [
            (start, end)
            for start in range(len(folded))
            for end in range(min(len(folded), start + _LONGEST_NAME), start, -1)
        ]
        keys = {" ".join(folded[start:end]) for start, end in runs}
        towns = self.gazetteer.towns(keys) if self.gazetteer is not None else {}
        spans: list[_Span] = []
        covered: set[int] = set()
        for start, end in runs:
            if covered.intersection(range(start, end)):
                continue
            span = self._place(start, end, raw[start:end], folded, towns)
            if span is not None:
                spans.append(span)
                covered.update(range(start, end))
        return spans

    def _place(
        self,
        start: int,
        end: int,
        raw: Sequence[str],
        query: Sequence[str],
        towns: Mapping[str, list[Town]],
    ) -> _Span | None:
        """The place words start:end of the query name, if any (raw: those words as typed)."""
        folded = query[start:end]
        key = " ".join(folded)
        single = len(folded) == 1
        # "us" is a word of a sentence; "US" typed in capitals is the country.
        capitals = raw[0] in ("US", "USA", "UK") and key in _country_names()
        ordinary = key in STOP_WORDS or key in vocab.NEEDS or key in ordinary_words()
        if single and ordinary and not capitals:
            return None
        prison = self._prison(key, query, towns)
        if prison is not None:
            return _Span(start, end, prison)
        # A state's name before a country's: "georgia" in a search here is more often the
        # US state than the country.
        area = _area_names().get(key)
        if area is not None:
            return _Span(
                start, end, Where(vocab.area_name(area), "area", area=area, country=area[:2])
            )
        country = _country_names().get(key)
        if country is not None:
            where = Where(vocab.country_name(country), "country", country=country)
            return _Span(start, end, where)
        candidates = tuple(t for t in towns.get(key, []) if _plausible(t, single))
        if candidates:
            return _Span(start, end, _town_where(candidates[0].place), candidates)
        return None

    def _prison(
        self, key: str, query: Sequence[str], towns: Mapping[str, list[Town]]
    ) -> Where | None:
        loaded = self._prison_names()
        if loaded is None:
            return None
        register, names, by_slug = loaded
        slug = names.get(key)
        if slug is None:
            return None
        # A prison named after its town ("leeds") is the town unless the words say prison;
        # one named with an everyday word ("send", "ford", "the mount") is that word.
        says_prison = bool(vocab.PRISON_WORDS.intersection(query))
        telling = [word for word in key.split() if word not in STOP_WORDS]
        everyday = len(telling) <= 1 and all(word in ordinary_words() for word in telling)
        if (key in towns or everyday) and not says_prison:
            return None
        prison = register.get(slug)
        if prison is None:
            return None
        point = (
            (prison.latitude, prison.longitude)
            if prison.latitude is not None and prison.longitude is not None
            else None
        )
        known_as = by_slug.get(slug, ())
        area = prison.area if prison.area != prison.country else None
        return Where(
            prison.name,
            "prison",
            point=point,
            area=area,
            country=prison.country,
            prison=slug,
            prison_names=known_as,
        )


def _with_needs(
    folded: Sequence[str], kept: Sequence[int], where: Where | None, place_words: tuple[str, ...]
) -> Understood:
    """The words to match, with phrases read as one word ("pen pal"), and the words that say
    a need ("son", "write") taken out as a boost."""
    words: list[tuple[int, str]] = []
    at = 0
    while at < len(kept):
        i = kept[at]
        pair = " ".join(folded[j] for j in kept[at : at + 2])
        if at + 1 < len(kept) and pair in vocab.PHRASES:
            words.append((kept[at + 1], vocab.PHRASES[pair]))
            at += 2
            continue
        words.append((i, folded[i]))
        at += 1
    needs: dict[tuple[tuple[str, str], ...], None] = {}
    need_words = []
    required = []
    for i, word in words:
        if word in vocab.NEEDS:  # "son": a need said in other words, not to be matched
            targets = vocab.NEEDS[word]
            need_words.append(word)
        else:  # "books", "legal": the vocabulary's own word, matched and a need too
            targets = (word,) if word in vocab.NEED_FACETS else ()
            required.append((i, word))
        needs.update(dict.fromkeys(vocab.NEED_FACETS[t] for t in targets if t in vocab.NEED_FACETS))
    required = required[:MAX_WORDS]
    last_typed = bool(required) and required[-1][0] == len(folded) - 1
    return Understood(
        tuple(word for _, word in required),
        where,
        needs=tuple(needs),
        need_words=tuple(need_words),
        place_words=place_words,
        last_word_typed_last=last_typed,
    )


def where_asked(
    chosen: Where | None, understood: Understood, near: tuple[float, float, float] | None
) -> Where | None:
    """Where help is wanted, for every backend alike: the place chosen ("near"), else the one
    read from the words, else bare coordinates given without a place (local groups only)."""
    where = chosen or understood.where
    if where is None and near is not None:
        latitude, longitude, radius_km = near
        where = Where("", "town", (latitude, longitude), radius_km)
    return where


def plain(query: str) -> Understood:
    """A query read without places: its words only."""
    folded = [fold(token) for token in WORD.findall(query[:MAX_QUERY_CHARS])]
    meaningful = [word for word in folded if word not in STOP_WORDS]
    return Understood(tuple((meaningful or folded)[:MAX_WORDS]))


def near_place(place: Place, radius_km: float) -> Where:
    """A place chosen in the "near" field: local groups within the radius, then those that
    serve its nation, state or country."""
    if not place.country:  # bare coordinates: near them, and nothing else is known
        return Where(place.name, "town", (place.latitude, place.longitude), radius_km)
    return _town_where(place, radius_km)


def _town_where(place: Place, radius_km: float = TYPED_PLACE_RADIUS_KM) -> Where:
    return Where(
        place.name,
        "town",
        point=(place.latitude, place.longitude),
        radius_km=radius_km,
        area=place.area,
        country=place.country,
    )


def _plausible(town: Town, single: bool) -> bool:
    if not single:
        return True
    return town.primary or town.population >= _ALIAS_POPULATION


def _narrowed(best: _Span, spans: Sequence[_Span]) -> Where:
    """The most specific place, read with the others typed: "dublin california" is the Dublin
    in California, "london canada" Ontario's. A town not found there gives way to the area."""
    if best.where.kind != "town":
        return best.where
    for span in spans:
        other = span.where
        if other.kind not in ("area", "country"):
            continue
        inside = [
            town
            for town in best.towns
            if (other.kind == "area" and town.place.area == other.area)
            or (other.kind == "country" and town.place.country == other.country)
        ]
        if not inside:
            return other
        return _town_where(inside[0].place)
    return best.where


@cache
def ordinary_words() -> frozenset[str]:
    """Everyday words that are also towns' names: not read as places (ordinary_words.txt)."""
    listing = resources.files("directory.search").joinpath("ordinary_words.txt")
    lines = listing.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


@cache
def _country_names() -> dict[str, str]:
    """Normalised country names people type -> ISO code."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = str(country.alpha_2)
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                names.setdefault(" ".join(WORD.findall(fold(value))), code)
    for code, everyday in vocab.COUNTRY_NAMES.items():
        names[" ".join(WORD.findall(fold(everyday)))] = code
    for alias, code in vocab.COUNTRY_ALIASES.items():
        names[" ".join(WORD.findall(fold(alias)))] = code
    names["us"] = "US"  # only ever read as a place when typed in capitals (see _place)
    return names


@cache
def _area_names() -> dict[str, str]:
    """Normalised names of first-level divisions people name (the UK's nations, US states,
    Canada's provinces, Australia's and Germany's states) -> ISO 3166-2 code."""
    names: dict[str, str] = {}
    for subdivision in pycountry.subdivisions:
        if subdivision.country_code not in ("GB", "US", "CA", "AU", "DE"):
            continue
        if subdivision.parent_code is not None:
            continue  # counties and districts: many share a name with a town
        plain_name = str(subdivision.name).split(" [")[0].split(";")[0]
        names.setdefault(" ".join(WORD.findall(fold(plain_name))), str(subdivision.code))
    return names
