"""The access log: one line per request saying what was asked and how it went, and nothing
about who asked or what they were looking for.

A line is the method, the path, the status and how long the answer took, e.g.
`GET /submissions/{token} 200 4.2 ms`. Never the client's address (the directory promises
not to keep one), the query string (what people search for: a prisoner's name, a prison),
the user agent or the referrer; a submission's secret token is replaced by `{token}`.
uvicorn's own access log, which has all of these, is off (`directory serve`).
"""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("directory.access")

# Paths whose segment after the prefix is a secret: the key to a submitter's status page.
SECRET = re.compile(r"^/submissions/[^/]+")
LONGEST_PATH = 200  # characters; a longer path is cut (and says so with "…")
_PRINTABLE = "/%:@!$&'()*+,;=-._~"  # left as they are; anything else is percent-encoded


def loggable_path(scope: Scope) -> str:
    """The request's path as it may be logged: no secret token, no query, nothing that could
    forge a line (control characters are percent-encoded), and not too long."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else str(scope.get("path", ""))
    path = SECRET.sub("/submissions/{token}", quote(path, safe=_PRINTABLE))
    return path if len(path) <= LONGEST_PATH else path[:LONGEST_PATH] + "…"


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless the app answers: an error that escapes it becomes a 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %d %.1f ms", scope["method"], loggable_path(scope), status, elapsed)
