"""Moderator accounts: create, authenticate, activate and list. Never sees a request."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from directory.models import AuditEvent, Moderator, storable, utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1000
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")

# argon2-cffi's defaults are argon2id with the parameters RFC 9106 recommends.
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_username(username: str) -> str | None:
    """Why username cannot be used, or None when it can."""
    if not USERNAME_PATTERN.match(username):
        return (
            "Use 2 to 40 characters: lower-case letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit."
        )
    return None


def check_password(password: str) -> str | None:
    """Why password cannot be used, or None when it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    return None


def get_by_username(session: Session, username: str) -> Moderator | None:
    if not storable(username):
        return None
    query = select(Moderator).where(Moderator.username == normalise_username(username))
    return session.exec(query).first()


def get_active(session: Session, moderator_id: int) -> Moderator | None:
    moderator = session.get(Moderator, moderator_id)
    return moderator if moderator is not None and moderator.active else None


def list_moderators(session: Session) -> Sequence[Moderator]:
    return session.exec(select(Moderator).order_by(Moderator.username)).all()


def create_moderator(
    session: Session, username: str, password: str, *, admin: bool = False, actor: str = "cli"
) -> Moderator:
    username = normalise_username(username)
    problem = check_username(username) or check_password(password)
    if problem:
        raise AccountError(problem)
    if get_by_username(session, username) is not None:
        raise AccountError(f"There is already a moderator called {username}.")
    moderator = Moderator(
        username=username,
        password_hash=_hasher.hash(password),
        role="admin" if admin else "moderator",
    )
    session.add(moderator)
    session.flush()
    _audit(session, actor, "moderator_create", None, _public(moderator))
    return moderator


def authenticate(session: Session, username: str, password: str) -> Moderator | None:
    """The active moderator with these credentials, or None."""
    moderator = get_by_username(session, username)
    if moderator is None or len(password) > MAX_PASSWORD_LENGTH:
        _verify(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])
        return None
    if not _verify(moderator.password_hash, password) or not moderator.active:
        return None
    if _hasher.check_needs_rehash(moderator.password_hash):
        moderator.password_hash = _hasher.hash(password)
    moderator.last_login_at = utcnow()
    session.add(moderator)
    return moderator


def set_active(session: Session, username: str, active: bool, *, actor: str) -> Moderator:
    moderator = get_by_username(session, username)
    if moderator is None:
        raise AccountError(f"There is no moderator called {username}.")
    if not active and moderator.username == actor:
        raise AccountError("You cannot deactivate your own account.")
    if moderator.active == active:
        return moderator
    before = _public(moderator)
    moderator.active = active
    session.add(moderator)
    session.flush()
    action = "moderator_activate" if active else "moderator_deactivate"
    _audit(session, actor, action, before, _public(moderator))
    return moderator


@cache
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so a wrong name costs as much time as a
    # wrong password and response times do not reveal which usernames exist.
    return _hasher.hash("no such moderator, only here to spend the same time")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _public(moderator: Moderator) -> dict[str, object]:
    return {"username": moderator.username, "role": moderator.role, "active": moderator.active}


def _audit(
    session: Session,
    actor: str,
    action: str,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    session.add(AuditEvent(actor=actor, action=action, before=before, after=after))
