"""Moderator accounts: create, authenticate, activate, name and list. Never sees a request."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from directory import audit
from directory.models import AuditEvent, Moderator, Organisation, storable, utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1000
MAX_DISPLAY_NAME_LENGTH = 80
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
# Who checked a listing, as the public reads it, unless the moderator chose a name to show.
VOLUNTEER_CREDIT = "a volunteer moderator"

# argon2-cffi's defaults are argon2id with the parameters RFC 9106 recommends.
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not theirs."""


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


def check_display_name(name: str) -> str | None:
    """Why name cannot be shown on listings, or None when it can ("" means no name)."""
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        return f"Use at most {MAX_DISPLAY_NAME_LENGTH} characters."
    # Control, invisible formatting (bidi overrides among them) and unassigned characters
    # would let a name disguise itself or break the pages and feeds it is shown in.
    if any(unicodedata.category(c)[0] == "C" or c in "\u2028\u2029" for c in name):
        return "That name has characters that cannot be used: write it as plain text."
    return None


def normalise_display_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def public_credit(moderator: Moderator | None) -> str:
    """What a listing this moderator checked says about who checked it."""
    if moderator is not None and moderator.display_name:
        return moderator.display_name
    return VOLUNTEER_CREDIT


def credit_for(session: Session, username: str) -> str:
    return public_credit(get_by_username(session, username))


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
    audit.write(session, actor, "moderator_create", after=_public(moderator))
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
    moderator = _existing(session, username)
    if not active and moderator.username == actor:
        raise AccountError("You cannot deactivate your own account.")
    if moderator.active == active:
        return moderator
    before = _public(moderator)
    moderator.active = active
    end_sessions(moderator)  # and reactivating later does not bring them back
    session.add(moderator)
    session.flush()
    action = "moderator_activate" if active else "moderator_deactivate"
    audit.write(session, actor, action, before=before, after=_public(moderator))
    return moderator


def end_sessions(moderator: Moderator) -> None:
    """Every session cookie made for them so far stops working (the caller commits)."""
    moderator.session_version += 1


def sign_out(session: Session, moderator_id: int) -> None:
    moderator = session.get(Moderator, moderator_id)
    if moderator is not None:
        end_sessions(moderator)
        session.add(moderator)


def change_password(
    session: Session, moderator_id: int, current: str, new: str, *, actor: str
) -> Moderator:
    """Raises WrongPassword unless `current` is theirs, AccountError if `new` will not do.
    Ends every session they had: whoever knew the old password may have signed in."""
    moderator = session.get(Moderator, moderator_id)
    if moderator is None or not _verify(moderator.password_hash, current[:MAX_PASSWORD_LENGTH]):
        raise WrongPassword("That is not your current password.")
    set_password(session, moderator, new, action="moderator_password_change", actor=actor)
    return moderator


def set_password(
    session: Session, moderator: Moderator, new: str, *, action: str, actor: str | None = None
) -> None:
    """A new password, given the old one or a reset link that proved who they are; ends
    every session they had. Raises AccountError if `new` will not do."""
    if problem := check_password(new):
        raise AccountError(problem)
    moderator.password_hash = _hasher.hash(new)
    end_sessions(moderator)
    session.add(moderator)
    session.flush()
    audit.write(session, actor or moderator.username, action, after=_public(moderator))


def set_mail_preferences(
    session: Session, moderator_id: int, email: str, *, queue_digest: bool
) -> Moderator:
    """Their private address (or none, with "") and whether the queue's digest goes to it.
    Raises AccountError for an address that cannot receive mail."""
    moderator = session.get(Moderator, moderator_id)
    if moderator is None:
        raise AccountError("There is no such moderator.")
    moderator.email = checked_email(email) if email.strip() else None
    moderator.queue_digest = queue_digest
    session.add(moderator)
    session.flush()
    return moderator


def checked_email(email: str) -> str:
    """The address, normalised; AccountError says what is wrong with one that will not do."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise AccountError(f"That email address will not work: {error}") from error


def set_display_name(session: Session, username: str, name: str, *, actor: str) -> Moderator:
    """Set (or with "" remove) the name shown on listings they check.

    The listings they were the last to approve, still showing their old credit, show the new
    one: a name taken back comes off those listings too.
    """
    name = normalise_display_name(name)
    if problem := check_display_name(name):
        raise AccountError(problem)
    moderator = _existing(session, username)
    before, old_credit = _public(moderator), public_credit(moderator)
    moderator.display_name = name or None
    session.add(moderator)
    new_credit = public_credit(moderator)
    if new_credit != old_credit:
        session.execute(
            update(Organisation)
            .where(
                col(Organisation.slug).in_(_last_approved_by(moderator.username)),
                col(Organisation.verified_by) == old_credit,
            )
            .values(verified_by=new_credit)
        )
    session.flush()
    audit.write(session, actor, "moderator_display_name", before=before, after=_public(moderator))
    return moderator


def _last_approved_by(username: str) -> SelectOfScalar[str | None]:
    # Each listing's latest approval; import and edits without review do not change who
    # checked it, and the old-credit condition in the caller skips any that did.
    latest = (
        select(func.max(AuditEvent.id))
        .where(col(AuditEvent.action) == "approve")
        .group_by(col(AuditEvent.organisation_slug))
    )
    return select(col(AuditEvent.organisation_slug)).where(
        col(AuditEvent.id).in_(latest), col(AuditEvent.actor) == username
    )


def _existing(session: Session, username: str) -> Moderator:
    moderator = get_by_username(session, username)
    if moderator is None:
        raise AccountError(f"There is no moderator called {username}.")
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
    return {
        "username": moderator.username,
        "role": moderator.role,
        "active": moderator.active,
        "display_name": moderator.display_name,
    }
