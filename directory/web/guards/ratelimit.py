"""The rate limits of the public forms and of signing in, and who a request counts as.

The limits themselves are kept in the database (directory/ratelimits.py), shared by every
process. A request counts as its client: the address the connection came from, or the one a
trusted proxy named (uvicorn sets it from DIRECTORY_TRUSTED_PROXIES; nothing here reads a
forwarded header), and only as an HMAC of it, never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

from starlette.requests import Request

from directory.ratelimits import Limit, Limiter
from directory.web.state import app_state


@dataclass(frozen=True)
class RateLimits:
    submissions: Limit
    login_per_user: Limit
    login_per_client: Limit
    # Asking for a password reset link: per client, and per account, so that nobody can
    # fill a moderator's inbox.
    resets_per_client: Limit
    resets_per_user: Limit
    # Codes at the second step of signing in, counted by account: whoever gets this far has
    # the password, so where they try from does not matter.
    code_per_user: Limit = Limit("sign-in-code-user", count=5, window=900)


def default_limits() -> RateLimits:
    return RateLimits(
        submissions=Limit("submissions", count=5, window=600),
        login_per_user=Limit("sign-in-user", count=5, window=900),
        login_per_client=Limit("sign-in-client", count=20, window=900),
        resets_per_client=Limit("reset-client", count=5, window=3600),
        resets_per_user=Limit("reset-user", count=3, window=3600),
        code_per_user=Limit("sign-in-code-user", count=5, window=900),
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
    """The app's rate limits (made in its lifespan)."""
    return app_state(request).rate_limits


def client_key(request: Request) -> str:
    """The key the request's client is counted under: never its address itself."""
    return app_state(request).client_keys.of(request.client.host if request.client else "unknown")


def take(request: Request, limit: Limit, key: str | None = None) -> int:
    """Takes one of `limit`'s slots for `key` (by default the client's), before the work it
    guards: 0 when taken, otherwise the seconds to wait (and nothing was taken)."""
    return _limiter(request).take(limit, _key(request, key))


def give_back(request: Request, limit: Limit, key: str | None = None) -> None:
    """Returns a slot that `take` gave for work that did not happen after all."""
    _limiter(request).give_back(limit, _key(request, key))


def reset(request: Request, limit: Limit, key: str | None = None) -> None:
    """Frees all of `key`'s slots (a moderator who signed in forgets their mistakes)."""
    _limiter(request).reset(limit, _key(request, key))


def wait(request: Request, limit: Limit, key: str | None = None) -> int:
    """Seconds until `key` may act again, taking nothing; 0 when it may act now."""
    return _limiter(request).wait(limit, _key(request, key))


def _limiter(request: Request) -> Limiter:
    return app_state(request).rate_limiter


def _key(request: Request, key: str | None) -> str:
    return client_key(request) if key is None else key
