"""Submissions, diffs, the queue and the audit log as finished data for templates. No I/O."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from directory import vocab
from directory.listings import same_value
from directory.models import AuditEvent, LinkCheck, Submission
from directory.moderation import DECISION_ACTIONS, SUBMITTER, FieldChange, Queue
from directory.records import EDITABLE_FIELDS, FIELDS
from directory.web.forms import FIELD_LABELS, country_choices
from directory.web.templating import long_date

EMPTY = "(empty)"
_LABELLED = {name: f.vocabulary for name, f in FIELDS.items() if f.vocabulary is not None}
_WORDS = re.compile(r"\s*\S+\s*|\s+")
_PROSE_FIELDS = ("description", "accessibility", "postal_address", "postal_address_note")


def when(moment: datetime | None) -> str:
    """ "21 November 2026, 14:05 UTC": moderators work across time zones, so say which."""
    if moment is None:
        return ""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return f"{long_date(moment.date())}, {moment:%H:%M} UTC"


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
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def word_diff(old: str, new: str) -> list[tuple[str, str, str]]:
    """(operation, old text, new text) segments, operation being "same", "del" or "ins".
    Text stays text: the template escapes it, so a diff can never inject markup."""
    # Words keep their trailing space, so a run of changed words reads as one change, but
    # are compared without it, so a word is not "changed" for ending a paragraph.
    before, after = _WORDS.findall(old), _WORDS.findall(new)
    matcher = difflib.SequenceMatcher(
        a=[w.strip() for w in before], b=[w.strip() for w in after], autojunk=False
    )
    segments: list[tuple[str, str, str]] = []
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


def change_rows(
    changes: Iterable[FieldChange], *, only_changed: bool = True
) -> list[dict[str, Any]]:
    rows = []
    for change in changes:
        if only_changed and not change.changed:
            continue
        live, proposed = display(change.field, change.live), display(change.field, change.proposed)
        prose = change.field in _PROSE_FIELDS and change.live and change.proposed
        rows.append(
            {
                "field": change.field,
                "label": FIELD_LABELS[change.field],
                "live": live,
                "proposed": proposed,
                "changed": change.changed,
                "moved_since": change.moved_since,
                "segments": word_diff(live, proposed) if prose else None,
            }
        )
    return rows


def sent_rows(submission: Submission) -> list[dict[str, str | None]]:
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
            {
                "label": FIELD_LABELS[name],
                "was": display(name, base.get(name)) if submission.type == "edit" else None,
                "value": display(name, proposed[name]),
            }
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


def status_view(submission: Submission, live_name: str | None) -> dict[str, Any]:
    """The submitter's status page. `live_name` is the listing's name if it is published."""
    status = public_status(submission)
    return {
        "token": submission.token,
        "type": submission.type,
        "type_label": vocab.SUBMISSION_TYPES[submission.type],
        "status": status,
        "status_label": vocab.SUBMISSION_STATUSES[status],
        "explanation": _EXPLANATIONS[status],
        "reason": submission.decision_reason
        if status in ("rejected", "changes_requested")
        else None,
        "listing_name": live_name or (submission.proposed or {}).get("name"),
        "listing_slug": submission.organisation_slug if live_name else None,
        "received": long_date(submission.created_at.date()),
        "rows": sent_rows(submission),
        "report_reason": vocab.REPORT_REASONS.get(submission.report_reason or ""),
        "report_text": submission.report_text,
        "note": submission.note,
        "can_revise": status == "changes_requested" and submission.type != "report",
    }


def submission_summary(submission: Submission) -> dict[str, Any]:
    """One line of the moderation queue."""
    proposed = submission.proposed or {}
    if submission.type == "edit":
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
    return {
        "id": submission.id,
        "type_label": vocab.SUBMISSION_TYPES[submission.type],
        "status": submission.status,
        "status_label": vocab.SUBMISSION_STATUSES[submission.status],
        "received": when(submission.created_at),
        "summary": summary,
    }


def queue_view(queue: Queue, types: Sequence[str], statuses: Sequence[str]) -> dict[str, Any]:
    status_key = _status_key(statuses)
    type_key = types[0] if types else ""
    status_filters = [
        {
            "label": "Open (waiting or changes requested)",
            "count": sum(queue.status_counts.get(s, 0) for s in vocab.OPEN_SUBMISSION_STATUSES),
            "url": _queue_url(type_key, ""),
            "selected": status_key == "",
        },
        *(
            {
                "label": label,
                "count": queue.status_counts.get(status, 0),
                "url": _queue_url(type_key, status),
                "selected": status_key == status,
            }
            for status, label in vocab.SUBMISSION_STATUSES.items()
        ),
        {
            "label": "Everything",
            "count": sum(queue.status_counts.values()),
            "url": _queue_url(type_key, "all"),
            "selected": status_key == "all",
        },
    ]
    type_filters = [
        {
            "label": "All types",
            "count": sum(queue.type_counts.values()),
            "url": _queue_url("", status_key),
            "selected": not type_key,
        },
        *(
            {
                "label": label,
                "count": queue.type_counts.get(kind, 0),
                "url": _queue_url(kind, status_key),
                "selected": type_key == kind,
            }
            for kind, label in vocab.SUBMISSION_TYPES.items()
        ),
    ]
    groups = [
        {
            "title": group.title,
            "slug": group.slug if group.listed else None,
            "submissions": [submission_summary(s) for s in group.submissions],
        }
        for group in queue.groups
    ]
    return {
        "groups": groups,
        "paging": _paging(queue, type_key, status_key),
        "status_filters": status_filters,
        "type_filters": type_filters,
    }


def _paging(queue: Queue, type_key: str, status_key: str) -> dict[str, Any]:
    """Where this page is among all of them, and the links to its neighbours, same filters."""
    first = (queue.page - 1) * queue.per_page + 1
    return {
        "first": first,
        "last": first + queue.shown - 1,
        "total": queue.total,
        "previous": _queue_url(type_key, status_key, queue.page - 1) if queue.page > 1 else None,
        "next": _queue_url(type_key, status_key, queue.page + 1)
        if queue.page < queue.pages
        else None,
        "page": queue.page,
        "pages": queue.pages,
    }


def audit_rows(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    """Audit events as entries of a history: a decision on a submission says what was
    decided and why; a change to a listing lists its fields, from what to what."""
    return [_audit_row(event) for event in events]


def _audit_row(event: AuditEvent) -> dict[str, Any]:
    decision = event.action in DECISION_ACTIONS
    return {
        "at": when(event.at),
        "actor": "the submitter" if event.actor == SUBMITTER else event.actor,
        "action": vocab.AUDIT_ACTIONS.get(event.action, event.action),
        "submission_id": event.submission_id,
        "reason": (event.after or {}).get("reason") if decision else None,
        "changes": [] if decision else _field_changes(event.before, event.after),
    }


def _field_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[dict[str, str]]:
    before, after = before or {}, after or {}
    rows = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        if same_value(name, old, new):
            continue
        label = FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()
        rows.append({"label": label, "before": display(name, old), "after": display(name, new)})
    return rows


def _country(code: str | None) -> str | None:
    return vocab.country_name(code) if code else None


def _status_key(statuses: Sequence[str]) -> str:
    if tuple(statuses) == vocab.OPEN_SUBMISSION_STATUSES:
        return ""
    if not statuses:
        return "all"
    return statuses[0]


def _queue_url(kind: str, status: str, page: int = 1) -> str:
    chosen = (("type", kind), ("status", status), ("page", str(page) if page > 1 else ""))
    params = "&".join(f"{name}={value}" for name, value in chosen if value)
    return "/moderate" + (f"?{params}" if params else "")


def choices() -> dict[str, Any]:
    """Everything the listing form offers to choose from."""
    return {
        "kinds": list(vocab.KINDS.items()),
        "focus": list(vocab.FOCUS.items()),
        "services": list(vocab.SERVICES.items()),
        "statuses": list(vocab.STATUSES.items()),
        "countries": country_choices(),
        "relations": list(vocab.SUBMITTER_RELATIONS.items()),
        "report_reasons": list(vocab.REPORT_REASONS.items()),
        "roles": list(vocab.MODERATOR_ROLES.items()),
    }


def failing_links(checks: Sequence[LinkCheck]) -> list[dict[str, Any]]:
    """Listings whose website may be down, for the moderators' queue."""
    return [
        {
            "slug": check.organisation_slug,
            "url": check.url,
            "problem": check.error or "did not answer",
            "checked": check.checked_at.strftime("%d %b %Y %H:%M UTC"),
        }
        for check in checks
    ]
