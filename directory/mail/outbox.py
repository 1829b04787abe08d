"""The mail outbox: queue a message in the caller's transaction, and what the sender needs.

A message is queued in the same transaction as the decision or request that causes it: it
exists exactly when that committed. Its key makes queueing idempotent: a message about the
same thing is queued once, however often the code that queues it runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from directory import vocab
from directory.models import MailMessage, utcnow

# A mail server that keeps refusing is tried this many times (over about a day), then the
# message is shown to administrators as not sent.
MAX_ATTEMPTS = 12
MAX_DELAY = timedelta(hours=4)
QUEUED = "mail queued"


def enqueue(
    session: Session, key: str, recipient: str, template: str, context: Mapping[str, Any]
) -> None:
    """Queue one message in the caller's transaction, unless one with `key` exists."""
    if template not in vocab.MAIL_TEMPLATES:
        raise ValueError(f"no mail template {template!r}")
    values = {
        "key": key[:120],
        "recipient": recipient,
        "template": template,
        "context": dict(context),
        "status": "waiting",
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(MailMessage).values(values).on_conflict_do_nothing()
    session.execute(statement)
    session.info[QUEUED] = True  # the sender listens for the commit (sender.Sender.start)


def due(session: Session, limit: int = 20, now: datetime | None = None) -> Sequence[MailMessage]:
    """The waiting messages whose time has come, oldest first."""
    query = (
        select(MailMessage)
        .where(col(MailMessage.status) == "waiting")
        .where(col(MailMessage.next_attempt_at) <= (now or utcnow()))
        .order_by(col(MailMessage.id))
        .limit(limit)
    )
    return session.exec(query).all()


def mark_sent(session: Session, message_id: int) -> None:
    session.execute(
        update(MailMessage)
        .where(col(MailMessage.id) == message_id)
        .values(status="sent", sent_at=utcnow(), last_error=None)
    )


def mark_failed(
    session: Session, message: MailMessage, error: str, *, permanent: bool, base_delay: float
) -> None:
    """Try again later, longer after each failure; or give up, for a refusal that will not
    change (the server said the address does not exist) or after MAX_ATTEMPTS."""
    attempts = message.attempts + 1
    delay = min(timedelta(seconds=base_delay * 2 ** (attempts - 1)), MAX_DELAY)
    give_up = permanent or attempts >= MAX_ATTEMPTS
    session.execute(
        update(MailMessage)
        .where(col(MailMessage.id) == message.id)
        .values(
            attempts=attempts,
            last_error=error[:300],
            status="failed" if give_up else "waiting",
            next_attempt_at=utcnow() + delay,
        )
    )


def recent(session: Session, limit: int = 100) -> Sequence[MailMessage]:
    """The newest messages, for administrators: what was sent, what waits, what failed."""
    query = select(MailMessage).order_by(col(MailMessage.id).desc()).limit(limit)
    return session.exec(query).all()


def counts(session: Session) -> dict[str, int]:
    query = select(MailMessage.status, func.count()).group_by(col(MailMessage.status))
    found = {status: int(count) for status, count in session.exec(query).all()}
    return {status: found.get(status, 0) for status in vocab.MAIL_STATUSES}
