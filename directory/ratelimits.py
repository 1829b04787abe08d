"""Rate limits kept in the database, so that every worker and every host shares them.

Each limit is a generic cell rate algorithm (GCRA): a key may act `count` times at once, then
once more every `window / count` seconds. One row per key holds a single time, when all of
its slots are free again, and taking a slot is one atomic statement (an upsert that changes
the row only while a slot is free), so concurrent requests can never take more slots than
there are, on SQLite or PostgreSQL. The slot is taken before the work it guards.

Keys are stored as an HMAC with the secret key of the limit's name and who is counted, so the
table never holds an address or a username.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from directory.database import transaction
from directory.models import RateLimit

PRUNE_EVERY = 60.0  # seconds between one process's sweeps of rows with nothing left to say

_table = RateLimit.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Limit:
    """`count` actions at once per key, then one more every `window / count` seconds."""

    name: str
    count: int
    window: float

    @property
    def interval(self) -> float:
        return self.window / self.count


class Limiter:
    """Raises database.Unavailable when the database cannot count right now."""

    def __init__(
        self, engine: Engine, secret_key: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._engine = engine
        self._secret = hashlib.sha256(b"rate-limit:" + secret_key.encode()).digest()
        self._clock = clock
        self._pruned_at = -math.inf

    def take(self, limit: Limit, key: str) -> int:
        """Takes one of `key`'s slots: 0 when it got one, otherwise the seconds to wait
        (and nothing was taken)."""
        now = self._clock()
        row = self.stored_key(limit, key)
        busy_until = case((_table.c.free_at > now, _table.c.free_at), else_=now)
        statement = (
            self._insert()
            .values(key=row, free_at=now + limit.interval)
            .on_conflict_do_update(
                index_elements=[_table.c.key],
                set_={"free_at": busy_until + limit.interval},
                where=busy_until + limit.interval <= now + limit.window,
            )
            .returning(_table.c.free_at)
        )
        with transaction(self._engine) as connection:
            taken = connection.execute(statement).first() is not None
            if now - self._pruned_at > PRUNE_EVERY:
                self._pruned_at = now
                connection.execute(delete(_table).where(_table.c.free_at <= now))
        return 0 if taken else max(1, self.wait(limit, key))

    def wait(self, limit: Limit, key: str) -> int:
        """Seconds until `key` may act again; 0 when it may act now."""
        now = self._clock()
        with transaction(self._engine) as connection:
            free_at: float | None = connection.execute(
                select(_table.c.free_at).where(_table.c.key == self.stored_key(limit, key))
            ).scalar()
        if free_at is None:
            return 0
        return max(0, math.ceil(free_at - (limit.window - limit.interval) - now))

    def give_back(self, limit: Limit, key: str) -> None:
        """Returns a slot taken for work that did not happen after all."""
        with transaction(self._engine) as connection:
            connection.execute(
                update(_table)
                .where(_table.c.key == self.stored_key(limit, key))
                .values(free_at=_table.c.free_at - limit.interval)
            )

    def reset(self, limit: Limit, key: str) -> None:
        """Frees every slot of `key`."""
        with transaction(self._engine) as connection:
            connection.execute(delete(_table).where(_table.c.key == self.stored_key(limit, key)))

    def stored_key(self, limit: Limit, key: str) -> str:
        message = f"{limit.name}\x00{key}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def _insert(self) -> Any:
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(_table)
