"""How long submitters' personal details are kept, and deleting them once that time is up.

What a submitter told us about themselves (how to reach them, how they know the group, their
note to the volunteers) is needed while a moderator may have to ask them something. Once the
submission has been decided and the retention period has passed, it is deleted. What was
proposed, the decision, its reason and the audit log stay: they are about the listing.
Submissions still waiting for a moderator (pending) keep their details until decided.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from directory.models import Submission

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
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _due(retention_days: int, now: datetime | None) -> ColumnElement[bool]:
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    # Spam caught by the honeypot is decided when it arrives, with no decided_at.
    decided = func.coalesce(col(Submission.decided_at), col(Submission.created_at))
    held = or_(*(col(getattr(Submission, name)).is_not(None) for name in PERSONAL_FIELDS))
    return col(Submission.status).not_in(OPEN_STATUSES) & (decided < cutoff) & held
