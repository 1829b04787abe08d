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
from starlette.types import ASGIApp, Receive, Scope, Send

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


class RateLimitState:
    """Middleware that owns this process's rate limits and hands them to each request.

    Handlers read `request.state.rate_limits` and `request.state.client_key`.
    """

    def __init__(self, app: ASGIApp, secret_key: str, limits: RateLimits | None = None) -> None:
        self.app = app
        self.limits = limits or default_limits()
        self._key = hashlib.sha256(b"client-key:" + secret_key.encode()).digest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            state = scope.setdefault("state", {})
            state["rate_limits"] = self.limits
            state["client_key"] = self.client_key(scope)
        await self.app(scope, receive, send)

    def client_key(self, scope: Scope) -> str:
        client = scope.get("client")
        address = client[0] if client else "unknown"
        return hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()[:32]


def minutes(seconds: int) -> str:
    whole = max(1, math.ceil(seconds / 60))
    return "1 minute" if whole == 1 else f"{whole} minutes"


def limits_of(request: Request) -> RateLimits:
    return request.state.rate_limits  # type: ignore[no-any-return]
