"""Keep search indexes in step with the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlmodel import Session

from directory import catalogue
from directory.search import documents, sync
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

    # Events after this one may not be in what the rebuild reads; the relay applies them.
    last_event = sync.latest_event_id(session)
    count = backend.rebuild(stream())
    sync.mark_delivered_up_to(session, backend.name, last_event)
    session.commit()
    return count
