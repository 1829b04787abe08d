"""Our own JSON: listings shaped as GET /api/organisations/{slug} gives them.

An export holds listing content only, no database timestamps, so exporting the same
listings always gives the same bytes and two exports can be compared line by line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from directory.listings import jsonable
from directory.opendata import Listing
from directory.records import FIELDS, PUBLIC_FIELDS

# In API responses, but about our database rather than the listing: ignored on import.
DATABASE_FIELDS = ("updated_at",)


def listing(organisation: Listing) -> dict[str, Any]:
    """The listing's public fields, each where the field table puts it (its json_path)."""
    data: dict[str, Any] = {}
    for name in PUBLIC_FIELDS:
        *groups, key = FIELDS[name].path
        place = data
        for group in groups:  # a group sits where its first field is
            place = place.setdefault(group, {})
        place[key] = jsonable(getattr(organisation, name))
    return data


def write(listings: Iterable[Listing], out: TextIO) -> None:
    """{"organisations": [...]}, the key an API page uses, one listing at a time."""
    out.write('{"organisations": [')
    for number, organisation in enumerate(listings):
        out.write(",\n" if number else "\n")
        out.write(json.dumps(listing(organisation), ensure_ascii=False, indent=2))
    out.write("\n]}\n")


def listing_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """OrganisationRecord values from one listing in our JSON, not yet validated.

    Unknown keys are kept, so that validation names them rather than dropping them quietly.
    """
    values = {key: value for key, value in data.items() if key not in DATABASE_FIELDS}
    for group in dict.fromkeys(group for group, _ in _GROUPED.values()):
        found = values.pop(group, None)
        if isinstance(found, Mapping):
            values.update(
                {name: found.get(key) for name, (of, key) in _GROUPED.items() if of == group}
            )
        elif found is not None:
            values[group] = found  # not an object: validation names it as unknown
    return values


# The fields our JSON holds inside an object (their verification), by name: (object, key).
_GROUPED = {name: f.path for name, f in FIELDS.items() if f.public and len(f.path) == 2}
