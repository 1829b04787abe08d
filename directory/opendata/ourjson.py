"""Our own JSON: listings shaped as GET /api/organisations/{slug} gives them.

An export holds listing content only, no database timestamps, so exporting the same
listings always gives the same bytes and two exports can be compared line by line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from directory.opendata import Listing
from directory.records import PUBLIC_FIELDS

# In API responses, but about our database rather than the listing: ignored on import.
DATABASE_FIELDS = ("updated_at",)


def listing(organisation: Listing) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(organisation, name) for name in PUBLIC_FIELDS}
    verified_on = organisation.verified_on
    data["verification"] = {
        "last_verified": verified_on.isoformat() if verified_on else None,
        "verified_by": organisation.verified_by,
    }
    data["sources"] = list(organisation.sources)
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
    verification = values.pop("verification", None)
    if isinstance(verification, Mapping):
        values["verified_on"] = verification.get("last_verified")
        values["verified_by"] = verification.get("verified_by")
    elif verification is not None:
        values["verification"] = verification
    return values
