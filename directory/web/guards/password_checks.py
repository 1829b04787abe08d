"""A bound on password hashing at once: each argon2 check takes 64 MiB, and sign-in is public.

40 sign-ins sent together took a server from 94 MiB to over 1 GiB. With the bound, a
process holds at most AT_ONCE checks' memory; the rest are answered 429 straight away
rather than queued, so a flood cannot hold the thread pool either.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

AT_ONCE = 2
# A check takes a fraction of a second: by then a slot is very likely free again.
RETRY_AFTER_SECONDS = 3
BUSY_MESSAGE = "Too many people are signing in at this moment. Please try again in a few seconds."


class Busy(Exception):
    """Every slot is taken: answer 429 and ask to come back in RETRY_AFTER_SECONDS."""


class PasswordChecks:
    def __init__(self, at_once: int = AT_ONCE) -> None:
        self._slots = threading.BoundedSemaphore(at_once)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot while hashing or verifying; raises Busy when there is none."""
        if not self._slots.acquire(blocking=False):
            raise Busy
        try:
            yield
        finally:
            self._slots.release()


def retry_headers() -> dict[str, str]:
    return {"retry-after": str(RETRY_AFTER_SECONDS)}
