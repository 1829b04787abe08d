"""A stand-in for a second web worker, run as a process of its own by test_sync: it renames
listings one at a time, each committed and then relayed to the search index at once, as
after a moderator's approval, until a stop file appears. Makes the file STOP_FILE.started
after its first change; prints how many it made.

    python -m tests.second_worker DATABASE_URL INDEX_PATH STOP_FILE SLUG...
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlmodel import Session

from directory import catalogue
from directory.database import make_engine
from directory.search.embedded import EmbeddedSearch
from directory.search.sync import Relay
from directory.settings import Settings
from tests import factories


def main(database_url: str, index_path: str, stop_file: str, slugs: list[str]) -> None:
    engine = make_engine(Settings(database_url=database_url))
    relay = Relay(engine, [EmbeddedSearch(Path(index_path))])
    renamed = 0
    while not Path(stop_file).exists():
        slug = slugs[renamed % len(slugs)]
        with Session(engine) as session:
            catalogue.upsert(
                session, factories.record(slug=slug, name=f"Second worker {slug} {renamed}")
            )
            session.commit()
        relay.wake()
        renamed += 1
        Path(stop_file + ".started").touch()
    engine.dispose()
    print(renamed)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
