"""How `directory serve` runs uvicorn: whose forwarded headers are believed, how long and how
large a request's head may be, how long an idle connection is kept, how many may be open at
once, and the logs."""

from __future__ import annotations

import functools
import ipaddress
import logging
import logging.config
from typing import Any

from directory import logs
from directory.connections import BoundedHttpToolsProtocol
from directory.settings import Settings

APP = "directory.app:create_app"
WORKER_HEALTHCHECK_SECONDS = 60

log = logging.getLogger(__name__)


def run(settings: Settings, host: str, port: int, reload: bool, workers: int = 1) -> None:
    """Serve until stopped. With `workers` over 1, that many processes share the socket;
    each reads the settings from the environment, as this one did."""
    import uvicorn

    if reload and workers > 1:
        raise ValueError("--reload restarts one process; it cannot be used with --workers.")
    problem = base_url_problem(settings, host)
    if problem:
        _log_as_uvicorn_will()
        log.warning(problem)
    uvicorn.run(
        APP,
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=workers,
        **options(settings),
    )


def base_url_problem(settings: Settings, host: str) -> str | None:
    """What is wrong with serving on `host` with these settings' DIRECTORY_BASE_URL: left at
    its default (this machine's own address) while others can reach the server, it would be
    printed on every paper list and named in every link the directory sends out."""
    if settings.base_url_is_set or _loopback(host):
        return None
    return (
        f"DIRECTORY_BASE_URL is not set, so printed lists, feeds and links name "
        f"{settings.base_url}, which nobody else can reach, while the server listens on "
        f"{host}. Set DIRECTORY_BASE_URL to the directory's public address "
        "(for example https://directory.example.org)."
    )


def _log_as_uvicorn_will() -> None:
    """uvicorn sets the log up as it starts; a message before that is written the same way
    (unless something else, a test, already set the log up)."""
    if not logging.root.handlers and not logging.getLogger("directory").handlers:
        logging.config.dictConfig(logs.config())


def _loopback(host: str) -> bool:
    if host.casefold().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may be this machine's public one


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
        # With --workers, the parent restarts a worker that does not answer its ping this
        # fast; a worker starting on a busy machine (loading the index) can take longer than
        # uvicorn's 5 seconds, and would be killed over and over.
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS,
        "access_log": False,
    }
