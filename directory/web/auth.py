"""Moderator sign-in state in the session, and the guard every /moderate page goes through."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory import accounts, two_factor
from directory.database import session_scope
from directory.models import Moderator
from directory.web.guards import csrf
from directory.web.state import app_state
from directory.web.templating import route_path
from directory.web.views.endpoints import FormHandler

SESSION_HOURS = 12
_USER_KEY = "moderator_id"
_SINCE_KEY = "signed_in_at"
# The moderator's session version when this cookie was made: signing out, a new password or
# deactivation raise it in the database, and every cookie made before stops working.
_VERSION_KEY = "session_version"
# Between a right password and a right code: whose password it was, and since when.
_PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 5 * 60


@dataclass(frozen=True)
class SignedIn:
    """The moderator behind this request, as handlers need them."""

    id: int
    username: str
    is_admin: bool
    display_name: str | None = None
    has_two_factor: bool = False
    # An administrator who must set up two-factor sign-in before anything else.
    must_enrol: bool = False


ModeratorHandler = Callable[[Request, FormData | None, SignedIn], Response]


def sign_in(request: Request, moderator: Moderator) -> None:
    # Start from an empty session so nothing from before signing in carries over.
    request.session.clear()
    request.session[_USER_KEY] = moderator.id
    request.session[_SINCE_KEY] = int(time.time())
    request.session[_VERSION_KEY] = moderator.session_version
    csrf.rotate(request)


def await_code(request: Request, moderator: Moderator, next_path: str) -> None:
    """Their password was right; they are not signed in until a code from their factor is."""
    request.session.clear()
    request.session[_PENDING_KEY] = [
        moderator.id,
        moderator.session_version,
        int(_now()),
        next_path,
    ]
    csrf.rotate(request)


@dataclass(frozen=True)
class Pending:
    """Someone who gave the right password and is asked for a code."""

    moderator_id: int
    session_version: int
    next_path: str


def pending(request: Request) -> Pending | None:
    """Who is half-way through signing in, unless that was more than PENDING_SECONDS ago."""
    value = request.session.get(_PENDING_KEY)
    if not (isinstance(value, list) and len(value) == 4):
        return None
    moderator_id, version, since, next_path = value
    if not (isinstance(moderator_id, int) and isinstance(version, int) and isinstance(since, int)):
        return None
    if _now() - since > PENDING_SECONDS:
        return None
    return Pending(moderator_id, version, safe_next(str(next_path)))


def forget_pending(request: Request) -> None:
    request.session.pop(_PENDING_KEY, None)


def _now() -> float:
    return time.time()


def sign_out(request: Request, moderator: SignedIn) -> None:
    """End this session and every other one the moderator has, wherever its cookie went."""
    with session_scope(app_state(request).engine) as session:
        accounts.sign_out(session, moderator.id)
    request.session.clear()
    csrf.rotate(request)


def current(request: Request) -> SignedIn | None:
    """The signed-in, still active moderator, or None. Checked against the database each time,
    so deactivating someone, or any other end of their sessions, takes effect at once."""
    moderator_id = request.session.get(_USER_KEY)
    since = request.session.get(_SINCE_KEY)
    version = request.session.get(_VERSION_KEY)
    if not (isinstance(moderator_id, int) and isinstance(since, int) and isinstance(version, int)):
        return None
    if time.time() - since > SESSION_HOURS * 3600:
        return None
    with session_scope(app_state(request).engine) as session:
        moderator = accounts.get_active(session, moderator_id)
        if moderator is None or moderator.id is None or moderator.session_version != version:
            return None
        is_admin, has_factor = moderator.role == "admin", two_factor.has_factor(moderator)
        required = app_state(request).settings.admin_two_factor
        return SignedIn(
            moderator.id,
            moderator.username,
            is_admin,
            moderator.display_name,
            has_two_factor=has_factor,
            must_enrol=is_admin and required and not has_factor,
        )


def may_be_signed_in(request: Request) -> bool:
    """Whether this browser's session names a moderator, unchecked: enough to offer a link
    to a moderator's page (which checks, with current()), never to allow anything."""
    return isinstance(request.session.get(_USER_KEY), int)


def moderator_required(handler: ModeratorHandler) -> FormHandler:
    """Pages redirect to the sign-in page; POSTs without a session, or with a bad CSRF
    token, get 403."""
    return _guard(handler, admin=False)


def admin_required(handler: ModeratorHandler) -> FormHandler:
    """As moderator_required, and other moderators get 403."""
    return _guard(handler, admin=True)


def enrolment_allowed(handler: ModeratorHandler) -> FormHandler:
    """As moderator_required, but open to an administrator who has yet to set up two-factor
    sign-in (moderator_required sends them here): setting it up, and signing out."""
    return _guard(handler, admin=False, enrolling=True)


def _guard(handler: ModeratorHandler, *, admin: bool, enrolling: bool = False) -> FormHandler:
    @functools.wraps(handler)
    def guarded(request: Request, form: FormData | None) -> Response:
        moderator = current(request)
        if moderator is None:
            if request.method != "GET":
                raise HTTPException(403, "Sign in to do that.")
            return RedirectResponse(login_url(request, request.url.path), status_code=303)
        if form is not None and not csrf.is_valid(request, form):
            raise HTTPException(403, "The form had expired. Go back, reload and try again.")
        if moderator.must_enrol and not enrolling:
            if request.method != "GET":
                raise HTTPException(403, "Set up two-factor sign-in first.")
            return RedirectResponse(route_path(request, "moderate_two_factor"), status_code=303)
        if admin and not moderator.is_admin:
            raise HTTPException(403, "Only administrators can do that.")
        return handler(request, form, moderator)

    return guarded


def login_url(request: Request, next_path: str) -> str:
    return route_path(request, "moderate_login") + "?next=" + quote(next_path, safe="/")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only somewhere inside /moderate, never another site."""
    if value and value.startswith("/moderate") and "//" not in value and "\\" not in value:
        return value
    return "/moderate"
