"""Submissions, diffs, the queue and the audit log as finished data for templates. No I/O."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from directory import vocab
from directory.listings import same_value
from directory.models import AuditEvent, LinkCheck, Moderator, Submission
from directory.moderation import DECISION_ACTIONS, SUBMITTER, FieldChange, Queue
from directory.reach import phone_line
from directory.records import EDITABLE_FIELDS, FIELDS, Value
from directory.web.formatting import long_date, short_when, when
from directory.web.forms import FIELD_LABELS, country_choices
from directory.web.presenters import activity_submissions
from directory.web.presenters.activity_submissions import ActivityRow

EMPTY = "(empty)"
_LABELLED = {name: f.vocabulary for name, f in FIELDS.items() if f.vocabulary is not None}
_WORDS = re.compile(r"\s*\S+\s*|\s+")
_PROSE_FIELDS = tuple(name for name, f in FIELDS.items() if f.value is Value.PROSE) + (
    "postal_address_note",
)

# (operation, old text, new text), operation being "same", "del" or "ins".
Segment = tuple[str, str, str]


@dataclass(frozen=True)
class ChangeRow:
    """One field of a suggested edit: live now, proposed, and the words that differ."""

    field: str
    label: str
    live: str
    proposed: str
    changed: bool
    moved_since: bool
    segments: list[Segment] | None  # for prose: the word diff; else the values side by side


@dataclass(frozen=True)
class SentRow:
    label: str
    was: str | None  # for an edit: what the listing said when it was sent
    value: str


@dataclass(frozen=True)
class StatusView:
    """The submitter's status page."""

    token: str
    type: str
    type_label: str
    status: str
    status_label: str
    explanation: str
    reason: str | None
    listing_name: str | None
    listing_slug: str | None
    received: str
    rows: list[SentRow] | list[ActivityRow]
    report_reason: str | None
    report_text: str | None
    note: str | None
    can_revise: bool
    # A submission about an activity: its title, and its address once it is published.
    activity_title: str | None = None
    activity_public_id: str | None = None


@dataclass(frozen=True)
class ReviewView:
    """A submission as the moderator reviewing it sees it (contact details included)."""

    id: int | None
    type: str
    type_label: str
    status: str
    status_label: str
    received: str
    decided_by: str | None
    decided_at: str
    decision_reason: str | None
    report_reason: str | None
    report_text: str | None
    contact: str | None
    relation: str | None
    note: str | None
    token: str
    is_open: bool
    title: str
    # A report that the group has closed: settled in one step, before the long form.
    offers_closure: bool = False


@dataclass(frozen=True)
class QueueLine:
    """One submission in the moderation queue."""

    id: int | None
    type_label: str
    status: str
    status_label: str
    received: str
    summary: str


@dataclass(frozen=True)
class QueueFilter:
    label: str
    count: int
    url: str
    selected: bool


@dataclass(frozen=True)
class QueueSection:
    """The submissions about one listing; slug only when the listing is live."""

    title: str
    slug: str | None
    submissions: list[QueueLine]


@dataclass(frozen=True)
class Paging:
    first: int
    last: int
    total: int
    previous: str | None
    next: str | None
    page: int
    pages: int


@dataclass(frozen=True)
class QueueView:
    groups: list[QueueSection]
    paging: Paging
    status_filters: list[QueueFilter]
    type_filters: list[QueueFilter]


@dataclass(frozen=True)
class FieldEdit:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    """One entry of a history: a decision and its reason, or a listing's changed fields."""

    at: str
    actor: str
    action: str
    submission_id: int | None
    reason: str | None
    changes: list[FieldEdit]


@dataclass(frozen=True)
class ModeratorRow:
    username: str
    role: str
    active: bool
    last_login_at: str
    display_name: str
    is_you: bool
    has_two_factor: bool


@dataclass(frozen=True)
class Choices:
    """Everything the listing, report and moderator forms offer to choose from."""

    kinds: list[tuple[str, str]]
    focus: list[tuple[str, str]]
    services: list[tuple[str, str]]
    statuses: list[tuple[str, str]]
    phone_kinds: list[tuple[str, str]]
    countries: tuple[tuple[str, str], ...]
    relations: list[tuple[str, str]]
    report_reasons: list[tuple[str, str]]
    roles: list[tuple[str, str]]


@dataclass(frozen=True)
class FailingLink:
    slug: str
    url: str
    problem: str
    checked: str


def display(name: str, value: Any) -> str:
    """A field's value as a person reads it: labels, not codes; one line per list item."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name in _LABELLED:
        table = _LABELLED[name]
        values = value if isinstance(value, list) else [value]
        return ", ".join(table[v] if v in table else str(v) for v in values)
    if name == "country":
        return vocab.country_name(value)
    if name == "languages":
        return ", ".join(vocab.language_name(code) for code in value)
    if name in FIELDS and FIELDS[name].value is Value.AREAS:
        return "\n".join(vocab.area_name(code) for code in value)
    if name == "phones":
        return "\n".join(phone_line(phone) for phone in value)
    if name == "citations" and isinstance(value, dict):
        return "\n".join(_citation_line(field, cited) for field, cited in value.items())
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _citation_line(field: str, cited: Any) -> str:
    """ "Last activity: https://example.org/news (2025-03)": a fact and where it is stated."""
    cited = cited if isinstance(cited, dict) else {}
    dated = f" ({cited['date']})" if cited.get("date") else ""
    return f"{FIELD_LABELS.get(field, field)}: {cited.get('url', '')}{dated}"


def word_diff(old: str, new: str) -> list[Segment]:
    """(operation, old text, new text) segments, operation being "same", "del" or "ins".
    Text stays text: the template escapes it, so a diff can never inject markup."""
    # Words keep their trailing space, so a run of changed words reads as one change, but
    # are compared without it, so a word is not "changed" for ending a paragraph.
    before, after = _WORDS.findall(old), _WORDS.findall(new)
    matcher = difflib.SequenceMatcher(
        a=[w.strip() for w in before], b=[w.strip() for w in after], autojunk=False
    )
    segments: list[Segment] = []
    for operation, a1, a2, b1, b2 in matcher.get_opcodes():
        old_text, new_text = "".join(before[a1:a2]), "".join(after[b1:b2])
        if operation == "equal":
            segments.append(("same", old_text, new_text))
            continue
        if old_text:
            segments.append(("del", old_text, ""))
        if new_text:
            segments.append(("ins", "", new_text))
    return segments


def change_rows(changes: Iterable[FieldChange], *, only_changed: bool = True) -> list[ChangeRow]:
    rows = []
    for change in changes:
        if only_changed and not change.changed:
            continue
        live, proposed = display(change.field, change.live), display(change.field, change.proposed)
        prose = change.field in _PROSE_FIELDS and change.live and change.proposed
        rows.append(
            ChangeRow(
                field=change.field,
                label=FIELD_LABELS[change.field],
                live=live,
                proposed=proposed,
                changed=change.changed,
                moved_since=change.moved_since,
                segments=word_diff(live, proposed) if prose else None,
            )
        )
    return rows


def sent_rows(submission: Submission) -> list[SentRow]:
    """What the submitter sent, field by field (for an edit: from what, to what)."""
    proposed = submission.proposed or {}
    base = submission.base or {}
    rows = []
    for name in EDITABLE_FIELDS:
        if name not in proposed:
            continue
        if submission.type == "new" and proposed[name] in (None, "", [], False):
            continue
        rows.append(
            SentRow(
                label=FIELD_LABELS[name],
                was=display(name, base.get(name)) if submission.type == "edit" else None,
                value=display(name, proposed[name]),
            )
        )
    return rows


def public_status(submission: Submission) -> str:
    """The status the submitter sees."""
    if submission.status == "spam" and submission.decided_by is None:
        # Caught by the spam trap: look exactly like any other submission received.
        return "pending"
    return submission.status


_EXPLANATIONS = {
    "pending": "A volunteer will check it. This usually takes a few days.",
    "changes_requested": "A volunteer has asked for some changes before this can go live.",
    "approved": "Thank you. A volunteer checked it and it is now in the directory.",
    "rejected": "A volunteer checked it and decided not to use it.",
    "spam": "This was not accepted.",
}


def status_view(submission: Submission, live_name: str | None) -> StatusView:
    """The submitter's status page. `live_name` is the listing's name if it is published."""
    status = public_status(submission)
    return StatusView(
        token=submission.token,
        type=submission.type,
        type_label=vocab.SUBMISSION_TYPES[submission.type],
        status=status,
        status_label=vocab.SUBMISSION_STATUSES[status],
        explanation=_EXPLANATIONS[status],
        reason=submission.decision_reason if status in ("rejected", "changes_requested") else None,
        listing_name=live_name or (submission.proposed or {}).get("name"),
        listing_slug=submission.organisation_slug if live_name else None,
        received=long_date(submission.created_at.date()),
        rows=activity_submissions.rows(submission)
        if activity_submissions.is_activity(submission)
        else sent_rows(submission),
        report_reason=vocab.REPORT_REASONS.get(submission.report_reason or ""),
        report_text=submission.report_text,
        note=submission.note,
        can_revise=status == "changes_requested" and revisable(submission),
        activity_title=activity_submissions.title_of(submission)
        if activity_submissions.is_activity(submission)
        else None,
    )


def revisable(submission: Submission) -> bool:
    """Whether its kind of submission can be sent back for changes and corrected."""
    return submission.type not in ("report", "activity-cancel")


def review_view(submission: Submission, live_name: str | None) -> ReviewView:
    """The submission on its review page. `live_name` is the listing's name if it is live."""
    proposed_name = (submission.proposed or {}).get("name")
    is_open = submission.status in vocab.OPEN_SUBMISSION_STATUSES
    return ReviewView(
        id=submission.id,
        type=submission.type,
        type_label=vocab.SUBMISSION_TYPES[submission.type],
        status=submission.status,
        status_label=vocab.SUBMISSION_STATUSES[submission.status],
        received=when(submission.created_at),
        decided_by=submission.decided_by,
        decided_at=when(submission.decided_at),
        decision_reason=submission.decision_reason,
        report_reason=vocab.REPORT_REASONS.get(submission.report_reason or ""),
        report_text=submission.report_text,
        contact=submission.contact,
        relation=vocab.SUBMITTER_RELATIONS.get(submission.relation or ""),
        note=submission.note,
        token=submission.token,
        is_open=is_open,
        title=activity_submissions.title_of(submission)
        if activity_submissions.is_activity(submission)
        else live_name
        if live_name is not None
        else proposed_name or "New listing",
        offers_closure=is_open
        and live_name is not None
        and submission.type == "report"
        and submission.report_reason == "group-closed",
    )


def submission_summary(submission: Submission) -> QueueLine:
    """One line of the moderation queue."""
    proposed = submission.proposed or {}
    if activity_submissions.is_activity(submission):
        summary = activity_submissions.summary(submission)
    elif submission.type == "edit":
        fields = [FIELD_LABELS[name] for name in EDITABLE_FIELDS if name in proposed]
        summary = "Changes: " + ", ".join(fields) if fields else "A note, no field changes"
    elif submission.type == "report":
        summary = vocab.REPORT_REASONS.get(submission.report_reason or "", "Problem report")
    else:
        place = ", ".join(
            part for part in (proposed.get("city"), _country(proposed.get("country"))) if part
        )
        summary = vocab.KINDS.get(proposed.get("kind") or "", "New listing") + (
            f" in {place}" if place else ""
        )
    return QueueLine(
        id=submission.id,
        type_label=vocab.SUBMISSION_TYPES[submission.type],
        status=submission.status,
        status_label=vocab.SUBMISSION_STATUSES[submission.status],
        received=when(submission.created_at),
        summary=summary,
    )


def queue_view(
    queue: Queue, types: Sequence[str], statuses: Sequence[str], queue_path: str
) -> QueueView:
    """The queue page. Its filter and page links go to `queue_path` with other parameters."""
    status_key = _status_key(statuses)
    type_key = types[0] if types else ""
    statuses_offered = [("", _OPEN), *vocab.SUBMISSION_STATUSES.items(), ("all", "Everything")]
    status_filters = [
        QueueFilter(
            label=label,
            count=_status_count(queue, status),
            url=_queue_url(queue_path, type_key, status),
            selected=status_key == status,
        )
        for status, label in statuses_offered
    ]
    type_filters = [
        QueueFilter(
            label=label,
            count=queue.type_counts.get(kind, 0) if kind else sum(queue.type_counts.values()),
            url=_queue_url(queue_path, kind, status_key),
            selected=type_key == kind,
        )
        for kind, label in [("", "All types"), *vocab.SUBMISSION_TYPES.items()]
    ]
    groups = [
        QueueSection(
            title=group.title,
            slug=group.slug if group.listed else None,
            submissions=[submission_summary(s) for s in group.submissions],
        )
        for group in queue.groups
    ]
    return QueueView(
        groups=groups,
        paging=_paging(queue, queue_path, type_key, status_key),
        status_filters=status_filters,
        type_filters=type_filters,
    )


_OPEN = "Open (waiting or changes requested)"


def _status_count(queue: Queue, status: str) -> int:
    """How many submissions a status filter shows: "" is the open ones, "all" every one."""
    if status == "":
        return sum(queue.status_counts.get(s, 0) for s in vocab.OPEN_SUBMISSION_STATUSES)
    if status == "all":
        return sum(queue.status_counts.values())
    return queue.status_counts.get(status, 0)


def _paging(queue: Queue, queue_path: str, type_key: str, status_key: str) -> Paging:
    """Where this page is among all of them, and the links to its neighbours, same filters."""
    first = (queue.page - 1) * queue.per_page + 1
    return Paging(
        first=first,
        last=first + queue.shown - 1,
        total=queue.total,
        previous=_queue_url(queue_path, type_key, status_key, queue.page - 1)
        if queue.page > 1
        else None,
        next=_queue_url(queue_path, type_key, status_key, queue.page + 1)
        if queue.page < queue.pages
        else None,
        page=queue.page,
        pages=queue.pages,
    )


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """Audit events as entries of a history: a decision on a submission says what was
    decided and why; a change to a listing lists its fields, from what to what."""
    return [_audit_row(event) for event in events]


def _audit_row(event: AuditEvent) -> AuditRow:
    decision = event.action in DECISION_ACTIONS
    return AuditRow(
        at=when(event.at),
        actor="the submitter" if event.actor == SUBMITTER else event.actor,
        action=vocab.AUDIT_ACTIONS.get(event.action, event.action),
        submission_id=event.submission_id,
        reason=(event.after or {}).get("reason") if decision else None,
        changes=[] if decision else _changes_of(event),
    )


def _changes_of(event: AuditEvent) -> list[FieldEdit]:
    if activity_submissions.is_activity_snapshot(event.before, event.after):
        edits = activity_submissions.edits(event.before or {}, event.after or {})
        return [FieldEdit(label, before, after) for label, before, after in edits]
    return _field_changes(event.before, event.after)


def _field_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[FieldEdit]:
    before, after = before or {}, after or {}
    rows = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        if same_value(name, old, new):
            continue
        label = FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()
        rows.append(FieldEdit(label=label, before=display(name, old), after=display(name, new)))
    return rows


def _country(code: str | None) -> str | None:
    return vocab.country_name(code) if code else None


def _status_key(statuses: Sequence[str]) -> str:
    if tuple(statuses) == vocab.OPEN_SUBMISSION_STATUSES:
        return ""
    if not statuses:
        return "all"
    return statuses[0]


def _queue_url(queue_path: str, kind: str, status: str, page: int = 1) -> str:
    chosen = (("type", kind), ("status", status), ("page", str(page) if page > 1 else ""))
    params = "&".join(f"{name}={value}" for name, value in chosen if value)
    return queue_path + (f"?{params}" if params else "")


def choices() -> Choices:
    """Everything the listing form offers to choose from."""
    return Choices(
        kinds=list(vocab.KINDS.items()),
        focus=list(vocab.FOCUS.items()),
        services=list(vocab.SERVICES.items()),
        statuses=list(vocab.STATUSES.items()),
        phone_kinds=list(vocab.PHONE_KINDS.items()),
        countries=country_choices(),
        relations=list(vocab.SUBMITTER_RELATIONS.items()),
        report_reasons=list(vocab.REPORT_REASONS.items()),
        roles=list(vocab.MODERATOR_ROLES.items()),
    )


def failing_links(checks: Sequence[LinkCheck]) -> list[FailingLink]:
    """Listings whose website may be down, for the moderators' queue."""
    return [
        FailingLink(
            slug=check.organisation_slug,
            url=check.url,
            problem=check.error or "did not answer",
            checked=short_when(check.checked_at),
        )
        for check in checks
    ]


def moderator_rows(people: Iterable[Moderator], you: str) -> list[ModeratorRow]:
    """The administrators' list of moderators; `you` is the username looking at it."""
    return [
        ModeratorRow(
            username=person.username,
            role=vocab.MODERATOR_ROLES.get(person.role, person.role),
            active=person.active,
            last_login_at=when(person.last_login_at),
            display_name=person.display_name or "",
            is_you=person.username == you,
            has_two_factor=person.totp_secret is not None,
        )
        for person in people
    ]
