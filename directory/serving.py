"""How `directory serve` runs uvicorn: whose forwarded headers are believed, how long and how
large a request's head may be, how long an idle connection is kept, how many may be open at
once, and the logs."""

from __future__ import annotations

import functools
from typing import Any

from directory import logs
from directory.connections import BoundedHttpToolsProtocol
from directory.settings import Settings

APP = "directory.app:create_app"


def run(settings: Settings, host: str, port: int, reload: bool) -> None:
    import uvicorn

    uvicorn.run(APP, factory=True, host=host, port=port, reload=reload, **options(settings))


def options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for these settings."""
    return {
        # Only the proxies named in the settings may say who the client is: never uvicorn's
        # default (any connection from loopback) nor its FORWARDED_ALLOW_IPS variable.
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": settings.trusted_proxies,
        "http": functools.partial(
            BoundedHttpToolsProtocol,
            header_timeout=settings.header_timeout_seconds,
            max_header_bytes=settings.max_header_bytes,
        ),
        "timeout_keep_alive": settings.keep_alive_seconds,
        "limit_concurrency": settings.max_connections,
        "log_config": logs.config(),
        "access_log": False,
    }
