"""CSV: one row per listing, a header row, lists joined with " | ", UTF-8 without a BOM.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return before one) as
a formula, and listings are written by the public. As OWASP's "CSV Injection" page advises,
every cell is quoted and a text cell starting with one of those gets a single quote in front,
which spreadsheets show as text. A cell starting with a quote gets one too, so a program
reading the file takes one leading quote off any cell that has one. Numbers are left alone:
a coordinate such as -4.25 is no formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from typing import Any, TextIO

from directory.listings import jsonable
from directory.opendata import Listing
from directory.reach import phone_line
from directory.records import PUBLIC_FIELDS

# Every public field, verification and sources included, under its own name.
COLUMNS: tuple[str, ...] = PUBLIC_FIELDS
LIST_SEPARATOR = " | "
# OWASP's list, the NUL the ASVS adds, and the quote itself (see the module's docstring).
_ESCAPED_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0", "'")


def row(listing: Listing) -> list[str]:
    return [_cell(_flat(column, getattr(listing, column))) for column in COLUMNS]


def _flat(column: str, value: Any) -> Any:
    """Structured values as a spreadsheet reader would want them: a phone as one line
    ("0800 254 0088 (Helpline; free)"), a citation as "field: URL (date)"."""
    if column == "phones":
        return [phone_line(phone) for phone in value]
    if column == "citations":
        cited = jsonable(value)
        return [
            f"{name}: {source['url']}" + (f" ({source['date']})" if source.get("date") else "")
            for name, source in cited.items()
        ]
    return value


def write(listings: Iterable[Listing], out: TextIO) -> None:
    """RFC 4180 CSV; open files with newline="" so the CRLF line ends stay as written."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    for listing in listings:
        writer.writerow(row(listing))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return _text(LIST_SEPARATOR.join(str(item) for item in value))
    return _text(str(value))


def _text(text: str) -> str:
    return "'" + text if text.startswith(_ESCAPED_STARTS) else text
