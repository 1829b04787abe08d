"""One-time messages carried across a redirect in the session ("Approved: ... is live")."""

from __future__ import annotations

from starlette.requests import Request

_KEY = "flash"


def flash(request: Request, message: str) -> None:
    request.session[_KEY] = message


def pop(request: Request) -> str | None:
    if _KEY not in request.session:
        return None
    message = request.session.pop(_KEY)
    return message if isinstance(message, str) else None
