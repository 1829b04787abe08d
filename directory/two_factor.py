"""Two-factor sign-in for moderators: time-based codes and recovery codes. Never sees a request.

A factor is set up in two steps: `begin` keeps a new secret as pending, and only `confirm`,
given a code made from it, turns it on, so a secret that never reached an app locks nobody
out. Each code is accepted once (the time-step it belongs to is remembered); each recovery
code once (only its hash is kept, and is removed when used).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Literal

import pyotp
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from directory import audit
from directory.accounts import AccountError, end_sessions, get_by_username
from directory.models import Moderator

ISSUER = "Prisoner Support Directory"
RECOVERY_CODE_COUNT = 10
# Codes a step before or after now are accepted too: phones' clocks drift, people type slowly.
VALID_WINDOW = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 10  # about 49 bits each: never guessed within the rate limit

Used = Literal["code", "recovery"]


class WrongCode(AccountError):
    """The code given is not a current one, was used already, or is no recovery code."""


@dataclass(frozen=True)
class Enrolment:
    """A secret being set up: for the person to type, and the URI an app reads from a QR code."""

    secret: str
    uri: str


def has_factor(moderator: Moderator) -> bool:
    return moderator.totp_secret is not None


def begin(session: Session, moderator: Moderator) -> Enrolment:
    """The pending secret to set up (made now unless one is already waiting)."""
    if has_factor(moderator):
        raise AccountError("Two-factor sign-in is already on.")
    if moderator.totp_pending_secret is None:
        moderator.totp_pending_secret = pyotp.random_base32()
        session.add(moderator)
        session.flush()
    return _enrolment(moderator, moderator.totp_pending_secret)


def confirm(session: Session, moderator: Moderator, code: str, *, actor: str) -> list[str]:
    """Turns the pending secret on if `code` was made from it, and returns new recovery codes
    (shown once). Ends every session they had: those were signed in without this factor."""
    pending = moderator.totp_pending_secret
    if pending is None or has_factor(moderator):
        raise AccountError("There is no two-factor sign-in waiting to be set up.")
    step = _matching_step(pending, code)
    if step is None:
        raise WrongCode("That code does not match. Check the time on your phone, and try again.")
    moderator.totp_secret, moderator.totp_pending_secret = pending, None
    moderator.totp_last_step = step
    codes = _new_recovery_codes(moderator)
    end_sessions(moderator)
    session.add(moderator)
    session.flush()
    audit.write(session, actor, "two_factor_enable", after={"username": moderator.username})
    return codes


def verify(session: Session, moderator: Moderator, code: str) -> Used | None:
    """Whether `code` is one of theirs, using it up: a current code not seen before, or an
    unused recovery code. None when it is neither."""
    if moderator.totp_secret is None:
        return None
    if _looks_like_recovery_code(code):
        return "recovery" if _use_recovery_code(session, moderator, code) else None
    step = _matching_step(moderator.totp_secret, code)
    if step is None or not _claim_step(session, moderator, step):
        return None
    return "code"


def regenerate_recovery_codes(
    session: Session, moderator: Moderator, code: str, *, actor: str
) -> list[str]:
    """New recovery codes in place of the old ones, given a current code."""
    if verify(session, moderator, code) is None:
        raise WrongCode(_WRONG_CODE)
    codes = _new_recovery_codes(moderator)
    session.add(moderator)
    session.flush()
    audit.write(session, actor, "two_factor_new_codes", after={"username": moderator.username})
    return codes


def disable(session: Session, moderator: Moderator, code: str, *, actor: str) -> None:
    """Turns their factor off, given a current code or a recovery code."""
    if verify(session, moderator, code) is None:
        raise WrongCode(_WRONG_CODE)
    _clear(moderator)
    session.add(moderator)
    session.flush()
    audit.write(session, actor, "two_factor_disable", after={"username": moderator.username})


def reset(session: Session, username: str, *, actor: str) -> Moderator:
    """Turns off someone else's factor (they lost their phone and codes) and ends their
    sessions: whoever has their password must not stay signed in on the strength of it."""
    moderator = get_by_username(session, username)
    if moderator is None:
        raise AccountError(f"There is no moderator called {username}.")
    if moderator.username == actor:
        raise AccountError("Turn off your own two-factor sign-in on your account page.")
    _clear(moderator)
    end_sessions(moderator)
    session.add(moderator)
    session.flush()
    audit.write(session, actor, "two_factor_reset", after={"username": moderator.username})
    return moderator


def recovery_codes_left(moderator: Moderator) -> int:
    return len(moderator.recovery_codes)


_WRONG_CODE = "That code does not match, or was used already. Please try a new one."


def _enrolment(moderator: Moderator, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=moderator.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri)


def _matching_step(secret: str, code: str) -> int | None:
    """The time-step near now that `code` was made for, or None."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(_now())
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(session: Session, moderator: Moderator, step: int) -> bool:
    """Records `step` as used, unless it or a later one was: in one statement, so that the
    same code sent twice at once is accepted once."""
    claimed = session.execute(
        update(Moderator)
        .where(
            col(Moderator.id) == moderator.id,
            or_(col(Moderator.totp_last_step).is_(None), col(Moderator.totp_last_step) < step),
        )
        .values(totp_last_step=step)
    )
    session.refresh(moderator)
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _looks_like_recovery_code(code: str) -> bool:
    return len(_normal(code)) == _RECOVERY_LENGTH


def _use_recovery_code(session: Session, moderator: Moderator, code: str) -> bool:
    # Locks their row on PostgreSQL until the commit, so that one code sent twice at once is
    # used once (SQLite has one writer at a time anyway).
    query = select(Moderator).where(col(Moderator.id) == moderator.id).with_for_update()
    locked = session.exec(query.execution_options(populate_existing=True)).one()
    wanted = _hash(code)
    left = [kept for kept in locked.recovery_codes if not hmac.compare_digest(kept, wanted)]
    if len(left) == len(locked.recovery_codes):
        return False
    locked.recovery_codes = left
    session.add(locked)
    session.flush()
    audit.write(
        session,
        locked.username,
        "two_factor_recovery_used",
        after={"username": locked.username, "recovery_codes_left": len(left)},
    )
    return True


def _new_recovery_codes(moderator: Moderator) -> list[str]:
    codes = [_random_code() for _ in range(RECOVERY_CODE_COUNT)]
    moderator.recovery_codes = [_hash(code) for code in codes]
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _random_code() -> str:
    return "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))


def _normal(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def _hash(code: str) -> str:
    # The codes are random and long, so a fast hash is enough: nothing to look up in a list.
    return hashlib.sha256(_normal(code).encode()).hexdigest()


def _clear(moderator: Moderator) -> None:
    moderator.totp_secret = moderator.totp_pending_secret = None
    moderator.totp_last_step = None
    moderator.recovery_codes = []


def _now() -> float:
    return time.time()
