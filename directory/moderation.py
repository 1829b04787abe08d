"""Moderation: submissions from the public, decisions on them, and their history.

Never sees a request. Callers pass listing fields already shaped by the form layer; anything
that reaches the catalogue is validated again here as an OrganisationRecord.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from directory import accounts, activities, audit, catalogue, places, vocab
from directory.listings import (
    carried_sources,
    changed_fields,
    editable_only,
    editable_values,
    same_value,
    slugify,
    snapshot,
)
from directory.mail import notices
from directory.models import (
    MAX_ID,
    Activity,
    AuditEvent,
    Organisation,
    Submission,
    storable,
    utcnow,
)
from directory.records import EDITABLE_FIELDS, OrganisationRecord

QUEUE_PAGE_SIZE = 50
HONEYPOT_REASON = "The hidden spam-trap field was filled in."
# Audit actions that decide on a submission (its status, and why) without touching a
# listing; the others record a listing's fields before and after.
DECISION_ACTIONS = frozenset({"reject", "request_changes", "mark_spam", "revise"})
# The actor of what the person who sent a submission does with it.
SUBMITTER = "submitter"


class ModerationError(Exception):
    """A submission or decision that cannot go ahead; the message says why, in plain words."""


class AlreadyDecided(ModerationError):
    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        status = vocab.SUBMISSION_STATUSES.get(submission.status, submission.status)
        who = f" by {submission.decided_by}" if submission.decided_by else ""
        super().__init__(f"This submission was already decided{who}: {status.lower()}.")


class ListingChanged(ModerationError):
    def __init__(self) -> None:
        super().__init__(
            "The live listing changed while you were reviewing this. "
            "Check the differences again before deciding."
        )


class ListingGone(ModerationError):
    def __init__(self) -> None:
        super().__init__("The listing this is about is no longer in the directory.")


class NothingChanged(ModerationError):
    def __init__(self) -> None:
        super().__init__("Nothing was changed. Change at least one field, or add a note.")


class ActivityGone(ModerationError):
    def __init__(self) -> None:
        super().__init__("The activity this is about is no longer in the directory.")


class ActivityChanged(ModerationError):
    def __init__(self) -> None:
        super().__init__(
            "The activity changed while you were reviewing this. "
            "Check the differences again before deciding."
        )


class ActivityInvalid(ModerationError):
    """The values approved do not make an activity; `errors` says why, field by field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("Check the activity's values: some cannot be published as they are.")


class NotRevisable(ModerationError):
    def __init__(self) -> None:
        super().__init__("This submission is not waiting for changes, so it cannot be revised.")


@dataclass(frozen=True)
class Submitter:
    """What the person who sent something told us about themselves. Never public."""

    contact: str | None = None
    relation: str | None = None
    note: str | None = None
    # They asked to be emailed at `contact` when it is received and decided.
    notify_by_email: bool = False


@dataclass(frozen=True)
class FieldChange:
    field: str
    live: Any
    proposed: Any
    changed: bool
    # The live value moved since the edit was proposed: someone else changed it meanwhile.
    moved_since: bool = False


@dataclass
class QueueGroup:
    """The open submissions about one listing (or one proposed new listing)."""

    slug: str | None
    title: str
    listed: bool
    submissions: list[Submission] = field(default_factory=list)


@dataclass
class Queue:
    """One page of the submissions matching the queue's filters."""

    groups: list[QueueGroup]
    shown: int
    total: int  # on every page, not only this one
    page: int
    pages: int
    per_page: int
    status_counts: dict[str, int]
    type_counts: dict[str, int]


# Receiving submissions -------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(24)


def submit_new(
    session: Session, fields: Mapping[str, Any], submitter: Submitter, *, spam: bool = False
) -> Submission:
    return _receive(session, "new", None, submitter, spam, proposed=editable_only(fields))


def submit_edit(
    session: Session,
    organisation: Organisation,
    fields: Mapping[str, Any],
    submitter: Submitter,
    *,
    spam: bool = False,
) -> Submission:
    """Store a change set against the listing as it is now."""
    base = editable_values(organisation)
    changes = changed_fields(base, fields)
    if not changes and not submitter.note and not spam:
        raise NothingChanged
    return _receive(
        session, "edit", organisation.slug, submitter, spam, proposed=changes, base=base
    )


def submit_report(
    session: Session,
    organisation: Organisation,
    reason: str,
    text: str | None,
    submitter: Submitter,
    *,
    spam: bool = False,
) -> Submission:
    return _receive(
        session,
        "report",
        organisation.slug,
        submitter,
        spam,
        report_reason=reason,
        report_text=text,
    )


def revise(
    session: Session, submission: Submission, fields: Mapping[str, Any], note: str | None
) -> Submission:
    """The submitter answers "changes requested" with a corrected version; it waits again."""
    if submission.type == "report" or submission.type == "activity-cancel":
        raise NotRevisable
    if submission.type in vocab.ACTIVITY_SUBMISSION_TYPES:
        return _revise_activity(session, submission, fields, note)
    old_proposed = submission.proposed
    if submission.type == "edit":
        organisation = _target(session, submission)
        base = editable_values(organisation)
        proposed = changed_fields(base, fields)
        if not proposed and not note:
            raise NothingChanged
    else:
        base, proposed = None, editable_only(fields)
    return _reopen(session, submission, old_proposed, proposed, base, note)


def _reopen(
    session: Session,
    submission: Submission,
    old_proposed: dict[str, Any] | None,
    proposed: dict[str, Any],
    base: dict[str, Any] | None,
    note: str | None,
) -> Submission:
    """A submission sent back for changes waits again, with what the submitter corrected."""
    claimed = session.execute(
        update(Submission)
        .where(col(Submission.id) == submission.id, col(Submission.status) == "changes_requested")
        .values(
            status="pending",
            proposed=proposed,
            base=base,
            note=note,
            decision_reason=None,
            decided_by=None,
            decided_at=None,
            updated_at=utcnow(),
        )
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise NotRevisable
    _audit(
        session,
        SUBMITTER,
        "revise",
        submission,
        {"status": "changes_requested", "proposed": old_proposed},
        {"status": "pending", "proposed": proposed},
    )
    session.refresh(submission)
    return submission


def _receive(
    session: Session,
    kind: str,
    slug: str | None,
    submitter: Submitter,
    spam: bool,
    **values: Any,
) -> Submission:
    submission = Submission(
        token=new_token(),
        type=kind,
        organisation_slug=slug,
        contact=submitter.contact,
        relation=submitter.relation,
        note=submitter.note,
        notify_by_email=submitter.notify_by_email,
        status="spam" if spam else "pending",
        decision_reason=HONEYPOT_REASON if spam else None,
        **values,
    )
    session.add(submission)
    session.flush()
    notices.submission_received(session, submission)
    notices.listing_reported(session, submission)
    return submission


# Reading ---------------------------------------------------------------------------------


def get(session: Session, submission_id: int) -> Submission | None:
    if not 0 < submission_id <= MAX_ID:
        return None
    return session.get(Submission, submission_id)


def get_by_token(session: Session, token: str) -> Submission | None:
    if not storable(token):
        return None
    return session.exec(select(Submission).where(Submission.token == token)).first()


def proposed_values(session: Session, submission: Submission) -> dict[str, Any]:
    """The full listing a moderator starts from: the live listing with the proposal applied."""
    proposed = submission.proposed or {}
    if submission.type == "new":
        return dict(proposed)
    organisation = catalogue.get(session, submission.organisation_slug or "")
    live = editable_values(organisation) if organisation else dict(submission.base or {})
    return {**live, **proposed}


def diff(session: Session, submission: Submission) -> list[FieldChange]:
    """Field by field, the live listing against what the submission proposes."""
    proposed = submission.proposed or {}
    if submission.type == "new":
        return [
            FieldChange(name, None, proposed.get(name), _has_value(proposed.get(name)))
            for name in EDITABLE_FIELDS
        ]
    organisation = catalogue.get(session, submission.organisation_slug or "")
    live = editable_values(organisation) if organisation else {}
    base = submission.base or {}
    changes = []
    for name in EDITABLE_FIELDS:
        value = live.get(name)
        new = proposed.get(name, value)
        changes.append(
            FieldChange(
                name,
                value,
                new,
                name in proposed and not same_value(name, new, value),
                moved_since=name in base and not same_value(name, base[name], value),
            )
        )
    return changes


def queue(
    session: Session,
    *,
    types: Sequence[str] = (),
    statuses: Sequence[str] = vocab.OPEN_SUBMISSION_STATUSES,
    page: int = 1,
    per_page: int = QUEUE_PAGE_SIZE,
) -> Queue:
    """One page of submissions grouped by listing, oldest first, with counts for the filters.

    A page past the last is the last (a page number may be old: submissions get decided).
    """
    conditions = []
    if types:
        conditions.append(col(Submission.type).in_(types))
    if statuses:
        conditions.append(col(Submission.status).in_(statuses))
    total = session.exec(select(func.count()).select_from(Submission).where(*conditions)).one()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    ordered = (
        select(Submission)
        .where(*conditions)
        .order_by(col(Submission.created_at), col(Submission.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    shown = list(session.exec(ordered).all())
    return Queue(
        groups=_group(session, shown),
        shown=len(shown),
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        status_counts=_count(session, "status", types=types),
        type_counts=_count(session, "type", statuses=statuses),
    )


def history(session: Session, slug: str) -> Sequence[AuditEvent]:
    """Everything done to one listing and to the submissions about it, newest first."""
    if not storable(slug):
        return []
    query = (
        select(AuditEvent)
        .where(AuditEvent.organisation_slug == slug)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    )
    return session.exec(query).all()


def submission_history(session: Session, submission_id: int) -> Sequence[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.submission_id == submission_id)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    )
    return session.exec(query).all()


def _group(session: Session, submissions: Iterable[Submission]) -> list[QueueGroup]:
    groups: dict[str, QueueGroup] = {}
    slugs = {s.organisation_slug for s in submissions if s.organisation_slug}
    names = dict(
        session.exec(
            select(Organisation.slug, Organisation.name).where(col(Organisation.slug).in_(slugs))
        ).all()
    )
    for submission in submissions:
        slug = submission.organisation_slug
        key = slug if slug and submission.type != "new" else f"new-{submission.id}"
        if key not in groups:
            title = names.get(slug or "") or (submission.proposed or {}).get("name") or slug
            groups[key] = QueueGroup(slug, str(title or "Untitled"), slug in names)
        groups[key].submissions.append(submission)
    return list(groups.values())  # insertion order: each group's oldest submission first


def _count(
    session: Session, by: str, *, types: Sequence[str] = (), statuses: Sequence[str] = ()
) -> dict[str, int]:
    column = col(getattr(Submission, by))
    query = select(column, func.count()).group_by(column)
    if types:
        query = query.where(col(Submission.type).in_(types))
    if statuses:
        query = query.where(col(Submission.status).in_(statuses))
    return {value: count for value, count in session.exec(query).all()}


# Deciding --------------------------------------------------------------------------------


def approve(
    session: Session,
    submission: Submission,
    fields: Mapping[str, Any],
    *,
    moderator: str,
    expected_version: str | None = None,
    today: date | None = None,
    gazetteer: Path | None = None,
) -> Organisation:
    """Publish the moderator's version of the listing, in the caller's transaction.

    `expected_version` is the live listing's `updated_at` the moderator saw; a different one
    means someone changed the listing meanwhile, and approving would silently undo that.
    With a `gazetteer`, a listing with a town but no coordinates, or that moved, is placed
    at its town's (see _placed), so that "near" searches find it.
    Raises pydantic's ValidationError when the fields do not make a valid listing.
    """
    organisation = None if submission.type == "new" else _target(session, submission)
    if (
        organisation is not None
        and expected_version is not None
        and organisation.updated_at.isoformat() != expected_version
    ):
        raise ListingChanged
    before = snapshot(organisation) if organisation else None
    # A new listing's address comes from its name; add_new takes the first free one.
    slug = organisation.slug if organisation else slugify(str(fields.get("name") or ""))
    record = moderators_version(  # before claiming: nothing to undo
        session, before, fields, slug=slug, moderator=moderator, today=today, gazetteer=gazetteer
    )
    _claim(session, submission, "approved", moderator, reason=None)
    if organisation is None:
        published = catalogue.add_new(session, record)
        session.execute(
            update(Submission)
            .where(col(Submission.id) == submission.id)
            .values(organisation_slug=published.slug)
        )
    else:
        published, _ = catalogue.upsert(session, record)
    _audit(session, moderator, "approve", submission, before, snapshot(published))
    _decided(session, submission)
    return published


def moderators_version(
    session: Session,
    before: Mapping[str, Any] | None,
    fields: Mapping[str, Any],
    *,
    slug: str,
    moderator: str,
    today: date | None = None,
    gazetteer: Path | None = None,
) -> OrganisationRecord:
    """The listing a moderator publishes: the editable `fields` over the listing as it was
    (`before`, a snapshot; None for a new one), checked today by the moderator's public
    credit, the facts that did not change keeping their sources, placed at its town when a
    `gazetteer` is given. Raises pydantic's ValidationError when it is not a valid listing."""
    values = {
        **(before or {}),
        **editable_only(fields),
        "slug": slug,
        "verified_on": today or date.today(),
        "verified_by": accounts.credit_for(session, moderator),  # never the username itself
    }
    values.update(carried_sources(before, values))
    if gazetteer is not None:
        values.update(_placed(gazetteer, before, values))
    return OrganisationRecord.model_validate(values)


def settle_report(session: Session, submission: Submission, *, moderator: str) -> None:
    """Close an open problem report as approved, in the caller's transaction, when the
    correction it asked for is made by other means (rechecks.mark_closed), which audits the
    change under the report's id. Raises AlreadyDecided when it is no longer open."""
    if submission.type != "report":
        raise ModerationError("Only a problem report can be settled this way.")
    _claim(session, submission, "approved", moderator, reason=None)
    _decided(session, submission)


def _placed(
    gazetteer: Path, before: Mapping[str, Any] | None, values: Mapping[str, Any]
) -> dict[str, float | None]:
    """Coordinates for the approved values: kept while the town and country are unchanged
    and there are some; else the gazetteer's for the town, or none (coordinates of the town
    a group moved away from would put it in the wrong searches)."""
    moved = before is None or any(
        before.get(name) != values.get(name) for name in ("city", "country")
    )
    if not moved and values.get("latitude") is not None:
        return {}
    found = places.locate(gazetteer, values.get("city"), str(values.get("country") or ""))
    latitude, longitude = found if found else (None, None)
    return {"latitude": latitude, "longitude": longitude}


def reject(session: Session, submission: Submission, *, moderator: str, reason: str) -> None:
    _decide(session, submission, "rejected", "reject", moderator, reason)


def request_changes(
    session: Session, submission: Submission, *, moderator: str, reason: str
) -> None:
    if submission.type == "report":
        raise ModerationError("A problem report cannot be sent back for changes.")
    if submission.type == "activity-cancel":
        raise ModerationError("A cancellation cannot be sent back for changes.")
    _decide(session, submission, "changes_requested", "request_changes", moderator, reason)


def mark_spam(session: Session, submission: Submission, *, moderator: str) -> None:
    _decide(session, submission, "spam", "mark_spam", moderator, None)


def _decide(
    session: Session,
    submission: Submission,
    status: str,
    action: str,
    moderator: str,
    reason: str | None,
) -> None:
    before = {"status": submission.status}
    _claim(session, submission, status, moderator, reason=reason)
    _audit(session, moderator, action, submission, before, {"status": status, "reason": reason})
    _decided(session, submission)


def _decided(session: Session, submission: Submission) -> None:
    """After a decision: the submission as it now is, and the submitter told if they asked."""
    session.refresh(submission)
    notices.submission_decided(session, submission)


def _claim(
    session: Session, submission: Submission, status: str, moderator: str, reason: str | None
) -> None:
    """Move an open submission to `status`, or raise AlreadyDecided.

    One conditional UPDATE: of two moderators deciding at once, the database lets exactly
    one of them match the open status; the other changes no row.
    """
    now = utcnow()
    result = session.execute(
        update(Submission)
        .where(
            col(Submission.id) == submission.id,
            col(Submission.status).in_(vocab.OPEN_SUBMISSION_STATUSES),
        )
        .values(
            status=status,
            decision_reason=reason,
            decided_by=moderator,
            decided_at=now,
            updated_at=now,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(submission)
        raise AlreadyDecided(submission)


def _target(session: Session, submission: Submission) -> Organisation:
    organisation = catalogue.get(session, submission.organisation_slug or "")
    if organisation is None:
        raise ListingGone
    return organisation


def _audit(
    session: Session,
    actor: str,
    action: str,
    submission: Submission,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    slug = submission.organisation_slug
    if slug is None and after is not None:
        slug = after.get("slug")
    audit.write(
        session,
        actor,
        action,
        organisation_slug=slug,
        submission_id=submission.id,
        before=before,
        after=after,
    )


def _has_value(value: Any) -> bool:
    return value not in (None, "", [], False)


# Activities ------------------------------------------------------------------------------
# Proposed like listings: a new activity for a listing, an edit of one (only the fields that
# differ from the activity as it was), or its cancellation. Nothing is public until approved.

ACTIVITY_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "kind",
    "starts_at",
    "ends_at",
    "time_zone",
    "recurrence",
    "exceptions",
    "online",
    "online_how",
    "venue",
    "address",
    "city",
    "country",
    "by_post",
    "cost",
    "how_to_join",
    "access",
    "access_notes",
    "access_contact",
    "source_url",
    "stated_on",
)


def activity_values(activity: Activity) -> dict[str, Any]:
    """An activity's fields a proposal may change, as a submission stores them (JSON)."""
    return activity_json({name: getattr(activity, name) for name in ACTIVITY_FIELDS})


def activity_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """Checked activity values as JSON holds them: times as local "YYYY-MM-DDTHH:MM"."""
    shown: dict[str, Any] = {}
    for name in ACTIVITY_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, datetime):
            value = value.isoformat(timespec="minutes")
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, list):
            value = list(value)
        shown[name] = value
    return shown


def submit_activity_new(
    session: Session,
    organisation: Organisation,
    values: Mapping[str, Any],
    submitter: Submitter,
    *,
    spam: bool = False,
) -> Submission:
    """A proposed activity of the listing: `values` checked by activities.validate."""
    return _receive(
        session, "activity-new", organisation.slug, submitter, spam, proposed=activity_json(values)
    )


def submit_activity_edit(
    session: Session,
    activity: Activity,
    values: Mapping[str, Any],
    submitter: Submitter,
    *,
    spam: bool = False,
) -> Submission:
    """A change set against the activity as it is now; NothingChanged without one or a note."""
    base = activity_values(activity)
    proposed = _activity_changes(base, values)
    if not proposed and not submitter.note and not spam:
        raise NothingChanged
    return _receive(
        session,
        "activity-edit",
        activity.organisation_slug,
        submitter,
        spam,
        proposed=proposed,
        base=base,
        activity_public_id=activity.public_id,
    )


def submit_activity_cancel(
    session: Session,
    activity: Activity,
    reason: str,
    source_url: str | None,
    submitter: Submitter,
    *,
    spam: bool = False,
) -> Submission:
    """A report that the activity no longer happens, why, and where that is said if known."""
    return _receive(
        session,
        "activity-cancel",
        activity.organisation_slug,
        submitter,
        spam,
        proposed={"status": "cancelled", "source_url": source_url},
        base=activity_values(activity),
        report_text=reason,
        activity_public_id=activity.public_id,
    )


def _activity_changes(base: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    proposed = activity_json(values)
    return {name: value for name, value in proposed.items() if base.get(name) != value}


def _revise_activity(
    session: Session, submission: Submission, values: Mapping[str, Any], note: str | None
) -> Submission:
    old_proposed = submission.proposed
    if submission.type == "activity-edit":
        base = activity_values(_activity_target(session, submission))
        proposed = _activity_changes(base, values)
        if not proposed and not note:
            raise NothingChanged
        return _reopen(session, submission, old_proposed, proposed, base, note)
    return _reopen(session, submission, old_proposed, activity_json(values), None, note)


def activity_of(session: Session, submission: Submission) -> Activity | None:
    """The stored activity a submission is about (or, once approved, made), if any."""
    return activities.get(session, submission.activity_public_id or "")


def proposed_activity(session: Session, submission: Submission) -> dict[str, Any]:
    """The whole activity a moderator starts from: the live one with the proposal applied."""
    proposed = dict(submission.proposed or {})
    if submission.type == "activity-new":
        return proposed
    live = activity_of(session, submission)
    base = activity_values(live) if live else dict(submission.base or {})
    if submission.type == "activity-cancel":
        return base
    return {**base, **proposed}


def approve_activity(
    session: Session,
    submission: Submission,
    values: Mapping[str, Any],
    *,
    moderator: str,
    expected_version: str | None = None,
    gazetteer: Path | None = None,
) -> Activity:
    """Publish the moderator's version, in the caller's transaction: a new activity of the
    listing, the activity edited, or (for a cancellation) marked cancelled, with the page
    that says so as its source when one is given.

    `values` are the whole activity for a new one or an edit (checked again here; raises
    ActivityInvalid), and for a cancellation optionally `source_url` and `stated_on`.
    `expected_version` is the activity's `updated_at` the moderator saw.
    """
    if submission.type == "activity-new":
        organisation = _target(session, submission)
        checked = _checked_activity(values)
        _claim(session, submission, "approved", moderator, reason=None)
        made = activities.create(session, organisation.slug, checked, gazetteer=gazetteer)
        session.execute(
            update(Submission)
            .where(col(Submission.id) == submission.id)
            .values(activity_public_id=made.public_id)
        )
        _audit(session, moderator, "approve", submission, None, _activity_snapshot(made))
        _decided(session, submission)
        return made
    activity = _activity_target(session, submission)
    if expected_version is not None and activity.updated_at.isoformat() != expected_version:
        raise ActivityChanged
    before = _activity_snapshot(activity)
    if submission.type == "activity-cancel":
        changes = _cancellation(values)
    else:
        checked = _checked_activity(values)
        changes = {name: checked[name] for name in ACTIVITY_FIELDS}
        changes.update(_activity_place(gazetteer, activity, changes))
    _claim(session, submission, "approved", moderator, reason=None)
    activities.update(session, activity, changes)
    _audit(session, moderator, "approve", submission, before, _activity_snapshot(activity))
    _decided(session, submission)
    return activity


def _checked_activity(values: Mapping[str, Any]) -> dict[str, Any]:
    checked, errors = activities.validate(activity_json(values))
    if errors:
        raise ActivityInvalid(errors)
    checked.setdefault("stated_on", utcnow().date())
    checked["status"] = "scheduled"
    return checked


def _cancellation(values: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": "cancelled"}
    if values.get("source_url"):
        changes["source_url"] = values["source_url"]
        changes["stated_on"] = values.get("stated_on") or utcnow().date()
    return changes


def _activity_place(
    gazetteer: Path | None, activity: Activity, changes: Mapping[str, Any]
) -> dict[str, float | None]:
    """New coordinates when the town or country changed (as a listing's, see _placed)."""
    if all(getattr(activity, name) == changes.get(name) for name in ("city", "country")):
        return {}
    found = (
        places.locate(gazetteer, changes.get("city"), changes.get("country") or "")
        if gazetteer
        else None
    )
    latitude, longitude = found if found else (None, None)
    return {"latitude": latitude, "longitude": longitude}


def _activity_target(session: Session, submission: Submission) -> Activity:
    found = activity_of(session, submission)
    if found is None:
        raise ActivityGone
    return found


def _activity_snapshot(activity: Activity) -> dict[str, Any]:
    return {"public_id": activity.public_id, "status": activity.status, **activity_values(activity)}
