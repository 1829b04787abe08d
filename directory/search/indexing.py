"""Keep search indexes in step with the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlmodel import Session

from directory import catalogue
from directory.search import documents
from directory.search.interface import Document, SearchBackend


def reindex(
    session: Session,
    backend: SearchBackend,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild the index from every organisation in the database. Returns the count indexed."""

    def stream() -> Iterator[Document]:
        for organisation in catalogue.iter_all(session):
            yield documents.build(organisation)
            if progress is not None:
                progress(1)

    return backend.rebuild(stream())
