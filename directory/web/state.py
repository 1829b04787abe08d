"""What the app makes at start and every request reads: one typed AppState, and its accessor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for the annotations only: these modules read the state themselves
    from anyio import CapacityLimiter
    from sqlalchemy.engine import Engine
    from starlette.templating import Jinja2Templates

    from directory.ratelimits import Limiter
    from directory.search.service import SearchService
    from directory.search.sync import Relay
    from directory.settings import Settings
    from directory.web.guards.password_checks import PasswordChecks
    from directory.web.guards.ratelimit import ClientKeys, RateLimits
    from directory.web.middleware.remembered import Remembered
    from directory.web.views.heavy import HeavyPages

# The one key of the lifespan's state: Starlette gives every request a copy of that mapping.
STATE_KEY = "directory"


@dataclass(frozen=True, slots=True)
class AppState:
    """The shared resources, made in the lifespan and living as long as the server."""

    settings: Settings
    engine: Engine
    search: SearchService
    search_sync: Relay
    templates: Jinja2Templates
    remembered: Remembered
    heavy_pages: HeavyPages
    rate_limits: RateLimits
    rate_limiter: Limiter
    client_keys: ClientKeys
    password_checks: PasswordChecks
    # The worker threads searches run in, at most so many at once (None: anyio's default, 40).
    searchers: CapacityLimiter | None = None


def app_state(connection: Mapping[str, Any]) -> AppState:
    """The AppState of a request, or of an ASGI scope (a request reads as its scope)."""
    state: AppState = connection["state"][STATE_KEY]
    return state
