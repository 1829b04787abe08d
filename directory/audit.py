"""The audit log's one writer: who did what, when, with the state before and after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from directory.models import AuditEvent


def write(
    session: Session,
    actor: str,
    action: str,
    *,
    organisation_slug: str | None = None,
    submission_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an event to the caller's transaction: it commits, or rolls back, with the change.

    Events are never updated or deleted; a correction is an event of its own.
    """
    event = AuditEvent(
        actor=actor,
        action=action,
        organisation_slug=organisation_slug,
        submission_id=submission_id,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    )
    session.add(event)
    session.flush()
    return event
