"""Moderators who forgot their password: an emailed link, good once and for an hour.

Only a hash of the link's secret is stored. The secret itself is never stored at all: it is
made from the directory's secret key and a random nonce when the mail is written, so that
someone who reads the database (or a backup of it) cannot use a link waiting in the outbox.
Asking gives the same answer whether or not the account exists (the web layer's concern),
and a new password ends every session the account had.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from directory import accounts, audit
from directory.mail import outbox
from directory.models import Moderator, PasswordReset, storable, utcnow

RESET_MINUTES = 60


class ResetInvalid(accounts.AccountError):
    def __init__(self) -> None:
        super().__init__("This link has expired or has been used already. Ask for a new one below.")


def link_token(secret_key: str, nonce: str) -> str:
    """The secret in a reset link, made again from the key and the nonce whenever needed."""
    digest = hmac.new(secret_key.encode(), f"password-reset:{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def request(session: Session, username: str, secret_key: str) -> None:
    """Queue a reset link to the account's private address, if there is an active account
    called `username` with one; otherwise do nothing, visibly the same."""
    moderator = accounts.get_by_username(session, accounts.normalise_username(username))
    if moderator is None or not moderator.active or not moderator.email:
        return
    nonce = secrets.token_urlsafe(16)
    reset = PasswordReset(
        moderator_id=moderator.id or 0,
        token_hash=_hash(link_token(secret_key, nonce)),
        expires_at=utcnow() + timedelta(minutes=RESET_MINUTES),
    )
    session.add(reset)
    session.flush()
    context = {"reset_nonce": nonce, "username": moderator.username, "minutes": RESET_MINUTES}
    outbox.enqueue(
        session, f"password-reset-{reset.id}", moderator.email, "password_reset", context
    )
    audit.write(session, moderator.username, "password_reset_requested")


def find(session: Session, token: str) -> PasswordReset | None:
    """The unused, unexpired reset this link's secret belongs to, or None."""
    if not token or len(token) > 100 or not storable(token):
        return None
    reset = session.exec(
        select(PasswordReset).where(col(PasswordReset.token_hash) == _hash(token))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset


def complete(session: Session, token: str, new_password: str) -> Moderator:
    """Set the new password and use the link up, in the caller's transaction. Raises
    ResetInvalid for a link that will not do, AccountError for a password that will not."""
    reset = find(session, token)
    moderator = session.get(Moderator, reset.moderator_id) if reset else None
    if reset is None or moderator is None or not moderator.active:
        raise ResetInvalid
    if problem := accounts.check_password(new_password):
        raise accounts.AccountError(problem)
    # Of two uses at once, the database lets one through; the other changes no row.
    used = session.execute(
        update(PasswordReset)
        .where(col(PasswordReset.moderator_id) == moderator.id)
        .where(col(PasswordReset.used_at).is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not used.rowcount:  # type: ignore[attr-defined]
        raise ResetInvalid
    accounts.set_password(session, moderator, new_password, action="password_reset")
    return moderator


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
