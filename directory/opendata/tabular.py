"""CSV: one row per listing, a header row, lists joined with " | ", UTF-8 without a BOM."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from typing import Any, TextIO

from directory.opendata import Listing
from directory.records import OrganisationRecord

COLUMNS: tuple[str, ...] = tuple(OrganisationRecord.model_fields)
LIST_SEPARATOR = " | "


def row(listing: Listing) -> list[str]:
    return [_cell(getattr(listing, column)) for column in COLUMNS]


def write(listings: Iterable[Listing], out: TextIO) -> None:
    """RFC 4180 CSV; open files with newline="" so the CRLF line ends stay as written."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for listing in listings:
        writer.writerow(row(listing))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)
