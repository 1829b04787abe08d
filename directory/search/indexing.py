"""Keep search indexes in step with the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy.engine import Engine
from sqlmodel import Session

from directory import catalogue
from directory.search import documents, sync
from directory.search.interface import Document, SearchBackend


def reindex(
    session: Session,
    backend: SearchBackend,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild the index from every organisation in the database. Returns the count indexed.

    Relays go on writing the live index while the new one is built. Everything they write
    from the start is written into the new index too, before it is swapped in, with their
    lock held so that none of them writes the old index in between. Then the new index holds
    every change committed up to the swap, and whatever comes after reaches it as usual.
    """

    def stream() -> Iterator[Document]:
        for organisation in catalogue.iter_all(session):
            yield documents.build(organisation)
            if progress is not None:
                progress(1)

    engine = _engine(session)
    start = sync.position(session)  # everything up to it is committed, so read below
    new = backend.build(stream())
    try:
        with sync.exclusive(engine, backend):
            end = sync.position(session)
            sync.replay(session, new, after=start, upto=end)
            new.swap()
    finally:
        new.discard()
    sync.mark_delivered_up_to(session, backend.outbox_name, end)
    session.commit()
    return new.count


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine
