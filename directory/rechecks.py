"""Keeping listings fresh: which are due for a re-check, and what a moderator does about one
in a single step (still correct, no longer active, edited directly). Never sees a request.

Every action is audited with the listing before and after, and goes through the catalogue's
one write path, which records the outbox event that search follows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from directory import accounts, audit, catalogue, freshness, linkcheck, moderation, vocab
from directory.listings import snapshot
from directory.models import Organisation, Submission
from directory.moderation import ModerationError
from directory.records import MAX_SOURCES, OrganisationRecord

PAGE_SIZE = 50


class ChangedMeanwhile(ModerationError):
    def __init__(self) -> None:
        super().__init__(
            "Someone changed this listing after you opened it, so nothing was saved. "
            "What you typed is still here: check the listing as it is now, then try again."
        )


class FieldProblem(ModerationError):
    """An answer that cannot be used, about the form field `field`."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class DueListing:
    slug: str
    name: str
    status: str
    verified_on: date | None
    last_activity: str | None
    reasons: list[str]


@dataclass(frozen=True)
class DueQueue:
    """One page of the listings due for a re-check, oldest check first."""

    listings: list[DueListing]
    total: int  # on every page, not only this one
    page: int
    pages: int
    per_page: int


# Which listings are due -------------------------------------------------------------------


def due(session: Session, *, today: date, page: int = 1, per_page: int = PAGE_SIZE) -> DueQueue:
    """The listings with a reason to check them again (freshness.recheck_reasons), the ones
    checked longest ago first and never-checked ones before all. A closed listing is due only
    when a problem report about it is open. A page past the last is the last."""
    found = _all_due(session, today)
    pages = max(1, -(-len(found) // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    return DueQueue(found[start : start + per_page], len(found), page, pages, per_page)


def due_count(session: Session, *, today: date) -> int:
    return len(_all_due(session, today))


def reasons(session: Session, organisation: Organisation, *, today: date) -> list[str]:
    """Why this listing is due for a re-check; empty when it is not."""
    check = linkcheck.latest(session, organisation.slug)
    return freshness.recheck_reasons(
        status=organisation.status,
        last_activity=organisation.last_activity,
        verified_on=organisation.verified_on,
        today=today,
        link_failed=check is not None and not check.ok and check.url == organisation.website,
        open_reports=len(open_reports(session, organisation.slug)),
    )


def open_reports(session: Session, slug: str) -> Sequence[Submission]:
    """The problem reports about a listing that wait for a decision, oldest first."""
    return session.exec(
        select(Submission)
        .where(
            Submission.type == "report",
            Submission.organisation_slug == slug,
            col(Submission.status).in_(vocab.OPEN_SUBMISSION_STATUSES),
        )
        .order_by(col(Submission.created_at), col(Submission.id))
    ).all()


def _all_due(session: Session, today: date) -> list[DueListing]:
    # The rule is freshness's, in Python; the columns it needs are a light read even for
    # thousands of listings.
    failing = {check.organisation_slug for check in linkcheck.failing(session)}
    reports = _open_report_counts(session)
    columns = sqlalchemy.select(  # sqlmodel's select() is typed for up to four columns
        col(Organisation.slug),
        col(Organisation.name),
        col(Organisation.status),
        col(Organisation.last_activity),
        col(Organisation.verified_on),
    )
    rows = session.execute(columns).all()
    found = []
    for slug, name, status, last_activity, verified_on in rows:
        if status == "inactive" and not reports.get(slug):
            continue  # closed, and nobody says otherwise: nothing to check
        why = freshness.recheck_reasons(
            status=status,
            last_activity=last_activity,
            verified_on=verified_on,
            today=today,
            link_failed=slug in failing,
            open_reports=reports.get(slug, 0),
        )
        if why:
            found.append(DueListing(slug, name, status, verified_on, last_activity, why))
    found.sort(
        key=lambda item: (
            item.verified_on is not None,
            item.verified_on or today,
            item.name.casefold(),
        )
    )
    return found


def _open_report_counts(session: Session) -> dict[str, int]:
    query = (
        select(Submission.organisation_slug, func.count())
        .where(
            Submission.type == "report",
            col(Submission.status).in_(vocab.OPEN_SUBMISSION_STATUSES),
            col(Submission.organisation_slug).is_not(None),
        )
        .group_by(col(Submission.organisation_slug))
    )
    return {str(slug): count for slug, count in session.exec(query).all()}


# One-step actions on a listing ------------------------------------------------------------


def confirm(
    session: Session,
    organisation: Organisation,
    *,
    moderator: str,
    source: str,
    activity: str | None = None,
    activity_source: str | None = None,
    expected_version: str | None = None,
    today: date | None = None,
) -> Organisation:
    """ "Still correct": the moderator checked `source` and the listing holds. It is checked
    today by the moderator's public credit; a newer dated sign of `activity` ("YYYY" or
    "YYYY-MM", stated at `activity_source`, else at `source`) becomes its latest activity;
    its status follows the evidence (freshness.status_from_evidence)."""
    _same_version(organisation, expected_version)
    checked = today or date.today()
    before = snapshot(organisation)
    last_activity, citations = before["last_activity"], dict(before["citations"])
    if activity:
        _check_activity(activity, last_activity, checked)
        last_activity = activity
        citations["last_activity"] = {"url": activity_source or source, "date": activity}
    status = freshness.status_from_evidence(
        last_activity, checked, closed=before["status"] == "inactive"
    )
    values = {
        **before,
        "sources": _sources(
            before["sources"], ("checked_source", source), ("activity_source", activity_source)
        ),
        "citations": citations,
        "last_activity": last_activity,
        "status": status,
        "verified_on": checked,
        "verified_by": accounts.credit_for(session, moderator),
    }
    return _publish(session, moderator, "confirm", before, values)


def mark_closed(
    session: Session,
    organisation: Organisation,
    *,
    moderator: str,
    source: str,
    expected_version: str | None = None,
    report: Submission | None = None,
    today: date | None = None,
) -> Organisation:
    """ "No longer active": `source` says the group closed. With the problem `report` that
    said so, the report is closed as approved too, and the audit entry names it."""
    _same_version(organisation, expected_version)
    before = snapshot(organisation)
    values = {
        **before,
        "status": "inactive",
        "sources": _sources(before["sources"], ("closed_source", source)),
        "citations": {**before["citations"], "status": {"url": source}},
        "verified_on": today or date.today(),
        "verified_by": accounts.credit_for(session, moderator),
    }
    record = _valid(values)
    if report is not None:
        if report.organisation_slug != organisation.slug:
            raise ModerationError("This report is about another listing.")
        moderation.settle_report(session, report, moderator=moderator)
    return _publish(
        session,
        moderator,
        "mark_inactive",
        before,
        record,
        submission_id=report.id if report is not None else None,
    )


def edit(
    session: Session,
    organisation: Organisation,
    fields: Mapping[str, Any],
    *,
    moderator: str,
    expected_version: str | None = None,
    today: date | None = None,
    gazetteer: Path | None = None,
) -> Organisation:
    """A moderator's own edit, published at once as approving a suggestion would be (see
    moderation.moderators_version). Raises ValidationError for an invalid listing."""
    _same_version(organisation, expected_version)
    before = snapshot(organisation)
    record = moderation.moderators_version(
        session,
        before,
        fields,
        slug=organisation.slug,
        moderator=moderator,
        today=today,
        gazetteer=gazetteer,
    )
    return _publish(session, moderator, "moderator_edit", before, record)


def _same_version(organisation: Organisation, expected_version: str | None) -> None:
    """`expected_version` is the listing's `updated_at` the moderator saw; another one means
    someone changed it meanwhile, and going ahead would undo or vouch for what they did."""
    if expected_version is not None and organisation.updated_at.isoformat() != expected_version:
        raise ChangedMeanwhile


def _check_activity(activity: str, known: str | None, today: date) -> None:
    if freshness.month_index(activity) > today.year * 12 + today.month - 1:
        raise FieldProblem("activity", "That date is in the future.")
    if known and freshness.month_index(activity) < freshness.month_index(known):
        raise FieldProblem(
            "activity",
            f"The listing already has a later sign of activity ({known}). Give a newer date, "
            "or leave this empty.",
        )


def _sources(sources: list[str], *added: tuple[str, str | None]) -> list[str]:
    """The listing's sources with the new ones, (form field, address), after them, each once."""
    extended = list(sources)
    for field, url in added:
        if not url or url in extended:
            continue
        if len(extended) >= MAX_SOURCES:
            raise FieldProblem(
                field,
                f"The listing already has {len(extended)} sources, the most it may hold. Edit "
                "the listing to remove one it no longer needs, or name one of its sources.",
            )
        extended.append(url)
    return extended


def _valid(values: Mapping[str, Any]) -> OrganisationRecord:
    try:
        return OrganisationRecord.model_validate(values)
    except ValidationError as error:
        # The listing was valid and the new values are checked by the form: what is left is
        # a listing stored before a rule it now breaks, for the moderator to edit.
        fields = ", ".join(sorted({str(detail["loc"][0]) for detail in error.errors()}))
        raise ModerationError(
            f"This listing breaks a rule in: {fields}. Edit the listing to correct it."
        ) from error


def _publish(
    session: Session,
    moderator: str,
    action: str,
    before: dict[str, Any],
    values: Mapping[str, Any] | OrganisationRecord,
    *,
    submission_id: int | None = None,
) -> Organisation:
    record = values if isinstance(values, OrganisationRecord) else _valid(values)
    published, _ = catalogue.upsert(session, record)
    audit.write(
        session,
        moderator,
        action,
        organisation_slug=published.slug,
        submission_id=submission_id,
        before=before,
        after=snapshot(published),
    )
    return published
