"""Export every published listing in one of the open data formats."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from sqlmodel import Session

from directory import activities, catalogue
from directory.models import Organisation
from directory.opendata import hsds, ourjson, tabular

Writer = Callable[[Iterable[Organisation], TextIO], None]
FORMATS: dict[str, Writer] = {
    "hsds": hsds.write,
    "json": ourjson.write,
    "csv": tabular.write,
}


def export(
    session: Session,
    format_name: str,
    out: TextIO,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Write every listing, in slug order, to out. Returns how many were written."""
    written = 0

    def listings() -> Iterator[Organisation]:
        nonlocal written
        for organisation in catalogue.iter_all(session):
            yield organisation
            written += 1
            progress(1)

    if format_name == "hsds":  # activities travel as schedules of each listing's service
        hsds.write(listings(), out, activities.by_listing(session))
    else:
        FORMATS[format_name](listings(), out)
    return written
