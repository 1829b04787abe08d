"""Per-client rate limits, held in memory, keyed by an HMAC of the client's address.

Raw IP addresses are never stored: the key is an HMAC with the secret key, so it cannot be
turned back into an address, and it lives only in this process's memory for a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

MAX_KEYS = 50_000


class SlidingWindow:
    """At most `limit` events per key in any `window` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may act again; 0 when it may act now."""
        with self._lock:
            events = self._recent(key)
            if len(events) < self.limit:
                return 0
            return max(1, math.ceil(events[0] + self.window - self._clock()))

    def hit(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self._clock())
            if len(self._events) > MAX_KEYS:
                self._forget_idle()

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        events = self._events.setdefault(key, deque())
        cutoff = self._clock() - self.window
        while events and events[0] <= cutoff:
            events.popleft()
        return events

    def _forget_idle(self) -> None:
        cutoff = self._clock() - self.window
        for key in [k for k, events in self._events.items() if not events or events[-1] <= cutoff]:
            del self._events[key]


@dataclass
class RateLimits:
    submissions: SlidingWindow
    login_per_user: SlidingWindow
    login_per_client: SlidingWindow


def default_limits() -> RateLimits:
    return RateLimits(
        submissions=SlidingWindow(limit=5, window=600),
        login_per_user=SlidingWindow(limit=5, window=900),
        login_per_client=SlidingWindow(limit=20, window=900),
    )


class ClientKeys:
    """Turns a client's address into its rate-limit key, only when a limited action asks."""

    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"client-key:" + secret_key.encode()).digest()

    def of(self, address: str) -> str:
        return hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()[:32]


def minutes(seconds: int) -> str:
    whole = max(1, math.ceil(seconds / 60))
    return "1 minute" if whole == 1 else f"{whole} minutes"


def limits_of(request: Request) -> RateLimits:
    """This process's rate limits (made in the app's lifespan)."""
    return request.state.rate_limits  # type: ignore[no-any-return]


def client_key(request: Request) -> str:
    """The key the request's client is counted under: never its address itself."""
    keys: ClientKeys = request.state.client_keys
    return keys.of(request.client.host if request.client else "unknown")
