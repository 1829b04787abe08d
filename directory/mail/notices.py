"""Which mail each event queues, to whom, saying what: the directory's notices.

Submitters are written to only when they ticked the box asking for it, at the address they
gave; moderators at the private address on their account. Every notice is queued in the
caller's transaction (outbox.enqueue), so it exists exactly when the event committed.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func
from sqlmodel import Session, col, select

from directory import accounts, vocab
from directory.mail import outbox
from directory.models import AuditEvent, Moderator, Organisation, Submission

# The daily digest is queued on the first look at the queue after this hour (UTC).
DIGEST_HOUR_UTC = 8
DECISION_TEMPLATES = {
    "approved": "approved",
    "changes_requested": "changes_requested",
    "rejected": "rejected",
}


def submission_received(session: Session, submission: Submission) -> None:
    if submission.status == "pending":
        _to_submitter(session, submission, "received", f"submission-{submission.id}-received")


def submission_decided(session: Session, submission: Submission) -> None:
    """A decision the submitter hears about (spam is not one: nobody is told)."""
    template = DECISION_TEMPLATES.get(submission.status)
    if template is None or submission.decided_at is None:
        return
    when = int(submission.decided_at.replace(tzinfo=UTC).timestamp())
    _to_submitter(session, submission, template, f"submission-{submission.id}-{template}-{when}")


def listing_reported(session: Session, submission: Submission) -> None:
    """Tell the moderator who last approved the listing that someone reported a problem."""
    if submission.type != "report" or submission.status != "pending":
        return
    approver = session.exec(
        select(AuditEvent.actor)
        .where(col(AuditEvent.organisation_slug) == submission.organisation_slug)
        .where(col(AuditEvent.action) == "approve")
        .order_by(col(AuditEvent.id).desc())
    ).first()
    moderator = _reachable(session, approver)
    if moderator is None or moderator.email is None:
        return
    outbox.enqueue(
        session,
        f"submission-{submission.id}-reported-to-{moderator.id}",
        moderator.email,
        "reported",
        {
            "listing_name": _listing_name(session, submission),
            "listing_slug": submission.organisation_slug,
            "reason": vocab.REPORT_REASONS.get(submission.report_reason or "", "Other"),
            "reported_submission_id": submission.id,
        },
    )


def queue_digests(session: Session, queue_size: int, now: datetime | None = None) -> None:
    """Each moderator who wants it gets a digest of what waits: once a day, and once more
    the day the queue first reaches `queue_size`."""
    now = now or datetime.now(UTC)
    waiting = _waiting(session)
    total = sum(waiting.values())
    if total == 0:
        return
    due = []
    if now.time() >= time(DIGEST_HOUR_UTC):
        due.append("daily")
    if total >= queue_size:
        due.append("full")
    if not due:
        return
    oldest = session.exec(
        select(func.min(Submission.created_at)).where(col(Submission.status) == "pending")
    ).one()
    context = {
        "queue": {vocab.SUBMISSION_TYPES.get(kind, kind): count for kind, count in waiting.items()},
        "total": total,
        "oldest": oldest.date().isoformat() if oldest else None,
    }
    for moderator in session.exec(
        select(Moderator).where(
            col(Moderator.active), col(Moderator.queue_digest), col(Moderator.email).is_not(None)
        )
    ):
        for kind in due:
            key = f"digest-{moderator.id}-{now.date().isoformat()}-{kind}"
            outbox.enqueue(session, key, moderator.email or "", "digest", context)


def _to_submitter(session: Session, submission: Submission, template: str, key: str) -> None:
    address = _address(submission) if submission.notify_by_email else None
    if address is None:
        return
    context = {
        "submission_token": submission.token,
        "submission_kind": submission.type,
        "submission_type": vocab.SUBMISSION_TYPES.get(submission.type, submission.type),
        "listing_name": _listing_name(session, submission),
        "listing_slug": submission.organisation_slug if template == "approved" else None,
        "reason": submission.decision_reason,
    }
    outbox.enqueue(session, key, address, template, context)


def _address(submission: Submission) -> str | None:
    try:
        return validate_email(submission.contact or "", check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _listing_name(session: Session, submission: Submission) -> str:
    if submission.organisation_slug:
        name = session.exec(
            select(Organisation.name).where(Organisation.slug == submission.organisation_slug)
        ).first()
        if name is not None:
            return name
    return str((submission.proposed or {}).get("name") or "")


def _reachable(session: Session, username: str | None) -> Moderator | None:
    moderator = accounts.get_by_username(session, username) if username else None
    return moderator if moderator is not None and moderator.active else None


def _waiting(session: Session) -> dict[str, int]:
    query = (
        select(Submission.type, func.count())
        .where(col(Submission.status) == "pending")
        .group_by(col(Submission.type))
    )
    return {kind: int(count) for kind, count in session.exec(query).all()}
