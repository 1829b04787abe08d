"""How long submitters' personal details are kept, and deleting them once that time is up.

What a submitter told us about themselves (how to reach them, how they know the group, their
note to the volunteers) is needed while a moderator may have to ask them something. Once the
submission has been decided and the retention period has passed, it is deleted, and so is
the address and content of every email queued before the period began. What was
proposed, the decision, its reason and the audit log stay: they are about the listing.
Submissions still waiting for a moderator (pending) keep their details until decided.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from directory.models import MailMessage, Submission

# The submitter's own details. A new personal field on Submission belongs here too.
PERSONAL_FIELDS = ("contact", "relation", "note")
# Still open: a moderator may yet need to ask. Every other status is a decision.
OPEN_STATUSES = ("pending",)


def due(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """How many submissions hold personal details past the retention period."""
    query = select(func.count()).select_from(Submission).where(_due(retention_days, now))
    return int(session.exec(query).one())


def purge(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Delete the personal details of every submission decided more than `retention_days`
    ago; returns how many submissions had some. Runs in the caller's transaction."""
    statement = (
        update(Submission)
        .where(_due(retention_days, now))
        .values(dict.fromkeys(PERSONAL_FIELDS))
        .execution_options(synchronize_session=False)
    )
    purged = int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
    _forget_mail(session, retention_days, now)
    return purged


def _forget_mail(session: Session, retention_days: int, now: datetime | None) -> None:
    """Mail queued before the period began keeps what it was (for administrators), not
    whom it went to or what it said."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    session.execute(
        update(MailMessage)
        .where(col(MailMessage.created_at) < cutoff, col(MailMessage.recipient).is_not(None))
        .values(recipient=None, context={})
        .execution_options(synchronize_session=False)
    )


def _due(retention_days: int, now: datetime | None) -> ColumnElement[bool]:
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    # Spam caught by the honeypot is decided when it arrives, with no decided_at.
    decided = func.coalesce(col(Submission.decided_at), col(Submission.created_at))
    held = or_(*(col(getattr(Submission, name)).is_not(None) for name in PERSONAL_FIELDS))
    return col(Submission.status).not_in(OPEN_STATUSES) & (decided < cutoff) & held
