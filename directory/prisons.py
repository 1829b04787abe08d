"""The prison register shipped with the directory: the prisons people name, where each is,
how to address a letter there, and where every fact comes from. Never sees a request.

One TOML file per jurisdiction in prison_data/ (its README.md gives the format): `[[prison]]`
records, and `[[change]]` tables that close, rename or hand over a prison recorded in another
file (the 2017 register of England and Wales, updated by what happened since). Every file is
checked when the register loads; anything wrong stops it with the file and record named.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from directory import places, vocab
from directory.search.text import normalised, tokens

PACKAGED_DIR = Path(__file__).resolve().parent / "prison_data"
STATUSES = ("open", "closed")
CHANGE_TYPES = ("closed", "renamed", "operator")

# What official names start with, as normalised() writes them, longest first: "HMP/YOI
# Altcourse" is also "Altcourse", "FCI Dublin" also "Dublin".
PREFIXES: tuple[str, ...] = tuple(
    sorted(
        {
            "hmp",
            "hmp yoi",  # HMP & YOI, HMP/YOI
            "hmp and yoi",
            "hmyoi",
            "hm yoi",
            "yoi",
            "hm prison",
            "hmirc",
            "cem",  # Carchar Ei Mawrhydi, HMP in Welsh
            "fci",
            "usp",
            "fmc",
            "fdc",
            "mdc",
            "mcc",
            "fpc",
            "fcc",
            "federal correctional institution",
            "federal correctional complex",
            "federal prison camp",
            "federal medical center",
            "federal detention center",
            "metropolitan detention center",
            "metropolitan correctional center",
            "united states penitentiary",
        },
        key=len,
        reverse=True,
    )
)
_PREFIX_SET = frozenset(PREFIXES)
# Words people add after a name: "Leeds prison", "Barlinnie jail".
_SUFFIXES = ("prison", "jail", "gaol")

# How pages name a jurisdiction when its file does not say (a code is not a name).
TITLES = {
    "GB-EAW": "England and Wales",
    "GB-SCT": "Scotland",
    "GB-NIR": "Northern Ireland",
    "IE": "Ireland",
    "US": "United States: federal prisons",
}
# The order pages list jurisdictions in; any other comes after, by title.
_ORDER = tuple(TITLES)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_TEXT_FIELDS = (
    "operator",
    "town",
    "population",
    "address",
    "letter_instructions",
    "visitors_centre",
    "notes",
)
_PRISON_FIELDS = frozenset(
    {
        "slug",
        "name",
        "other_names",
        "country",
        "area",
        "status",
        "opened",
        "closed",
        "sources",
        "latitude",
        "longitude",
        "citations",
        *_TEXT_FIELDS,
    }
)
# Facts a record may cite one of its sources for, with that source's date.
CITED_FIELDS = frozenset(
    {"address", "letter_instructions", "visitors_centre", "status", "operator", "opened", "closed"}
)
_FILE_FIELDS = frozenset(
    {
        "jurisdiction",
        "title",
        "checked_on",
        "licence",
        "attribution",
        "source",
        "source_date",
        "prison",
        "change",
    }
)
_CHANGE_FIELDS = frozenset(
    {"slug", "type", "closed", "date", "name", "operator", "sources", "notes"}
)


class RegisterError(ValueError):
    """A register file that cannot be used as it is; the message names the file and record."""


@dataclass(frozen=True, slots=True)
class Prison:
    slug: str
    name: str
    other_names: tuple[str, ...]
    operator: str | None
    country: str  # ISO 3166-1 alpha-2
    area: str  # ISO 3166-2 subdivision (GB-SCT, US-CA), or the country where it has none
    town: str | None
    population: str | None
    address: str | None  # for letters to people held there, as the source gives it
    letter_instructions: str | None
    visitors_centre: str | None
    status: str  # "open" or "closed"
    opened: str | None  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    closed: str | None
    notes: str | None
    sources: tuple[str, ...]
    jurisdiction: str  # the file's code: GB-EAW, GB-SCT, GB-NIR, IE, US
    latitude: float | None
    longitude: float | None
    # (field, source, date or None): which of its sources states a fact, and when.
    citations: tuple[tuple[str, str, str | None], ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def cited(self, fact: str) -> tuple[str, str | None] | None:
        """The source of one fact (its web address and date), where the record says."""
        return next(((url, date) for f, url, date in self.citations if f == fact), None)


@dataclass(frozen=True, slots=True)
class RegisterFile:
    """One file of the register: where its facts come from and on what terms."""

    name: str  # the file's name, "england-wales.toml"
    jurisdiction: str
    title: str  # "England and Wales"
    licence: str
    attribution: str  # to print wherever the facts are shown ("" when none is asked)
    source: str | None  # the dataset the file was made from, when it is one
    source_date: str | None
    checked_on: str | None


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    title: str
    files: tuple[RegisterFile, ...]
    prisons: tuple[Prison, ...]  # open ones first, then closed; each by name


class Register:
    """Every prison of every file, with the names people know them by."""

    def __init__(
        self,
        prisons: Iterable[Prison],
        files: Iterable[RegisterFile],
        contributors: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.files = tuple(files)
        self._prisons = tuple(sorted(prisons, key=_browse_order))
        self._by_slug = {prison.slug: prison for prison in self._prisons}
        by_name = {file.name: file for file in self.files}
        self._files_of = {
            slug: tuple(by_name[name] for name in names if name in by_name)
            for slug, names in (contributors or {}).items()
        }
        self._names = _unambiguous_names(self._prisons)
        self._words = {prison.slug: _search_words(prison) for prison in self._prisons}

    def all(self) -> tuple[Prison, ...]:
        """Every prison, open and closed, by jurisdiction and then name."""
        return self._prisons

    def get(self, slug: str) -> Prison | None:
        return self._by_slug.get(slug)

    def open(self) -> tuple[Prison, ...]:
        return tuple(prison for prison in self._prisons if prison.is_open)

    def names(self) -> dict[str, str]:
        """Each name a prison is known by, normalised, to its slug: its name and other
        names, each also without its prefix ("hmp leeds", "leeds", "leeds prison"). Never a
        bare prefix, and never a name two prisons share (unless only one of them is open:
        then the open one has it)."""
        return dict(self._names)

    def find(self, text: str) -> Prison | None:
        """The prison a text names, as a whole: "HMP Leeds", "leeds prison", "Strangeways"."""
        key = normalised(text)
        shorter = _without_suffix(key)
        for candidate in (key, without_prefix(key), shorter, without_prefix(shorter)):
            slug = self._names.get(candidate)
            if slug is not None:
                return self._by_slug[slug]
        return None

    def search(self, text: str) -> tuple[Prison, ...]:
        """Prisons whose names or town hold every word typed, the last one perhaps half
        typed ("leeds", "hmp bar", "london"); the one the text names, if any, first."""
        wanted = tokens(text)
        if not wanted:
            return ()
        named = self.find(text)
        found = [
            prison
            for prison in self._prisons
            if _holds_all(self._words[prison.slug], wanted) or prison is named
        ]
        if named is not None:
            found.sort(key=lambda prison: prison is not named)
        return tuple(found)

    def jurisdictions(self) -> tuple[Jurisdiction, ...]:
        """Each jurisdiction with prisons, in the order pages list them."""
        codes = dict.fromkeys([f.jurisdiction for f in self.files])
        listed = []
        for code in codes:
            files = tuple(f for f in self.files if f.jurisdiction == code)
            held = tuple(p for p in self._prisons if p.jurisdiction == code)
            if held:
                listed.append(Jurisdiction(code, files[0].title, files, held))
        return tuple(sorted(listed, key=lambda j: (_rank(j.code), j.title)))

    def files_for(self, prison: Prison) -> tuple[RegisterFile, ...]:
        """The files a prison's record comes from: where it is listed, and any changes."""
        return self._files_of.get(prison.slug, ())


def without_prefix(key: str) -> str:
    """A normalised name without its prefix ("hmp yoi altcourse" -> "altcourse"); as it is
    when it has none."""
    for prefix in PREFIXES:
        if key.startswith(prefix + " "):
            return key[len(prefix) + 1 :]
    return key


def name_keys(prison: Prison) -> frozenset[str]:
    """Every normalised name of one prison, with and without its prefix; no bare prefix."""
    keys = set()
    for name in (prison.name, *prison.other_names):
        key = normalised(name)
        for candidate in (key, without_prefix(key)):
            if candidate and candidate not in _PREFIX_SET:
                keys.add(candidate)
    return frozenset(keys)


def load(gazetteer_path: Path | None, data_dir: Path = PACKAGED_DIR) -> Register:
    """The register of the files in data_dir, read and checked once per process."""
    located = gazetteer_path if gazetteer_path is not None and gazetteer_path.exists() else None
    return _load(data_dir, located)


@functools.cache
def _load(data_dir: Path, gazetteer_path: Path | None) -> Register:
    return read(sorted(data_dir.glob("*.toml")), gazetteer_path)


def read(paths: Iterable[Path], gazetteer_path: Path | None = None) -> Register:
    """The register of these files, checked (RegisterError names what is wrong and where),
    changes applied, coordinates from the gazetteer where a record gives none."""
    files: list[RegisterFile] = []
    prisons: dict[str, Prison] = {}
    listed_in: dict[str, str] = {}
    contributors: dict[str, list[str]] = {}
    changes: list[tuple[str, dict[str, Any]]] = []
    for path in paths:
        document = _parse(path)
        register_file = _register_file(path.name, document)
        files.append(register_file)
        for table in _tables(path.name, document, "prison"):
            prison = _prison(path.name, register_file.jurisdiction, table)
            if prison.slug in listed_in:
                raise RegisterError(
                    f"{path.name}, {prison.slug}: duplicate slug (also in {listed_in[prison.slug]})"
                )
            listed_in[prison.slug] = path.name
            contributors[prison.slug] = [path.name]
            prisons[prison.slug] = prison
        changes += [(path.name, table) for table in _tables(path.name, document, "change")]
    for file_name, table in changes:
        slug = _change_slug(file_name, table, prisons)
        prisons[slug] = _changed(file_name, prisons[slug], table)
        if file_name not in contributors[slug]:
            contributors[slug].append(file_name)
    located = [_located(prison, gazetteer_path) for prison in prisons.values()]
    return Register(located, files, contributors)


# Reading and checking files -----------------------------------------------------------------


def _parse(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RegisterError(f"{path.name}: cannot be read: {error}") from error


def _register_file(name: str, document: dict[str, Any]) -> RegisterFile:
    unknown = sorted(set(document) - _FILE_FIELDS)
    if unknown:
        raise RegisterError(f"{name}: unknown field {', '.join(map(repr, unknown))}")
    jurisdiction = document.get("jurisdiction")
    if not isinstance(jurisdiction, str) or not jurisdiction:
        raise RegisterError(f"{name}: missing jurisdiction")
    licence = document.get("licence")
    if not isinstance(licence, str) or not licence.strip():
        raise RegisterError(f"{name}: missing licence")
    texts = {
        key: _optional_text(name, key, document.get(key))
        for key in ("title", "attribution", "source", "source_date", "checked_on")
    }
    return RegisterFile(
        name=name,
        jurisdiction=jurisdiction,
        title=texts["title"] or TITLES.get(jurisdiction) or vocab.area_name(jurisdiction),
        licence=licence.strip(),
        attribution=texts["attribution"] or "",
        source=texts["source"],
        source_date=texts["source_date"],
        checked_on=texts["checked_on"],
    )


def _tables(name: str, document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    tables = document.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RegisterError(f"{name}: {key} must be [[{key}]] tables")
    return tables


def _prison(name: str, jurisdiction: str, table: dict[str, Any]) -> Prison:
    slug = table.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise RegisterError(f"{name}, {slug!r}: a slug must be lower-case words joined by '-'")
    where = f"{name}, {slug}"
    unknown = sorted(set(table) - _PRISON_FIELDS)
    if unknown:
        raise RegisterError(f"{where}: unknown field {', '.join(map(repr, unknown))}")
    prison_name = _optional_text(where, "name", table.get("name"))
    if not prison_name:
        raise RegisterError(f"{where}: missing name")
    country = table.get("country")
    if not isinstance(country, str) or not vocab.is_country(country):
        raise RegisterError(f"{where}: unknown country code {country!r}")
    area = table.get("area", country)
    if not isinstance(area, str) or not _area_of(area, country):
        raise RegisterError(f"{where}: unknown area code {area!r} (in {country})")
    status = table.get("status")
    if status not in STATUSES:
        raise RegisterError(f"{where}: bad status {status!r} (open or closed)")
    closed = _partial_date(where, "closed", table.get("closed"))
    if closed and status != "closed":
        raise RegisterError(f"{where}: a closing date, but the status is {status!r}")
    latitude, longitude = _coordinates(where, table.get("latitude"), table.get("longitude"))
    texts = {key: _optional_text(where, key, table.get(key)) for key in _TEXT_FIELDS}
    return Prison(
        slug=slug,
        name=prison_name,
        other_names=_texts(where, "other_names", table.get("other_names", []), required=False),
        country=country,
        area=area,
        status=status,
        opened=_partial_date(where, "opened", table.get("opened")),
        closed=closed,
        sources=(sources := _sources(where, table.get("sources"))),
        jurisdiction=jurisdiction,
        latitude=latitude,
        longitude=longitude,
        citations=_citations(where, table.get("citations", {}), sources),
        **texts,
    )


def _citations(
    where: str, value: object, sources: tuple[str, ...]
) -> tuple[tuple[str, str, str | None], ...]:
    """`citations = { address = { url = "...", date = "2024-05" } }`: each from the sources."""
    if not isinstance(value, dict):
        raise RegisterError(f"{where}: citations must be a table of facts")
    cited = []
    for fact, citation in value.items():
        if fact not in CITED_FIELDS:
            raise RegisterError(f"{where}: citation for an unknown fact {fact!r}")
        if not isinstance(citation, dict) or set(citation) - {"url", "date"}:
            raise RegisterError(f"{where}: the citation of {fact} must be {{ url, date }}")
        url = citation.get("url")
        if url not in sources:
            raise RegisterError(f"{where}: the citation of {fact} is not among its sources")
        date = _partial_date(where, f"citation of {fact}", citation.get("date") or None)
        cited.append((fact, str(url), date))
    return tuple(cited)


def _area_of(area: str, country: str) -> bool:
    return vocab.is_area(area) and (area == country or area.startswith(country + "-"))


def _optional_text(where: str, key: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):  # TOML dates: checked_on = 2026-12-02
        return value.isoformat()
    if not isinstance(value, str):
        raise RegisterError(f"{where}: {key} must be text, not {value!r}")
    return value.strip() or None


def _texts(where: str, key: str, value: object, *, required: bool) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RegisterError(f"{where}: {key} must be a list of texts")
    return tuple(dict.fromkeys(v.strip() for v in value))


def _sources(where: str, value: object) -> tuple[str, ...]:
    if not value:
        raise RegisterError(f'{where}: missing source (sources = ["https://..."])')
    sources = _texts(where, "sources", value, required=True)
    for source in sources:
        if not source.startswith(("https://", "http://")):
            raise RegisterError(f"{where}: a source must be a web address, not {source!r}")
    return sources


def _partial_date(where: str, key: str, value: object) -> str | None:
    text = _optional_text(where, key, value)
    if text is not None and not _PARTIAL_DATE.match(text):
        raise RegisterError(f"{where}: {key} must be YYYY, YYYY-MM or YYYY-MM-DD, not {text!r}")
    return text


def _coordinates(
    where: str, latitude: object, longitude: object
) -> tuple[float | None, float | None]:
    if latitude is None and longitude is None:
        return None, None
    numbers = (latitude, longitude)
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
        raise RegisterError(f"{where}: latitude and longitude must both be numbers")
    lat, lng = float(latitude), float(longitude)  # type: ignore[arg-type]
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise RegisterError(f"{where}: coordinates out of range ({lat}, {lng})")
    return lat, lng


def _change_slug(name: str, table: dict[str, Any], prisons: Mapping[str, Prison]) -> str:
    slug = table.get("slug")
    where = f"{name}, {slug}"
    unknown = sorted(set(table) - _CHANGE_FIELDS)
    if unknown:
        raise RegisterError(f"{where}: unknown field {', '.join(map(repr, unknown))} in a change")
    if not isinstance(slug, str) or slug not in prisons:
        raise RegisterError(f"{where}: a change to a prison no file lists")
    if table.get("type") not in CHANGE_TYPES:
        raise RegisterError(
            f"{where}: bad change type {table.get('type')!r} ({', '.join(CHANGE_TYPES)})"
        )
    return slug


def _changed(name: str, prison: Prison, table: dict[str, Any]) -> Prison:
    """The prison as a change leaves it: closed, renamed, or run by another operator."""
    where = f"{name}, {prison.slug}"
    kind = table["type"]
    when = _partial_date(where, "date", table.get("date"))
    sources = _sources(where, table.get("sources"))
    notes = _optional_text(where, "notes", table.get("notes"))
    values: dict[str, Any] = {
        "sources": tuple(dict.fromkeys([*prison.sources, *sources])),
        "notes": " ".join(n for n in (prison.notes, notes) if n) or None,
    }
    if kind == "closed":
        closed = _partial_date(where, "closed", table.get("closed")) or when
        if not closed:
            raise RegisterError(f'{where}: a closed change needs its date (closed = "YYYY-MM")')
        values.update(status="closed", closed=closed)
    elif kind == "renamed":
        new_name = _optional_text(where, "name", table.get("name"))
        if not new_name:
            raise RegisterError(f'{where}: a renamed change needs the new name (name = "...")')
        others = [n for n in (prison.name, *prison.other_names) if n != new_name]
        values.update(name=new_name, other_names=tuple(dict.fromkeys(others)))
    else:
        operator = _optional_text(where, "operator", table.get("operator"))
        if not operator:
            raise RegisterError(f"{where}: an operator change needs the operator")
        values.update(operator=operator)
    return replace(prison, **values)


def _located(prison: Prison, gazetteer_path: Path | None) -> Prison:
    """The prison with its town's coordinates (city level), unless its record gives some."""
    if prison.latitude is not None or gazetteer_path is None or not prison.town:
        return prison
    found = places.locate(gazetteer_path, prison.town, prison.country)
    if found is None:
        return prison
    return replace(prison, latitude=found[0], longitude=found[1])


# Names ---------------------------------------------------------------------------------------


def _unambiguous_names(prisons: Iterable[Prison]) -> dict[str, str]:
    claims: dict[str, list[Prison]] = {}
    for prison in prisons:
        for key in name_keys(prison):
            claims.setdefault(key, []).append(prison)
    names = {}
    for key, claimants in claims.items():
        if len(claimants) == 1:
            names[key] = claimants[0].slug
            continue
        still_open = [prison for prison in claimants if prison.is_open]
        if len(still_open) == 1:  # a closed prison's old name, taken by one open today
            names[key] = still_open[0].slug
    return names


def _without_suffix(key: str) -> str:
    for suffix in _SUFFIXES:
        if key.endswith(" " + suffix):
            return key[: -len(suffix) - 1]
    return key


def _search_words(prison: Prison) -> frozenset[str]:
    texts = (prison.name, *prison.other_names, prison.town or "")
    return frozenset(word for text in texts for word in tokens(text))


def _holds_all(words: frozenset[str], wanted: list[str]) -> bool:
    *whole, last = wanted
    return all(word in words for word in whole) and any(w.startswith(last) for w in words)


def _browse_order(prison: Prison) -> tuple[int, str, bool, str]:
    return (_rank(prison.jurisdiction), prison.jurisdiction, not prison.is_open, _sort_name(prison))


def _sort_name(prison: Prison) -> str:
    return without_prefix(normalised(prison.name))


def _rank(code: str) -> int:
    return _ORDER.index(code) if code in _ORDER else len(_ORDER)
