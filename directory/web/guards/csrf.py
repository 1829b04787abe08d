"""CSRF protection: a random token kept in the session and echoed by every POSTed form."""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.requests import Request

FIELD = "csrf_token"
_SESSION_KEY = "csrf"


def token(request: Request) -> str:
    """This session's token, created the first time a form needs it."""
    value = request.session.get(_SESSION_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        request.session[_SESSION_KEY] = value
    return value


def rotate(request: Request) -> None:
    """A new token after signing in or out, so a token seen before cannot be replayed."""
    request.session[_SESSION_KEY] = secrets.token_urlsafe(32)


def is_valid(request: Request, form: FormData) -> bool:
    expected = request.session.get(_SESSION_KEY)
    given = form.get(FIELD)
    if not isinstance(expected, str) or not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
